//! Errors from converting a `docker run` command, each with its place and a fix.

/// A command that cannot be converted, with the place of the problem in the pasted text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("line {line}, column {column}: {kind}. {hint}", hint = .kind.hint())]
pub struct DockerRunError {
    /// 1-based line in the pasted text.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    pub kind: DockerRunErrorKind,
}

/// Kind of error. Its serialized `code` is stable, and [`DockerRunErrorKind::hint`] gives the fix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DockerRunErrorKind {
    #[error("the command is empty")]
    Empty,

    #[error("the command starts with '{word}' instead of 'docker'")]
    NotDocker { word: String },

    #[error("'docker {subcommand}' is not 'docker run'")]
    NotRun { subcommand: String },

    #[error("unterminated {quote} quote")]
    UnterminatedQuote { quote: char },

    #[error("unterminated '${{' variable")]
    UnterminatedVariable,

    #[error("'{text}' has no value outside a shell script")]
    UnsupportedVariable { text: String },

    #[error("shell operator '{operator}' after the docker command")]
    ShellOperator { operator: String },

    #[error("command substitution needs a shell to run it")]
    CommandSubstitution,

    #[error("missing value for '{flag}'")]
    MissingValue { flag: String },

    #[error("invalid value '{value}' for '{flag}': {reason}")]
    InvalidValue {
        flag: String,
        value: String,
        reason: String,
    },

    #[error("missing image name")]
    MissingImage,
}

impl DockerRunError {
    pub(crate) fn new(line: usize, column: usize, kind: DockerRunErrorKind) -> DockerRunError {
        DockerRunError { line, column, kind }
    }

    /// Returns the stable error code, the same string as the serialized `code` field.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl DockerRunErrorKind {
    /// Returns the stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            DockerRunErrorKind::Empty => "empty",
            DockerRunErrorKind::NotDocker { .. } => "not_docker",
            DockerRunErrorKind::NotRun { .. } => "not_run",
            DockerRunErrorKind::UnterminatedQuote { .. } => "unterminated_quote",
            DockerRunErrorKind::UnterminatedVariable => "unterminated_variable",
            DockerRunErrorKind::UnsupportedVariable { .. } => "unsupported_variable",
            DockerRunErrorKind::ShellOperator { .. } => "shell_operator",
            DockerRunErrorKind::CommandSubstitution => "command_substitution",
            DockerRunErrorKind::MissingValue { .. } => "missing_value",
            DockerRunErrorKind::InvalidValue { .. } => "invalid_value",
            DockerRunErrorKind::MissingImage => "missing_image",
        }
    }

    /// Returns a short instruction that fixes the error.
    pub fn hint(&self) -> String {
        match self {
            DockerRunErrorKind::Empty => "Paste a command that starts with 'docker run'".to_string(),
            DockerRunErrorKind::NotDocker { word } if word == "sudo" => {
                "Remove 'sudo' so the command starts with 'docker run'".to_string()
            }
            DockerRunErrorKind::NotDocker { .. } => {
                "Paste only the docker command, starting with 'docker run'".to_string()
            }
            DockerRunErrorKind::NotRun { .. } => {
                "Only 'docker run' and 'docker container run' can be converted".to_string()
            }
            DockerRunErrorKind::UnterminatedQuote { quote } => {
                format!("Add the closing {quote} or remove the one at this place")
            }
            DockerRunErrorKind::UnterminatedVariable => "Close the variable name with '}'".to_string(),
            DockerRunErrorKind::UnsupportedVariable { .. } => {
                "Replace it with its value, or with a $NAME variable that Compose can set".to_string()
            }
            DockerRunErrorKind::ShellOperator { .. } => {
                "Paste only the docker run command, without the commands joined to it".to_string()
            }
            DockerRunErrorKind::CommandSubstitution => {
                "Replace $(...) or `...` with the text it prints, such as the full path for $(pwd)".to_string()
            }
            DockerRunErrorKind::MissingValue { flag } => {
                format!("Write the value after '{flag}', or remove the flag")
            }
            DockerRunErrorKind::InvalidValue { flag, .. } => {
                format!("Correct the value of '{flag}' as 'docker run --help' describes it")
            }
            DockerRunErrorKind::MissingImage => {
                "Write the image name after the flags, such as 'nginx:1.27'".to_string()
            }
        }
    }
}
