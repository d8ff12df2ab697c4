//! Reads app templates from other homelab tools into one neutral form, [`AppTemplate`].
//!
//! - [`portainer`] reads Portainer App Templates: version 1 (a bare JSON list with string
//!   types), version 2 (`{"version": "2", "templates": […]}`) and version 3 (integer ids).
//! - [`casaos`] reads a CasaOS app: a Compose file with a top-level `x-casaos` block.
//!
//! Nothing is fetched: logo and repository URLs are returned as text, and HTML notes are
//! cleaned to a safe subset ([`TemplateNote`]).

pub mod casaos;
mod error;
mod note;
pub mod portainer;
mod variables;

use std::collections::BTreeMap;

pub use error::TemplateError;
pub use note::{sanitize_note, TemplateNote};
pub use variables::{collect_variables, is_variable_name, VariableReference};

/// One app from a template source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppTemplate {
    /// Portainer version 3's id, a CasaOS app's `x-casaos.id` or Compose project name, else
    /// derived from the title. Unique within one import.
    pub id: String,
    pub source: TemplateSource,
    pub title: LocalizedText,
    pub description: LocalizedText,
    /// A one-line summary (CasaOS `tagline`), empty for Portainer.
    pub tagline: LocalizedText,
    pub categories: Vec<String>,
    /// The logo or icon URL as written in the template. It is never fetched here.
    pub logo_url: Option<String>,
    /// Values the user fills in before deploying. The Compose text refers to each as
    /// `${NAME}`.
    pub parameters: Vec<TemplateParameter>,
    /// Portainer's HTML note, cleaned.
    pub note: Option<TemplateNote>,
    /// Address of the app's web interface (CasaOS `scheme`, `port_map` and `index`).
    pub web_ui: Option<WebUi>,
    /// Descriptions of published ports and mounted paths (CasaOS per-service `x-casaos`).
    pub described_ports: Vec<DescribedItem>,
    pub described_volumes: Vec<DescribedItem>,
    pub deployment: Deployment,
}

/// Origin of a template.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateSource {
    /// `origin` is the URL or file path the caller read the template list from.
    Portainer { origin: String },
    /// `origin` is the URL or file path of the Compose file.
    Casaos { origin: String },
}

/// Text in several languages. Locale keys are normalised to `ll_CC` (`en_us` becomes `en_US`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LocalizedText {
    /// The English text when there is one, else the first locale's, else empty. Portainer
    /// templates have only this.
    pub default: String,
    pub by_locale: BTreeMap<String, String>,
}

impl LocalizedText {
    /// Wraps text that has no locale.
    pub fn plain(text: impl Into<String>) -> LocalizedText {
        LocalizedText {
            default: text.into(),
            by_locale: BTreeMap::new(),
        }
    }

    /// Returns the text for `locale` (any case, `_` or `-`), then for its language alone,
    /// then the default.
    pub fn get(&self, locale: &str) -> &str {
        let locale = normalize_locale(locale);
        if let Some(text) = self.by_locale.get(&locale) {
            return text;
        }
        let language = locale.split('_').next().unwrap_or_default();
        self.by_locale
            .iter()
            .find(|(key, _)| key.split('_').next() == Some(language))
            .map_or(self.default.as_str(), |(_, text)| text.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.default.is_empty() && self.by_locale.is_empty()
    }
}

/// Normalises a locale key to `ll_CC`: the language lowercase, the region uppercase.
pub fn normalize_locale(key: &str) -> String {
    match key.split_once(['_', '-']) {
        Some((language, region)) => format!("{}_{}", language.to_lowercase(), region.to_uppercase()),
        None => key.to_lowercase(),
    }
}

/// A value the user sets before deploying.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TemplateParameter {
    /// The environment variable name.
    pub name: String,
    pub label: LocalizedText,
    pub description: LocalizedText,
    pub default: Option<String>,
    pub kind: ParameterKind,
}

/// Input form of a parameter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParameterKind {
    Text,
    /// A dropdown of fixed values.
    Select {
        options: Vec<SelectOption>,
    },
    /// Set by the template and not shown (Portainer `preset: true`).
    Hidden,
}

/// One dropdown entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SelectOption {
    pub label: String,
    pub value: String,
}

/// Address of an app's web interface on the host it runs on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WebUi {
    /// `http` unless the template names another scheme.
    pub scheme: String,
    /// The published port, as written (it may be a variable such as `${WEBUI_PORT}`).
    pub port: String,
    /// The path after the port, starting with `/`.
    pub path: String,
}

/// A port or path of one service with its description.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DescribedItem {
    pub service: String,
    /// The container port or path.
    pub container: String,
    pub description: LocalizedText,
}

/// Deployable content of a template.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deployment {
    /// A Portainer container template, converted to one Compose service.
    Container {
        service_name: String,
        /// One entry of a `services:` map.
        service_yaml: String,
        /// A complete Compose file with that service.
        compose_file: String,
    },
    /// A Portainer stack kept in a Git repository. Nothing is fetched.
    Repository {
        orchestrator: Orchestrator,
        url: String,
        /// Path of the Compose file inside the repository.
        stack_file: String,
    },
    /// A complete Compose file, as the source wrote it.
    ComposeText { text: String },
}

/// Engine a stack template is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Orchestrator {
    /// Portainer type 2. Homeport deploys with Compose, which ignores some Swarm-only keys.
    Swarm,
    /// Portainer type 3.
    Compose,
}

/// Makes ids unique within one import by adding `-2`, `-3` … to repeats.
pub fn make_ids_unique(templates: &mut [AppTemplate]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for template in templates {
        let count = seen.entry(template.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            template.id = format!("{}-{count}", template.id);
        }
    }
}

/// Turns a title into an id: lowercase letters, digits and dashes.
pub fn slug(title: &str) -> String {
    let mut slug = String::new();
    for character in title.to_lowercase().chars() {
        if character.is_alphanumeric() {
            slug.push(character);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "app".to_string()
    } else {
        slug.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_keys_normalise() {
        assert_eq!(normalize_locale("en_us"), "en_US");
        assert_eq!(normalize_locale("zh-CN"), "zh_CN");
        assert_eq!(normalize_locale("EN"), "en");
    }

    #[test]
    fn localized_text_falls_back() {
        let mut text = LocalizedText::plain("Hello");
        text.by_locale.insert("de_DE".to_string(), "Hallo".to_string());
        assert_eq!(text.get("de-de"), "Hallo");
        assert_eq!(text.get("de_AT"), "Hallo");
        assert_eq!(text.get("fr_FR"), "Hello");
    }

    #[test]
    fn slug_from_title() {
        assert_eq!(slug("  Home Assistant (beta)!"), "home-assistant-beta");
        assert_eq!(slug("!!!"), "app");
    }
}
