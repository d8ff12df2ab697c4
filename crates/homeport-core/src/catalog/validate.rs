//! Strict checks of a template's files. Templates are data that a deploy writes to a host, so
//! every rule here stops a mistake before it reaches a server.

use std::collections::{BTreeSet, HashSet};

use serde_norway::Value;

use super::error::{CatalogError, Location};
use super::interpolation;
use super::metadata::{Localized, Parameter, ParameterType, TemplateMetadata};
use super::values::check_value;

/// The one Compose setting a template may set through `.env`: it chooses which services
/// with `profiles:` start, so a `select` can switch between alternative services.
pub const PROFILES_PARAMETER: &str = "COMPOSE_PROFILES";

/// Parses `template.yaml`. Structure errors (unknown or missing fields, wrong types) carry the
/// line and column that serde_norway reports.
pub fn parse_metadata(file: &str, text: &str) -> Result<TemplateMetadata, CatalogError> {
    serde_norway::from_str(text).map_err(|err| syntax_error(file, err))
}

/// Parses `compose.yaml` into a generic YAML value.
pub fn parse_compose(file: &str, text: &str) -> Result<Value, CatalogError> {
    serde_norway::from_str(text).map_err(|err| syntax_error(file, err))
}

fn syntax_error(file: &str, err: serde_norway::Error) -> CatalogError {
    // NOTE: serde_norway reports no location for a few errors (an empty document); those point
    // at the start of the file.
    let at = err
        .location()
        .map_or(Location { line: 1, column: 1 }, |location| Location {
            line: location.line(),
            column: location.column(),
        });
    let mut detail = err.to_string();
    // The message ends with " at line N column M", which `at` already carries.
    if let Some(cut) = detail.rfind(" at line ") {
        detail.truncate(cut);
    }
    CatalogError::Syntax {
        file: file.to_string(),
        at,
        detail,
    }
}

/// Checks every metadata rule that serde's structure checks cannot express.
pub fn check_metadata(file: &str, folder: &str, metadata: &TemplateMetadata) -> Result<(), CatalogError> {
    let invalid = |field: &str, detail: String| CatalogError::Invalid {
        file: file.to_string(),
        field: field.to_string(),
        detail,
    };

    if metadata.id != folder {
        return Err(invalid(
            "id",
            format!("'{}' differs from the folder name '{folder}'", metadata.id),
        ));
    }
    if !is_slug(&metadata.id) {
        return Err(invalid("id", "use lower-case letters, digits and '-'".to_string()));
    }
    if !is_version(&metadata.version) {
        return Err(invalid(
            "version",
            format!("'{}' is not MAJOR.MINOR.PATCH", metadata.version),
        ));
    }
    check_text(file, "title", &metadata.title)?;
    check_text(file, "description", &metadata.description)?;
    if !is_slug(&metadata.icon) {
        return Err(invalid("icon", "use lower-case letters, digits and '-'".to_string()));
    }
    if !metadata.homepage.starts_with("https://") || metadata.homepage.contains(char::is_whitespace) {
        return Err(invalid("homepage", "expected an https:// address".to_string()));
    }
    for (index, note) in metadata.notes.iter().enumerate() {
        check_text(file, &format!("notes[{index}]"), note)?;
    }

    let mut names = HashSet::new();
    for parameter in &metadata.parameters {
        if !names.insert(parameter.name.as_str()) {
            return Err(invalid(
                &format!("parameters.{}", parameter.name),
                "the name is declared twice".to_string(),
            ));
        }
        check_parameter(file, metadata, parameter)?;
    }

    let mut secrets = HashSet::new();
    for name in &metadata.secrets {
        let field = format!("secrets.{name}");
        if !secrets.insert(name.as_str()) {
            return Err(invalid(&field, "listed twice".to_string()));
        }
        match metadata.parameter(name) {
            None => return Err(invalid(&field, "no parameter has this name".to_string())),
            Some(parameter) if parameter.kind != ParameterType::Password => {
                return Err(invalid(&field, "only password parameters can be generated".to_string()))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_parameter(file: &str, metadata: &TemplateMetadata, parameter: &Parameter) -> Result<(), CatalogError> {
    let field = format!("parameters.{}", parameter.name);
    let invalid = |suffix: &str, detail: String| CatalogError::Invalid {
        file: file.to_string(),
        field: if suffix.is_empty() {
            field.clone()
        } else {
            format!("{field}.{suffix}")
        },
        detail,
    };

    if !is_parameter_name(&parameter.name) {
        return Err(invalid(
            "",
            "a name is upper-case letters, digits and '_', starting with a letter".to_string(),
        ));
    }
    // Compose reads COMPOSE_* and DOCKER_* from .env as its own settings (project name,
    // engine address), so a parameter with such a name would change how the stack deploys.
    let reserved = parameter.name.starts_with("COMPOSE_") || parameter.name.starts_with("DOCKER_");
    if reserved && parameter.name != PROFILES_PARAMETER {
        return Err(invalid(
            "",
            format!(
                "names starting with COMPOSE_ or DOCKER_ are Compose settings; only {PROFILES_PARAMETER} may be used"
            ),
        ));
    }
    if parameter.name == PROFILES_PARAMETER && parameter.kind != ParameterType::Select {
        return Err(invalid("type", format!("{PROFILES_PARAMETER} must be a select")));
    }

    check_text(file, &format!("{field}.title"), &parameter.title)?;
    check_text(file, &format!("{field}.help"), &parameter.help)?;
    check_text(file, &format!("{field}.reason"), &parameter.reason)?;

    let is_select = parameter.kind == ParameterType::Select;
    if is_select && parameter.options.is_empty() {
        return Err(invalid("options", "a select needs at least one option".to_string()));
    }
    if !is_select && !parameter.options.is_empty() {
        return Err(invalid("options", "only a select has options".to_string()));
    }
    let mut values = HashSet::new();
    for option in &parameter.options {
        if option.value.is_empty() || !values.insert(option.value.as_str()) {
            return Err(invalid(
                "options",
                format!("the value '{}' is empty or repeated", option.value),
            ));
        }
        if option.value.contains(|c: char| c == '\'' || c.is_control()) {
            return Err(invalid(
                "options",
                format!("the value '{}' contains a quote or a control character", option.value),
            ));
        }
        check_text(file, &format!("{field}.options.{}.title", option.value), &option.title)?;
    }

    if parameter.kind != ParameterType::Int && (parameter.min.is_some() || parameter.max.is_some()) {
        return Err(invalid("min", "only an int has min and max".to_string()));
    }
    if let (Some(min), Some(max)) = (parameter.min, parameter.max) {
        if min > max {
            return Err(invalid("min", format!("min {min} is greater than max {max}")));
        }
    }

    if parameter.kind == ParameterType::Password {
        if parameter.default.is_some() {
            return Err(invalid(
                "default",
                "a password has no default; it is generated at deploy".to_string(),
            ));
        }
        if !metadata.secrets.contains(&parameter.name) {
            return Err(invalid(
                "",
                "every password parameter must be listed in secrets".to_string(),
            ));
        }
        return Ok(());
    }

    if let Some(default) = &parameter.default {
        check_default(parameter, default).map_err(|detail| invalid("default", detail))?;
    }
    Ok(())
}

/// Checks that the YAML type of a default matches the parameter type, then its value.
fn check_default(parameter: &Parameter, default: &Value) -> Result<(), String> {
    let type_matches = match parameter.kind {
        ParameterType::Port | ParameterType::Int => matches!(default, Value::Number(n) if n.is_i64() || n.is_u64()),
        ParameterType::Bool => default.is_bool(),
        ParameterType::String | ParameterType::Path | ParameterType::Select | ParameterType::Password => {
            default.is_string()
        }
    };
    if !type_matches {
        let expected = match parameter.kind {
            ParameterType::Port | ParameterType::Int => "a whole number",
            ParameterType::Bool => "true or false",
            _ => "a string",
        };
        return Err(format!("expected {expected}, found {}", describe(default)));
    }
    let text = parameter.default_text().unwrap_or_default();
    check_value(parameter, &text)
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => format!("'{text}'"),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(_) => "a tagged value".to_string(),
    }
}

fn check_text(file: &str, field: &str, text: &Localized) -> Result<(), CatalogError> {
    for (language, value) in [("en", &text.en), ("zh-CN", &text.zh_cn)] {
        if value.trim().is_empty() {
            return Err(CatalogError::Invalid {
                file: file.to_string(),
                field: format!("{field}.{language}"),
                detail: "the text is empty; every text needs en and zh-CN".to_string(),
            });
        }
    }
    Ok(())
}

/// Checks `compose.yaml` against the metadata: references, profiles and shipped files.
pub fn check_compose(
    folder: &str,
    metadata: &TemplateMetadata,
    compose_text: &str,
    extra_files: &[String],
) -> Result<(), CatalogError> {
    let file = format!("{folder}/compose.yaml");
    let compose = parse_compose(&file, compose_text)?;
    let invalid = |field: &str, detail: String| CatalogError::Invalid {
        file: file.clone(),
        field: field.to_string(),
        detail,
    };

    let services = match compose.get("services") {
        Some(Value::Mapping(services)) if !services.is_empty() => services,
        _ => {
            return Err(invalid(
                "services",
                "expected a mapping with at least one service".to_string(),
            ))
        }
    };

    let mut scalars = Vec::new();
    collect_scalars(&compose, &mut scalars);
    let mut used = BTreeSet::new();
    for scalar in scalars {
        let names = interpolation::references(scalar).map_err(|err| {
            let at = interpolation::locate(compose_text, &err.snippet).unwrap_or(Location { line: 1, column: 1 });
            CatalogError::Syntax {
                file: file.clone(),
                at,
                detail: err.detail,
            }
        })?;
        for name in names {
            if metadata.parameter(&name).is_none() {
                let reference = format!("${{{name}}}");
                let at = interpolation::locate(compose_text, &reference).unwrap_or(Location { line: 1, column: 1 });
                return Err(CatalogError::UndeclaredParameter { file, at, name });
            }
            used.insert(name);
        }
    }

    for parameter in &metadata.parameters {
        if parameter.name != PROFILES_PARAMETER && !used.contains(&parameter.name) {
            return Err(CatalogError::UnusedParameter {
                file,
                name: parameter.name.clone(),
            });
        }
    }

    check_profiles(&file, metadata, services)?;
    check_extra_files(&file, compose_text, extra_files)
}

/// Collects every string value (not mapping keys), since Compose interpolates values only.
fn collect_scalars<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(text) => out.push(text),
        Value::Sequence(items) => items.iter().for_each(|item| collect_scalars(item, out)),
        Value::Mapping(mapping) => mapping.values().for_each(|item| collect_scalars(item, out)),
        Value::Tagged(tagged) => collect_scalars(&tagged.value, out),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A service with `profiles:` starts only when `COMPOSE_PROFILES` names one of them, so the
/// select's options and the profiles used must be the same set.
fn check_profiles(
    file: &str,
    metadata: &TemplateMetadata,
    services: &serde_norway::Mapping,
) -> Result<(), CatalogError> {
    let mut profiles = BTreeSet::new();
    for service in services.values() {
        if let Some(Value::Sequence(list)) = service.get("profiles") {
            profiles.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    let options: BTreeSet<String> = metadata
        .parameter(PROFILES_PARAMETER)
        .map(|parameter| parameter.options.iter().map(|option| option.value.clone()).collect())
        .unwrap_or_default();

    if profiles != options {
        let detail = if options.is_empty() {
            format!("services use profiles {profiles:?}; add a {PROFILES_PARAMETER} select whose options are these profiles")
        } else {
            format!(
                "the {PROFILES_PARAMETER} options {options:?} differ from the profiles the services use {profiles:?}"
            )
        };
        return Err(CatalogError::Invalid {
            file: file.to_string(),
            field: "profiles".to_string(),
            detail,
        });
    }
    Ok(())
}

/// Every file beside template.yaml and compose.yaml is copied to the host, so each must be
/// mounted: compose.yaml names it, or a folder holding it, as `./PATH`.
fn check_extra_files(file: &str, compose_text: &str, extra_files: &[String]) -> Result<(), CatalogError> {
    for path in extra_files {
        let mut candidates = vec![path.as_str()];
        candidates.extend(path.match_indices('/').map(|(slash, _)| &path[..slash]));
        let mounted = candidates.iter().any(|candidate| {
            let reference = format!("./{candidate}");
            compose_text.match_indices(&reference).any(|(start, _)| {
                let next = compose_text[start + reference.len()..].chars().next();
                !matches!(next, Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
            })
        });
        if !mounted {
            return Err(CatalogError::Invalid {
                file: file.to_string(),
                field: path.clone(),
                detail: format!(
                    "the template ships {path} but compose.yaml never mounts ./{path} or a folder holding it"
                ),
            });
        }
    }
    Ok(())
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

fn is_parameter_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}
