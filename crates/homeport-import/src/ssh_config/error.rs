//! Errors found while loading a configuration, each with its place, the offending text and a fix.

use std::fmt;
use std::path::{Path, PathBuf};

use super::tokens::TokenSet;

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{path}:{line}:{column}: {kind}; {hint}", path = .file.display(), hint = .kind.hint())]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line, or 0 when the error concerns the whole file.
    pub line: usize,
    /// 1-based column in characters (a tab counts as one), or 0 with line 0.
    pub column: usize,
    /// The text the error points at, as written in the file.
    pub text: String,
    pub kind: ConfigErrorKind,
}

/// Kind of error. `Display` gives the message and [`ConfigErrorKind::hint`] the fix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConfigErrorKind {
    #[error("cannot read '{path}': {message}", path = .path.display())]
    ReadFailed { path: PathBuf, message: String },

    #[error("unknown keyword '{keyword}' (OpenSSH: Bad configuration option)")]
    UnknownKeyword { keyword: String },

    #[error("missing value for '{keyword}'")]
    MissingValue { keyword: String },

    #[error("unterminated quote")]
    UnterminatedQuote,

    #[error("'{keyword}' takes one value but the line goes on with '{extra}'")]
    ExtraArguments { keyword: String, extra: String },

    #[error("invalid port '{value}'")]
    InvalidPort { value: String },

    #[error("invalid value '{value}' for '{keyword}'")]
    InvalidFlag { keyword: String, value: String },

    #[error("invalid ProxyJump '{value}': {reason}")]
    InvalidProxyJump { value: String, reason: String },

    #[error("unknown token '{token}' in '{keyword}'")]
    UnknownToken { keyword: String, token: String },

    #[error("unterminated '${{' in '{keyword}'")]
    UnterminatedVariable { keyword: String },

    #[error("empty pattern in 'Host'")]
    EmptyPattern,

    #[error("Match criterion '{criterion}' needs an argument")]
    MissingMatchArgument { criterion: String },

    #[error("'Match all' cannot be followed by other criteria")]
    MatchAllCombined,

    #[error("include loop: {}", chain_text(.chain))]
    IncludeLoop { chain: Vec<PathBuf> },

    #[error("includes nest deeper than {max} files: {}", chain_text(.chain))]
    IncludeTooDeep { max: usize, chain: Vec<PathBuf> },

    #[error("invalid Include pattern '{pattern}': {message}")]
    InvalidGlob { pattern: String, message: String },

    /// The file is not an ssh_config. The message never quotes the file, which may be a key.
    #[error("not an SSH client configuration: {reason}; its lines are not shown because such a file may hold secrets")]
    NotSshConfig { reason: ForeignReason },
}

/// Reason a file is taken for something other than an ssh_config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ForeignReason {
    #[error("it contains binary data")]
    Binary,
    #[error("its first setting does not start with a keyword OpenSSH accepts")]
    NoKeyword,
}

impl ConfigErrorKind {
    /// Returns a short instruction that fixes the error.
    pub fn hint(&self) -> String {
        let hint = match self {
            ConfigErrorKind::ReadFailed { .. } => "check that the file exists and that you can read it",
            ConfigErrorKind::UnknownKeyword { .. } => {
                "check the spelling, or name the keyword in an IgnoreUnknown line above this one"
            }
            ConfigErrorKind::MissingValue { .. } => "write the value after the keyword",
            ConfigErrorKind::UnterminatedQuote => "add the closing quote",
            ConfigErrorKind::ExtraArguments { .. } => "put double quotes around a value that contains spaces",
            ConfigErrorKind::InvalidPort { .. } => "use a number from 1 to 65535 or a service name such as ssh",
            ConfigErrorKind::InvalidFlag { .. } => "use yes or no",
            ConfigErrorKind::InvalidProxyJump { .. } => {
                "use none, or hops of the form [user@]host[:port] separated by commas, IPv6 addresses in brackets"
            }
            ConfigErrorKind::UnknownToken { keyword, .. } => return unknown_token_hint(keyword),
            ConfigErrorKind::UnterminatedVariable { .. } => "close the variable name with '}'",
            ConfigErrorKind::EmptyPattern => "remove the empty quotes or write a host pattern",
            ConfigErrorKind::MissingMatchArgument { .. } => {
                "write a pattern after the criterion, as in 'Match host *.lan'"
            }
            ConfigErrorKind::MatchAllCombined => "remove 'all' or the criteria after it",
            ConfigErrorKind::IncludeLoop { .. } => "remove the Include that reads a file which includes this one again",
            ConfigErrorKind::IncludeTooDeep { .. } => "include fewer levels deep, OpenSSH stops at 16",
            ConfigErrorKind::InvalidGlob { .. } => "fix the wildcard pattern, for example close a '['",
            ConfigErrorKind::NotSshConfig { .. } => {
                "check the file name, or narrow the Include pattern that matched it (such as ~/.ssh/* matching keys)"
            }
        };
        hint.to_string()
    }
}

fn unknown_token_hint(keyword: &str) -> String {
    let set = if keyword.eq_ignore_ascii_case("hostname") {
        TokenSet::HostName
    } else {
        TokenSet::Path
    };
    format!("'{keyword}' accepts {}, and %% for a literal %", set.describe())
}

fn chain_text(chain: &[PathBuf]) -> String {
    let names: Vec<String> = chain.iter().map(|path| path.display().to_string()).collect();
    names.join(" -> ")
}

/// Every error found while loading a configuration, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigErrors(pub Vec<ConfigError>);

/// Writes one error per line.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(formatter)?;
            }
            write!(formatter, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// An error inside one line, before the file and line number are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineError {
    pub column: usize,
    pub text: String,
    pub kind: ConfigErrorKind,
}

impl LineError {
    pub fn new(column: usize, text: impl Into<String>, kind: ConfigErrorKind) -> LineError {
        LineError {
            column,
            text: text.into(),
            kind,
        }
    }

    pub fn at(self, file: &Path, line: usize) -> ConfigError {
        ConfigError {
            file: file.to_path_buf(),
            line,
            column: self.column,
            text: self.text,
            kind: self.kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_display_has_place_message_and_fix() {
        let error = LineError::new(
            6,
            "99999",
            ConfigErrorKind::InvalidPort {
                value: "99999".to_string(),
            },
        )
        .at(Path::new("/home/a/.ssh/config"), 3);
        assert_eq!(
            error.to_string(),
            "/home/a/.ssh/config:3:6: invalid port '99999'; use a number from 1 to 65535 or a service name such as ssh"
        );
    }

    #[test]
    fn errors_display_one_per_line() {
        let first = LineError::new(
            1,
            "Bogus",
            ConfigErrorKind::UnknownKeyword {
                keyword: "Bogus".to_string(),
            },
        );
        let second = LineError::new(2, "\"x", ConfigErrorKind::UnterminatedQuote);
        let errors = ConfigErrors(vec![first.at(Path::new("c"), 1), second.at(Path::new("c"), 2)]);
        let text = errors.to_string();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|line| line.starts_with("c:2:2: unterminated quote")),
            "{text}"
        );
    }

    #[test]
    fn error_loop_lists_chain() {
        let kind = ConfigErrorKind::IncludeLoop {
            chain: vec![PathBuf::from("a"), PathBuf::from("b"), PathBuf::from("a")],
        };
        assert_eq!(kind.to_string(), "include loop: a -> b -> a");
    }

    #[test]
    fn error_token_hint_per_keyword() {
        let kind = ConfigErrorKind::UnknownToken {
            keyword: "HostName".to_string(),
            token: "%p".to_string(),
        };
        assert_eq!(kind.hint(), "'HostName' accepts %h, and %% for a literal %");
    }
}
