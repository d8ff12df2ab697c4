//! `%` tokens, `${NAME}` environment variables and `~` in configuration values, as listed under
//! TOKENS and ENVIRONMENT VARIABLES in ssh_config(5) of OpenSSH 9.2p1.

use std::collections::BTreeMap;

use sha1::{Digest, Sha1};

use super::environment::{self, Environment};

/// The tokens a keyword accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenSet {
    /// `HostName`: `%h` and `%%`.
    HostName,
    /// `IdentityFile`: `%%`, `%C`, `%d`, `%h`, `%i`, `%k`, `%L`, `%l`, `%n`, `%p`, `%r`, `%u`
    /// and `${NAME}`.
    Path,
}

impl TokenSet {
    fn letters(self) -> &'static str {
        match self {
            TokenSet::HostName => "h",
            TokenSet::Path => "CdhikLlnpru",
        }
    }

    fn allows_variables(self) -> bool {
        self == TokenSet::Path
    }

    /// Lists the accepted tokens, for error hints.
    pub fn describe(self) -> String {
        let tokens: Vec<String> = self.letters().chars().map(|letter| format!("%{letter}")).collect();
        tokens.join(" ")
    }
}

/// A token or variable that cannot be expanded. `offset` counts characters from the start of
/// the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// `%` followed by a letter the keyword does not accept, or `%` at the end of the value.
    UnknownToken { token: String, offset: usize },
    /// `${` without a closing `}`.
    UnterminatedVariable { offset: usize },
    /// `${NAME}` where `NAME` is not set.
    UnsetVariable { name: String },
}

enum Piece {
    Literal(char),
    Token(char),
    Variable(String),
}

/// Checks that every `%` token and `${` in `text` is one that `set` accepts.
pub(crate) fn check(text: &str, set: TokenSet) -> Result<(), TokenError> {
    split(text, set).map(|_| ())
}

/// Replaces tokens with `token_value` and `${NAME}` with `variables[NAME]`, in one pass from left
/// to right, so text that a substitution inserts is never expanded again.
pub(crate) fn expand(
    text: &str,
    set: TokenSet,
    token_value: impl Fn(char) -> String,
    variables: &BTreeMap<String, String>,
) -> Result<String, TokenError> {
    let mut expanded = String::new();
    for piece in split(text, set)? {
        match piece {
            Piece::Literal(c) => expanded.push(c),
            Piece::Token(letter) => expanded.push_str(&token_value(letter)),
            Piece::Variable(name) => match variables.get(&name) {
                Some(value) => expanded.push_str(value),
                None => return Err(TokenError::UnsetVariable { name }),
            },
        }
    }
    Ok(expanded)
}

fn split(text: &str, set: TokenSet) -> Result<Vec<Piece>, TokenError> {
    let chars: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let next = chars.get(index + 1).copied();
        match (chars[index], next) {
            ('%', Some('%')) => pieces.push(Piece::Literal('%')),
            ('%', Some(letter)) if set.letters().contains(letter) => pieces.push(Piece::Token(letter)),
            ('%', _) => {
                let token = chars[index..chars.len().min(index + 2)].iter().collect();
                return Err(TokenError::UnknownToken { token, offset: index });
            }
            ('$', Some('{')) if set.allows_variables() => {
                let length = chars[index + 2..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or(TokenError::UnterminatedVariable { offset: index })?;
                pieces.push(Piece::Variable(chars[index + 2..index + 2 + length].iter().collect()));
                index += length + 3;
                continue;
            }
            (c, _) => {
                pieces.push(Piece::Literal(c));
                index += 1;
                continue;
            }
        }
        index += 2;
    }
    Ok(pieces)
}

/// The values that `%` tokens in `IdentityFile` stand for.
pub(crate) struct TokenValues<'a> {
    /// `%n`: the alias as typed.
    pub alias: &'a str,
    /// `%h`: the final host name.
    pub host_name: &'a str,
    pub port: u16,
    pub remote_user: &'a str,
    pub host_key_alias: Option<&'a str>,
    pub environment: &'a Environment,
}

impl TokenValues<'_> {
    /// Returns the text for one token letter; `letter` must be one that [`TokenSet::Path`] accepts.
    pub fn value(&self, letter: char) -> String {
        let environment = self.environment;
        match letter {
            'C' => self.connection_hash(),
            'd' => environment.home_dir.to_string_lossy().into_owned(),
            'h' => self.host_name.to_string(),
            'i' => environment.uid.to_string(),
            // OpenSSH 9.2 lowercases HostKeyAlias before it fills in %k.
            'k' => self
                .host_key_alias
                .map_or_else(|| self.alias.to_string(), str::to_ascii_lowercase),
            'L' => short_host_name(&environment.local_host_name).to_string(),
            'l' => environment.local_host_name.clone(),
            'n' => self.alias.to_string(),
            'p' => self.port.to_string(),
            'r' => self.remote_user.to_string(),
            'u' => environment.local_user.clone(),
            _ => String::new(),
        }
    }

    /// `%C`: SHA-1 in hex of `%l%h%p%r`, the OpenSSH 9.2 definition (later releases add the
    /// ProxyJump value to the hashed text).
    fn connection_hash(&self) -> String {
        let text = format!(
            "{}{}{}{}",
            self.environment.local_host_name, self.host_name, self.port, self.remote_user
        );
        Sha1::digest(text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

fn short_host_name(host_name: &str) -> &str {
    host_name.split('.').next().unwrap_or(host_name)
}

/// Expands a leading `~` (the local home directory) or `~name` (that account's home directory)
/// the way OpenSSH does before it expands tokens. Returns the unknown account name as the
/// error.
pub(crate) fn expand_tilde(path: &str, environment: &Environment) -> Result<String, String> {
    let Some(after_tilde) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    let (user, rest) = match after_tilde.split_once('/') {
        Some((user, rest)) => (user, Some(rest)),
        None => (after_tilde, None),
    };

    let home = if user.is_empty() || user == environment.local_user {
        environment.home_dir.clone()
    } else {
        environment::home_of_user(user).ok_or_else(|| user.to_string())?
    };
    let home = home.to_string_lossy().into_owned();
    Ok(match rest {
        Some(rest) => format!("{}/{rest}", home.trim_end_matches('/')),
        None => home,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment() -> Environment {
        let mut environment = Environment::new("/home/alice", "alice", "desk.example.lan", 1000);
        environment
            .variables
            .insert("KEYS".to_string(), "/srv/keys".to_string());
        environment
    }

    fn values(environment: &Environment) -> TokenValues<'_> {
        TokenValues {
            alias: "Nas",
            host_name: "nas.lan",
            port: 2222,
            remote_user: "backup",
            host_key_alias: None,
            environment,
        }
    }

    fn expand_path(text: &str) -> Result<String, TokenError> {
        let environment = environment();
        let values = values(&environment);
        expand(
            text,
            TokenSet::Path,
            |letter| values.value(letter),
            &environment.variables,
        )
    }

    #[test]
    fn tokens_path_letters() {
        assert_eq!(
            expand_path("%d/%u@%l/%L/%h-%n-%p-%r-%i-%k-%%").as_deref(),
            Ok("/home/alice/alice@desk.example.lan/desk/nas.lan-Nas-2222-backup-1000-Nas-%")
        );
    }

    #[test]
    fn tokens_connection_hash() {
        let environment = Environment::new("/root", "root", "vm", 0);
        let values = TokenValues {
            alias: "FOO",
            host_name: "bar.example",
            port: 2201,
            remote_user: "Ru",
            host_key_alias: None,
            environment: &environment,
        };
        // The value that `ssh -v` of OpenSSH 9.2p1 printed for this host, user, port and machine.
        assert_eq!(values.value('C'), "66d59b6c5babfc682190f9d854183fdeb0c5ad7e");
    }

    #[test]
    fn tokens_host_key_alias_lowercased() {
        let environment = environment();
        let mut values = values(&environment);
        values.host_key_alias = Some("KeyAlias");
        assert_eq!(values.value('k'), "keyalias");
    }

    #[test]
    fn tokens_variables() {
        assert_eq!(expand_path("${KEYS}/id").as_deref(), Ok("/srv/keys/id"));
        assert_eq!(expand_path("$KEYS/id").as_deref(), Ok("$KEYS/id"));
        assert_eq!(
            expand_path("${NOPE}/id"),
            Err(TokenError::UnsetVariable {
                name: "NOPE".to_string()
            })
        );
    }

    #[test]
    fn tokens_no_second_pass() {
        let mut environment = environment();
        environment.variables.insert("ODD".to_string(), "%h".to_string());
        let values = values(&environment);
        let expanded = expand(
            "${ODD}",
            TokenSet::Path,
            |letter| values.value(letter),
            &environment.variables,
        );
        assert_eq!(expanded.as_deref(), Ok("%h"));
    }

    #[test]
    fn tokens_unknown() {
        assert_eq!(
            check("/k/%z", TokenSet::Path),
            Err(TokenError::UnknownToken {
                token: "%z".to_string(),
                offset: 3
            })
        );
        assert_eq!(
            check("/k/%", TokenSet::Path),
            Err(TokenError::UnknownToken {
                token: "%".to_string(),
                offset: 3
            })
        );
        assert_eq!(
            check("%p.lan", TokenSet::HostName),
            Err(TokenError::UnknownToken {
                token: "%p".to_string(),
                offset: 0
            })
        );
        assert_eq!(check("%h.lan%%", TokenSet::HostName), Ok(()));
    }

    #[test]
    fn tokens_unterminated_variable() {
        assert_eq!(
            check("a${HOME", TokenSet::Path),
            Err(TokenError::UnterminatedVariable { offset: 1 })
        );
        assert_eq!(check("a${HOME", TokenSet::HostName), Ok(()));
    }

    #[test]
    fn tilde_forms() {
        let environment = environment();
        assert_eq!(expand_tilde("~", &environment).as_deref(), Ok("/home/alice"));
        assert_eq!(
            expand_tilde("~/.ssh/id", &environment).as_deref(),
            Ok("/home/alice/.ssh/id")
        );
        assert_eq!(expand_tilde("~alice/id", &environment).as_deref(), Ok("/home/alice/id"));
        assert_eq!(expand_tilde("/abs/~/id", &environment).as_deref(), Ok("/abs/~/id"));
        assert_eq!(
            expand_tilde("~no-such-user-x/id", &environment),
            Err("no-such-user-x".to_string())
        );
    }

    #[cfg(unix)]
    #[test]
    fn tilde_other_account_from_passwd() {
        // Linux and macOS both list root in /etc/passwd.
        let expanded = expand_tilde("~root/x", &environment()).expect("root has a passwd entry");
        assert!(expanded.ends_with("/x"), "{expanded}");
    }

    #[test]
    fn describe_lists_tokens() {
        assert_eq!(TokenSet::HostName.describe(), "%h");
        assert!(TokenSet::Path.describe().contains("%C"));
    }
}
