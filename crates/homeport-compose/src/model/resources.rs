//! Top-level `networks`, `volumes`, `secrets` and `configs`.

use std::collections::BTreeMap;
use std::path::Path;

use super::values::{key_value_map, scalar_string, string};
use super::volumes;
use super::Resource;
use crate::diagnostics::{Code, Reporter};
use crate::yaml::json::to_json;
use crate::yaml::{Node, Typed, Value};

/// Builds the resources of one top-level section. `section` is `networks`, `volumes`,
/// `secrets` or `configs`.
pub(crate) fn build_resources(
    section: &str,
    node: &Node,
    project_name: &str,
    working_dir: &Path,
    reporter: &mut Reporter,
) -> BTreeMap<String, Resource> {
    let mut resources = BTreeMap::new();
    let Some(entries) = node.as_mapping() else {
        if !node.is_null() {
            reporter.wrong_type(node, section, "a mapping");
        }
        return resources;
    };
    for entry in entries {
        let Some(key) = entry.key.scalar_text() else {
            continue;
        };
        if key.starts_with("x-") {
            continue;
        }
        let resource = build_resource(section, key, &entry.value, project_name, working_dir, reporter);
        resources.insert(key.to_string(), resource);
    }
    resources
}

fn build_resource(
    section: &str,
    key: &str,
    node: &Node,
    project_name: &str,
    working_dir: &Path,
    reporter: &mut Reporter,
) -> Resource {
    let mut resource = Resource::default();
    let mut explicit_name = None;
    match &node.value {
        Value::Mapping(entries) => {
            for entry in entries {
                let attribute = entry.key.scalar_text().unwrap_or_default();
                let value = &entry.value;
                match attribute {
                    _ if attribute.starts_with("x-") => {}
                    "name" => explicit_name = string(value, "name", reporter),
                    "external" => resource.external = external(value, section, key, reporter),
                    "driver" => resource.driver = string(value, "driver", reporter),
                    "file" => {
                        resource.file =
                            string(value, "file", reporter).map(|file| volumes::absolute(&file, working_dir))
                    }
                    "environment" => resource.environment = string(value, "environment", reporter),
                    "labels" => {
                        resource.labels = key_value_map(value, "labels", reporter)
                            .into_iter()
                            .map(|(label, text)| (label, text.unwrap_or_default()))
                            .collect()
                    }
                    _ => {
                        resource.other.insert(attribute.to_string(), to_json(value));
                    }
                }
            }
        }
        _ if node.is_null() => {}
        _ => reporter.wrong_type(node, &format!("{section}.{key}"), "a mapping or null"),
    }

    if matches!(section, "secrets" | "configs") && !resource.external {
        let sources = [
            resource.file.is_some(),
            resource.environment.is_some(),
            resource.other.contains_key("content"),
        ];
        if sources.iter().filter(|present| **present).count() != 1 {
            reporter.error(
                node,
                Code::InvalidValue,
                format!("{section}.{key} needs exactly one of 'file', 'environment' or 'content'"),
                key,
                "name where the value comes from, or mark it 'external: true'",
            );
        }
    }

    resource.name = match explicit_name {
        Some(name) => name,
        None if resource.external => key.to_string(),
        None => format!("{project_name}_{key}"),
    };
    resource
}

/// Reads `external`, which is a boolean; the old form `external: {name: x}` is reported.
fn external(node: &Node, section: &str, key: &str, reporter: &mut Reporter) -> bool {
    match node.typed() {
        Typed::Bool(value) => value,
        _ => {
            let value = scalar_string(node).unwrap_or_default();
            reporter.error(
                node,
                Code::InvalidType,
                format!("'{section}.{key}.external' must be true or false"),
                &value,
                "write 'external: true', and give the engine's name in 'name'",
            );
            false
        }
    }
}
