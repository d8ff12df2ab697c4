//! Turns a Compose health check into a check the other orchestrators run: an HTTP GET when the
//! test only fetches a local URL with curl or wget, else the command itself.

use homeport_compose::model::Healthcheck;

/// The probe a target should run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// `GET http://localhost:port/path` succeeds.
    Http { path: String, port: u16 },
    /// The command exits 0; a `CMD-SHELL` test becomes `sh -c TEXT`.
    Exec(Vec<String>),
}

/// The service's health check, read for translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// No health check in the Compose file.
    Unset,
    /// `disable: true` or `test: ["NONE"]`: the user turned checks off.
    Disabled,
    Check(Check),
}

pub fn read(healthcheck: Option<&Healthcheck>) -> Health {
    let Some(healthcheck) = healthcheck else {
        return Health::Unset;
    };
    let test = match &healthcheck.test {
        None => return Health::Unset,
        Some(test) => test,
    };
    if healthcheck.disable || test.first().map(String::as_str) == Some("NONE") {
        return Health::Disabled;
    }
    let (shell, words): (bool, Vec<String>) = match test.first().map(String::as_str) {
        Some("CMD-SHELL") => (true, test[1..].join(" ").split_whitespace().map(unquote).collect()),
        Some("CMD") => (false, test[1..].to_vec()),
        _ => (false, test.clone()),
    };
    if let Some(check) = http_check(&words, shell) {
        return Health::Check(check);
    }
    let command = if shell {
        vec!["sh".to_string(), "-c".to_string(), test[1..].join(" ")]
    } else {
        words
    };
    Health::Check(Check::Exec(command))
}

fn unquote(word: &str) -> String {
    word.trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// An HTTP check when the words are one curl or wget call of a URL on this container, optionally
/// followed by `|| exit 1`. Anything else (pipes, several commands) stays a command.
fn http_check(words: &[String], shell: bool) -> Option<Check> {
    let program = words.first()?.rsplit('/').next()?;
    if !matches!(program, "curl" | "wget") {
        return None;
    }
    let mut rest: &[String] = words;
    if shell {
        if let Some(position) = words.iter().position(|word| word == "||") {
            if words[position + 1..] != ["exit".to_string(), "1".to_string()] {
                return None;
            }
            rest = &words[..position];
        }
        let operators = ["&&", "|", ";", ">", "<", "`", "$("];
        if rest
            .iter()
            .any(|word| operators.iter().any(|operator| word.contains(operator)))
        {
            return None;
        }
    }
    let mut urls = rest.iter().filter(|word| word.starts_with("http://"));
    let url = urls.next()?;
    if urls.next().is_some() {
        return None;
    }
    local_url(url)
}

/// Splits `http://HOST[:PORT][/PATH]` when HOST is this container.
fn local_url(url: &str) -> Option<Check> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') => (host, port.parse().ok()?),
        _ => (authority, 80),
    };
    if !matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]") {
        return None;
    }
    Some(Check::Http {
        path: path.to_string(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(test: &[&str]) -> Health {
        read(Some(&Healthcheck {
            test: Some(test.iter().map(|word| word.to_string()).collect()),
            ..Healthcheck::default()
        }))
    }

    #[test]
    fn curl_and_wget_of_a_local_url_become_http() {
        let http = |path: &str, port| {
            Health::Check(Check::Http {
                path: path.into(),
                port,
            })
        };
        assert_eq!(
            check(&["CMD", "curl", "-f", "http://localhost:3000/api/health"]),
            http("/api/health", 3000)
        );
        assert_eq!(
            check(&["CMD-SHELL", "wget -qO- http://127.0.0.1/ || exit 1"]),
            http("/", 80)
        );
        assert_eq!(
            check(&["CMD-SHELL", "curl -fs 'http://localhost:9000/ping?x=1'"]),
            http("/ping?x=1", 9000)
        );
    }

    #[test]
    fn other_tests_stay_commands() {
        assert_eq!(
            check(&["CMD-SHELL", "pg_isready -U app"]),
            Health::Check(Check::Exec(vec!["sh".into(), "-c".into(), "pg_isready -U app".into()]))
        );
        assert_eq!(
            check(&["CMD", "curl", "http://example.com/"]),
            Health::Check(Check::Exec(vec!["curl".into(), "http://example.com/".into()]))
        );
        assert!(matches!(
            check(&["CMD-SHELL", "curl -f http://localhost/ | grep ok"]),
            Health::Check(Check::Exec(_))
        ));
        assert_eq!(check(&["NONE"]), Health::Disabled);
        assert_eq!(read(None), Health::Unset);
    }
}
