//! Converts YAML nodes to JSON values, typing plain scalars by YAML 1.2's core schema.

use serde_json::{Map, Number, Value as Json};

use super::tree::{Node, Typed, Value};

/// Converts `node` and everything under it. Mapping keys become strings as written.
pub fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Sequence(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Mapping(entries) => {
            let mut object = Map::new();
            for entry in entries {
                let key = entry.key.scalar_text().unwrap_or_default().to_string();
                object.insert(key, to_json(&entry.value));
            }
            Json::Object(object)
        }
        Value::Scalar { .. } => match node.typed() {
            Typed::Null => Json::Null,
            Typed::Bool(value) => Json::Bool(value),
            Typed::Int(value) => Json::Number(value.into()),
            Typed::Float(value) => Number::from_f64(value).map_or(Json::Null, Json::Number),
            Typed::Str(text) => Json::String(text.to_string()),
            Typed::Collection => Json::Null,
        },
    }
}
