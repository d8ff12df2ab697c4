//! Variable interpolation as the Compose Specification defines it: `$VAR`, `${VAR}`,
//! `${VAR:-default}` (empty counts as unset), `${VAR-default}` (only unset), `${VAR:?message}`,
//! `${VAR?message}`, `${VAR:+replacement}`, `${VAR+replacement}`, nested expressions inside
//! defaults, and `$$` for a literal `$`.

use crate::yaml::{Node, Value};

/// The result of interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// Variables read without a default that were unset; Compose substitutes an empty string
    /// and warns about each.
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    /// `${VAR:?message}` or `${VAR?message}` with the variable missing.
    #[error("required variable '{variable}' is missing a value: {message}")]
    Required { variable: String, message: String },
    /// An expression that is not valid syntax; `hint` shows how to write it.
    #[error("invalid interpolation format '{expression}'")]
    Invalid { expression: String, hint: String },
}

/// Interpolates `text`, looking variables up with `lookup`.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Interpolated, InterpolationError> {
    let mut unset = Vec::new();
    let value = expand(text, lookup, &mut unset)?;
    Ok(Interpolated { value, unset })
}

fn is_name_start(character: char) -> bool {
    character.is_ascii_alphabetic() || character == '_'
}

fn is_name_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '_'
}

fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<String, InterpolationError> {
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        output.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let next = after.chars().next();
        match next {
            Some('$') => {
                output.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let close = matching_brace(after).ok_or_else(|| InterpolationError::Invalid {
                    expression: rest[dollar..].to_string(),
                    hint: "close the expression with '}'".to_string(),
                })?;
                let body = &after[1..close];
                output.push_str(&braced(body, lookup, unset)?);
                rest = &after[close + 1..];
            }
            Some(character) if is_name_start(character) => {
                let name_len = after.find(|c: char| !is_name_char(c)).unwrap_or(after.len());
                let name = &after[..name_len];
                match lookup(name) {
                    Some(value) => output.push_str(&value),
                    None => unset.push(name.to_string()),
                }
                rest = &after[name_len..];
            }
            _ => {
                // Compose rejects a `$` that starts no variable; `$$` is the way to write one.
                let shown: String = rest[dollar..].chars().take(8).collect();
                return Err(InterpolationError::Invalid {
                    expression: shown,
                    hint: "write '$$' for a literal '$'".to_string(),
                });
            }
        }
    }
    output.push_str(rest);
    Ok(output)
}

/// Returns the index of the `}` that closes the `{` at index 0, counting nested braces.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, character) in text.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// Expands the inside of `${...}`.
fn braced(
    body: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<String, InterpolationError> {
    let invalid = |hint: String| InterpolationError::Invalid {
        expression: format!("${{{body}}}"),
        hint,
    };
    let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let name = &body[..name_len];
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(invalid("start the variable name with a letter or '_'".to_string()));
    }
    let operator_and_argument = &body[name_len..];
    let value = lookup(name);
    if operator_and_argument.is_empty() {
        if value.is_none() {
            unset.push(name.to_string());
        }
        return Ok(value.unwrap_or_default());
    }

    let (operator, argument) = split_operator(operator_and_argument).ok_or_else(|| {
        let argument = operator_and_argument.trim_start_matches(':');
        invalid(format!(
            "use ${{{name}:-{argument}}} for a default, ${{{name}:?message}} to require a value, or ${{{name}:+value}} for a replacement"
        ))
    })?;
    // An empty value counts as unset for the operators with a colon.
    let missing = match operator {
        ":-" | ":?" | ":+" => value.as_deref().is_none_or(str::is_empty),
        _ => value.is_none(),
    };
    match operator {
        ":-" | "-" if missing => expand(argument, lookup, unset),
        ":-" | "-" => Ok(value.unwrap_or_default()),
        ":?" | "?" if missing => Err(InterpolationError::Required {
            variable: name.to_string(),
            message: expand(argument, lookup, unset)?,
        }),
        ":?" | "?" => Ok(value.unwrap_or_default()),
        ":+" | "+" if missing => Ok(String::new()),
        _ => expand(argument, lookup, unset),
    }
}

fn split_operator(text: &str) -> Option<(&'static str, &str)> {
    for operator in [":-", ":?", ":+", "-", "?", "+"] {
        if let Some(argument) = text.strip_prefix(operator) {
            return Some((operator, argument));
        }
    }
    None
}

/// Interpolates every scalar value under `node`, never a mapping key. `x-*` extension keys'
/// values are interpolated too, as Compose does. Each failure goes to `on_error` with its node,
/// so one pass reports all of them.
pub(crate) fn interpolate_tree(
    node: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    on_error: &mut dyn FnMut(&Node, InterpolationError),
    on_unset: &mut dyn FnMut(&Node, &str),
) {
    match &mut node.value {
        Value::Scalar { text, .. } => {
            if !text.contains('$') {
                return;
            }
            match interpolate(text, lookup) {
                Ok(result) => {
                    *text = result.value;
                    for name in &result.unset {
                        on_unset(node, name);
                    }
                }
                Err(error) => on_error(node, error),
            }
        }
        Value::Sequence(items) => {
            for item in items {
                interpolate_tree(item, lookup, on_error, on_unset);
            }
        }
        Value::Mapping(entries) => {
            for entry in entries {
                interpolate_tree(&mut entry.value, lookup, on_error, on_unset);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "SET_VAR" => Some("alpine".to_string()),
            "EMPTY_VAR" => Some(String::new()),
            _ => None,
        }
    }

    fn expand_ok(text: &str) -> String {
        interpolate(text, &lookup).unwrap().value
    }

    #[test]
    fn interpolate_defaults_and_escapes() {
        assert_eq!(expand_ok("${SET_VAR}"), "alpine");
        assert_eq!(expand_ok("$SET_VAR/x"), "alpine/x");
        assert_eq!(expand_ok("${EMPTY_VAR:+set}"), "");
        assert_eq!(expand_ok("${EMPTY_VAR+set}"), "set");
        assert_eq!(expand_ok("${SET_VAR:+on-${SET_VAR}}"), "on-alpine");
        assert_eq!(expand_ok("a$$b"), "a$b");
        assert_eq!(expand_ok("$${SET_VAR}"), "${SET_VAR}");
    }

    #[test]
    fn interpolate_reports_unset_without_default() {
        let result = interpolate("x${NOPE}y$ALSO_NOPE", &lookup).unwrap();
        assert_eq!(result.value, "xy");
        assert_eq!(result.unset, ["NOPE", "ALSO_NOPE"]);
    }

    #[test]
    fn interpolate_rejects_broken_syntax() {
        for text in ["${SET_VAR", "${}", "${1X}", "cost: 5$", "${A:80}"] {
            let error = interpolate(text, &lookup).unwrap_err();
            assert!(matches!(error, InterpolationError::Invalid { .. }), "{text}: {error:?}");
        }
    }
}
