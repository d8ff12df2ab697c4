//! Reading common value shapes from YAML nodes: strings, string lists, `KEY=VALUE` lists or
//! mappings, and shell-like word splitting.

use std::collections::BTreeMap;

use crate::diagnostics::Reporter;
use crate::yaml::{Node, Typed, Value};

/// Returns a scalar as text: numbers and booleans as written, `None` for null or a collection.
pub fn scalar_string(node: &Node) -> Option<String> {
    match node.typed() {
        Typed::Null | Typed::Collection => None,
        _ => node.scalar_text().map(str::to_string),
    }
}

/// Reads a string attribute, reporting a list or mapping.
pub(crate) fn string(node: &Node, attribute: &str, reporter: &mut Reporter) -> Option<String> {
    if matches!(node.value, Value::Scalar { .. }) {
        return scalar_string(node);
    }
    reporter.wrong_type(node, attribute, "a string");
    None
}

/// Reads a list of strings; a single string counts as a list of one when `allow_single` is set.
pub(crate) fn string_list(node: &Node, attribute: &str, allow_single: bool, reporter: &mut Reporter) -> Vec<String> {
    match &node.value {
        Value::Sequence(items) => items
            .iter()
            .filter_map(|item| {
                if matches!(item.value, Value::Scalar { .. }) {
                    scalar_string(item)
                } else {
                    reporter.wrong_type(item, attribute, "a string");
                    None
                }
            })
            .collect(),
        Value::Scalar { .. } if node.is_null() => Vec::new(),
        Value::Scalar { .. } if allow_single => scalar_string(node).into_iter().collect(),
        _ => {
            reporter.wrong_type(node, attribute, "a list of strings");
            Vec::new()
        }
    }
}

/// Reads `KEY=VALUE` pairs from a list (`- KEY=VALUE`, or `- KEY` without a value) or from a
/// mapping (`KEY: VALUE`, or `KEY:` with null). Null means "no value given".
pub(crate) fn key_values(node: &Node, attribute: &str, reporter: &mut Reporter) -> Vec<(String, Option<String>)> {
    match &node.value {
        Value::Mapping(entries) => entries
            .iter()
            .filter_map(|entry| {
                let key = entry.key.scalar_text()?.to_string();
                if !matches!(entry.value.value, Value::Scalar { .. }) {
                    reporter.wrong_type(&entry.value, attribute, "a string, number, boolean or null");
                    return None;
                }
                Some((key, scalar_string(&entry.value)))
            })
            .collect(),
        Value::Sequence(items) => items
            .iter()
            .filter_map(|item| {
                let Some(text) = item.scalar_text().filter(|_| !item.is_null()) else {
                    reporter.wrong_type(item, attribute, "a KEY=VALUE string");
                    return None;
                };
                Some(match text.split_once('=') {
                    Some((key, value)) => (key.to_string(), Some(value.to_string())),
                    None => (text.to_string(), None),
                })
            })
            .collect(),
        // `environment:` followed only by comments is null, which means no entries.
        Value::Scalar { .. } if node.is_null() => Vec::new(),
        Value::Scalar { .. } => {
            reporter.wrong_type(node, attribute, "a mapping or a list of KEY=VALUE strings");
            Vec::new()
        }
    }
}

/// Reads `key_values` into a map; a later entry replaces an earlier one.
pub(crate) fn key_value_map(node: &Node, attribute: &str, reporter: &mut Reporter) -> BTreeMap<String, Option<String>> {
    key_values(node, attribute, reporter).into_iter().collect()
}

/// Splits a command string into words as a POSIX shell does without expansions: single
/// quotes are literal, double quotes allow `\"`, `\\`, `\$` and `` \` ``, and a backslash
/// outside quotes escapes the next character.
pub fn shell_split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        match character {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match characters.next() {
                        Some('\'') => break,
                        Some(other) => word.push(other),
                        None => return Err("unterminated single quote".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match characters.next() {
                        Some('"') => break,
                        Some('\\') => match characters.next() {
                            Some(escaped @ ('"' | '\\' | '$' | '`')) => word.push(escaped),
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err("unterminated double quote".to_string()),
                        },
                        Some(other) => word.push(other),
                        None => return Err("unterminated double quote".to_string()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(escaped) = characters.next() {
                    word.push(escaped);
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_split_quotes() {
        assert_eq!(shell_split("echo hi").unwrap(), ["echo", "hi"]);
        assert_eq!(
            shell_split(r#"sh -c 'a b' "c \"d\"" e\ f"#).unwrap(),
            ["sh", "-c", "a b", "c \"d\"", "e f"]
        );
        assert_eq!(shell_split("  ").unwrap(), Vec::<String>::new());
        assert!(shell_split("'open").is_err());
    }
}
