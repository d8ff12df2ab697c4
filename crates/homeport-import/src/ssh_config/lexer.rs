//! Splits one line of an ssh_config file into its keyword and arguments, with the quoting and
//! comment rules that `ssh -G` of OpenSSH 9.2p1 applies.

/// A piece of a line and the 1-based character column where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub column: usize,
}

/// One line that is neither blank nor a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub keyword: Word,
    /// Text after the keyword and its separator, with trailing whitespace removed. `ProxyCommand`
    /// and `ProxyJump` read it as written, quotes and `#` included.
    pub rest: Word,
    /// `rest` split into arguments: quotes removed, backslash escapes applied, and cut at a `#`
    /// that starts an argument.
    pub args: Vec<Word>,
}

/// A quote still open at the end of the line; `column` is where it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnterminatedQuote {
    pub column: usize,
}

/// Splits `text` into keyword and arguments. Returns `None` for blank and comment lines.
///
/// The keyword ends at whitespace or `=`, and one `=` with optional whitespace around it may
/// separate it from the value (`User bob`, `User=bob`, `User = bob`).
pub(crate) fn lex_line(text: &str) -> Result<Option<Line>, UnterminatedQuote> {
    let chars: Vec<char> = text.trim_end_matches(is_blank).chars().collect();
    let start = skip_blanks(&chars, 0);
    if start == chars.len() || chars[start] == '#' {
        return Ok(None);
    }

    let (keyword, rest_start) = split_keyword(&chars, start)?;
    if keyword.text.is_empty() || keyword.text.starts_with('#') {
        return Ok(None);
    }

    let rest = Word {
        text: chars[rest_start..].iter().collect(),
        column: rest_start + 1,
    };
    let args = split_arguments(&rest.text, rest.column, false)?;
    Ok(Some(Line { keyword, rest, args }))
}

/// Splits `text`, which starts at column `first_column` of its line, into arguments.
///
/// Double and single quotes group text and may sit inside a word (`b"o"b` is `bob`). A backslash
/// escapes a quote, a backslash, or (outside quotes) a space; before any other character it is
/// kept. A `#` at the start of an argument ends the line. With `equals_separates`, an unquoted
/// `=` also ends an argument, which is how `Match` reads `host=a`.
pub(crate) fn split_arguments(
    text: &str,
    first_column: usize,
    equals_separates: bool,
) -> Result<Vec<Word>, UnterminatedQuote> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut position = 0;
    loop {
        while chars.get(position).is_some_and(|&c| is_separator(c, equals_separates)) {
            position += 1;
        }
        if position == chars.len() || chars[position] == '#' {
            return Ok(words);
        }

        let (mut word, end) = read_word(&chars, position, equals_separates).map_err(|quote| UnterminatedQuote {
            column: quote.column + first_column - 1,
        })?;
        word.column += first_column - 1;
        words.push(word);
        position = end;
    }
}

/// Reads the keyword the way OpenSSH's `strdelim` does and returns it with the index where
/// the value starts.
fn split_keyword(chars: &[char], start: usize) -> Result<(Word, usize), UnterminatedQuote> {
    let mut position = start;
    // A line may open with `=`: OpenSSH then reads an empty word and takes the next one.
    if chars[position] == '=' {
        position = skip_blanks(chars, position + 1);
    }

    let (text, end) = if chars.get(position) == Some(&'"') {
        let length = chars[position + 1..]
            .iter()
            .position(|&c| c == '"')
            .ok_or(UnterminatedQuote { column: position + 1 })?;
        (
            chars[position + 1..position + 1 + length].iter().collect(),
            position + length + 2,
        )
    } else {
        let end = chars[position..]
            .iter()
            .position(|&c| is_blank(c) || c == '=')
            .map_or(chars.len(), |length| position + length);
        (chars[position..end].iter().collect(), end)
    };

    let mut after = skip_blanks(chars, end);
    if chars.get(after) == Some(&'=') {
        after = skip_blanks(chars, after + 1);
    }
    Ok((
        Word {
            text,
            column: position + 1,
        },
        after,
    ))
}

fn read_word(chars: &[char], start: usize, equals_separates: bool) -> Result<(Word, usize), UnterminatedQuote> {
    let mut text = String::new();
    let mut quote: Option<(char, usize)> = None;
    let mut position = start;
    while let Some(&c) = chars.get(position) {
        if quote.is_none() && is_separator(c, equals_separates) {
            break;
        }

        let next = chars.get(position + 1).copied();
        if let Some(escaped) = next.filter(|&n| c == '\\' && is_escapable(n, quote.is_some())) {
            text.push(escaped);
            position += 2;
            continue;
        }

        match quote {
            Some((open, _)) if c == open => quote = None,
            None if c == '"' || c == '\'' => quote = Some((c, position)),
            _ => text.push(c),
        }
        position += 1;
    }

    if let Some((_, open)) = quote {
        return Err(UnterminatedQuote { column: open + 1 });
    }
    Ok((
        Word {
            text,
            column: start + 1,
        },
        position,
    ))
}

fn is_escapable(next: char, in_quotes: bool) -> bool {
    matches!(next, '"' | '\'' | '\\') || (!in_quotes && next == ' ')
}

fn is_separator(c: char, equals_separates: bool) -> bool {
    is_blank(c) || (equals_separates && c == '=')
}

fn skip_blanks(chars: &[char], from: usize) -> usize {
    chars[from..]
        .iter()
        .position(|&c| !is_blank(c))
        .map_or(chars.len(), |n| from + n)
}

/// Whitespace as OpenSSH trims it from configuration lines (form feed included).
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(text: &str) -> Line {
        lex_line(text).expect("line lexes").expect("line is not blank")
    }

    fn arg_texts(text: &str) -> Vec<String> {
        lex(text).args.into_iter().map(|word| word.text).collect()
    }

    #[test]
    fn lexer_skips_blank_and_comment_lines() {
        assert_eq!(lex_line(""), Ok(None));
        assert_eq!(lex_line("   \t "), Ok(None));
        assert_eq!(lex_line("# Host a"), Ok(None));
        assert_eq!(lex_line("   # indented comment"), Ok(None));
        assert_eq!(lex_line("="), Ok(None));
    }

    #[test]
    fn lexer_separators() {
        for text in [
            "User bob",
            "User=bob",
            "User = bob",
            "User =bob",
            "User= bob",
            "\tUser\tbob\t",
            "=User bob",
        ] {
            let line = lex(text);
            assert_eq!(line.keyword.text, "User", "{text:?}");
            assert_eq!(line.args.len(), 1, "{text:?}");
            assert_eq!(line.args[0].text, "bob", "{text:?}");
        }
    }

    #[test]
    fn lexer_second_equals_is_part_of_value() {
        assert_eq!(arg_texts("User==x"), ["=x"]);
        assert_eq!(arg_texts("User x=y"), ["x=y"]);
    }

    #[test]
    fn lexer_quoted_keyword() {
        assert_eq!(lex("\"User\" x").keyword.text, "User");
    }

    #[test]
    fn lexer_columns() {
        let line = lex("  IdentityFile  \"/a b\"");
        assert_eq!(line.keyword.column, 3);
        assert_eq!(line.rest.column, 17);
        assert_eq!(line.args[0].column, 17);
        assert_eq!(line.args[0].text, "/a b");
    }

    #[test]
    fn lexer_quotes() {
        assert_eq!(arg_texts("User \"bob smith\""), ["bob smith"]);
        assert_eq!(arg_texts("User 'bob smith'"), ["bob smith"]);
        assert_eq!(arg_texts("User b\"o\"b"), ["bob"]);
        assert_eq!(arg_texts("User \"b\"o"), ["bo"]);
        assert_eq!(arg_texts("User \"a'b\""), ["a'b"]);
        assert_eq!(arg_texts("User ''"), [""]);
    }

    #[test]
    fn lexer_backslashes() {
        assert_eq!(arg_texts(r"User bob\ smith"), ["bob smith"]);
        assert_eq!(arg_texts(r#"User "bob\"s""#), ["bob\"s"]);
        assert_eq!(arg_texts(r"User b\ob"), [r"b\ob"]);
        assert_eq!(arg_texts(r"User b\\ob"), [r"b\ob"]);
        assert_eq!(arg_texts(r#"User "a\ b""#), [r"a\ b"]);
        assert_eq!(arg_texts(r"User \#a"), [r"\#a"]);
    }

    #[test]
    fn lexer_comments() {
        assert_eq!(arg_texts("User bob # comment"), ["bob"]);
        assert_eq!(arg_texts("User bob#c"), ["bob#c"]);
        assert_eq!(arg_texts("User \"bo #b\""), ["bo #b"]);
        assert!(lex("User #x").args.is_empty());
        assert_eq!(lex("ProxyCommand nc %h # x").rest.text, "nc %h # x");
    }

    #[test]
    fn lexer_trims_carriage_return() {
        assert_eq!(arg_texts("User x\r"), ["x"]);
    }

    #[test]
    fn lexer_unterminated_quote() {
        assert_eq!(lex_line("User \"bob"), Err(UnterminatedQuote { column: 6 }));
        assert_eq!(lex_line("User \"x\"y\"z"), Err(UnterminatedQuote { column: 10 }));
        assert_eq!(lex_line(r#"User "a\""#), Err(UnterminatedQuote { column: 6 }));
    }

    #[test]
    fn lexer_match_words_split_on_equals() {
        let words = split_arguments("user=root host = a \"x=y\"", 7, true).expect("words");
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["user", "root", "host", "a", "x=y"]);
        assert_eq!(words[1].column, 12);
    }
}
