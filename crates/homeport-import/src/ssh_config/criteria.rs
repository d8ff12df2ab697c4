//! `Match` lines: which criteria are read, and how the ones Homeport can evaluate are decided.

use super::error::{ConfigErrorKind, LineError};
use super::lexer::Word;
use super::patterns;

/// One criterion of a `Match` line, possibly negated with `!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub negated: bool,
    pub criterion: Criterion,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Criterion {
    All,
    /// `host`: the host name obtained so far (`HostName` with `%h` expanded, else the alias).
    Host(String),
    /// `originalhost`: the alias as typed.
    OriginalHost(String),
    /// `user`: the remote user obtained so far, else the local user.
    User(String),
    /// A criterion Homeport does not evaluate. `exec` runs a command, and `localnetwork`,
    /// `tagged`, `canonical` and `final` depend on state outside the configuration. `localuser`
    /// and unknown criteria are not evaluated either. The name is lowercased.
    Unsupported {
        name: String,
        argument: Option<String>,
    },
}

/// Criteria that take no argument.
const WITHOUT_ARGUMENT: &[&str] = &["all", "canonical", "final"];

/// Criteria of OpenSSH 9.x that take an argument but are not evaluated here.
const UNSUPPORTED_WITH_ARGUMENT: &[&str] = &["exec", "localnetwork", "localuser", "tagged"];

/// Reads the criteria of a `Match` line from its words (split with `=` as a separator too).
pub(crate) fn parse_match(words: &[Word]) -> Result<Vec<Condition>, LineError> {
    let mut conditions = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        let (negated, name) = match word.text.strip_prefix('!') {
            Some(name) => (true, name.to_ascii_lowercase()),
            None => (false, word.text.to_ascii_lowercase()),
        };
        index += 1;

        if name == "all" {
            check_all_is_alone(words.get(index))?;
        }
        let argument = if WITHOUT_ARGUMENT.contains(&name.as_str()) {
            None
        } else {
            let argument = take_argument(&name, words.get(index), word)?;
            index += usize::from(argument.is_some());
            argument
        };
        conditions.push(Condition {
            negated,
            criterion: criterion(name, argument),
        });
    }
    Ok(conditions)
}

/// OpenSSH 9.2 rejects `all` followed by anything but `canonical` or `final`, yet accepts
/// `all` after other criteria (`Match host a all`).
fn check_all_is_alone(next: Option<&Word>) -> Result<(), LineError> {
    match next {
        Some(word) if !matches!(word.text.to_ascii_lowercase().as_str(), "canonical" | "final") => Err(LineError::new(
            word.column,
            word.text.clone(),
            ConfigErrorKind::MatchAllCombined,
        )),
        _ => Ok(()),
    }
}

/// Takes the argument of criterion `name`. Criteria Homeport does not know take the next word
/// if there is one, because every criterion added after OpenSSH 9.2 takes an argument.
fn take_argument(name: &str, next: Option<&Word>, criterion: &Word) -> Result<Option<String>, LineError> {
    let known = matches!(name, "host" | "originalhost" | "user") || UNSUPPORTED_WITH_ARGUMENT.contains(&name);
    match next {
        Some(word) if !word.text.is_empty() => Ok(Some(word.text.clone())),
        _ if !known => Ok(None),
        _ => {
            let kind = ConfigErrorKind::MissingMatchArgument {
                criterion: criterion.text.clone(),
            };
            Err(LineError::new(criterion.column, criterion.text.clone(), kind))
        }
    }
}

fn criterion(name: String, argument: Option<String>) -> Criterion {
    match (name.as_str(), argument) {
        ("all", _) => Criterion::All,
        ("host", Some(list)) => Criterion::Host(list),
        ("originalhost", Some(list)) => Criterion::OriginalHost(list),
        ("user", Some(list)) => Criterion::User(list),
        (_, argument) => Criterion::Unsupported { name, argument },
    }
}

/// The values a `Match` line is evaluated against, as obtained when the line is read.
pub(crate) struct MatchInput<'a> {
    pub alias: &'a str,
    pub host: &'a str,
    pub user: &'a str,
}

/// The outcome of a `Match` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Matches,
    DoesNotMatch,
    /// Every evaluated criterion matched, so these unevaluated ones decide. Homeport treats the
    /// block as not matching and warns.
    Undecided(Vec<Unevaluated>),
}

/// A criterion left unevaluated: its name as written with any `!` (lowercased), and argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unevaluated {
    pub criterion: String,
    pub argument: Option<String>,
}

/// Evaluates a `Match` line. `host` and `originalhost` compare without regard to letter case,
/// `user` with it, as OpenSSH 9.2 does.
pub(crate) fn evaluate(conditions: &[Condition], input: &MatchInput<'_>) -> Outcome {
    let mut undecided = Vec::new();
    let mut all_match = true;
    for condition in conditions {
        let matched = match &condition.criterion {
            Criterion::All => true,
            Criterion::Host(list) => patterns::list_matches(list, input.host, true),
            Criterion::OriginalHost(list) => patterns::list_matches(list, input.alias, true),
            Criterion::User(list) => patterns::list_matches(list, input.user, false),
            Criterion::Unsupported { name, argument } => {
                let criterion = if condition.negated {
                    format!("!{name}")
                } else {
                    name.clone()
                };
                undecided.push(Unevaluated {
                    criterion,
                    argument: argument.clone(),
                });
                continue;
            }
        };
        all_match &= matched != condition.negated;
    }

    match (all_match, undecided.is_empty()) {
        (false, _) => Outcome::DoesNotMatch,
        (true, true) => Outcome::Matches,
        (true, false) => Outcome::Undecided(undecided),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh_config::lexer::split_arguments;

    fn parse(text: &str) -> Result<Vec<Condition>, LineError> {
        parse_match(&split_arguments(text, 7, true).expect("words"))
    }

    fn outcome(text: &str, host: &str, user: &str) -> Outcome {
        let conditions = parse(text).expect("valid Match line");
        evaluate(
            &conditions,
            &MatchInput {
                alias: "Nas",
                host,
                user,
            },
        )
    }

    #[test]
    fn match_host_and_user() {
        assert_eq!(outcome("host nas.lan", "NAS.lan", "root"), Outcome::Matches);
        assert_eq!(
            outcome("host *.lan,!pi.lan user root", "nas.lan", "root"),
            Outcome::Matches
        );
        assert_eq!(outcome("host *.lan,!pi.lan", "pi.lan", "root"), Outcome::DoesNotMatch);
        assert_eq!(outcome("user ROOT", "nas.lan", "root"), Outcome::DoesNotMatch);
        assert_eq!(outcome("user r?ot", "nas.lan", "root"), Outcome::Matches);
        assert_eq!(outcome("originalhost nas", "x", "root"), Outcome::Matches);
    }

    #[test]
    fn match_negation_and_all() {
        assert_eq!(outcome("!host pi", "nas", "root"), Outcome::Matches);
        assert_eq!(outcome("!host nas", "nas", "root"), Outcome::DoesNotMatch);
        assert_eq!(outcome("all", "nas", "root"), Outcome::Matches);
        assert_eq!(outcome("!all", "nas", "root"), Outcome::DoesNotMatch);
        assert_eq!(outcome("host nas all", "nas", "root"), Outcome::Matches);
    }

    #[test]
    fn match_equals_separator() {
        assert_eq!(outcome("user=root host=nas", "nas", "root"), Outcome::Matches);
    }

    #[test]
    fn match_unsupported_decides_only_when_rest_matches() {
        let exec = Unevaluated {
            criterion: "exec".to_string(),
            argument: Some("test -f x".to_string()),
        };
        assert_eq!(
            outcome("host nas exec \"test -f x\"", "nas", "root"),
            Outcome::Undecided(vec![exec])
        );
        let negated = Unevaluated {
            criterion: "!exec".to_string(),
            argument: Some("true".to_string()),
        };
        assert_eq!(outcome("!exec true", "nas", "root"), Outcome::Undecided(vec![negated]));
        assert_eq!(outcome("host pi exec true", "nas", "root"), Outcome::DoesNotMatch);
        assert!(matches!(outcome("final", "nas", "root"), Outcome::Undecided(_)));
        assert!(matches!(outcome("tagged prod", "nas", "root"), Outcome::Undecided(_)));
    }

    #[test]
    fn match_unknown_criterion_takes_argument() {
        let conditions = parse("version 9 host nas").expect("valid Match line");
        assert_eq!(conditions.len(), 2);
        assert_eq!(conditions[1].criterion, Criterion::Host("nas".to_string()));
    }

    #[test]
    fn match_errors() {
        let missing = parse("host").expect_err("argument missing");
        assert_eq!(
            missing.kind,
            ConfigErrorKind::MissingMatchArgument {
                criterion: "host".to_string()
            }
        );
        assert_eq!(missing.column, 7);
        assert!(parse("exec").is_err());
        assert!(parse("all host a").is_err());
        assert!(parse("all all").is_err());
        assert!(parse("all canonical").is_ok());
    }
}
