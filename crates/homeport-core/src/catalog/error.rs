//! Errors from loading, validating and rendering templates, with codes the UI branches on.

use std::collections::BTreeMap;
use std::fmt;

/// A 1-based position in a template file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Error category the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CatalogErrorCode {
    /// A template's files are broken. Shipped templates are checked by tests, so the user sees
    /// this only for a catalog folder they edited themselves.
    TemplateInvalid,
    TemplateNotFound,
    /// A value the user entered for a parameter is invalid or missing. `params["parameter"]`
    /// names the form field.
    ParameterInvalid,
    Internal,
}

/// Errors from the template catalog. Each names the file or the parameter and the fix.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The YAML cannot be parsed, or its structure is wrong: an unknown field, a missing field
    /// (such as a `zh-CN` text), or a value of the wrong type.
    #[error("{file} {at}: {detail}")]
    Syntax { file: String, at: Location, detail: String },

    /// A value in `template.yaml` or `compose.yaml` breaks a catalog rule. `field` is the path
    /// of the value, such as `parameters.HTTP_PORT.default`.
    #[error("{file}: {field}: {detail}")]
    Invalid {
        file: String,
        field: String,
        detail: String,
    },

    #[error("{file} {at}: ${{{name}}} is not declared in template.yaml; declare a parameter named {name} or remove the reference")]
    UndeclaredParameter { file: String, at: Location, name: String },

    #[error(
        "{file}: parameter {name} is declared but compose.yaml never uses ${{{name}}}; use it or remove the parameter"
    )]
    UnusedParameter { file: String, name: String },

    #[error("the template folder '{folder}' has no {file}; every template needs template.yaml and compose.yaml")]
    MissingFile { folder: String, file: &'static str },

    #[error("cannot read the catalog file '{path}': {detail}")]
    Io { path: String, detail: String },

    #[error("no template with the id '{0}' is in the catalog")]
    TemplateNotFound(String),

    /// `value` is `[redacted]` for passwords.
    #[error("template '{template}': invalid value '{value}' for {parameter}: {reason}")]
    ValueInvalid {
        template: String,
        parameter: String,
        value: String,
        reason: String,
    },

    #[error("template '{template}': {parameter} is required and has no default; enter a value")]
    ValueMissing { template: String, parameter: String },

    #[error("template '{template}' has no parameter named '{parameter}'")]
    UnknownParameter { template: String, parameter: String },

    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

impl CatalogError {
    /// Returns the code the UI branches on.
    pub fn code(&self) -> CatalogErrorCode {
        match self {
            CatalogError::Syntax { .. }
            | CatalogError::Invalid { .. }
            | CatalogError::UndeclaredParameter { .. }
            | CatalogError::UnusedParameter { .. }
            | CatalogError::MissingFile { .. }
            | CatalogError::Io { .. } => CatalogErrorCode::TemplateInvalid,
            CatalogError::TemplateNotFound(_) => CatalogErrorCode::TemplateNotFound,
            CatalogError::ValueInvalid { .. }
            | CatalogError::ValueMissing { .. }
            | CatalogError::UnknownParameter { .. } => CatalogErrorCode::ParameterInvalid,
            CatalogError::Random(_) => CatalogErrorCode::Internal,
        }
    }

    /// Returns the values a translated message interpolates, keyed by name.
    pub fn params(&self) -> BTreeMap<&'static str, String> {
        let mut params = BTreeMap::new();
        match self {
            CatalogError::Syntax { file, at, detail } => {
                params.insert("file", file.clone());
                params.insert("line", at.line.to_string());
                params.insert("column", at.column.to_string());
                params.insert("detail", detail.clone());
            }
            CatalogError::Invalid { file, field, detail } => {
                params.insert("file", file.clone());
                params.insert("field", field.clone());
                params.insert("detail", detail.clone());
            }
            CatalogError::UndeclaredParameter { file, at, name } => {
                params.insert("file", file.clone());
                params.insert("line", at.line.to_string());
                params.insert("column", at.column.to_string());
                params.insert("parameter", name.clone());
            }
            CatalogError::UnusedParameter { file, name } => {
                params.insert("file", file.clone());
                params.insert("parameter", name.clone());
            }
            CatalogError::MissingFile { folder, file } => {
                params.insert("file", format!("{folder}/{file}"));
            }
            CatalogError::Io { path, detail } => {
                params.insert("file", path.clone());
                params.insert("detail", detail.clone());
            }
            CatalogError::TemplateNotFound(id) => {
                params.insert("template", id.clone());
            }
            CatalogError::ValueInvalid {
                template,
                parameter,
                value,
                reason,
            } => {
                params.insert("template", template.clone());
                params.insert("parameter", parameter.clone());
                params.insert("value", value.clone());
                params.insert("detail", reason.clone());
            }
            CatalogError::ValueMissing { template, parameter }
            | CatalogError::UnknownParameter { template, parameter } => {
                params.insert("template", template.clone());
                params.insert("parameter", parameter.clone());
            }
            CatalogError::Random(detail) => {
                params.insert("detail", detail.clone());
            }
        }
        params
    }
}

/// Maps onto the core error until core has catalog variants of its own: broken templates
/// become `ConfigInvalid` (file, line, column) or `Internal`, and bad parameter values become
/// `InvalidInput` naming the parameter.
impl From<CatalogError> for crate::Error {
    fn from(err: CatalogError) -> Self {
        let message = err.to_string();
        match err {
            CatalogError::Syntax { file, at, detail } => crate::Error::ConfigInvalid {
                file,
                line: at.line,
                column: at.column,
                detail,
            },
            CatalogError::UndeclaredParameter { file, at, .. } => crate::Error::ConfigInvalid {
                file,
                line: at.line,
                column: at.column,
                detail: message,
            },
            CatalogError::ValueInvalid {
                parameter,
                value,
                reason,
                ..
            } => crate::Error::invalid("parameter", format!("{parameter}={value}"), reason),
            CatalogError::ValueMissing { parameter, .. } | CatalogError::UnknownParameter { parameter, .. } => {
                crate::Error::invalid("parameter", parameter, message)
            }
            CatalogError::TemplateNotFound(id) => crate::Error::invalid("template", id, message),
            CatalogError::Invalid { .. }
            | CatalogError::UnusedParameter { .. }
            | CatalogError::MissingFile { .. }
            | CatalogError::Io { .. }
            | CatalogError::Random(_) => crate::Error::Internal(message),
        }
    }
}
