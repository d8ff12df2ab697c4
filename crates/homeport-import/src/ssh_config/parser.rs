//! Turns configuration lines into directives and checks their values.

use super::criteria::{self, Condition};
use super::error::{ConfigErrorKind, LineError};
use super::jump::JumpHop;
use super::keywords;
use super::lexer::{self, Line, Word};
use super::patterns::{self, HostPattern};
use super::tokens::{self, TokenError, TokenSet};
use super::values;

/// One line that means something, in a file that has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Directive {
    Host(Vec<HostPattern>),
    Match(Vec<Condition>),
    /// Indexes of the included files in [`super::SshConfig`]'s file list, in reading order.
    Include(Vec<usize>),
    Setting(Setting),
}

/// A keyword line outside `Host`, `Match` and `Include`. Values are checked but tokens are not
/// yet expanded, because they depend on the host being resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Setting {
    HostName(String),
    User(String),
    Port(u16),
    IdentityFile(String),
    IdentitiesOnly(bool),
    /// The hops, or an empty list for `ProxyJump none`.
    ProxyJump(Vec<JumpHop>),
    /// The command as written, tokens unexpanded.
    ProxyCommand(String),
    HostKeyAlias(String),
    IgnoreUnknown(String),
    /// A keyword OpenSSH does not know, accepted because an earlier `IgnoreUnknown` names it.
    Unknown(String),
    /// A keyword OpenSSH accepts that does not affect the resolved fields.
    Other,
}

/// Reads a `Host` line's patterns.
pub(crate) fn parse_host(line: &Line) -> Result<Directive, LineError> {
    let mut host_patterns = Vec::new();
    for word in &line.args {
        if word.text.is_empty() {
            return Err(LineError::new(word.column, "\"\"", ConfigErrorKind::EmptyPattern));
        }
        host_patterns.push(HostPattern::parse(&word.text));
    }

    if host_patterns.is_empty() {
        return Err(missing_value(line));
    }
    Ok(Directive::Host(host_patterns))
}

/// Reads a `Match` line's criteria.
pub(crate) fn parse_match(line: &Line) -> Result<Directive, LineError> {
    let words = lexer::split_arguments(&line.rest.text, line.rest.column, true)
        .map_err(|error| LineError::new(error.column, line.rest.text.clone(), ConfigErrorKind::UnterminatedQuote))?;
    if words.is_empty() {
        return Err(missing_value(line));
    }
    criteria::parse_match(&words).map(Directive::Match)
}

/// Reads any keyword line other than `Host`, `Match` and `Include`. `ignore_lists` contains
/// every `IgnoreUnknown` value read so far, in any file.
pub(crate) fn parse_setting(line: &Line, ignore_lists: &[String]) -> Result<Setting, LineError> {
    let keyword = line.keyword.text.to_ascii_lowercase();
    match keyword.as_str() {
        "hostname" => with_tokens(line, TokenSet::HostName).map(Setting::HostName),
        "user" => single_value(line).map(|word| Setting::User(word.text.clone())),
        "port" => parse_port(line),
        "identityfile" | "identityfile2" => with_tokens(line, TokenSet::Path).map(Setting::IdentityFile),
        "identitiesonly" => parse_flag(line).map(Setting::IdentitiesOnly),
        "proxyjump" => parse_proxy_jump(line),
        "proxycommand" => command_text(line).map(Setting::ProxyCommand),
        "hostkeyalias" => single_value(line).map(|word| Setting::HostKeyAlias(word.text.clone())),
        "ignoreunknown" => single_value(line).map(|word| Setting::IgnoreUnknown(word.text.clone())),
        // NOTE: values of these keywords are not checked, although OpenSSH rejects some (such as
        // `Compression maybe`).
        _ if keywords::is_known(&keyword) => Ok(Setting::Other),
        _ if ignore_lists
            .iter()
            .any(|list| patterns::list_matches(list, &keyword, true)) =>
        {
            Ok(Setting::Unknown(line.keyword.text.clone()))
        }
        _ => {
            let kind = ConfigErrorKind::UnknownKeyword {
                keyword: line.keyword.text.clone(),
            };
            Err(LineError::new(line.keyword.column, line.keyword.text.clone(), kind))
        }
    }
}

/// Builds the error for a keyword with nothing after it, pointing just past the keyword.
pub(crate) fn missing_value(line: &Line) -> LineError {
    let column = line.keyword.column + line.keyword.text.chars().count();
    let kind = ConfigErrorKind::MissingValue {
        keyword: line.keyword.text.clone(),
    };
    LineError::new(column, line.keyword.text.clone(), kind)
}

/// Returns the only argument of a single-value keyword. OpenSSH rejects an empty value (`""`)
/// and a second argument.
fn single_value(line: &Line) -> Result<&Word, LineError> {
    let Some(value) = line.args.first().filter(|word| !word.text.is_empty()) else {
        return Err(missing_value(line));
    };
    if let Some(extra) = line.args.get(1) {
        let kind = ConfigErrorKind::ExtraArguments {
            keyword: line.keyword.text.clone(),
            extra: extra.text.clone(),
        };
        return Err(LineError::new(extra.column, extra.text.clone(), kind));
    }
    Ok(value)
}

fn with_tokens(line: &Line, set: TokenSet) -> Result<String, LineError> {
    let value = single_value(line)?;
    let keyword = line.keyword.text.clone();
    let (offset, text, kind) = match tokens::check(&value.text, set) {
        Ok(()) => return Ok(value.text.clone()),
        Err(TokenError::UnknownToken { token, offset }) => {
            (offset, token.clone(), ConfigErrorKind::UnknownToken { keyword, token })
        }
        Err(TokenError::UnterminatedVariable { offset }) => (
            offset,
            value.text.clone(),
            ConfigErrorKind::UnterminatedVariable { keyword },
        ),
        // `check` does not look variables up, so it never reports an unset one.
        Err(TokenError::UnsetVariable { .. }) => return Ok(value.text.clone()),
    };
    // The offset counts characters of the unquoted value, so it is exact unless quotes or
    // backslashes come before the token.
    Err(LineError::new(value.column + offset, text, kind))
}

fn parse_port(line: &Line) -> Result<Setting, LineError> {
    let value = single_value(line)?;
    match values::parse_port(&value.text) {
        Some(port) => Ok(Setting::Port(port)),
        None => {
            let kind = ConfigErrorKind::InvalidPort {
                value: value.text.clone(),
            };
            Err(LineError::new(value.column, value.text.clone(), kind))
        }
    }
}

fn parse_flag(line: &Line) -> Result<bool, LineError> {
    let value = single_value(line)?;
    values::parse_flag(&value.text).ok_or_else(|| {
        let kind = ConfigErrorKind::InvalidFlag {
            keyword: line.keyword.text.clone(),
            value: value.text.clone(),
        };
        LineError::new(value.column, value.text.clone(), kind)
    })
}

/// Reads `ProxyJump` the way OpenSSH 9.2 does: from the raw text, quotes kept, cut at the first
/// `#` and at the first whitespace (so `ProxyJump a b` means `a`).
fn parse_proxy_jump(line: &Line) -> Result<Setting, LineError> {
    let (column, raw) = raw_value(line);
    let before_comment = raw.split('#').next().unwrap_or_default();
    let value = before_comment.split(lexer::is_blank).next().unwrap_or_default();

    JumpHop::parse_chain(value).map(Setting::ProxyJump).map_err(|error| {
        let kind = ConfigErrorKind::InvalidProxyJump {
            value: raw.to_string(),
            reason: error.reason.to_string(),
        };
        LineError::new(column, raw, kind)
    })
}

/// Reads a command keyword: the rest of the line as written, comments and quotes included.
fn command_text(line: &Line) -> Result<String, LineError> {
    let (_, raw) = raw_value(line);
    if raw.is_empty() {
        return Err(missing_value(line));
    }
    Ok(raw.to_string())
}

/// Returns the text after the keyword, with further leading whitespace and `=` removed, and
/// the column where it starts.
fn raw_value(line: &Line) -> (usize, &str) {
    let raw = line.rest.text.trim_start_matches(|c| lexer::is_blank(c) || c == '=');
    let skipped = line.rest.text.chars().count() - raw.chars().count();
    (line.rest.column + skipped, raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line {
        lexer::lex_line(text).expect("lexes").expect("not blank")
    }

    fn setting(text: &str) -> Result<Setting, LineError> {
        parse_setting(&line(text), &[])
    }

    #[test]
    fn setting_values() {
        assert_eq!(setting("HostName %h.lan"), Ok(Setting::HostName("%h.lan".to_string())));
        assert_eq!(setting("port 2222"), Ok(Setting::Port(2222)));
        assert_eq!(setting("IdentitiesOnly yes"), Ok(Setting::IdentitiesOnly(true)));
        assert_eq!(
            setting("IdentityFile2 ~/.ssh/x"),
            Ok(Setting::IdentityFile("~/.ssh/x".to_string()))
        );
        assert_eq!(setting("ForwardAgent yes"), Ok(Setting::Other));
    }

    #[test]
    fn setting_proxy_command_raw() {
        assert_eq!(
            setting("ProxyCommand = nc \"%h\" %p # via nc"),
            Ok(Setting::ProxyCommand("nc \"%h\" %p # via nc".to_string()))
        );
    }

    #[test]
    fn setting_proxy_jump_raw_first_word() {
        let hop = |host: &str| JumpHop {
            user: None,
            host: host.to_string(),
            port: None,
        };
        assert_eq!(setting("ProxyJump b # c"), Ok(Setting::ProxyJump(vec![hop("b")])));
        assert_eq!(setting("ProxyJump b#c"), Ok(Setting::ProxyJump(vec![hop("b")])));
        assert_eq!(
            setting("ProxyJump b,c d"),
            Ok(Setting::ProxyJump(vec![hop("b"), hop("c")]))
        );
        assert_eq!(setting("ProxyJump none"), Ok(Setting::ProxyJump(Vec::new())));
        assert_eq!(setting("ProxyJump \"a\""), Ok(Setting::ProxyJump(vec![hop("\"a\"")])));
    }

    #[test]
    fn setting_proxy_jump_invalid() {
        let error = setting("ProxyJump  b, c").expect_err("space after comma");
        assert_eq!(error.column, 12);
        assert_eq!(error.text, "b, c");
        assert!(matches!(error.kind, ConfigErrorKind::InvalidProxyJump { .. }));
        assert!(setting("ProxyJump #b").is_err());
    }

    #[test]
    fn setting_errors_point_at_value() {
        let error = setting("Port 22x").expect_err("bad port");
        assert_eq!((error.column, error.text.as_str()), (6, "22x"));

        let error = setting("User bob smith").expect_err("extra argument");
        assert_eq!((error.column, error.text.as_str()), (10, "smith"));

        let error = setting("User \"\"").expect_err("empty value");
        assert_eq!(
            error.kind,
            ConfigErrorKind::MissingValue {
                keyword: "User".to_string()
            }
        );

        let error = setting("IdentityFile /k/%z").expect_err("unknown token");
        assert_eq!((error.column, error.text.as_str()), (17, "%z"));

        let error = setting("IdentitiesOnly 1").expect_err("not yes or no");
        assert!(matches!(error.kind, ConfigErrorKind::InvalidFlag { .. }));
    }

    #[test]
    fn setting_unknown_keyword() {
        let error = setting("Bogus x").expect_err("unknown");
        assert_eq!(
            error.kind,
            ConfigErrorKind::UnknownKeyword {
                keyword: "Bogus".to_string()
            }
        );

        let ignored = parse_setting(&line("UseFoo yes"), &["usefoo,bar".to_string()]);
        assert_eq!(ignored, Ok(Setting::Unknown("UseFoo".to_string())));
        let ignored = parse_setting(&line("UseFoo yes"), &["Use*".to_string()]);
        assert_eq!(ignored, Ok(Setting::Unknown("UseFoo".to_string())));
    }

    #[test]
    fn host_patterns_and_errors() {
        let Ok(Directive::Host(host_patterns)) = parse_host(&line("Host a !b")) else {
            panic!("Host line did not parse");
        };
        assert_eq!(host_patterns.len(), 2);
        assert!(host_patterns[1].negated);
        assert_eq!(
            parse_host(&line("Host \"\"")).map(|_| ()).map_err(|e| e.kind),
            Err(ConfigErrorKind::EmptyPattern)
        );
        assert!(parse_host(&line("Host #only a comment")).is_err());
    }
}
