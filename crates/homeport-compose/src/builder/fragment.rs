//! Copies the services of another Compose text, such as a catalog template, into a stack,
//! as written: comments, anchors and quoting come along.

use crate::edit::Document;
use crate::yaml::Node;

use super::edits::{apply, BuilderEdit, BuilderError};

/// Top-level sections whose entries services refer to, copied when the stack lacks them.
const RESOURCE_SECTIONS: [&str; 4] = ["volumes", "networks", "secrets", "configs"];

/// Copies every service of `fragment` into `document`, with the fragment's `x-*` entries
/// (placed before `services`, because services alias them) and the volumes, networks,
/// secrets and configs the stack does not declare yet. A service whose name is taken is
/// renamed `<prefix>-<name>` (with a number when that is taken too), and references to it
/// inside the fragment follow. Returns the renames as (old, new) pairs.
pub fn insert_fragment(
    document: &mut Document,
    fragment: &str,
    prefix: &str,
) -> Result<Vec<(String, String)>, BuilderError> {
    let mut fragment = Document::parse(fragment).map_err(|diagnostics| BuilderError::Invalid {
        field: "template",
        value: prefix.to_string(),
        reason: diagnostics.to_string(),
    })?;
    let mut draft = document.clone();

    let renames = rename_taken(&draft, &mut fragment, prefix)?;

    for key in top_level_keys(&fragment) {
        if !key.starts_with("x-") || draft.node(&[key.as_str()]).is_some() {
            continue;
        }
        let text = fragment.entry_text(&[key.as_str()]).unwrap_or_default().to_string();
        draft.insert_top_level_text(&text, Some("services"))?;
    }

    for name in child_keys(&fragment, "services") {
        let entry = fragment.entry_text(&["services", name.as_str()]).unwrap_or_default();
        let lines = body_lines(entry).ok_or_else(|| BuilderError::Invalid {
            field: "service",
            value: name.clone(),
            reason: "write the service as a block mapping to copy it".to_string(),
        })?;
        draft.insert_block(&["services"], &name, lines)?;
    }

    for section in RESOURCE_SECTIONS {
        for key in child_keys(&fragment, section) {
            if draft.node(&[section, key.as_str()]).is_some() {
                continue;
            }
            let entry = fragment.entry_text(&[section, key.as_str()]).unwrap_or_default();
            match (
                body_lines(entry),
                draft.node(&[section]).is_some_and(|node| node.as_mapping().is_some()),
            ) {
                (Some(lines), true) if !lines.is_empty() => draft.insert_block(&[section], &key, lines)?,
                (_, true) => draft.insert_empty_mapping(&[section], &key)?,
                (Some(lines), false) if !lines.is_empty() => {
                    let mut nested = vec![format!("{key}:")];
                    nested.extend(lines.into_iter().map(|line| format!("  {line}")));
                    draft.insert_block(&[], section, nested)?;
                }
                (_, false) => draft.insert_block(&[], section, vec![format!("{key}: {{}}")])?,
            }
        }
    }

    *document = draft;
    Ok(renames)
}

/// Renames the fragment's services that `document` already has.
fn rename_taken(
    document: &Document,
    fragment: &mut Document,
    prefix: &str,
) -> Result<Vec<(String, String)>, BuilderError> {
    let taken = child_keys(document, "services");
    let mut renames = Vec::new();
    for name in child_keys(fragment, "services") {
        if !taken.contains(&name) {
            continue;
        }
        let in_use =
            |candidate: &str| taken.iter().any(|t| t == candidate) || fragment.node(&["services", candidate]).is_some();
        let mut new_name = format!("{prefix}-{name}");
        let mut counter = 2;
        while in_use(&new_name) && counter < 100 {
            new_name = format!("{prefix}-{name}-{counter}");
            counter += 1;
        }
        apply(
            fragment,
            &BuilderEdit::RenameService {
                name: name.clone(),
                new_name: new_name.clone(),
            },
        )?;
        renames.push((name, new_name));
    }
    Ok(renames)
}

fn top_level_keys(document: &Document) -> Vec<String> {
    document
        .node(&[])
        .and_then(Node::as_mapping)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| entry.key.scalar_text().map(str::to_string))
        .collect()
}

fn child_keys(document: &Document, section: &str) -> Vec<String> {
    document
        .node(&[section])
        .and_then(Node::as_mapping)
        .unwrap_or_default()
        .iter()
        .filter(|entry| !entry.inherited)
        .filter_map(|entry| entry.key.scalar_text().map(str::to_string))
        .collect()
}

/// Returns the lines under an entry's key line with their common indentation removed, or
/// `None` when the value sits on the key line (a flow mapping or a scalar) and is not empty.
fn body_lines(entry: &str) -> Option<Vec<String>> {
    let mut lines = entry.lines();
    let key_line = lines.next()?;
    let after_colon = key_line.split_once(':').map_or("", |(_, rest)| rest.trim());
    let empty_value = after_colon.is_empty() || after_colon == "{}" || after_colon.starts_with('#');
    if !empty_value {
        return None;
    }
    let body: Vec<&str> = lines.collect();
    let indent = body
        .iter()
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    Some(
        body.iter()
            .map(|line| {
                let own = line.len() - line.trim_start().len();
                line[own.min(indent)..].to_string()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_lines_dedent_and_keep_comments() {
        let entry = "  web:\n    # front end\n    image: nginx\n    ports:\n      - \"80:80\"";
        assert_eq!(
            body_lines(entry).unwrap(),
            ["# front end", "image: nginx", "ports:", "  - \"80:80\""]
        );
        assert_eq!(body_lines("  data: {}").unwrap(), Vec::<String>::new());
        assert!(body_lines("  web: {image: nginx}").is_none());
    }
}
