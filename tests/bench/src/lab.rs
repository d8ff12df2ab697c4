//! The lab's env file: one `export NAME='value'` line per variable, as `tests/lab/lab.sh up`
//! writes it.

use std::collections::HashMap;
use std::path::Path;

/// The variables of the lab's env file.
pub struct Lab(HashMap<String, String>);

impl Lab {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            format!(
                "cannot read the lab env file '{}': {err}; start the lab with tests/lab/lab.sh up",
                path.display()
            )
        })?;
        Ok(Lab(parse_env(&text)))
    }

    pub fn get(&self, name: &str) -> Result<&str, String> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("the lab env file has no {name}; run tests/lab/lab.sh up to rewrite it"))
    }
}

/// Parses `export NAME=VALUE` lines. VALUE follows POSIX shell quoting as far as the lab uses
/// it: single-quoted parts, backslash-escaped characters and bare words, written together.
fn parse_env(text: &str) -> HashMap<String, String> {
    let mut variables = HashMap::new();
    for line in text.lines() {
        let Some(assignment) = line.trim().strip_prefix("export ") else {
            continue;
        };
        let Some((name, raw)) = assignment.split_once('=') else {
            continue;
        };
        variables.insert(name.trim().to_string(), unquote(raw));
    }
    variables
}

fn unquote(raw: &str) -> String {
    let mut value = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => value.extend(chars.by_ref().take_while(|&inner| inner != '\'')),
            '\\' => value.extend(chars.next()),
            other => value.push(other),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_values() {
        let text = "# comment\nexport A='plain'\nexport B='it'\\''s'\nexport C=bare\nnot an assignment\n";
        let variables = parse_env(text);
        assert_eq!(variables["A"], "plain");
        assert_eq!(variables["B"], "it's");
        assert_eq!(variables["C"], "bare");
        assert_eq!(variables.len(), 3);
    }
}
