//! Edits by path that change the shape of a document: nested keys that may not exist yet,
//! list items, key removal and renames. The stack builder is made of these.
//!
//! A path is a list of mapping keys from the top, such as `["services", "web", "ports"]`.
//! Missing mappings on the way are created as blocks indented two spaces per level.

use super::{format_scalar, line_start, owned_comments_end, Document, EditError, NewValue};
use crate::yaml::{Node, Style};

impl Document {
    /// Returns the node at `path`, or `None` when a key on the way is missing.
    pub fn node(&self, path: &[&str]) -> Option<&Node> {
        let mut node = &self.root;
        for key in path {
            node = node.get(key)?;
        }
        Some(node)
    }

    /// Sets the scalar at `path`, creating the last key and any missing mapping above it.
    pub fn set_path(&mut self, path: &[&str], value: &str) -> Result<(), EditError> {
        let (last, parents) = split(path)?;
        if let Some(parent) = self.node(parents) {
            if parent.as_mapping().is_some() {
                let parent = parent.clone();
                return self.set_entry(&parent, &parents.join("."), last, value);
            }
        }
        self.insert_at(path, NewValue::Inline(&format_scalar(value, Style::Plain)))
    }

    /// Adds `key` under the mapping at `parent` with a block value written as `lines`, each
    /// relative to the new key's indentation plus two spaces (a whole service, say).
    pub fn insert_block(&mut self, parent: &[&str], key: &str, lines: Vec<String>) -> Result<(), EditError> {
        let mut path = parent.to_vec();
        path.push(key);
        if self.node(&path).is_some_and(|node| !node.is_null()) {
            return Err(EditError::WrongType {
                path: path.join("."),
                found: "an existing entry".to_string(),
                expected: "a key that is not in the document yet".to_string(),
            });
        }
        self.insert_at(&path, NewValue::Block(lines))
    }

    /// Adds `key: {}` under the mapping at `parent`, block or flow, unless `key` is there.
    pub fn insert_empty_mapping(&mut self, parent: &[&str], key: &str) -> Result<(), EditError> {
        let mut path = parent.to_vec();
        path.push(key);
        if self.node(&path).is_some() {
            return Ok(());
        }
        self.insert_at(&path, NewValue::Inline("{}"))
    }

    /// Appends `item`, already formatted as YAML, to the list at `path`, creating the list when
    /// the key is missing or empty.
    pub fn append_to_list(&mut self, path: &[&str], item: &str) -> Result<(), EditError> {
        match self.node(path) {
            Some(node) if node.from_alias => Err(EditError::ThroughAlias { path: path.join(".") }),
            Some(node) if node.as_sequence().is_some() => {
                let node = node.clone();
                self.append_item(&node, item)
            }
            Some(node) if !node.is_null() => Err(EditError::WrongType {
                path: path.join("."),
                found: node.kind_name().to_string(),
                expected: "a list".to_string(),
            }),
            _ => self.insert_at(path, NewValue::Block(vec![format!("- {item}")])),
        }
    }

    /// Removes the entry at `path` with its lines. A nested mapping left without entries is
    /// removed with its key, so `environment:` does not stay behind as an empty value. Top-level
    /// sections such as `services:` stay.
    pub fn remove_path(&mut self, path: &[&str]) -> Result<(), EditError> {
        let (last, parents) = split(path)?;
        let parent = self.node(parents).ok_or_else(|| not_found(parents))?.clone();
        let entry = parent.entry(last).ok_or_else(|| not_found(path))?.clone();
        if parent.from_alias || entry.value.from_alias || entry.inherited {
            return Err(EditError::ThroughAlias { path: path.join(".") });
        }
        let own_entries = parent
            .as_mapping()
            .unwrap_or_default()
            .iter()
            .filter(|entry| !entry.inherited)
            .count();
        if own_entries == 1 && parents.len() >= 2 {
            return self.remove_path(parents);
        }

        let end = entry.value.end.max(entry.key.end);
        if parent.flow {
            return self.remove_flow_span(entry.key.start.offset, end);
        }
        let start = line_start(&self.text, entry.key.start.offset);
        if !self.text[start..entry.key.start.offset].trim().is_empty() {
            return Err(EditError::WrongType {
                path: path.join("."),
                found: "an entry on a list item's line".to_string(),
                expected: "an entry on a line of its own".to_string(),
            });
        }
        let key_indent = entry.key.start.offset - start;
        let last_line_end = owned_comments_end(&self.text, end, key_indent);
        self.splice(start, (last_line_end + 1).min(self.text.len()), "")
    }

    /// Removes item `index` of the list at `path`. A list left empty is removed with its key.
    pub fn remove_list_item(&mut self, path: &[&str], index: usize) -> Result<(), EditError> {
        let list = self.node(path).ok_or_else(|| not_found(path))?.clone();
        if list.from_alias {
            return Err(EditError::ThroughAlias { path: path.join(".") });
        }
        let Some(items) = list.as_sequence() else {
            return Err(EditError::WrongType {
                path: path.join("."),
                found: list.kind_name().to_string(),
                expected: "a list".to_string(),
            });
        };
        let item = items.get(index).ok_or_else(|| EditError::NotFound {
            path: format!("{}[{index}]", path.join(".")),
        })?;
        if items.len() == 1 {
            return self.remove_path(path);
        }
        if list.flow {
            return self.remove_flow_span(item.start.offset, item.end);
        }

        // A block item starts at its dash, which may sit before the item's own text.
        let start = line_start(&self.text, item.start.offset);
        let dash = start + self.text[start..item.start.offset].rfind('-').unwrap_or(0);
        let last_line_end = owned_comments_end(&self.text, item.end, dash - start);
        self.splice(start, (last_line_end + 1).min(self.text.len()), "")
    }

    /// Renames the key at `path`, keeping its value and the key's quoting.
    pub fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<(), EditError> {
        let (last, parents) = split(path)?;
        let parent = self.node(parents).ok_or_else(|| not_found(parents))?;
        if parent.get(new_key).is_some() {
            return Err(EditError::WrongType {
                path: format!("{}.{new_key}", parents.join(".")),
                found: "an existing entry".to_string(),
                expected: "a new name".to_string(),
            });
        }
        let entry = parent.entry(last).ok_or_else(|| not_found(path))?;
        if parent.from_alias || entry.inherited {
            return Err(EditError::ThroughAlias { path: path.join(".") });
        }
        let key = entry.key.clone();
        self.replace_scalar(&key, new_key)
    }

    /// Replaces the scalar at `path` (a list item, say) whose node is given, keeping its style.
    pub fn replace_node_scalar(&mut self, node: &Node, value: &str) -> Result<(), EditError> {
        if node.from_alias {
            return Err(EditError::ThroughAlias { path: String::new() });
        }
        self.replace_scalar(node, value)
    }

    /// Returns the lines of the entry at `path` as written: its key line, its value and the
    /// comments indented under it.
    pub fn entry_text(&self, path: &[&str]) -> Option<&str> {
        let (last, parents) = path.split_last()?;
        let entry = self.node(parents)?.entry(last)?;
        if entry.inherited || entry.value.from_alias {
            return None;
        }
        let start = line_start(&self.text, entry.key.start.offset);
        let key_indent = entry.key.start.offset - start;
        let end = owned_comments_end(&self.text, entry.value.end.max(entry.key.end), key_indent);
        Some(&self.text[start..end])
    }

    /// Inserts whole top-level entries written at column 1, before the top-level key `before`
    /// when it exists (so anchors precede the aliases below them), else at the end.
    pub fn insert_top_level_text(&mut self, text: &str, before: Option<&str>) -> Result<(), EditError> {
        let mut text = text.trim_end_matches('\n').to_string();
        text.push('\n');
        let anchor = before
            .and_then(|key| self.root.entry(key))
            .filter(|entry| !entry.inherited);
        match anchor {
            Some(entry) => {
                let at = line_start(&self.text, entry.key.start.offset);
                self.splice(at, at, &text)
            }
            None => {
                let at = self.text.len();
                let separator = if self.text.ends_with('\n') || self.text.is_empty() {
                    ""
                } else {
                    "\n"
                };
                self.splice(at, at, &format!("{separator}{text}"))
            }
        }
    }

    /// Writes `value` at `path`, creating the deepest missing key and everything below it. The
    /// key found first that is missing or empty receives the rest of the path as a block.
    fn insert_at(&mut self, path: &[&str], value: NewValue<'_>) -> Result<(), EditError> {
        let mut node = self.root.clone();
        for (depth, key) in path.iter().enumerate() {
            if node.from_alias {
                return Err(EditError::ThroughAlias {
                    path: path[..depth].join("."),
                });
            }
            let rest = &path[depth + 1..];
            match node.entry(key).cloned() {
                Some(entry) if entry.value.is_null() && !entry.inherited => {
                    return match (rest.is_empty(), value) {
                        (true, NewValue::Inline(text)) => self.replace_null(&entry.value, text),
                        (_, value) => self.fill_null_entry(&entry, nested_lines(rest, value)),
                    };
                }
                Some(entry) if entry.value.as_mapping().is_some() && !rest.is_empty() => {
                    node = entry.value;
                }
                Some(entry) => {
                    return Err(EditError::WrongType {
                        path: path[..=depth].join("."),
                        found: entry.value.kind_name().to_string(),
                        expected: if rest.is_empty() {
                            "a missing or empty key".to_string()
                        } else {
                            "a mapping".to_string()
                        },
                    });
                }
                None if node.as_mapping().is_some() => {
                    let value = match (rest.is_empty(), value) {
                        (true, value) => value,
                        (false, value) => NewValue::Block(nested_lines(rest, value)),
                    };
                    return self.insert_entry(&node, key, value);
                }
                None => {
                    return Err(EditError::WrongType {
                        path: path[..depth].join("."),
                        found: node.kind_name().to_string(),
                        expected: "a mapping".to_string(),
                    });
                }
            }
        }
        Err(not_found(path))
    }

    /// Writes `text` in place of an empty or `null` value, on the key's line.
    fn replace_null(&mut self, node: &Node, text: &str) -> Result<(), EditError> {
        let start = node.start.offset;
        if start == node.end && self.text[..start].ends_with(':') {
            return self.splice(start, start, &format!(" {text}"));
        }
        self.splice(start, node.end, text)
    }

    /// Removes `start..end` inside a flow collection with the comma that separates it from its
    /// neighbour.
    fn remove_flow_span(&mut self, start: usize, end: usize) -> Result<(), EditError> {
        let after = &self.text[end..];
        let after_trimmed = after.trim_start_matches([' ', '\t']);
        if let Some(rest) = after_trimmed.strip_prefix(',') {
            let skip = after.len() - rest.trim_start_matches([' ', '\t']).len();
            return self.splice(start, end + skip, "");
        }
        let before = self.text[..start].trim_end_matches([' ', '\t']);
        match before.strip_suffix(',') {
            Some(kept) => {
                let from = kept.len();
                self.splice(from, end, "")
            }
            None => self.splice(start, end, ""),
        }
    }
}

/// Writes the keys of `rest` as nested block lines ending in `value`, for a key whose value
/// is about to be filled. An empty `rest` gives the value's own lines.
fn nested_lines(rest: &[&str], value: NewValue<'_>) -> Vec<String> {
    let Some((last, parents)) = rest.split_last() else {
        return match value {
            NewValue::Inline(text) => vec![text.to_string()],
            NewValue::Block(lines) => lines,
        };
    };
    let mut lines = Vec::new();
    for (depth, key) in parents.iter().enumerate() {
        lines.push(format!("{}{key}:", "  ".repeat(depth)));
    }
    let indent = "  ".repeat(parents.len());
    match value {
        NewValue::Inline(text) => lines.push(format!("{indent}{last}: {text}")),
        NewValue::Block(block) => {
            lines.push(format!("{indent}{last}:"));
            lines.extend(block.into_iter().map(|line| format!("{indent}  {line}")));
        }
    }
    lines
}

fn split<'a, 'b>(path: &'a [&'b str]) -> Result<(&'a &'b str, &'a [&'b str]), EditError> {
    path.split_last()
        .ok_or_else(|| EditError::NotFound { path: String::new() })
}

fn not_found(path: &[&str]) -> EditError {
    EditError::NotFound { path: path.join(".") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lines_indent_each_level() {
        assert_eq!(
            nested_lines(&["resources", "limits", "cpus"], NewValue::Inline("\"0.5\"")),
            ["resources:", "  limits:", "    cpus: \"0.5\""]
        );
        assert_eq!(nested_lines(&[], NewValue::Inline("x")), ["x"]);
    }
}
