//! Errors and warnings found in Compose files, each with its place, the offending value and a fix.

use std::fmt;
use std::path::PathBuf;

use crate::yaml::{Node, Pos};

/// The severity of a finding: an error stops the load, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable identifier of a kind of finding, for callers that branch on it or translate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The file could not be read.
    ReadFailed,
    /// The text is not valid YAML.
    YamlSyntax,
    /// A mapping names the same key twice.
    DuplicateKey,
    /// An alias names an anchor that is not defined before it.
    UnknownAnchor,
    /// A `<<` merge key whose value is not a mapping or a list of mappings.
    InvalidMergeKey,
    /// A value has the wrong YAML type (a list where a mapping belongs, and so on).
    InvalidType,
    /// A value has the right type but is not accepted (a bad port, an unknown condition).
    InvalidValue,
    /// `${VAR:?message}` or `${VAR?message}` with the variable unset.
    RequiredVariable,
    /// A `${...}` expression that does not follow the interpolation syntax.
    InvalidInterpolation,
    /// A variable without a default is unset, so an empty string was substituted.
    UnsetVariable,
    /// A reference to a service, network, volume, secret or config that is not defined.
    UndefinedReference,
    /// `depends_on` forms a cycle.
    DependencyCycle,
    /// The top-level `version` attribute, which Compose ignores.
    ObsoleteVersion,
    /// Two port bindings of the merged project publish the same host port.
    DuplicatePublishedPort,
    /// Two port bindings of one service map the same container port and protocol.
    DuplicateTarget,
    /// An `env_file` marked required is missing.
    EnvFileMissing,
    /// A section such as `environment:` with nothing but comments under it.
    EmptySection,
    /// A reverse-proxy route (`x-homeport.route`) that the proxy cannot serve.
    InvalidRoute,
}

impl Code {
    /// Returns the code as its snake_case name, the form used in JSON and translation keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ReadFailed => "read_failed",
            Code::YamlSyntax => "yaml_syntax",
            Code::DuplicateKey => "duplicate_key",
            Code::UnknownAnchor => "unknown_anchor",
            Code::InvalidMergeKey => "invalid_merge_key",
            Code::InvalidType => "invalid_type",
            Code::InvalidValue => "invalid_value",
            Code::RequiredVariable => "required_variable",
            Code::InvalidInterpolation => "invalid_interpolation",
            Code::UnsetVariable => "unset_variable",
            Code::UndefinedReference => "undefined_reference",
            Code::DependencyCycle => "dependency_cycle",
            Code::ObsoleteVersion => "obsolete_version",
            Code::DuplicatePublishedPort => "duplicate_published_port",
            Code::DuplicateTarget => "duplicate_target",
            Code::EnvFileMissing => "env_file_missing",
            Code::EmptySection => "empty_section",
            Code::InvalidRoute => "invalid_route",
        }
    }
}

/// One finding in one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line, or 0 when the finding concerns the whole file or project.
    pub line: usize,
    /// 1-based column in characters, or 0 with line 0.
    pub column: usize,
    pub severity: Severity,
    pub code: Code,
    /// The problem, naming the attribute.
    pub message: String,
    /// The offending value as written (after interpolation where that applies).
    pub value: String,
    /// A short instruction that fixes it.
    pub hint: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            formatter,
            "{}:{}:{}: {severity}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if !self.value.is_empty() {
            write!(formatter, " (value '{}')", self.value)?;
        }
        if !self.hint.is_empty() {
            write!(formatter, "; {}", self.hint)?;
        }
        Ok(())
    }
}

/// Every finding of a load, errors and warnings, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|diagnostic| diagnostic.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Warning)
    }

    pub fn with_code(&self, code: Code) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(move |diagnostic| diagnostic.code == code)
    }
}

/// Writes one finding per line.
impl fmt::Display for Diagnostics {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(formatter)?;
            }
            write!(formatter, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Collects findings for nodes of the loaded files, turning a node's file index into its path.
#[derive(Debug, Default)]
pub(crate) struct Reporter {
    pub files: Vec<PathBuf>,
    pub diagnostics: Diagnostics,
}

/// The parts of a finding that do not depend on where it is.
pub(crate) struct Finding<'a> {
    pub code: Code,
    pub message: String,
    pub value: &'a str,
    pub hint: &'a str,
}

impl Reporter {
    /// Returns the findings sorted by file (in load order), line and column.
    pub fn finish(self) -> Diagnostics {
        let files = self.files;
        let mut findings = self.diagnostics.0;
        findings.sort_by_key(|finding| {
            let file = files
                .iter()
                .position(|path| *path == finding.file)
                .unwrap_or(usize::MAX);
            (file, finding.line, finding.column)
        });
        Diagnostics(findings)
    }

    pub fn add_file(&mut self, path: PathBuf) -> usize {
        self.files.push(path);
        self.files.len() - 1
    }

    pub fn report(&mut self, file: usize, pos: Pos, severity: Severity, finding: Finding<'_>) {
        self.diagnostics.push(Diagnostic {
            file: self.files.get(file).cloned().unwrap_or_default(),
            line: pos.line,
            column: pos.column,
            severity,
            code: finding.code,
            message: finding.message,
            value: finding.value.to_string(),
            hint: finding.hint.to_string(),
        });
    }

    /// Reports an error at `node`.
    pub fn error(&mut self, node: &Node, code: Code, message: impl Into<String>, value: &str, hint: &str) {
        let finding = Finding {
            code,
            message: message.into(),
            value,
            hint,
        };
        self.report(node.file, node.start, Severity::Error, finding);
    }

    /// Reports a warning at `node`.
    pub fn warning(&mut self, node: &Node, code: Code, message: impl Into<String>, value: &str, hint: &str) {
        let finding = Finding {
            code,
            message: message.into(),
            value,
            hint,
        };
        self.report(node.file, node.start, Severity::Warning, finding);
    }

    /// Reports that `node` has the wrong YAML type for `attribute`.
    pub fn wrong_type(&mut self, node: &Node, attribute: &str, expected: &str) {
        let message = format!("'{attribute}' must be {expected}, not {}", node.kind_name());
        let value = node.scalar_text().unwrap_or_default().to_string();
        let hint = format!("write '{attribute}' as {expected}");
        self.error(node, Code::InvalidType, message, &value, &hint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_display_has_place_value_and_fix() {
        let diagnostic = Diagnostic {
            file: PathBuf::from("/srv/compose.yaml"),
            line: 4,
            column: 9,
            severity: Severity::Error,
            code: Code::InvalidValue,
            message: "invalid port in 'ports'".to_string(),
            value: "99999:80".to_string(),
            hint: "use a port from 0 to 65535".to_string(),
        };
        assert_eq!(
            diagnostic.to_string(),
            "/srv/compose.yaml:4:9: error: invalid port in 'ports' (value '99999:80'); use a port from 0 to 65535"
        );
    }
}
