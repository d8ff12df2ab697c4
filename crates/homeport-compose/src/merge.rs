//! Merges an override file's tree into the base tree with the Compose Specification's rules:
//! mappings merge key by key, sequences append, `command`, `entrypoint` and `healthcheck.test`
//! are replaced, `ports`, `volumes`, `secrets` and `configs` merge entries by their unique key,
//! and `environment`, `labels`, `depends_on` and service `networks` merge by name whether they
//! are written as lists or mappings. `!reset` removes a value and `!override` replaces it whole.

use crate::model::ports::{parse_short, port_number};
use crate::model::values::scalar_string;
use crate::yaml::{Entry, Node, Style, Value};

/// Merges `overlay` into `base`.
pub(crate) fn merge_files(base: Node, overlay: Node) -> Node {
    merge(base, overlay, &[])
}

fn merge(base: Node, overlay: Node, path: &[&str]) -> Node {
    if overlay.tag.as_deref() == Some("override") {
        return overlay;
    }
    match (base.value, overlay.value) {
        (Value::Mapping(base_entries), Value::Mapping(overlay_entries)) => {
            let mut entries = base_entries;
            for entry in overlay_entries {
                let key = entry.key.scalar_text().unwrap_or_default().to_string();
                let position = entries
                    .iter()
                    .position(|existing| existing.key.scalar_text() == Some(key.as_str()));
                if entry.value.tag.as_deref() == Some("reset") {
                    if let Some(position) = position {
                        entries.remove(position);
                    }
                    continue;
                }
                match position {
                    Some(position) => {
                        let existing = entries.remove(position);
                        let mut child_path = path.to_vec();
                        child_path.push(&key);
                        let value = merge(existing.value, entry.value, &child_path);
                        entries.insert(
                            position,
                            Entry {
                                key: entry.key,
                                value,
                                inherited: false,
                            },
                        );
                    }
                    None => entries.push(entry),
                }
            }
            Node {
                value: Value::Mapping(entries),
                ..shell(base.file, base.start, base.end)
            }
        }
        (Value::Sequence(base_items), Value::Sequence(overlay_items)) => {
            let items = match sequence_rule(path) {
                SequenceRule::Replace => overlay_items,
                SequenceRule::Append => base_items.into_iter().chain(overlay_items).collect(),
                SequenceRule::Unique(key_of) => merge_unique(base_items, overlay_items, key_of),
            };
            Node {
                value: Value::Sequence(items),
                ..shell(overlay.file, overlay.start, overlay.end)
            }
        }
        (_, value) => Node { value, ..overlay },
    }
}

/// Builds an empty node at a place, to hold merged content.
fn shell(file: usize, start: crate::yaml::Pos, end: usize) -> Node {
    Node {
        value: Value::Sequence(Vec::new()),
        file,
        start,
        end,
        tag: None,
        from_alias: false,
        flow: false,
    }
}

enum SequenceRule {
    Replace,
    Append,
    Unique(fn(&Node) -> String),
}

fn sequence_rule(path: &[&str]) -> SequenceRule {
    match path {
        ["services", _, "command" | "entrypoint"] | ["services", _, "healthcheck", "test"] => SequenceRule::Replace,
        ["services", _, "ports"] => SequenceRule::Unique(port_key),
        ["services", _, "volumes"] => SequenceRule::Unique(volume_key),
        ["services", _, "secrets" | "configs"] => SequenceRule::Unique(source_key),
        _ => SequenceRule::Append,
    }
}

/// Appends overlay items whose key is new and replaces base items that share a key.
fn merge_unique(base: Vec<Node>, overlay: Vec<Node>, key_of: fn(&Node) -> String) -> Vec<Node> {
    let mut items = base;
    for item in overlay {
        let key = key_of(&item);
        match items.iter().position(|existing| key_of(existing) == key) {
            Some(position) => items[position] = item,
            None => items.push(item),
        }
    }
    items
}

/// Returns a port entry's unique key: host IP, target, published port and protocol.
fn port_key(node: &Node) -> String {
    if let Some(text) = scalar_string(node) {
        return match parse_short(&text).as_deref() {
            Ok([binding]) => format!("{:?}", binding.merge_key()),
            _ => text,
        };
    }
    let text = |key: &str| node.get(key).and_then(scalar_string);
    let key = (
        text("host_ip"),
        node.get("target").and_then(port_number).unwrap_or_default(),
        text("published"),
        text("protocol").unwrap_or_else(|| "tcp".to_string()),
    );
    format!("{key:?}")
}

/// Returns a volume entry's target, its unique key.
fn volume_key(node: &Node) -> String {
    if let Some(text) = scalar_string(node) {
        let parts: Vec<&str> = text.split(':').collect();
        return match parts.as_slice() {
            [target] | [_, target] | [_, target, _] => target.to_string(),
            _ => text,
        };
    }
    node.get("target").and_then(scalar_string).unwrap_or_default()
}

/// Returns a secret's or config's source, its unique key.
fn source_key(node: &Node) -> String {
    scalar_string(node)
        .or_else(|| node.get("source").and_then(scalar_string))
        .unwrap_or_default()
}

/// Rewrites list shorthands of each service into mappings, so lists and mappings merge by name:
/// `environment` and `labels` (`KEY=VALUE`), `depends_on` (`[db]`), `networks` (`[front]`),
/// and a `build` string (its context).
pub(crate) fn normalise_services(root: &mut Node) {
    let Some(services) = mapping_value_mut(root, "services") else {
        return;
    };
    let Value::Mapping(entries) = &mut services.value else {
        return;
    };
    for entry in entries {
        let Value::Mapping(attributes) = &mut entry.value.value else {
            continue;
        };
        for attribute in attributes.iter_mut() {
            let name = attribute.key.scalar_text().unwrap_or_default().to_string();
            let node = &mut attribute.value;
            match name.as_str() {
                "environment" | "labels" => list_to_mapping(node, |item| {
                    let text = scalar_string(item)?;
                    Some(match text.split_once('=') {
                        Some((key, value)) => (key.to_string(), text_node(item, value, Style::DoubleQuoted)),
                        // A name without '=' takes its value from the environment later on.
                        None => (text.clone(), text_node(item, "", Style::Plain)),
                    })
                }),
                "networks" => list_to_mapping(node, |item| {
                    Some((scalar_string(item)?, text_node(item, "", Style::Plain)))
                }),
                "depends_on" => list_to_mapping(node, |item| {
                    let condition = Entry {
                        key: text_node(item, "condition", Style::Plain),
                        value: text_node(item, "service_started", Style::Plain),
                        inherited: false,
                    };
                    let settings = Node {
                        value: Value::Mapping(vec![condition]),
                        ..item.clone()
                    };
                    Some((scalar_string(item)?, settings))
                }),
                "build" if matches!(node.value, Value::Scalar { .. }) && !node.is_null() => {
                    let context = node.clone();
                    node.value = Value::Mapping(vec![Entry {
                        key: text_node(node, "context", Style::Plain),
                        value: context,
                        inherited: false,
                    }]);
                }
                _ => {}
            }
        }
    }
}

fn mapping_value_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    let Value::Mapping(entries) = &mut node.value else {
        return None;
    };
    entries
        .iter_mut()
        .find(|entry| entry.key.scalar_text() == Some(key))
        .map(|entry| &mut entry.value)
}

/// Turns a list into a mapping with `pair_of` giving each item's key and value node.
fn list_to_mapping(node: &mut Node, pair_of: impl Fn(&Node) -> Option<(String, Node)>) {
    let Value::Sequence(items) = &node.value else {
        return;
    };
    let mut entries = Vec::new();
    for item in items {
        // A list with a malformed item stays a list, so the model reports the item.
        let Some((key, value)) = pair_of(item) else {
            return;
        };
        entries.push(Entry {
            key: text_node(item, &key, Style::Plain),
            value,
            inherited: false,
        });
    }
    node.value = Value::Mapping(entries);
}

/// Makes a scalar node placed at `place`, so findings about it point at the original item.
fn text_node(place: &Node, text: &str, style: Style) -> Node {
    Node {
        value: Value::Scalar {
            text: text.to_string(),
            style,
        },
        tag: None,
        ..place.clone()
    }
}
