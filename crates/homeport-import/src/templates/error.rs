//! Errors from reading template files, each naming the place or field and the fix.

/// A template file that cannot be read. The serialized `code` is stable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TemplateError {
    /// Broken JSON syntax, or a value of the wrong type. `path` is the field, such as
    /// `templates[2].env[0].name`, or empty for a syntax error.
    #[error("line {line}, column {column}{}: {message}. {hint}", field_text(.path))]
    InvalidJson {
        line: usize,
        column: usize,
        path: String,
        message: String,
        hint: String,
    },

    /// Broken YAML syntax in a CasaOS Compose file.
    #[error("line {line}, column {column}: {message}. Fix the YAML syntax at that place")]
    InvalidYaml {
        line: usize,
        column: usize,
        message: String,
    },

    #[error(
        "unsupported Portainer template version '{version}'. Homeport reads version 1 (a bare list), \"2\" and \"3\""
    )]
    UnsupportedVersion { version: String },

    /// A template whose values parse but do not fit together, such as a container without
    /// an image.
    #[error("template {index} ('{title}'), field '{field}': {problem}. {hint}")]
    InvalidTemplate {
        /// 0-based position in the template list.
        index: usize,
        title: String,
        field: String,
        problem: String,
        hint: String,
    },

    #[error("the file has no top-level 'x-casaos' block, so it is not a CasaOS app. Import it as a plain Compose file instead")]
    NotCasaos,

    /// A CasaOS field with the wrong shape. `field` is a dotted path such as
    /// `services.web.x-casaos.envs[0].container`.
    #[error("field '{field}': {problem}. {hint}")]
    InvalidCasaos {
        field: String,
        problem: String,
        hint: String,
    },
}

fn field_text(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!(", field '{path}'")
    }
}

impl TemplateError {
    /// Returns the stable error code, the same string as the serialized `code` field.
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::InvalidJson { .. } => "invalid_json",
            TemplateError::InvalidYaml { .. } => "invalid_yaml",
            TemplateError::UnsupportedVersion { .. } => "unsupported_version",
            TemplateError::InvalidTemplate { .. } => "invalid_template",
            TemplateError::NotCasaos => "not_casaos",
            TemplateError::InvalidCasaos { .. } => "invalid_casaos",
        }
    }

    /// Converts a serde_json error, with the field path from serde_path_to_error.
    pub(crate) fn from_json(error: serde_path_to_error::Error<serde_json::Error>) -> TemplateError {
        let path = error.path().to_string();
        TemplateError::from_json_at(path, error.into_inner())
    }

    /// Converts a serde_json error found at the field `path` (`.` for the whole document).
    pub(crate) fn from_json_at(path: String, inner: serde_json::Error) -> TemplateError {
        let hint = match inner.classify() {
            serde_json::error::Category::Syntax => "Fix the JSON syntax at that place".to_string(),
            serde_json::error::Category::Eof => "The file ends too early: close every bracket and quote".to_string(),
            serde_json::error::Category::Data => {
                format!("Change the value of '{path}' to the type the message names, or remove the field")
            }
            serde_json::error::Category::Io => "Read the file again".to_string(),
        };
        // serde_json appends " at line L column C" to its message, which the error shows itself.
        let message = inner.to_string();
        let message = match message.rfind(" at line ") {
            Some(position) => message[..position].to_string(),
            None => message,
        };
        // A syntax error has no field yet: serde_path_to_error then reports a partial path
        // such as `[0].?`, which would only mislead.
        let syntax = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        TemplateError::InvalidJson {
            line: inner.line(),
            column: inner.column(),
            path: if path == "." || syntax { String::new() } else { path },
            message,
            hint,
        }
    }
}
