//! The YAML tree: scalars, sequences and mappings, each node with its place in its file.

/// A place in a file: 1-based line and column (in characters) and the 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// How a scalar was written, which decides how it is typed and how an edit rewrites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { text: String, style: Style },
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
}

/// One node, where it starts and ends in which file, and how it got there.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Index of the file in the loader's file list.
    pub file: usize,
    pub start: Pos,
    /// Byte offset just past the node's text (for a collection, past its last child).
    pub end: usize,
    /// The local tag, such as `reset` for `!reset`, which the override merge reads.
    pub tag: Option<String>,
    /// True when the node is a copy made by an alias, so its text lives at the anchor.
    pub from_alias: bool,
    /// True for a flow collection (`[a, b]` or `{a: b}`), whose text an edit changes inline.
    pub flow: bool,
}

/// A key and its value. `inherited` marks entries copied in by a `<<` merge key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
    pub inherited: bool,
}

impl Node {
    /// Makes a node that is not in any file, for values built by the merge or the model.
    pub fn synthetic(value: Value, file: usize, start: Pos) -> Node {
        Node {
            value,
            file,
            start,
            end: start.offset,
            tag: None,
            from_alias: false,
            flow: false,
        }
    }

    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// Returns the value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_mapping()?
            .iter()
            .find(|entry| entry.key.scalar_text() == Some(key))
    }

    /// True for a plain `null`, `~`, `Null`, `NULL` or empty scalar, as YAML 1.2's core schema reads them.
    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar {
                text,
                style: Style::Plain,
            } => matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    /// Names the node's YAML type for error messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "null",
            Value::Scalar { .. } => "a scalar",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    /// Returns the scalar typed by YAML 1.2's core schema: null, bool, integer, float or string.
    pub fn typed(&self) -> Typed<'_> {
        let Value::Scalar { text, style } = &self.value else {
            return Typed::Collection;
        };
        if *style != Style::Plain {
            return Typed::Str(text);
        }
        if self.is_null() {
            return Typed::Null;
        }
        match text.as_str() {
            "true" | "True" | "TRUE" => return Typed::Bool(true),
            "false" | "False" | "FALSE" => return Typed::Bool(false),
            _ => {}
        }
        if let Some(number) = parse_int(text) {
            return Typed::Int(number);
        }
        if looks_like_float(text) {
            if let Ok(number) = text.parse::<f64>() {
                return Typed::Float(number);
            }
        }
        Typed::Str(text)
    }
}

/// A scalar with its YAML type resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Typed<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Collection,
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(octal) = digits.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

fn looks_like_float(text: &str) -> bool {
    let body = text.trim_start_matches(['-', '+']);
    matches!(body, ".inf" | ".Inf" | ".INF")
        || (body.bytes().any(|byte| byte.is_ascii_digit())
            && body
                .bytes()
                .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'e' | b'E' | b'-' | b'+')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Node {
        Node::synthetic(
            Value::Scalar {
                text: text.to_string(),
                style: Style::Plain,
            },
            0,
            Pos::default(),
        )
    }

    #[test]
    fn typed_follows_core_schema() {
        assert_eq!(plain("").typed(), Typed::Null);
        assert_eq!(plain("~").typed(), Typed::Null);
        assert_eq!(plain("true").typed(), Typed::Bool(true));
        assert_eq!(
            plain("yes").typed(),
            Typed::Str("yes"),
            "YAML 1.2 has no yes/no booleans"
        );
        assert_eq!(plain("8080").typed(), Typed::Int(8080));
        assert_eq!(plain("0.5").typed(), Typed::Float(0.5));
        assert_eq!(plain("8080:80").typed(), Typed::Str("8080:80"));
        assert_eq!(plain("1.2.3").typed(), Typed::Str("1.2.3"));
    }
}
