//! Lossless editing of one Compose file.
//!
//! The approach is span-based: the text is parsed with positions, an edit replaces or inserts
//! text at the byte ranges of the nodes it touches, and the result is parsed again. Every byte
//! outside those ranges stays as it was, so comments, blank lines, quoting, flow lists and key
//! order survive, and a document saved without edits is byte-identical.
//!
//! What it cannot do:
//! - Edit a value that an alias or a `<<` merge key copies from an anchor. A change inside an
//!   aliased node is rejected. A key inherited through `<<` is set by adding an explicit key
//!   beside the merge key, so the shared anchor stays unchanged.
//! - Keep a comment that sits on the lines of a removed service, or move a comment written
//!   above a removed service's key (it stays where it was).
//! - Choose indentation freely: a new entry copies the indentation of its siblings, and a new
//!   nested block is indented two spaces deeper than its parent key.
//! - Insert into a flow mapping or flow list that spans several lines with a trailing comma in
//!   a pleasing layout; the new entry goes before the closing bracket on its line.
//! - Edit files with more than one YAML document: only the first is parsed.

mod structure;

use std::fmt;
use std::path::PathBuf;

use crate::diagnostics::{Diagnostics, Reporter};
use crate::yaml::parse::parse_document;
use crate::yaml::{Entry, Node, Style, Typed, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("'{path}' not found in the document")]
    NotFound { path: String },
    #[error("'{path}' is a copy made by a YAML alias; edit the anchored original instead")]
    ThroughAlias { path: String },
    #[error("'{path}' is {found}, where the edit needs {expected}")]
    WrongType {
        path: String,
        found: String,
        expected: String,
    },
    #[error("the edit would leave invalid YAML ({message}); the document is unchanged")]
    WouldBreak { message: String },
}

/// One Compose file's text with its parsed tree, for edits that keep everything else intact.
#[derive(Debug, Clone)]
pub struct Document {
    text: String,
    root: Node,
}

/// Writes the text exactly as parsed and edited.
impl fmt::Display for Document {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

/// The value written for a new or changed entry.
enum NewValue<'a> {
    /// A scalar on the key's line.
    Inline(&'a str),
    /// A nested block: each line is indented two spaces deeper than the key.
    Block(Vec<String>),
}

impl Document {
    /// Parses `text`. A document without a top-level mapping (such as an empty file) is
    /// rejected, because every edit starts from `services`.
    pub fn parse(text: &str) -> Result<Document, Diagnostics> {
        let mut reporter = Reporter::default();
        reporter.add_file(PathBuf::new());
        let root = parse_document(text, 0, &mut reporter);
        match root {
            Some(root) if !reporter.diagnostics.has_errors() && root.as_mapping().is_some() => Ok(Document {
                text: text.to_string(),
                root,
            }),
            Some(root) if !reporter.diagnostics.has_errors() => {
                reporter.wrong_type(&root, "the Compose file", "a mapping");
                Err(reporter.diagnostics)
            }
            _ => Err(reporter.diagnostics),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Sets `services.<service>.image`, adding the key when the service has none.
    pub fn set_service_image(&mut self, service: &str, image: &str) -> Result<(), EditError> {
        let service_node = self.service(service)?.clone();
        self.set_entry(&service_node, &format!("services.{service}"), "image", image)
    }

    /// Sets one variable in `services.<service>.environment`, in the form the file already
    /// uses (`KEY: value` or `- KEY=value`), creating the section when it is missing or empty.
    pub fn set_environment(&mut self, service: &str, key: &str, value: &str) -> Result<(), EditError> {
        let path = format!("services.{service}.environment");
        let service_node = self.service(service)?.clone();
        let Some(entry) = service_node.entry("environment").cloned() else {
            let line = format!("{key}: {}", format_scalar(value, Style::Plain));
            return self.insert_entry(&service_node, "environment", NewValue::Block(vec![line]));
        };
        let environment = entry.value.clone();
        if environment.from_alias {
            return Err(EditError::ThroughAlias { path });
        }
        match &environment.value {
            Value::Mapping(_) => self.set_entry(&environment, &path, key, value),
            Value::Sequence(items) => {
                let prefix = format!("{key}=");
                let existing = items.iter().find(|item| {
                    item.scalar_text()
                        .is_some_and(|text| text == key || text.starts_with(&prefix))
                });
                let item_text = format!("{key}={value}");
                match existing {
                    Some(item) => self.replace_scalar(item, &item_text),
                    None => self.append_item(&environment, &format_scalar(&item_text, Style::Plain)),
                }
            }
            _ if environment.is_null() => {
                let line = format!("{key}: {}", format_scalar(value, Style::Plain));
                self.fill_null_entry(&entry, vec![line])
            }
            _ => Err(EditError::WrongType {
                path,
                found: environment.kind_name().to_string(),
                expected: "a mapping or a list".to_string(),
            }),
        }
    }

    /// Appends a short-syntax port such as `8080:80` to `services.<service>.ports`, always
    /// double-quoted because YAML 1.1 reads some unquoted `a:b` numbers as base 60.
    pub fn add_port(&mut self, service: &str, spec: &str) -> Result<(), EditError> {
        let path = format!("services.{service}.ports");
        let quoted = format_scalar(spec, Style::DoubleQuoted);
        let service_node = self.service(service)?.clone();
        let Some(entry) = service_node.entry("ports").cloned() else {
            return self.insert_entry(&service_node, "ports", NewValue::Block(vec![format!("- {quoted}")]));
        };
        match &entry.value.value {
            _ if entry.value.from_alias => Err(EditError::ThroughAlias { path }),
            Value::Sequence(_) => self.append_item(&entry.value, &quoted),
            _ if entry.value.is_null() => self.fill_null_entry(&entry, vec![format!("- {quoted}")]),
            _ => Err(EditError::WrongType {
                path,
                found: entry.value.kind_name().to_string(),
                expected: "a list".to_string(),
            }),
        }
    }

    /// Removes `services.<service>` with its lines, including comments indented under it that
    /// follow its last value.
    pub fn remove_service(&mut self, service: &str) -> Result<(), EditError> {
        let services = self.root.get("services").ok_or_else(|| EditError::NotFound {
            path: "services".to_string(),
        })?;
        let entry = services.entry(service).ok_or_else(|| EditError::NotFound {
            path: format!("services.{service}"),
        })?;
        if services.flow || entry.inherited || entry.value.from_alias {
            return Err(EditError::WrongType {
                path: format!("services.{service}"),
                found: "written inline or through an alias".to_string(),
                expected: "a service written as a block under 'services'".to_string(),
            });
        }
        let start = line_start(&self.text, entry.key.start.offset);
        let key_indent = entry.key.start.offset - start;
        let last_line_end = owned_comments_end(&self.text, entry.value.end.max(entry.key.end), key_indent);
        let end = (last_line_end + 1).min(self.text.len());
        self.splice(start, end, "")
    }

    /// Sets a top-level or nested scalar by path, such as `["services", "web", "restart"]`,
    /// adding the last key when its parent mapping lacks it.
    pub fn set_scalar(&mut self, path: &[&str], value: &str) -> Result<(), EditError> {
        let Some((last, parents)) = path.split_last() else {
            return Err(EditError::NotFound { path: String::new() });
        };
        let mut node = &self.root;
        for (depth, key) in parents.iter().enumerate() {
            node = node.get(key).ok_or_else(|| EditError::NotFound {
                path: path[..=depth].join("."),
            })?;
        }
        let parent = node.clone();
        self.set_entry(&parent, &parents.join("."), last, value)
    }

    fn service(&self, service: &str) -> Result<&Node, EditError> {
        let node = self
            .root
            .get("services")
            .and_then(|services| services.get(service))
            .ok_or_else(|| EditError::NotFound {
                path: format!("services.{service}"),
            })?;
        if node.from_alias {
            return Err(EditError::ThroughAlias {
                path: format!("services.{service}"),
            });
        }
        if node.as_mapping().is_none() {
            return Err(EditError::WrongType {
                path: format!("services.{service}"),
                found: node.kind_name().to_string(),
                expected: "a mapping".to_string(),
            });
        }
        Ok(node)
    }

    /// Replaces the scalar value of `key` in `mapping`, or adds the key. A key inherited
    /// through `<<` gets an explicit entry, which overrides the merged one.
    fn set_entry(&mut self, mapping: &Node, path: &str, key: &str, value: &str) -> Result<(), EditError> {
        if mapping.from_alias {
            return Err(EditError::ThroughAlias { path: path.to_string() });
        }
        match mapping.entry(key) {
            Some(entry) if !entry.inherited => {
                if entry.value.from_alias {
                    return Err(EditError::ThroughAlias {
                        path: format!("{path}.{key}"),
                    });
                }
                let entry_value = entry.value.clone();
                if !matches!(entry_value.value, Value::Scalar { .. }) {
                    return Err(EditError::WrongType {
                        path: format!("{path}.{key}"),
                        found: entry_value.kind_name().to_string(),
                        expected: "a scalar".to_string(),
                    });
                }
                self.replace_scalar(&entry_value, value)
            }
            _ => self.insert_entry(mapping, key, NewValue::Inline(&format_scalar(value, Style::Plain))),
        }
    }

    /// Rewrites a scalar in its own quoting style, or in double quotes when plain text would
    /// read as another type. An empty plain value (`key:`) gets a space before the new value.
    fn replace_scalar(&mut self, node: &Node, value: &str) -> Result<(), EditError> {
        let Value::Scalar { style, .. } = &node.value else {
            return Err(EditError::WrongType {
                path: String::new(),
                found: node.kind_name().to_string(),
                expected: "a scalar".to_string(),
            });
        };
        let mut text = format_scalar(value, *style);
        let start = node.start.offset;
        if start == node.end && self.text[..start].ends_with(':') {
            text.insert(0, ' ');
        }
        self.splice(start, node.end, &text)
    }

    fn insert_entry(&mut self, mapping: &Node, key: &str, value: NewValue<'_>) -> Result<(), EditError> {
        let entries = mapping.as_mapping().unwrap_or_default();
        if mapping.flow {
            let NewValue::Inline(value) = value else {
                return Err(EditError::WrongType {
                    path: key.to_string(),
                    found: "a flow mapping".to_string(),
                    expected: "a block mapping for a nested value".to_string(),
                });
            };
            let close = self.text[..mapping.end].rfind('}').unwrap_or(mapping.end);
            let before = self.text[..close].trim_end().len();
            let separator = if entries.is_empty() { "" } else { ", " };
            return self.splice(before, before, &format!("{separator}{key}: {value}"));
        }
        // Own entries only: inherited ones sit at the anchor, elsewhere in the file.
        let own: Vec<&Entry> = entries.iter().filter(|entry| !entry.inherited).collect();
        let (Some(first), Some(last)) = (own.first(), own.last()) else {
            return Err(EditError::WrongType {
                path: key.to_string(),
                found: "an empty mapping".to_string(),
                expected: "a mapping with at least one key written in the file".to_string(),
            });
        };
        let indent = " ".repeat(first.key.start.column - 1);
        let at = owned_comments_end(&self.text, last.value.end.max(last.key.end), first.key.start.column - 1);
        let text = match value {
            NewValue::Inline(value) => format!("\n{indent}{key}: {value}"),
            NewValue::Block(lines) => {
                let mut text = format!("\n{indent}{key}:");
                for line in lines {
                    text.push_str(&format!("\n{indent}  {line}"));
                }
                text
            }
        };
        self.splice(at, at, &text)
    }

    /// Writes block lines under a key whose value is empty (`environment:` followed only by
    /// comments), right below the key's line so the comments stay after them.
    fn fill_null_entry(&mut self, entry: &Entry, lines: Vec<String>) -> Result<(), EditError> {
        let indent = " ".repeat(entry.key.start.column - 1);
        let at = line_end(&self.text, entry.key.end.max(entry.value.end));
        let mut text = String::new();
        for line in lines {
            text.push_str(&format!("\n{indent}  {line}"));
        }
        self.splice(at, at, &text)
    }

    fn append_item(&mut self, sequence: &Node, item: &str) -> Result<(), EditError> {
        let items = sequence.as_sequence().unwrap_or_default();
        if sequence.flow {
            let close = self.text[..sequence.end].rfind(']').unwrap_or(sequence.end);
            let before = self.text[..close].trim_end().len();
            let separator = if items.is_empty() { "" } else { ", " };
            return self.splice(before, before, &format!("{separator}{item}"));
        }
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return Err(EditError::WrongType {
                path: String::new(),
                found: "an empty list".to_string(),
                expected: "a list with at least one item".to_string(),
            });
        };
        // The dash sits two columns before the first item's text in `- item`.
        let item_line_start = line_start(&self.text, first.start.offset);
        let dash = self.text[item_line_start..first.start.offset].rfind('-').unwrap_or(0);
        let indent = " ".repeat(dash);
        let at = line_end(&self.text, last.end);
        self.splice(at, at, &format!("\n{indent}- {item}"))
    }

    /// Replaces `start..end` with `replacement` and parses again; on a parse failure the text
    /// is restored and the edit reported.
    fn splice(&mut self, start: usize, end: usize, replacement: &str) -> Result<(), EditError> {
        let mut text = String::with_capacity(self.text.len() + replacement.len());
        text.push_str(&self.text[..start]);
        text.push_str(replacement);
        text.push_str(&self.text[end..]);
        match Document::parse(&text) {
            Ok(document) => {
                *self = document;
                Ok(())
            }
            Err(diagnostics) => Err(EditError::WouldBreak {
                message: diagnostics.to_string(),
            }),
        }
    }
}

pub(crate) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |newline| newline + 1)
}

/// Returns the offset of the newline ending the line at `offset` (or the text's end).
pub(crate) fn line_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..].find('\n').map_or(text.len(), |newline| offset + newline)
}

/// Returns the end of the line at `offset`, or of the last comment line after it that is
/// indented deeper than `key_indent`: such comments belong to the entry that ends at `offset`.
pub(crate) fn owned_comments_end(text: &str, offset: usize, key_indent: usize) -> usize {
    let mut end = line_end(text, offset);
    while end < text.len() {
        let next_start = end + 1;
        let next_end = line_end(text, next_start);
        let line = &text[next_start..next_end];
        let trimmed = line.trim_start();
        if !(trimmed.starts_with('#') && line.len() - trimmed.len() > key_indent) {
            break;
        }
        end = next_end;
    }
    end
}

/// Writes `value` as a YAML scalar in `style` where that is safe: plain only when the plain
/// text would read back as the same string, single quotes when there is no newline, else
/// double quotes with escapes.
pub fn format_scalar(value: &str, style: Style) -> String {
    match style {
        Style::Plain if is_safe_plain(value) => value.to_string(),
        Style::SingleQuoted if !value.contains('\n') => format!("'{}'", value.replace('\'', "''")),
        // JSON string syntax is a subset of YAML's double-quoted style.
        _ => serde_json::to_string(value).unwrap_or_default(),
    }
}

fn is_safe_plain(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || value.trim() != value {
        return false;
    }
    if value.contains(": ") || value.contains(" #") || value.contains('\n') || value.ends_with(':') {
        return false;
    }
    // YAML 1.1 readers take these words for booleans, so they stay quoted for every reader.
    let yaml11_words = ["y", "n", "yes", "no", "on", "off"];
    if yaml11_words.contains(&value.to_ascii_lowercase().as_str()) {
        return false;
    }
    let probe = Node::synthetic(
        Value::Scalar {
            text: value.to_string(),
            style: Style::Plain,
        },
        0,
        Default::default(),
    );
    matches!(probe.typed(), Typed::Str(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_scalar_quotes_when_needed() {
        assert_eq!(format_scalar("nginx:1.27", Style::Plain), "nginx:1.27");
        assert_eq!(format_scalar("1", Style::Plain), "\"1\"");
        assert_eq!(format_scalar("yes", Style::Plain), "\"yes\"");
        assert_eq!(format_scalar("a: b", Style::Plain), "\"a: b\"");
        assert_eq!(format_scalar("it's", Style::SingleQuoted), "'it''s'");
        assert_eq!(format_scalar("x", Style::DoubleQuoted), "\"x\"");
        assert_eq!(format_scalar("", Style::Plain), "\"\"");
    }
}
