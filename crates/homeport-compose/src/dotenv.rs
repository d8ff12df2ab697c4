//! Reads `.env` and `env_file` files the way Compose does: `#` comments, blank lines, an
//! optional `export ` prefix, single quotes (literal), double quotes (escapes and
//! interpolation, may span lines), and unquoted values (trimmed, ` #` starts a comment,
//! interpolation applied).

use crate::interpolate::{interpolate, InterpolationError};

/// One problem in an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub value: String,
    pub hint: String,
}

/// Parses `text`. A value may refer to variables defined above it in the same file and, after
/// those, to `outer` (the caller's values); the caller's values win where both define a name.
pub fn parse_dotenv(
    text: &str,
    outer: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, Vec<DotenvError>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut errors = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let line_number = index + 1;
        let line = lines[index];
        index += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let statement = trimmed.strip_prefix("export ").map_or(trimmed, str::trim_start);
        let Some(equals) = statement.find('=') else {
            errors.push(DotenvError {
                line: line_number,
                column: indent + 1,
                message: "line has no '=' between name and value".to_string(),
                value: trimmed.to_string(),
                hint: "write NAME=value, or start the line with '#' to comment it out".to_string(),
            });
            continue;
        };
        let name = statement[..equals].trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            errors.push(DotenvError {
                line: line_number,
                column: indent + 1,
                message: "invalid variable name".to_string(),
                value: name.to_string(),
                hint: "use letters, digits and '_' in variable names".to_string(),
            });
            continue;
        }
        let raw = statement[equals + 1..].trim_start();
        let column = line.len() - raw.len() + 1;

        let lookup = |variable: &str| -> Option<String> {
            outer(variable).or_else(|| {
                pairs
                    .iter()
                    .rev()
                    .find(|(defined, _)| defined == variable)
                    .map(|(_, value)| value.clone())
            })
        };
        let parsed = match raw.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                // A quoted value may go on over the following lines until its closing quote.
                let mut value_text = raw[1..].to_string();
                let mut closing = find_closing(&value_text, quote);
                while closing.is_none() && index < lines.len() {
                    value_text.push('\n');
                    value_text.push_str(lines[index]);
                    index += 1;
                    closing = find_closing(&value_text, quote);
                }
                match closing {
                    None => Err(DotenvError {
                        line: line_number,
                        column,
                        message: "unterminated quoted value".to_string(),
                        value: raw.to_string(),
                        hint: format!("add the closing {quote}"),
                    }),
                    Some(end) if quote == '\'' => Ok(value_text[..end].to_string()),
                    Some(end) => expand_value(&unescape_double(&value_text[..end]), &lookup, line_number, column),
                }
            }
            _ => {
                let without_comment = match raw.find(" #") {
                    Some(comment) => &raw[..comment],
                    None if raw.starts_with('#') => "",
                    None => raw,
                };
                expand_value(without_comment.trim_end(), &lookup, line_number, column)
            }
        };
        match parsed {
            Ok(value) => pairs.push((name.to_string(), value)),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(pairs)
    } else {
        Err(errors)
    }
}

fn find_closing(text: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (index, character) in text.char_indices() {
        if quote == '"' && character == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if character == quote && !escaped {
            return Some(index);
        }
        escaped = false;
    }
    None
}

/// Resolves the escapes Compose's env file reader accepts in double quotes.
fn unescape_double(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        if character != '\\' {
            output.push(character);
            continue;
        }
        match characters.next() {
            Some('n') => output.push('\n'),
            Some('t') => output.push('\t'),
            Some('r') => output.push('\r'),
            Some('"') => output.push('"'),
            Some('\\') => output.push('\\'),
            // `\$` keeps the dollar from interpolation, which `$$` then expresses.
            Some('$') => output.push_str("$$"),
            Some(other) => {
                output.push('\\');
                output.push(other);
            }
            None => output.push('\\'),
        }
    }
    output
}

fn expand_value(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    line: usize,
    column: usize,
) -> Result<String, DotenvError> {
    interpolate(text, lookup).map(|result| result.value).map_err(|error| {
        let hint = match &error {
            InterpolationError::Invalid { hint, .. } => hint.clone(),
            InterpolationError::Required { .. } => "set the variable before this line".to_string(),
        };
        DotenvError {
            line,
            column,
            message: error.to_string(),
            value: text.to_string(),
            hint,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(String, String)> {
        parse_dotenv(text, &|_| None).unwrap()
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn dotenv_comments_quotes_and_export() {
        let text = "# comment\n\nexport A=1\nB='lit $A'\nC=\"x\\ny $A\"\nD=plain # note\nE=\nF=a#b\n";
        assert_eq!(
            parse(text),
            [
                pair("A", "1"),
                pair("B", "lit $A"),
                pair("C", "x\ny 1"),
                pair("D", "plain"),
                pair("E", ""),
                pair("F", "a#b"),
            ]
        );
    }

    #[test]
    fn dotenv_multiline_double_quotes() {
        assert_eq!(parse("K=\"one\ntwo\"\nN=3\n"), [pair("K", "one\ntwo"), pair("N", "3")]);
    }

    #[test]
    fn dotenv_reports_every_bad_line() {
        let errors = parse_dotenv("GOOD=1\nno equals\nQ='open\n", &|_| None).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[1].line, 3);
    }

    #[test]
    fn dotenv_outer_values_win_in_lookups() {
        let pairs = parse_dotenv("A=file\nB=${A}\n", &|name| (name == "A").then(|| "caller".to_string())).unwrap();
        assert_eq!(pairs[1], pair("B", "caller"));
    }
}
