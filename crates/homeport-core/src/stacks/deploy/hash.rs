//! A stable hash of a service's normalised configuration, stored in the label
//! `com.docker.compose.config-hash`. An unchanged hash means the container can stay.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Returns the SHA-256, in lowercase hex, of `value` serialised as JSON with object keys sorted
/// at every level. Sorting makes the hash independent of `HashMap` iteration order.
///
/// NOTE: Compose v2 hashes its own service model, so its hash differs from this one, and a later
/// `docker compose up` recreates the containers once.
pub fn config_hash(value: &impl Serialize) -> String {
    let json = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    let mut canonical = String::new();
    write_canonical(&json, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn hash_ignores_map_order() {
        let mut first = HashMap::new();
        let mut second = HashMap::new();
        for index in 0..50 {
            first.insert(format!("key{index}"), index);
        }
        for index in (0..50).rev() {
            second.insert(format!("key{index}"), index);
        }
        assert_eq!(config_hash(&first), config_hash(&second));
    }

    #[test]
    fn hash_changes_with_values() {
        let one = serde_json::json!({"image": "a", "env": ["X=1"]});
        let two = serde_json::json!({"image": "a", "env": ["X=2"]});
        assert_ne!(config_hash(&one), config_hash(&two));
        assert_eq!(config_hash(&one).len(), 64);
    }
}
