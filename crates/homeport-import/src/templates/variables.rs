//! Finds the variables a Compose text reads through interpolation (`$NAME`, `${NAME}`,
//! `${NAME:-default}` and the other forms of the Compose Specification), so a template's
//! parameters are exactly the values a deploy's `.env` can set.

/// One variable a Compose text reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableReference {
    pub name: String,
    /// The default of the first `${NAME:-default}` or `${NAME-default}` form, as written. It
    /// may contain further references.
    pub default: Option<String>,
}

/// Adds the variables `text` reads to `found`, in order of first use. A variable already in
/// `found` gets the default of this reference only when it has none yet. `$$` is a literal
/// dollar sign, and a `${` without its closing `}` ends the scan, as Compose rejects it.
pub fn collect_variables(text: &str, found: &mut Vec<VariableReference>) {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'$' {
            index += 1;
            continue;
        }
        match bytes.get(index + 1) {
            Some(b'$') => index += 2,
            Some(b'{') => {
                let body_start = index + 2;
                let Some(body_end) = closing_brace(bytes, body_start) else {
                    return;
                };
                braced(&text[body_start..body_end], found);
                index = body_end + 1;
            }
            Some(first) if first.is_ascii_alphabetic() || *first == b'_' => {
                let end = name_end(bytes, index + 1);
                record(found, &text[index + 1..end], None);
                index = end;
            }
            _ => index += 1,
        }
    }
}

/// Returns whether `name` can be interpolated as `${name}` and set in a `.env` file.
pub fn is_variable_name(name: &str) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && characters.all(|character| character.is_ascii_alphanumeric() || character == '_')
}

/// Reads the inside of `${…}`: a name, then optionally an operator and its argument.
fn braced(body: &str, found: &mut Vec<VariableReference>) {
    let name_length = name_end(body.as_bytes(), 0);
    let name = &body[..name_length];
    if !is_variable_name(name) {
        return;
    }
    let rest = &body[name_length..];
    let (default, argument) = if let Some(argument) = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-')) {
        (Some(argument.to_string()), argument)
    } else if let Some(argument) = [":?", "?", ":+", "+"]
        .iter()
        .find_map(|operator| rest.strip_prefix(operator))
    {
        (None, argument)
    } else {
        (None, "")
    };
    record(found, name, default);
    // A default or replacement may read further variables, such as `${A:-${B}}`.
    collect_variables(argument, found);
}

fn record(found: &mut Vec<VariableReference>, name: &str, default: Option<String>) {
    match found.iter_mut().find(|reference| reference.name == name) {
        Some(existing) => {
            if existing.default.is_none() {
                existing.default = default;
            }
        }
        None => found.push(VariableReference {
            name: name.to_string(),
            default,
        }),
    }
}

fn name_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    end
}

/// Returns the position of the `}` that closes a `${` whose body starts at `start`, counting
/// nested `${…}` forms.
fn closing_brace(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut index = start;
    while index < bytes.len() {
        match bytes[index] {
            b'$' if bytes.get(index + 1) == Some(&b'{') => {
                depth += 1;
                index += 2;
                continue;
            }
            b'}' if depth == 0 => return Some(index),
            b'}' => depth -= 1,
            _ => {}
        }
        index += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(String, Option<String>)> {
        let mut found = Vec::new();
        collect_variables(text, &mut found);
        found
            .into_iter()
            .map(|reference| (reference.name, reference.default))
            .collect()
    }

    #[test]
    fn variables_in_every_form() {
        assert_eq!(
            scan("$A ${B} ${C:-x} ${D-y} ${E:?missing} ${F:+on} $$G $"),
            vec![
                ("A".to_string(), None),
                ("B".to_string(), None),
                ("C".to_string(), Some("x".to_string())),
                ("D".to_string(), Some("y".to_string())),
                ("E".to_string(), None),
                ("F".to_string(), None),
            ]
        );
    }

    #[test]
    fn nested_default_reads_both() {
        assert_eq!(
            scan("${PORT:-${BASE}0}/$PORT"),
            vec![
                ("PORT".to_string(), Some("${BASE}0".to_string())),
                ("BASE".to_string(), None)
            ]
        );
    }

    #[test]
    fn later_default_fills_a_missing_one() {
        assert_eq!(
            scan("$TZ ${TZ:-UTC}"),
            vec![("TZ".to_string(), Some("UTC".to_string()))]
        );
    }

    #[test]
    fn unclosed_brace_stops_the_scan() {
        assert_eq!(scan("$A ${B"), vec![("A".to_string(), None)]);
    }

    #[test]
    fn variable_names() {
        assert!(is_variable_name("MYSQL_ROOT_PASSWORD"));
        assert!(is_variable_name("_x1"));
        assert!(!is_variable_name("1X"));
        assert!(!is_variable_name("A-B"));
        assert!(!is_variable_name(""));
    }
}
