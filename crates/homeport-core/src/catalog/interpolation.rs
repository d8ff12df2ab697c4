//! Finds `${NAME}` references in `compose.yaml`, the way Compose interpolates them.
//!
//! Compose substitutes variables in values after parsing the YAML, so comments and mapping
//! keys are never interpolated. The catalog accepts one form only, `${NAME}`: a default such as
//! `${NAME:-x}` would be a second default beside the one in `template.yaml`, and `$NAME` without
//! braces is easy to misread. `$$` is a literal `$` (shell variables in healthchecks).

use super::error::Location;

/// A problem in one scalar, with the text to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// The part of the scalar that is wrong, searched for in the file to find its location.
    pub snippet: String,
    pub detail: String,
}

/// Returns the variable names that `scalar` references, in order, or the first malformed
/// reference.
pub fn references(scalar: &str) -> Result<Vec<String>, ScanError> {
    let mut names = Vec::new();
    let mut rest = scalar;

    while let Some(dollar) = rest.find('$') {
        let after = &rest[dollar + 1..];

        if let Some(stripped) = after.strip_prefix('$') {
            rest = stripped;
            continue;
        }

        if let Some(inner) = after.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                return Err(ScanError {
                    snippet: format!("${{{inner}"),
                    detail: "the reference has no closing '}'".to_string(),
                });
            };
            let body = &inner[..close];
            if !is_variable_name(body) {
                return Err(ScanError {
                    snippet: format!("${{{body}}}"),
                    detail: format!(
                        "'${{{body}}}' is not a plain reference; write ${{NAME}} and put any default in template.yaml"
                    ),
                });
            }
            names.push(body.to_string());
            rest = &inner[close + 1..];
            continue;
        }

        let snippet: String = rest[dollar..].chars().take(12).collect();
        let detail = if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            "write references with braces, as ${NAME}".to_string()
        } else {
            "a lone '$' is not allowed; write $$ for a literal dollar sign".to_string()
        };
        return Err(ScanError { snippet, detail });
    }

    Ok(names)
}

/// Returns whether `name` is a shell-style variable name, the only form Compose substitutes.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Returns the 1-based line and column (in characters) of the first `needle` in `text`.
pub fn locate(text: &str, needle: &str) -> Option<Location> {
    let offset = text.find(needle)?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    Some(Location { line, column })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_plain_and_escaped() {
        assert_eq!(references("${A}:/x ${B_2}").unwrap(), vec!["A", "B_2"]);
        assert_eq!(references("echo $$HOME ${A}").unwrap(), vec!["A"]);
        assert!(references("no dollar").unwrap().is_empty());
    }

    #[test]
    fn references_reject_other_forms() {
        assert!(references("${A:-1}").unwrap_err().detail.contains("default"));
        assert!(references("$A").unwrap_err().detail.contains("braces"));
        assert!(references("${A").unwrap_err().detail.contains("closing"));
        assert!(references("costs 5$").unwrap_err().detail.contains("$$"));
    }

    #[test]
    fn locate_counts_from_one() {
        let text = "a: 1\nb: x${C}\n";
        assert_eq!(locate(text, "${C}"), Some(Location { line: 2, column: 5 }));
        assert_eq!(locate(text, "${D}"), None);
    }
}
