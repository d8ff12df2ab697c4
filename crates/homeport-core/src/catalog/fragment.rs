//! A template prepared for the stack builder, which puts several templates into one stack:
//! parameter names get the template's prefix so two templates' `HTTP_PORT` stay apart, and
//! only the services of the template's default profile are kept, without `profiles:`.

use std::collections::BTreeMap;

use homeport_compose::builder::{apply, BuilderEdit};
use homeport_compose::Document;

use crate::secrets::Secret;

use super::error::CatalogError;
use super::render::{render, StackFile};
use super::validate::PROFILES_PARAMETER;
use super::Template;

/// A template's services and the `.env` lines they read.
#[derive(Debug)]
pub struct Fragment {
    /// The services as Compose text, each `${NAME}` renamed to `${PREFIX_NAME}`.
    pub compose: String,
    /// `NAME=value` lines for the stack's `.env`, in the template's parameter order, generated
    /// passwords included.
    pub env: Secret,
    pub files: Vec<StackFile>,
    /// The service names of the template's default profile, before any rename.
    pub services: Vec<String>,
}

/// Prepares `template` with its default values and freshly generated passwords. Parameter
/// names get the prefix `<TEMPLATE>` (such as `UPTIME_KUMA`), or `<TEMPLATE>_2`, `_3`, ... when
/// `in_use` says a `.env` already has names with that prefix, so a template added twice gets
/// values of its own.
pub fn fragment(template: &Template, in_use: impl Fn(&str) -> bool) -> Result<Fragment, CatalogError> {
    let rendered = render(template, &BTreeMap::new(), &BTreeMap::new())?;
    let base = env_prefix(&template.metadata.id);
    let mut prefix = base.clone();
    let mut counter = 2;
    while in_use(&format!("{prefix}_")) && counter < 1000 {
        prefix = format!("{base}_{counter}");
        counter += 1;
    }
    let values = parse_env(rendered.env.expose());

    let mut names = BTreeMap::new();
    let mut env = String::new();
    let mut profiles = Vec::new();
    for parameter in &template.metadata.parameters {
        let value = values.get(&parameter.name).cloned().unwrap_or_default();
        if parameter.name == PROFILES_PARAMETER {
            profiles = value.split(',').map(|profile| profile.trim().to_string()).collect();
            continue;
        }
        let renamed = format!("{prefix}_{}", parameter.name);
        env.push_str(&format!("{renamed}='{value}'\n"));
        names.insert(parameter.name.clone(), renamed);
    }

    let compose = rename_references(&template.compose, &names);
    let (compose, services) = keep_profiles(&template.metadata.id, &compose, &profiles)?;
    Ok(Fragment {
        compose,
        env: Secret::new(env),
        files: rendered.files,
        services,
    })
}

/// Turns a template id such as `uptime-kuma` into `UPTIME_KUMA`.
fn env_prefix(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Reads the `NAME='value'` lines that the renderer writes.
fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| {
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value);
            (name.to_string(), value.to_string())
        })
        .collect()
}

/// Replaces each `${NAME}` with `${NEW}` from `names`, leaving `$$` escapes alone.
fn rename_references(text: &str, names: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            out.push_str("$$");
            rest = escaped;
            continue;
        }
        let renamed = after
            .strip_prefix('{')
            .and_then(|inner| inner.split_once('}'))
            .and_then(|(name, tail)| names.get(name).map(|new| (new, tail)));
        match renamed {
            Some((new, tail)) => {
                out.push_str(&format!("${{{new}}}"));
                rest = tail;
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes the services outside `profiles` and the `profiles:` key of the rest. A template
/// without profiles keeps every service.
fn keep_profiles(id: &str, compose: &str, profiles: &[String]) -> Result<(String, Vec<String>), CatalogError> {
    let invalid = |reason: String| CatalogError::ValueInvalid {
        template: id.to_string(),
        parameter: PROFILES_PARAMETER.to_string(),
        value: profiles.join(","),
        reason,
    };
    let mut document = Document::parse(compose).map_err(|diagnostics| invalid(diagnostics.to_string()))?;
    let services: Vec<(String, Vec<String>)> = document
        .node(&["services"])
        .and_then(|node| node.as_mapping())
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            let name = entry.key.scalar_text()?.to_string();
            let own = entry
                .value
                .get("profiles")
                .and_then(|node| node.as_sequence())
                .unwrap_or_default()
                .iter()
                .filter_map(|item| item.scalar_text().map(str::to_string))
                .collect();
            Some((name, own))
        })
        .collect();

    let mut kept = Vec::new();
    for (name, own) in services {
        if own.is_empty() {
            kept.push(name);
            continue;
        }
        if own.iter().any(|profile| profiles.contains(profile)) {
            document
                .remove_path(&["services", name.as_str(), "profiles"])
                .map_err(|err| invalid(err.to_string()))?;
            kept.push(name);
        } else {
            apply(&mut document, &BuilderEdit::RemoveService { name }).map_err(|err| invalid(err.to_string()))?;
        }
    }
    Ok((document.to_string(), kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn references_are_renamed_but_escapes_kept() {
        let names = BTreeMap::from([("PORT".to_string(), "APP_PORT".to_string())]);
        assert_eq!(
            rename_references("- \"${PORT}:80\" $$PORT $${PORT} ${OTHER}", &names),
            "- \"${APP_PORT}:80\" $$PORT $${PORT} ${OTHER}"
        );
    }

    #[test]
    fn prefix_is_upper_snake_case() {
        assert_eq!(env_prefix("uptime-kuma"), "UPTIME_KUMA");
    }

    #[test]
    fn every_template_becomes_a_valid_fragment() {
        let catalog = Catalog::embedded().unwrap();
        for template in catalog.templates() {
            let fragment = fragment(template, |_| false).unwrap();
            assert!(!fragment.services.is_empty(), "{}", template.metadata.id);
            assert!(!fragment.compose.contains("profiles:"), "{}", template.metadata.id);

            let env = homeport_compose::dotenv::parse_dotenv(fragment.env.expose(), &|_| None).unwrap();
            let environment = homeport_compose::Environment {
                values: env.into_iter().collect(),
                ignore_dotenv: true,
            };
            let files = [(std::path::PathBuf::from("compose.yaml"), fragment.compose.clone())];
            let loaded = homeport_compose::ComposeFile::load_strs(&files, &environment);
            assert!(loaded.is_ok(), "{}: {}", template.metadata.id, loaded.unwrap_err());
        }
    }

    #[test]
    fn jellyfin_keeps_its_default_variant() {
        let catalog = Catalog::embedded().unwrap();
        let fragment = fragment(catalog.get("jellyfin").unwrap(), |_| false).unwrap();
        assert_eq!(fragment.services, ["jellyfin"]);
        assert!(fragment.env.expose().contains("JELLYFIN_"), "{}", fragment.env.expose());
    }

    #[test]
    fn second_copy_gets_its_own_prefix() {
        let catalog = Catalog::embedded().unwrap();
        let first = fragment(catalog.get("vaultwarden").unwrap(), |_| false).unwrap();
        let env = first.env.expose().to_string();
        let second = fragment(catalog.get("vaultwarden").unwrap(), |prefix| {
            env.lines().any(|line| line.starts_with(prefix))
        })
        .unwrap();
        assert!(
            second.env.expose().contains("VAULTWARDEN_2_DATA_DIR="),
            "{}",
            second.env.expose()
        );
        assert!(
            second.compose.contains("${VAULTWARDEN_2_DATA_DIR}"),
            "{}",
            second.compose
        );
    }
}
