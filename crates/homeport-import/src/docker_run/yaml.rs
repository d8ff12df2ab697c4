//! A small YAML writer for the Compose documents the converters build.
//!
//! Every string is written double-quoted. Plain scalars mean different things to YAML 1.1
//! readers (docker-compose 1.x reads `22:22` as the base-60 number 1342 and `no` as false) and
//! YAML 1.2 readers, and a quoted string means the same to both.

use std::fmt::Write;

/// A YAML value. Maps keep their insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn str(text: impl Into<String>) -> Node {
        Node::Str(text.into())
    }

    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// Returns the value under `key`, inserting `default` first when the key is missing.
    ///
    /// Panics when `self` is not a map, which would be a bug in the caller.
    pub fn entry(&mut self, key: &str, default: Node) -> &mut Node {
        let Node::Map(entries) = self else {
            panic!("YAML entry '{key}' requested on a value that is not a map");
        };
        let index = match entries.iter().position(|(existing, _)| existing == key) {
            Some(index) => index,
            None => {
                entries.push((key.to_string(), default));
                entries.len() - 1
            }
        };
        &mut entries[index].1
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn set(&mut self, key: &str, value: Node) {
        *self.entry(key, Node::Bool(false)) = value;
    }

    /// Appends `value` to the list under `key`, creating the list when missing.
    pub fn push(&mut self, key: &str, value: Node) {
        if let Node::List(items) = self.entry(key, Node::List(Vec::new())) {
            items.push(value);
        }
    }
}

/// Writes `node` as a block-style YAML document body indented by `indent` spaces.
pub(crate) fn to_yaml(node: &Node, indent: usize) -> String {
    let mut out = String::new();
    write_block(&mut out, node, indent);
    out
}

fn write_block(out: &mut String, node: &Node, indent: usize) {
    let pad = " ".repeat(indent);
    match node {
        Node::Map(entries) => {
            for (key, value) in entries {
                let _ = write!(out, "{pad}{}:", key_text(key));
                write_after_key(out, value, indent);
            }
        }
        Node::List(items) => {
            for item in items {
                let _ = write!(out, "{pad}-");
                match item {
                    Node::Map(entries) if !entries.is_empty() => {
                        // The first key goes on the dash line, the rest line up under it.
                        let mut nested = String::new();
                        write_block(&mut nested, item, indent + 2);
                        out.push(' ');
                        out.push_str(nested.trim_start());
                    }
                    Node::List(inner) if !inner.is_empty() => {
                        out.push('\n');
                        write_block(out, item, indent + 2);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&scalar_text(item));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            out.push_str(&pad);
            out.push_str(&scalar_text(node));
            out.push('\n');
        }
    }
}

fn write_after_key(out: &mut String, value: &Node, indent: usize) {
    match value {
        Node::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_block(out, value, indent + 2);
        }
        Node::List(items) if !items.is_empty() => {
            out.push('\n');
            write_block(out, value, indent + 2);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar_text(value));
            out.push('\n');
        }
    }
}

fn scalar_text(node: &Node) -> String {
    match node {
        Node::Str(text) => quote(text),
        Node::Int(number) => number.to_string(),
        Node::Bool(value) => value.to_string(),
        Node::List(_) => "[]".to_string(),
        Node::Map(_) => "{}".to_string(),
    }
}

/// Writes a key plain when every YAML reader takes it for the same string, else quoted.
fn key_text(key: &str) -> String {
    const AMBIGUOUS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"];
    let plain = key
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && key
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "_.-".contains(character))
        && !AMBIGUOUS.contains(&key.to_ascii_lowercase().as_str());
    if plain {
        key.to_string()
    } else {
        quote(key)
    }
}

/// Quotes `text` as a YAML double-quoted scalar, escaping what YAML does not allow raw.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // YAML readers reject other control characters and the C1 range written raw.
            character if character.is_control() || character == '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", character as u32);
            }
            character => out.push(character),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_writes_nested_blocks() {
        let mut root = Node::map();
        root.set("image", Node::str("nginx"));
        root.push("ports", Node::str("80:80"));
        let mut mount = Node::map();
        mount.set("type", Node::str("bind"));
        mount.set("read_only", Node::Bool(true));
        root.push("volumes", mount);
        root.entry("ulimits", Node::map()).set("nofile", Node::Int(1024));
        root.set("yes", Node::List(Vec::new()));

        assert_eq!(
            to_yaml(&root, 2),
            "  image: \"nginx\"\n  ports:\n    - \"80:80\"\n  volumes:\n    - type: \"bind\"\n      read_only: true\n  ulimits:\n    nofile: 1024\n  \"yes\": []\n"
        );
    }

    #[test]
    fn yaml_quote_escapes_controls() {
        assert_eq!(quote("a\"b\\c\u{7f}\u{1b}é"), "\"a\\\"b\\\\c\\u007f\\u001bé\"");
    }
}
