//! Splits a pasted shell command into words with POSIX shell quoting rules, keeping where each
//! word starts so errors can point at it.
//!
//! The words are not expanded: `$NAME` and `${NAME}` outside single quotes stay as they are,
//! because Compose interpolates the same syntax from its own environment. A `$` that the shell
//! would keep literally (inside single quotes, after a backslash, or not followed by a name)
//! becomes `$$`, which Compose reads as one literal `$`.

use super::error::{DockerRunError, DockerRunErrorKind};

/// One shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// The word after quote removal, with literal `$` written as `$$` for Compose.
    pub text: String,
    /// 1-based line of the word's first character in the input.
    pub line: usize,
    /// 1-based column, in characters, of the word's first character.
    pub column: usize,
    /// Variables the word refers to, in order, each once.
    pub variables: Vec<String>,
}

struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    column: usize,
}

impl Cursor<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn next(&mut self) -> Option<char> {
        let character = self.chars.next()?;
        if character == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(character)
    }

    fn error(&self, kind: DockerRunErrorKind) -> DockerRunError {
        DockerRunError::new(self.line, self.column, kind)
    }
}

/// Splits `input` into words.
///
/// A backslash before a line break joins the lines, as in a shell. A line break without one
/// also separates words instead of ending the command, because pasted commands often lose
/// their backslashes. `#` at the start of a word starts a comment that runs to the end of the
/// line. Fails on an unterminated quote, a shell operator (`|`, `;`, `&`, `<`, `>`, `(`, `)`)
/// and command substitution, which only a shell can evaluate.
pub(crate) fn split_words(input: &str) -> Result<Vec<Word>, DockerRunError> {
    let mut cursor = Cursor {
        chars: input.chars().peekable(),
        line: 1,
        column: 1,
    };
    let mut words = Vec::new();

    loop {
        skip_blanks_and_comments(&mut cursor);
        if cursor.peek().is_none() {
            return Ok(words);
        }
        if let Some(word) = read_word(&mut cursor)? {
            words.push(word);
        }
    }
}

fn skip_blanks_and_comments(cursor: &mut Cursor<'_>) {
    while let Some(character) = cursor.peek() {
        match character {
            ' ' | '\t' | '\r' | '\n' => {
                cursor.next();
            }
            '\\' => {
                // Only a backslash before a line break is blank, anything else starts a word.
                let mut lookahead = cursor.chars.clone();
                lookahead.next();
                match lookahead.next() {
                    Some('\n') => {
                        cursor.next();
                        cursor.next();
                    }
                    Some('\r') if lookahead.next() == Some('\n') => {
                        cursor.next();
                        cursor.next();
                        cursor.next();
                    }
                    _ => return,
                }
            }
            '#' => {
                while cursor.peek().is_some_and(|character| character != '\n') {
                    cursor.next();
                }
            }
            _ => return,
        }
    }
}

/// Reads one word, or `None` when it consisted only of `` `#comment` `` parts, which the shell
/// drops as empty unquoted expansions.
fn read_word(cursor: &mut Cursor<'_>) -> Result<Option<Word>, DockerRunError> {
    let mut only_comments = true;
    let mut word = Word {
        text: String::new(),
        line: cursor.line,
        column: cursor.column,
        variables: Vec::new(),
    };

    while let Some(character) = cursor.peek() {
        if !matches!(character, '`' | ' ' | '\t' | '\r' | '\n') {
            only_comments = false;
        }
        match character {
            ' ' | '\t' | '\r' | '\n' => break,
            '|' | '&' | ';' | '<' | '>' | '(' | ')' => {
                return Err(cursor.error(DockerRunErrorKind::ShellOperator {
                    operator: character.to_string(),
                }));
            }
            '`' => skip_backtick_comment(cursor)?,
            '\'' => read_single_quoted(cursor, &mut word)?,
            '"' => read_double_quoted(cursor, &mut word)?,
            '\\' => {
                cursor.next();
                match cursor.next() {
                    // A line continuation inside a word joins the two halves.
                    Some('\n') => {}
                    Some('\r') if cursor.peek() == Some('\n') => {
                        cursor.next();
                    }
                    Some(escaped) => push_literal(&mut word.text, escaped),
                    None => {}
                }
            }
            '$' => read_dollar(cursor, &mut word)?,
            _ => {
                cursor.next();
                word.text.push(character);
            }
        }
    }
    Ok(if only_comments { None } else { Some(word) })
}

/// Skips `` `#comment` ``, which expands to nothing. READMEs such as linuxserver.io's use it to
/// mark optional lines. Any other backtick substitution is an error.
fn skip_backtick_comment(cursor: &mut Cursor<'_>) -> Result<(), DockerRunError> {
    let error = cursor.error(DockerRunErrorKind::CommandSubstitution);
    let mut lookahead = cursor.chars.clone();
    lookahead.next();
    let inner: String = lookahead.take_while(|character| *character != '`').collect();
    if !inner.trim_start().starts_with('#') || inner.contains('\n') {
        return Err(error);
    }
    // The opening backtick, the comment and the closing backtick.
    for _ in 0..inner.chars().count() + 2 {
        if cursor.next().is_none() {
            return Err(error);
        }
    }
    Ok(())
}

fn read_single_quoted(cursor: &mut Cursor<'_>, word: &mut Word) -> Result<(), DockerRunError> {
    let (line, column) = (cursor.line, cursor.column);
    cursor.next();
    loop {
        match cursor.next() {
            Some('\'') => return Ok(()),
            Some(character) => push_literal(&mut word.text, character),
            None => {
                return Err(DockerRunError::new(
                    line,
                    column,
                    DockerRunErrorKind::UnterminatedQuote { quote: '\'' },
                ))
            }
        }
    }
}

fn read_double_quoted(cursor: &mut Cursor<'_>, word: &mut Word) -> Result<(), DockerRunError> {
    let (line, column) = (cursor.line, cursor.column);
    cursor.next();
    loop {
        match cursor.peek() {
            Some('"') => {
                cursor.next();
                return Ok(());
            }
            Some('\\') => {
                cursor.next();
                // Inside double quotes a backslash escapes only these characters.
                match cursor.peek() {
                    Some('\n') => {
                        cursor.next();
                    }
                    Some(escaped @ ('$' | '`' | '"' | '\\')) => {
                        cursor.next();
                        push_literal(&mut word.text, escaped);
                    }
                    _ => word.text.push('\\'),
                }
            }
            Some('`') => return Err(cursor.error(DockerRunErrorKind::CommandSubstitution)),
            Some('$') => read_dollar(cursor, word)?,
            Some(character) => {
                cursor.next();
                word.text.push(character);
            }
            None => {
                return Err(DockerRunError::new(
                    line,
                    column,
                    DockerRunErrorKind::UnterminatedQuote { quote: '"' },
                ))
            }
        }
    }
}

/// Reads `$NAME`, `${…}` or a literal `$` at the cursor.
fn read_dollar(cursor: &mut Cursor<'_>, word: &mut Word) -> Result<(), DockerRunError> {
    let (line, column) = (cursor.line, cursor.column);
    cursor.next();

    match cursor.peek() {
        Some('(') => Err(DockerRunError::new(
            line,
            column,
            DockerRunErrorKind::CommandSubstitution,
        )),
        Some('{') => {
            cursor.next();
            let mut inner = String::new();
            loop {
                match cursor.next() {
                    Some('}') => break,
                    Some(character) => inner.push(character),
                    None => {
                        return Err(DockerRunError::new(
                            line,
                            column,
                            DockerRunErrorKind::UnterminatedVariable,
                        ))
                    }
                }
            }
            let name: String = inner
                .chars()
                .take_while(|character| character.is_ascii_alphanumeric() || *character == '_')
                .collect();
            if name.is_empty() || name.starts_with(|character: char| character.is_ascii_digit()) {
                return Err(DockerRunError::new(
                    line,
                    column,
                    DockerRunErrorKind::UnsupportedVariable {
                        text: format!("${{{inner}}}"),
                    },
                ));
            }
            remember_variable(word, &name);
            word.text.push_str(&format!("${{{inner}}}"));
            Ok(())
        }
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {
            let mut name = String::new();
            while let Some(character) = cursor.peek() {
                if !(character.is_ascii_alphanumeric() || character == '_') {
                    break;
                }
                name.push(character);
                cursor.next();
            }
            remember_variable(word, &name);
            word.text.push('$');
            word.text.push_str(&name);
            Ok(())
        }
        // Positional and special parameters ($1, $?, $$) have no value outside a script.
        Some(special) if special.is_ascii_digit() || "?!#*@$-".contains(special) => Err(DockerRunError::new(
            line,
            column,
            DockerRunErrorKind::UnsupportedVariable {
                text: format!("${special}"),
            },
        )),
        // `$'…'` and `$"…"` are shell-specific quoting that Compose cannot reproduce.
        Some(quote @ ('\'' | '"')) => Err(DockerRunError::new(
            line,
            column,
            DockerRunErrorKind::UnsupportedVariable {
                text: format!("${quote}"),
            },
        )),
        // Any other `$` is literal in the shell.
        _ => {
            push_literal(&mut word.text, '$');
            Ok(())
        }
    }
}

fn push_literal(text: &mut String, character: char) {
    if character == '$' {
        text.push_str("$$");
    } else {
        text.push(character);
    }
}

fn remember_variable(word: &mut Word, name: &str) {
    if !word.variables.iter().any(|known| known == name) {
        word.variables.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        split_words(input)
            .expect("valid command")
            .into_iter()
            .map(|word| word.text)
            .collect()
    }

    #[test]
    fn split_quotes_and_escapes() {
        assert_eq!(
            texts(r#"docker run -e "A=b c" -e 'B=$x' -e C=d\ e img"#),
            ["docker", "run", "-e", "A=b c", "-e", "B=$$x", "-e", "C=d e", "img"]
        );
    }

    #[test]
    fn split_joins_continuations() {
        let words = split_words("docker run \\\n  -p 80:80 \\\r\n  nginx").expect("valid command");
        let texts: Vec<&str> = words.iter().map(|word| word.text.as_str()).collect();
        assert_eq!(texts, ["docker", "run", "-p", "80:80", "nginx"]);
        assert_eq!((words[2].line, words[2].column), (2, 3));
        assert_eq!((words[4].line, words[4].column), (3, 3));
    }

    #[test]
    fn split_keeps_variables_for_compose() {
        let words = split_words(r#"-v "$PWD/data:/data" -e X=${HOME:-/root} -e Y=a$"#).expect("valid command");
        assert_eq!(words[1].text, "$PWD/data:/data");
        assert_eq!(words[1].variables, ["PWD"]);
        assert_eq!(words[3].text, "X=${HOME:-/root}");
        assert_eq!(words[3].variables, ["HOME"]);
        assert_eq!(words[5].text, "Y=a$$");
    }

    #[test]
    fn split_double_quote_backslash() {
        assert_eq!(texts(r#""a\"b\$c\d""#), [r#"a"b$$c\d"#]);
    }

    #[test]
    fn split_skips_comments() {
        assert_eq!(texts("docker run # start it\n nginx"), ["docker", "run", "nginx"]);
    }

    #[test]
    fn split_unterminated_quote_points_at_it() {
        let error = split_words("docker run -e \"A=b nginx").expect_err("open quote");
        assert_eq!((error.line, error.column), (1, 15));
        assert_eq!(error.code(), "unterminated_quote");
    }

    #[test]
    fn split_rejects_operators_and_substitution() {
        let error = split_words("docker run nginx && echo ok").expect_err("operator");
        assert_eq!(error.code(), "shell_operator");
        assert_eq!(error.column, 18);

        let error = split_words("docker run -v $(pwd):/data nginx").expect_err("substitution");
        assert_eq!(error.code(), "command_substitution");
        assert_eq!(error.column, 15);

        let error = split_words("docker run -v `pwd`:/data nginx").expect_err("backticks");
        assert_eq!(error.code(), "command_substitution");

        let error = split_words("docker run -e A=b `#optional nginx").expect_err("open backtick");
        assert_eq!(error.code(), "command_substitution");
    }

    #[test]
    fn split_skips_backtick_comments() {
        assert_eq!(
            texts(
                "-e A=b `#optional` \
 -p 1:1"
            ),
            ["-e", "A=b", "-p", "1:1"]
        );
    }
}
