//! The fields of `template.yaml`. Every struct rejects unknown fields, so a misspelt key is an
//! error with its line and column instead of a silently ignored setting.

use serde::Deserialize;

/// A text in both UI languages. Both are required.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
}

/// The catalog section a template is listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Media,
    Photos,
    Productivity,
    Proxy,
    Monitoring,
    Security,
    HomeAutomation,
    Network,
    Management,
}

/// The kind of a parameter's value, which sets the form control and the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterType {
    String,
    /// A TCP or UDP port, 1 to 65535.
    Port,
    /// A folder on the host, absolute (`/srv/media`) or relative to the stack folder (`./data`).
    Path,
    /// A password generated at deploy time. Every password parameter is listed in `secrets`.
    Password,
    /// `true` or `false`.
    Bool,
    /// One of `options`.
    Select,
    /// A whole number, optionally within `min` and `max`.
    Int,
}

/// One choice of a `select` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectOption {
    pub value: String,
    pub title: Localized,
}

/// A value the user can set before deploying. `name` is the variable that `compose.yaml`
/// references as `${NAME}` and that the stack's `.env` file sets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParameterType,
    /// As written in YAML. Validation checks it against `kind`; [`Parameter::default_text`]
    /// returns it as it goes into `.env`.
    #[serde(default)]
    pub default: Option<serde_norway::Value>,
    /// The value may not be empty.
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<SelectOption>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    pub title: Localized,
    pub help: Localized,
    /// The reason for the default, or for having none.
    pub reason: Localized,
}

impl Parameter {
    /// Returns the default as `.env` text, or `None` when there is no default. Only call this
    /// on validated templates: a YAML type that validation rejects yields `None`.
    pub fn default_text(&self) -> Option<String> {
        match self.default.as_ref()? {
            serde_norway::Value::String(text) => Some(text.clone()),
            serde_norway::Value::Bool(flag) => Some(flag.to_string()),
            serde_norway::Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
            _ => None,
        }
    }

    /// Returns whether the value must be kept secret: it goes only into `.env` and the keychain.
    pub fn is_secret(&self) -> bool {
        self.kind == ParameterType::Password
    }
}

/// The contents of `template.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateMetadata {
    /// Equal to the folder name: lower-case letters, digits and `-`.
    pub id: String,
    /// The template's own version (`MAJOR.MINOR.PATCH`), raised whenever its files change.
    pub version: String,
    pub title: Localized,
    pub description: Localized,
    pub category: Category,
    /// The name of an icon in the UI's icon set.
    pub icon: String,
    pub homepage: String,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// Names of the `password` parameters generated at deploy time.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Hints shown after the stack is deployed.
    #[serde(default)]
    pub notes: Vec<Localized>,
}

impl TemplateMetadata {
    /// Returns the parameter named `name`.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|parameter| parameter.name == name)
    }
}
