//! Builds the YAML tree from saphyr-parser's events, with anchors, aliases and `<<` merge keys
//! resolved the way Compose (through Go's yaml.v3) resolves them.
//!
//! saphyr-parser stops at the first syntax error, so a file with broken YAML reports that one
//! error only. Every later check (duplicate keys, unknown anchors, bad merge keys, and the
//! model's checks) collects all of its findings.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::tree::{Entry, Node, Pos, Style, Value};
use crate::diagnostics::{Code, Reporter};

/// Maps saphyr's character indexes to byte offsets, because saphyr counts characters.
struct Offsets {
    bytes_at_char: Vec<usize>,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let mut bytes_at_char: Vec<usize> = text.char_indices().map(|(offset, _)| offset).collect();
        bytes_at_char.push(text.len());
        Offsets { bytes_at_char }
    }

    fn byte(&self, char_index: usize) -> usize {
        let last = self.bytes_at_char.len() - 1;
        self.bytes_at_char[char_index.min(last)]
    }
}

/// The most nodes that aliases may copy in one file. Each alias copies its anchored node, so
/// nested aliases grow exponentially ("billion laughs"); real Compose files copy a few hundred.
const MAX_ALIAS_NODES: usize = 100_000;

/// Counts the nodes of `node`, stopping once the count passes `budget`.
fn count_nodes(node: &Node, budget: usize) -> usize {
    let mut count = 1;
    let children: Box<dyn Iterator<Item = &Node>> = match &node.value {
        Value::Scalar { .. } => return 1,
        Value::Sequence(items) => Box::new(items.iter()),
        Value::Mapping(entries) => Box::new(entries.iter().flat_map(|entry| [&entry.key, &entry.value])),
    };
    for child in children {
        if count > budget {
            break;
        }
        count += count_nodes(child, budget - count);
    }
    count
}

/// A collection under construction.
enum Open {
    Sequence {
        items: Vec<Node>,
        start: Pos,
        anchor: usize,
        tag: Option<String>,
        flow: bool,
    },
    Mapping {
        keys_and_values: Vec<Node>,
        start: Pos,
        anchor: usize,
        tag: Option<String>,
        flow: bool,
    },
}

struct Builder<'a> {
    text: &'a str,
    offsets: Offsets,
    file: usize,
    anchors: HashMap<usize, Node>,
    /// Nodes copied by aliases so far, bounded by [`MAX_ALIAS_NODES`].
    alias_nodes: usize,
    stack: Vec<Open>,
    root: Option<Node>,
    reporter: &'a mut Reporter,
}

/// Parses the first YAML document of `text`. Returns `None` for an empty file or a syntax error
/// (which is reported).
pub(crate) fn parse_document(text: &str, file: usize, reporter: &mut Reporter) -> Option<Node> {
    let mut builder = Builder {
        text,
        offsets: Offsets::new(text),
        file,
        anchors: HashMap::new(),
        alias_nodes: 0,
        stack: Vec::new(),
        root: None,
        reporter,
    };
    let mut parser = Parser::new_from_str(text).keep_tags(true);
    let mut documents = 0;
    while let Some(result) = parser.next_event() {
        let (event, span) = match result {
            Ok(pair) => pair,
            Err(error) => {
                let marker = error.marker();
                let pos = Pos {
                    line: marker.line(),
                    column: marker.col() + 1,
                    offset: builder.offsets.byte(marker.index()),
                };
                let message = format!("invalid YAML: {}", error.info());
                let hint = "fix the YAML syntax at this place (indentation, quotes, a missing ':')";
                let finding = crate::diagnostics::Finding {
                    code: Code::YamlSyntax,
                    message,
                    value: "",
                    hint,
                };
                builder
                    .reporter
                    .report(file, pos, crate::diagnostics::Severity::Error, finding);
                return None;
            }
        };
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                // Compose reads one document per file; later ones are ignored here as well.
                if documents > 1 {
                    break;
                }
            }
            Event::Scalar(text, style, anchor, tag) => builder.scalar(text, style, anchor, tag, span),
            Event::Alias(anchor) => builder.alias(anchor, span),
            Event::SequenceStart(anchor, tag) => {
                let start = builder.value_start(span);
                builder.stack.push(Open::Sequence {
                    items: Vec::new(),
                    start,
                    anchor,
                    tag: local_tag(tag),
                    flow: builder.opens_flow(span),
                });
            }
            Event::MappingStart(anchor, tag) => {
                let start = builder.value_start(span);
                builder.stack.push(Open::Mapping {
                    keys_and_values: Vec::new(),
                    start,
                    anchor,
                    tag: local_tag(tag),
                    flow: builder.opens_flow(span),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close(span),
            _ => {}
        }
    }
    builder.root
}

/// Returns the suffix of a local tag such as `!reset`, the only tags Compose gives a meaning.
fn local_tag(tag: Option<Cow<'_, Tag>>) -> Option<String> {
    let tag = tag?;
    (tag.handle == "!").then(|| tag.suffix.clone())
}

impl Builder<'_> {
    fn pos_at(&self, char_index: usize, line: usize, column: usize) -> Pos {
        Pos {
            line,
            column: column + 1,
            offset: self.offsets.byte(char_index),
        }
    }

    /// Returns where the value itself starts, after any `&anchor` and `!tag` in front of it,
    /// because saphyr's span includes them and an edit must not overwrite them.
    fn value_start(&self, span: Span) -> Pos {
        let mut pos = self.pos_at(span.start.index(), span.start.line(), span.start.col());
        let bytes = self.text.as_bytes();
        while matches!(bytes.get(pos.offset), Some(b'&' | b'!')) {
            let rest = &self.text[pos.offset..];
            let token_len = rest.find([' ', '\t', '\n', '\r']).unwrap_or(rest.len());
            let after_token = &rest[token_len..];
            let space_len = after_token.len() - after_token.trim_start_matches([' ', '\t']).len();
            let skipped = token_len + space_len;
            pos.column += self.text[pos.offset..pos.offset + skipped].chars().count();
            pos.offset += skipped;
        }
        pos
    }

    fn scalar(&mut self, text: Cow<'_, str>, style: ScalarStyle, anchor: usize, tag: Option<Cow<'_, Tag>>, span: Span) {
        let mut start = self.value_start(span);
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            start = self.block_indicator(start);
        }
        let style = match style {
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
            _ => Style::Plain,
        };
        let end = self.scalar_end(start.offset, style, self.offsets.byte(span.end.index()));
        let node = Node {
            value: Value::Scalar {
                text: text.into_owned(),
                style,
            },
            file: self.file,
            start,
            end,
            tag: local_tag(tag),
            from_alias: false,
            flow: false,
        };
        self.finish(node, anchor);
    }

    /// Moves a block scalar's start back to its `|` or `>` indicator, because saphyr's span
    /// starts at the content on the next line and an edit must replace the indicator too.
    fn block_indicator(&self, content_start: Pos) -> Pos {
        let before = &self.text[..content_start.offset];
        let Some(indicator) = before.rfind(['|', '>']) else {
            return content_start;
        };
        let line_start = before[..indicator].rfind('\n').map_or(0, |newline| newline + 1);
        Pos {
            line: before[..indicator].matches('\n').count() + 1,
            column: before[line_start..indicator].chars().count() + 1,
            offset: indicator,
        }
    }

    /// Finds the byte just past a scalar's text. saphyr's end marker of a quoted scalar can run
    /// past the closing quote to the end of the line, so quotes are scanned here.
    fn scalar_end(&self, start: usize, style: Style, reported_end: usize) -> usize {
        let bytes = self.text.as_bytes();
        match style {
            Style::DoubleQuoted => {
                let mut index = start + 1;
                while index < bytes.len() {
                    match bytes[index] {
                        b'\\' => index += 2,
                        b'"' => return index + 1,
                        _ => index += 1,
                    }
                }
                reported_end
            }
            Style::SingleQuoted => {
                let mut index = start + 1;
                while index < bytes.len() {
                    if bytes[index] == b'\'' {
                        if bytes.get(index + 1) == Some(&b'\'') {
                            index += 2;
                            continue;
                        }
                        return index + 1;
                    }
                    index += 1;
                }
                reported_end
            }
            // A block scalar's span reaches the indentation of the next line, so it is cut back
            // to the end of its last line.
            Style::Literal | Style::Folded => {
                let text = &self.text[start..reported_end.max(start)];
                start + text.trim_end().len()
            }
            Style::Plain => reported_end.max(start),
        }
    }

    /// Makes the empty node that stands in for an alias that cannot be expanded.
    fn placeholder(&self, start: Pos) -> Node {
        Node::synthetic(
            Value::Scalar {
                text: String::new(),
                style: Style::Plain,
            },
            self.file,
            start,
        )
    }

    fn alias(&mut self, anchor: usize, span: Span) {
        let start = self.pos_at(span.start.index(), span.start.line(), span.start.col());
        let budget = MAX_ALIAS_NODES - self.alias_nodes;
        let size = self.anchors.get(&anchor).map(|node| count_nodes(node, budget));
        if size.is_some_and(|size| size > budget) {
            let placeholder = self.placeholder(start);
            self.reporter.error(
                &placeholder,
                Code::YamlSyntax,
                format!("the aliases of this file expand to more than {MAX_ALIAS_NODES} nodes"),
                "",
                "write the repeated values out, or use fewer nested aliases; a file this large is likely an alias bomb",
            );
            self.alias_nodes = MAX_ALIAS_NODES;
            self.finish(placeholder, 0);
            return;
        }
        match self.anchors.get(&anchor) {
            Some(node) => {
                self.alias_nodes += size.unwrap_or(0);
                let mut copy = node.clone();
                copy.from_alias = true;
                self.finish(copy, 0);
            }
            None => {
                let name = &self.text[start.offset..self.offsets.byte(span.end.index())];
                let placeholder = self.placeholder(start);
                self.reporter.error(
                    &placeholder,
                    Code::UnknownAnchor,
                    "alias names an anchor that is not defined before it",
                    name,
                    "define the anchor (&name) before the alias (*name) that uses it",
                );
                self.finish(placeholder, 0);
            }
        }
    }

    fn close(&mut self, span: Span) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        let node = match open {
            Open::Sequence {
                items,
                start,
                anchor,
                tag,
                flow,
            } => {
                let end = self.collection_end(flow, span, items.last(), start);
                let node = Node {
                    value: Value::Sequence(items),
                    file: self.file,
                    start,
                    end,
                    tag,
                    from_alias: false,
                    flow,
                };
                (node, anchor)
            }
            Open::Mapping {
                keys_and_values,
                start,
                anchor,
                tag,
                flow,
            } => {
                let end = self.collection_end(flow, span, keys_and_values.last(), start);
                let entries = self.resolve_mapping(keys_and_values);
                let node = Node {
                    value: Value::Mapping(entries),
                    file: self.file,
                    start,
                    end,
                    tag,
                    from_alias: false,
                    flow,
                };
                (node, anchor)
            }
        };
        self.finish(node.0, node.1);
    }

    /// True when a collection's start event is a `[` or `{`. A block collection's event has an
    /// empty span, or one covering only its anchor or tag.
    fn opens_flow(&self, span: Span) -> bool {
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index()).max(start);
        self.text[start..end].trim_end().ends_with(['[', '{'])
    }

    fn collection_end(&self, flow: bool, end_span: Span, last: Option<&Node>, start: Pos) -> usize {
        if flow {
            self.offsets.byte(end_span.end.index())
        } else {
            last.map_or(start.offset, |node| node.end)
        }
    }

    /// Pairs keys with values, reports duplicate keys, and applies `<<` merge keys: entries of
    /// the merged mappings are added unless the mapping itself defines the key, and an earlier
    /// mapping in a `<<: [*a, *b]` list wins over a later one.
    fn resolve_mapping(&mut self, keys_and_values: Vec<Node>) -> Vec<Entry> {
        let mut own: Vec<Entry> = Vec::new();
        let mut merged_sources: Vec<Node> = Vec::new();
        let mut nodes = keys_and_values.into_iter();
        while let (Some(key), Some(value)) = (nodes.next(), nodes.next()) {
            let is_merge_key = matches!(&key.value, Value::Scalar { text, style: Style::Plain } if text == "<<");
            if is_merge_key {
                merged_sources.push(value);
                continue;
            }
            if let Some(key_text) = key.scalar_text() {
                if own.iter().any(|entry| entry.key.scalar_text() == Some(key_text)) {
                    let message = format!("mapping key '{key_text}' is already defined");
                    self.reporter.error(
                        &key,
                        Code::DuplicateKey,
                        message,
                        key_text,
                        "remove one of the two entries, or rename one",
                    );
                    continue;
                }
            }
            own.push(Entry {
                key,
                value,
                inherited: false,
            });
        }

        for source in merged_sources {
            let mappings: Vec<Node> = match source.value {
                Value::Mapping(_) => vec![source],
                Value::Sequence(items) if items.iter().all(|item| item.as_mapping().is_some()) => items,
                _ => {
                    self.reporter.error(
                        &source,
                        Code::InvalidMergeKey,
                        "the merge key '<<' needs a mapping or a list of mappings",
                        source.scalar_text().unwrap_or_default(),
                        "point '<<' at an anchored mapping, as in '<<: *defaults'",
                    );
                    continue;
                }
            };
            for mapping in mappings {
                let Value::Mapping(entries) = mapping.value else {
                    continue;
                };
                for mut entry in entries {
                    let key = entry.key.scalar_text();
                    if own.iter().any(|existing| existing.key.scalar_text() == key) {
                        continue;
                    }
                    entry.inherited = true;
                    own.push(entry);
                }
            }
        }
        own
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping { keys_and_values, .. }) => keys_and_values.push(node),
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<Node>, Reporter) {
        let mut reporter = Reporter::default();
        reporter.add_file("compose.yaml".into());
        let node = parse_document(text, 0, &mut reporter);
        (node, reporter)
    }

    #[test]
    fn parse_positions_and_spans() {
        let text = "services:\n  web:\n    image: \"nginx\"   # pinned\n";
        let (root, reporter) = parse(text);
        assert!(reporter.diagnostics.0.is_empty());
        let image = root
            .unwrap()
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .get("image")
            .unwrap()
            .clone();
        assert_eq!(image.start.line, 3);
        assert_eq!(image.start.column, 12);
        assert_eq!(
            &text[image.start.offset..image.end],
            "\"nginx\"",
            "span stops at the closing quote"
        );
    }

    #[test]
    fn parse_merge_key_keeps_own_entries_first() {
        let text = "base: &b {A: 1, B: 2}\nthing:\n  <<: *b\n  B: 3\n";
        let (root, _) = parse(text);
        let thing = root.unwrap().get("thing").unwrap().clone();
        let keys: Vec<&str> = thing
            .as_mapping()
            .unwrap()
            .iter()
            .map(|e| e.key.scalar_text().unwrap())
            .collect();
        assert_eq!(keys, ["B", "A"]);
        assert_eq!(thing.get("B").unwrap().scalar_text(), Some("3"), "explicit key wins");
        assert!(thing.get("<<").is_none());
    }

    #[test]
    fn parse_reports_every_duplicate_key() {
        let (_, reporter) = parse("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n");
        let mut lines: Vec<usize> = reporter.diagnostics.0.iter().map(|d| d.line).collect();
        lines.sort();
        assert_eq!(lines, [2, 5]);
        assert!(reporter.diagnostics.0.iter().all(|d| d.code == Code::DuplicateKey));
    }

    #[test]
    fn parse_reports_unknown_alias() {
        // saphyr-parser itself rejects an unknown anchor, as a syntax error.
        let (root, reporter) = parse("a: 1\nb: *nowhere\n");
        assert!(root.is_none());
        assert_eq!(reporter.diagnostics.0.len(), 1);
        assert_eq!(reporter.diagnostics.0[0].line, 2);
    }

    #[test]
    fn parse_syntax_error_has_place() {
        let (root, reporter) = parse("services:\n  web: [a, b\n");
        assert!(root.is_none());
        let diagnostic = &reporter.diagnostics.0[0];
        assert_eq!(diagnostic.code, Code::YamlSyntax);
        assert!(diagnostic.line >= 2, "{diagnostic}");
    }

    #[test]
    fn parse_value_start_skips_tag_and_anchor() {
        let text = "a: !reset \"1\"\nb: &x [1]\n";
        let (root, _) = parse(text);
        let root = root.unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(&text[a.start.offset..a.end], "\"1\"");
        assert_eq!(a.tag.as_deref(), Some("reset"));
        let b = root.get("b").unwrap();
        assert_eq!(&text[b.start.offset..b.end], "[1]");
    }

    #[test]
    fn parse_anchored_block_is_not_flow() {
        let text = "x: &base\n  restart: always\n\ny: &list\n  - 1\nz: &flow {a: 1}\n";
        let (root, _) = parse(text);
        let root = root.unwrap();
        let x = root.get("x").unwrap();
        assert!(!x.flow);
        assert_eq!(text[x.start.offset..x.end].trim_start(), "restart: always");
        assert!(!root.get("y").unwrap().flow);
        assert!(root.get("z").unwrap().flow);
    }

    #[test]
    fn parse_stops_alias_bomb() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let previous = format!("*l{}", level - 1).replace("*l0", "*a");
            let items = vec![previous; 9].join(", ");
            text.push_str(&format!("l{level}: &l{level} [{items}]\n"));
        }
        let (root, reporter) = parse(&text);
        assert!(reporter.diagnostics.has_errors());
        let error = reporter.diagnostics.errors().next().unwrap();
        assert!(error.message.contains("expand to more than"), "{error}");
        assert_eq!(error.line, 6, "{error}");
        drop(root);
    }
}
