//! OpenSSH patterns: `*` matches any run of characters, `?` exactly one, and a leading `!`
//! negates. Nothing else is special (no `[...]` classes).

/// One pattern of a `Host` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostPattern {
    /// The pattern without its leading `!`.
    pub text: String,
    pub negated: bool,
}

impl HostPattern {
    /// Reads a `Host` argument; one leading `!` negates it.
    pub fn parse(argument: &str) -> HostPattern {
        match argument.strip_prefix('!') {
            Some(text) => HostPattern {
                text: text.to_string(),
                negated: true,
            },
            None => HostPattern {
                text: argument.to_string(),
                negated: false,
            },
        }
    }

    /// Tells whether the pattern names exactly one host, so that it can be offered as an alias.
    pub fn is_literal(&self) -> bool {
        !self.negated && !self.text.contains(['*', '?'])
    }
}

/// Tells whether a `Host` line applies to `alias`: some positive pattern must match and no
/// negated one may. A line of negated patterns alone never applies. Like OpenSSH 9.2, the
/// comparison is case-sensitive (`Host FOO` does not apply to `ssh foo`).
pub(crate) fn host_line_matches(patterns: &[HostPattern], alias: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        if wildcard_match(&pattern.text, alias) {
            if pattern.negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// Tells whether `text` matches a comma-separated pattern list such as `*.lan,!nas.lan`: some
/// positive entry must match and no negated one may. With `fold_case`, both sides are compared
/// in ASCII lower case, as OpenSSH does for `Match host` and `IgnoreUnknown`.
pub(crate) fn list_matches(list: &str, text: &str, fold_case: bool) -> bool {
    let text = if fold_case {
        text.to_ascii_lowercase()
    } else {
        text.to_string()
    };
    let mut matched = false;
    for entry in list.split(',') {
        let (negated, pattern) = match entry.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, entry),
        };
        let pattern = if fold_case {
            pattern.to_ascii_lowercase()
        } else {
            pattern.to_string()
        };

        if wildcard_match(&pattern, &text) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// Matches `text` against one pattern with `*` and `?`, case-sensitively.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // After a `*`: the pattern index that follows it and the text index it last resumed at, so
    // a failed match can retry with the star covering one more character.
    let mut backtrack: Option<(usize, usize)> = None;

    while t < text.len() {
        if pattern.get(p) == Some(&'*') {
            backtrack = Some((p + 1, t));
            p += 1;
        } else if pattern.get(p).is_some_and(|&c| c == '?' || c == text[t]) {
            p += 1;
            t += 1;
        } else if let Some((after_star, resumed_at)) = backtrack {
            p = after_star;
            t = resumed_at + 1;
            backtrack = Some((after_star, t));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(line: &str) -> Vec<HostPattern> {
        line.split_whitespace().map(HostPattern::parse).collect()
    }

    #[test]
    fn wildcard_star_and_question_mark() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("*", "anything.at.all"));
        assert!(wildcard_match("example*", "example1"));
        assert!(wildcard_match("example*", "example"));
        assert!(wildcard_match("*.lan", "nas.lan"));
        assert!(!wildcard_match("*.lan", "nas.lan.example"));
        assert!(wildcard_match("n?s", "nas"));
        assert!(!wildcard_match("n?s", "ns"));
        assert!(wildcard_match("a*b*c", "aXbYbZc"));
        assert!(!wildcard_match("a*b*c", "aXbYbZ"));
        assert!(wildcard_match("**x", "yx"));
    }

    #[test]
    fn wildcard_is_case_sensitive() {
        assert!(!wildcard_match("FOO", "foo"));
        assert!(wildcard_match("FOO", "FOO"));
    }

    #[test]
    fn wildcard_literal_metacharacters() {
        assert!(wildcard_match("a[1]", "a[1]"));
        assert!(!wildcard_match("a[12]", "a1"));
    }

    #[test]
    fn host_line_negation() {
        assert!(host_line_matches(&patterns("*.lan !nas.lan"), "pi.lan"));
        assert!(!host_line_matches(&patterns("*.lan !nas.lan"), "nas.lan"));
        assert!(!host_line_matches(&patterns("!nas.lan"), "pi.lan"));
        assert!(!host_line_matches(&patterns("a !a"), "a"));
        assert!(!host_line_matches(&patterns("!* a"), "a"));
    }

    #[test]
    fn host_pattern_literal() {
        assert!(HostPattern::parse("nas").is_literal());
        assert!(!HostPattern::parse("nas*").is_literal());
        assert!(!HostPattern::parse("n?s").is_literal());
        assert!(!HostPattern::parse("!nas").is_literal());
    }

    #[test]
    fn pattern_list_entries() {
        assert!(list_matches("a,b", "b", false));
        assert!(!list_matches("a,b", "c", false));
        assert!(list_matches("!a,*", "b", false));
        assert!(!list_matches("!a,*", "a", false));
        assert!(!list_matches("!a", "b", false));
    }

    #[test]
    fn pattern_list_case_folding() {
        assert!(list_matches("FOO*", "foobar", true));
        assert!(list_matches("foo", "FOO", true));
        assert!(!list_matches("foo", "FOO", false));
    }
}
