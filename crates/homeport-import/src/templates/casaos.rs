//! CasaOS apps: a Compose file with a top-level `x-casaos` block, as the CasaOS app store
//! keeps them.
//!
//! The top-level block has the app's `title`, `description`, `tagline`, `icon`, `category`,
//! `main` (the service with the web interface), `port_map`, `index` and `scheme`. Each
//! service may have its own `x-casaos` with `envs`, `ports` and `volumes`, each a list of
//! `{container, description}`. Localized fields are maps from locale to text, and the store
//! has used both `en_US` and `en_us` keys; both are read and normalised to `en_US`.
//!
//! The Compose text is returned as written: CasaOS-only keys are extensions (`x-`) that
//! Compose ignores. The parameters are the variables the Compose text reads (`$PUID`,
//! `${WEBUI_PORT:-8080}`), because those are the values a deploy's `.env` can set. Each gets
//! the description of the `envs` entry that uses it. CasaOS fills in `AppID`, `PUID`, `PGID`
//! and `TZ` itself, so those get defaults here.

use serde_norway::{Mapping, Value};

use super::variables::{collect_variables, VariableReference};
use super::{
    normalize_locale, slug, AppTemplate, Deployment, DescribedItem, LocalizedText, ParameterKind, TemplateError,
    TemplateParameter, TemplateSource, WebUi,
};

/// Reads one CasaOS app from its Compose file text. `origin` is the URL or path it came from.
///
/// Fails with the line and column of a YAML syntax error, when the file has no top-level
/// `x-casaos` block, or when a CasaOS field has the wrong shape (the error names the field).
pub fn parse(yaml: &str, origin: &str) -> Result<AppTemplate, TemplateError> {
    let document: Value = serde_norway::from_str(yaml).map_err(|error| {
        let (line, column) = error.location().map_or((0, 0), |place| (place.line(), place.column()));
        TemplateError::InvalidYaml {
            line,
            column,
            message: error.to_string(),
        }
    })?;
    let Some(casaos) = document.get("x-casaos") else {
        return Err(TemplateError::NotCasaos);
    };
    let casaos = as_mapping(casaos, "x-casaos")?;

    let title = localized(casaos, "x-casaos", "title")?;
    let id = text_field(casaos, "x-casaos", "id")?
        .or(text_field_of(&document, "name")?)
        .unwrap_or_else(|| slug(&title.default));
    let main_service = text_field(casaos, "x-casaos", "main")?;

    let mut template = AppTemplate {
        id,
        source: TemplateSource::Casaos {
            origin: origin.to_string(),
        },
        title,
        description: localized(casaos, "x-casaos", "description")?,
        tagline: localized(casaos, "x-casaos", "tagline")?,
        categories: text_field(casaos, "x-casaos", "category")?.into_iter().collect(),
        logo_url: text_field(casaos, "x-casaos", "icon")?,
        parameters: Vec::new(),
        note: None,
        web_ui: web_ui(casaos)?,
        described_ports: Vec::new(),
        described_volumes: Vec::new(),
        deployment: Deployment::ComposeText { text: yaml.to_string() },
    };

    let mut variables = Vec::new();
    let mut env_descriptions: Vec<(String, LocalizedText)> = Vec::new();
    if let Some(services) = document.get("services") {
        let services = as_mapping(services, "services")?;
        // The main service's parameters come first, as CasaOS shows them.
        let mut ordered: Vec<(&Value, &Value)> = services.iter().collect();
        ordered.sort_by_key(|(name, _)| name.as_str() != main_service.as_deref());
        for (name, service) in ordered {
            let name = name.as_str().unwrap_or_default();
            collect_value_variables(service, &mut variables);
            env_descriptions.extend(read_service(&mut template, name, service)?);
        }
    }
    if let Value::Mapping(top) = &document {
        for (key, value) in top {
            if !matches!(key.as_str(), Some("services" | "x-casaos")) {
                collect_value_variables(value, &mut variables);
            }
        }
    }

    let app_id = text_field_of(&document, "name")?.unwrap_or_else(|| template.id.clone());
    template.parameters = variables
        .into_iter()
        .map(|variable| {
            let description = env_descriptions
                .iter()
                .find(|(name, _)| *name == variable.name)
                .map(|(_, description)| description.clone())
                .unwrap_or_default();
            let default = variable.default.or_else(|| casaos_default(&variable.name, &app_id));
            TemplateParameter {
                label: if description.is_empty() {
                    LocalizedText::plain(variable.name.clone())
                } else {
                    description.clone()
                },
                name: variable.name,
                description,
                default,
                kind: ParameterKind::Text,
            }
        })
        .collect();
    Ok(template)
}

/// Returns the value CasaOS itself fills in for a variable it sets on every app, because a
/// CasaOS Compose file reads these without a default.
// NOTE: 1000 is the first user's id on a default install of most Linux distributions, not a
// value read from CasaOS; the user can change each one before deploying.
fn casaos_default(name: &str, app_id: &str) -> Option<String> {
    match name {
        // CasaOS sets AppID to the app's store id, the Compose `name`.
        "AppID" => Some(app_id.to_string()),
        "PUID" | "PGID" => Some("1000".to_string()),
        "TZ" => Some("Etc/UTC".to_string()),
        _ => None,
    }
}

/// Adds the variables every string below `value` reads, skipping `x-casaos` blocks, which
/// describe the app and are not deployed.
fn collect_value_variables(value: &Value, found: &mut Vec<VariableReference>) {
    match value {
        Value::String(text) => collect_variables(text, found),
        Value::Sequence(items) => {
            for item in items {
                collect_value_variables(item, found);
            }
        }
        Value::Mapping(map) => {
            for (key, item) in map {
                if key.as_str() != Some("x-casaos") {
                    collect_value_variables(item, found);
                }
            }
        }
        Value::Tagged(tagged) => collect_value_variables(&tagged.value, found),
        _ => {}
    }
}

/// Reads a service's `x-casaos` block into the template's port and volume descriptions, and
/// returns the description of each variable an `envs` entry explains: the entry's own name,
/// and the one variable its environment value reads (`DB_PASSWORD=${MYSQL_PASSWORD}`).
fn read_service(
    template: &mut AppTemplate,
    name: &str,
    service: &Value,
) -> Result<Vec<(String, LocalizedText)>, TemplateError> {
    let mut env_descriptions = Vec::new();
    let Some(casaos) = service.get("x-casaos") else {
        return Ok(env_descriptions);
    };
    let path = format!("services.{name}.x-casaos");
    let casaos = as_mapping(casaos, &path)?;
    let environment = service_environment(service);

    for (key, described) in [("envs", 0), ("ports", 1), ("volumes", 2)] {
        let Some(items) = casaos.get(key) else {
            continue;
        };
        let list_path = format!("{path}.{key}");
        let Value::Sequence(items) = items else {
            return Err(shape_error(
                &list_path,
                "is not a list",
                "Write it as a list of {container, description}",
            ));
        };
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{list_path}[{index}]");
            let item = as_mapping(item, &item_path)?;
            let Some(container) = text_field(item, &item_path, "container")? else {
                return Err(shape_error(
                    &format!("{item_path}.container"),
                    "is missing",
                    "Name the variable, port or path inside the container",
                ));
            };
            let description = localized(item, &item_path, "description")?;
            match described {
                0 => {
                    let value = environment
                        .iter()
                        .find(|(variable, _)| *variable == container)
                        .and_then(|(_, value)| value.as_deref());
                    let mut read = Vec::new();
                    if let Some(value) = value {
                        collect_variables(value, &mut read);
                    }
                    if let [only] = read.as_slice() {
                        env_descriptions.push((only.name.clone(), description.clone()));
                    }
                    env_descriptions.push((container, description));
                }
                1 => template.described_ports.push(DescribedItem {
                    service: name.to_string(),
                    container,
                    description,
                }),
                _ => template.described_volumes.push(DescribedItem {
                    service: name.to_string(),
                    container,
                    description,
                }),
            }
        }
    }
    Ok(env_descriptions)
}

/// Returns a service's `environment`, from either the list or the map form.
fn service_environment(service: &Value) -> Vec<(String, Option<String>)> {
    match service.get("environment") {
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|item| match item.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (item.to_string(), None),
            })
            .collect(),
        Some(Value::Mapping(map)) => map
            .iter()
            .filter_map(|(name, value)| Some((name.as_str()?.to_string(), scalar_text(value))))
            .collect(),
        _ => Vec::new(),
    }
}

fn web_ui(casaos: &Mapping) -> Result<Option<WebUi>, TemplateError> {
    let Some(port) = text_field(casaos, "x-casaos", "port_map")? else {
        return Ok(None);
    };
    let path = text_field(casaos, "x-casaos", "index")?.unwrap_or_else(|| "/".to_string());
    Ok(Some(WebUi {
        scheme: text_field(casaos, "x-casaos", "scheme")?.unwrap_or_else(|| "http".to_string()),
        port,
        path: if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        },
    }))
}

/// Reads a localized field: a map from locale to text, or plain text.
fn localized(map: &Mapping, parent: &str, key: &str) -> Result<LocalizedText, TemplateError> {
    let mut text = LocalizedText::default();
    match map.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Mapping(locales)) => {
            for (locale, value) in locales {
                let (Some(locale), Some(value)) = (locale.as_str(), scalar_text(value)) else {
                    return Err(shape_error(
                        &format!("{parent}.{key}"),
                        "has a locale entry that is not text",
                        "Write each entry as en_US: text",
                    ));
                };
                text.by_locale.insert(normalize_locale(locale), value);
            }
            text.default = text
                .by_locale
                .get("en_US")
                .or_else(|| text.by_locale.values().next())
                .cloned()
                .unwrap_or_default();
        }
        Some(value) => match scalar_text(value) {
            Some(plain) => text.default = plain,
            None => {
                return Err(shape_error(
                    &format!("{parent}.{key}"),
                    "is neither text nor a map of locales",
                    "Write it as en_US: text",
                ))
            }
        },
    }
    Ok(text)
}

fn text_field(map: &Mapping, parent: &str, key: &str) -> Result<Option<String>, TemplateError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => scalar_text(value).map(Some).ok_or_else(|| {
            shape_error(
                &format!("{parent}.{key}"),
                "is not text or a number",
                "Write a single value",
            )
        }),
    }
}

fn text_field_of(document: &Value, key: &str) -> Result<Option<String>, TemplateError> {
    match document {
        Value::Mapping(map) => text_field(map, "", key),
        _ => Ok(None),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn as_mapping<'a>(value: &'a Value, path: &str) -> Result<&'a Mapping, TemplateError> {
    match value {
        Value::Mapping(map) => Ok(map),
        _ => Err(shape_error(path, "is not a map", "Write it as key: value lines")),
    }
}

fn shape_error(field: &str, problem: &str, hint: &str) -> TemplateError {
    TemplateError::InvalidCasaos {
        field: field.trim_start_matches('.').to_string(),
        problem: problem.to_string(),
        hint: hint.to_string(),
    }
}
