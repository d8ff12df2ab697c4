//! The host name field of a `known_hosts` line and how OpenSSH matches a host name against it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::LineProblem;

/// Length of the salt and of the digest in a hashed host name: one SHA-1 output each.
const SHA1_LENGTH: usize = 20;

/// OpenSSH copies each pattern into a 1024-byte buffer and treats a pattern list that
/// contains a longer pattern as not matching at all (`match_pattern_list` in match.c).
const MAX_PATTERN_LENGTH: usize = 1022;

/// A parsed host name field.
#[derive(Debug, Clone)]
pub(super) enum HostField {
    /// A comma-separated pattern list, lowercased as OpenSSH compares it.
    Patterns(Vec<HostPattern>),
    /// `|1|salt|digest`, where digest is HMAC-SHA1 keyed with the salt over the host name.
    /// `mac` is already keyed with the salt, so each comparison hashes only the name.
    Hashed { mac: Hmac<Sha1>, digest: Vec<u8> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HostPattern {
    pattern: String,
    negated: bool,
}

/// Strength of a host name match. Variants are ordered, so a stronger match compares greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum NameMatch {
    None,
    /// Matched only through a pattern with `*` or `?`.
    Wildcard,
    /// Matched by a pattern without wildcards, or by a hashed name.
    Exact,
}

impl HostField {
    pub(super) fn parse(field: &str) -> Result<HostField, LineProblem> {
        if field.starts_with('|') {
            return parse_hashed(field);
        }
        Ok(HostField::Patterns(parse_patterns(field)))
    }

    /// Matches `name`, which the caller has lowercased, against the field.
    pub(super) fn matches(&self, name: &str) -> NameMatch {
        match self {
            HostField::Patterns(patterns) => match_patterns(patterns, name),
            HostField::Hashed { mac, digest } => match_hashed(mac, digest, name),
        }
    }

    /// Returns the names the field matches when it lists only names without wildcards and
    /// without negation, so a lookup can find the line by name. Returns `None` for other
    /// fields, which must be matched line by line.
    pub(super) fn plain_names(&self) -> Option<Vec<&str>> {
        let HostField::Patterns(patterns) = self else {
            return None;
        };
        if patterns.iter().any(|p| p.negated || p.pattern.contains(['*', '?'])) {
            return None;
        }
        // OpenSSH matches nothing with such a line, so it lists no names.
        if patterns.iter().any(|p| p.pattern.len() > MAX_PATTERN_LENGTH) {
            return Some(Vec::new());
        }
        Some(patterns.iter().map(|p| p.pattern.as_str()).collect())
    }
}

/// Returns the name OpenSSH looks up for a connection: `host` on port 22 and `[host]:port`
/// on any other port, with the host lowercased as `ssh` does before the lookup.
pub(super) fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

fn parse_hashed(field: &str) -> Result<HostField, LineProblem> {
    let invalid = |reason: &str| LineProblem::InvalidHashedHost(reason.to_string());

    let Some(rest) = field.strip_prefix("|1|") else {
        return Err(invalid(
            "it does not start with |1|, the only hash format OpenSSH writes",
        ));
    };
    if rest.contains(',') {
        return Err(invalid("a hashed host name must be alone in the host field"));
    }
    let Some((salt, digest)) = rest.split_once('|') else {
        return Err(invalid("the '|' between salt and hash is missing"));
    };

    let salt = decode_sha1_sized(salt).ok_or_else(|| invalid("the salt is not 20 bytes of base64"))?;
    let digest = decode_sha1_sized(digest).ok_or_else(|| invalid("the hash is not 20 bytes of base64"))?;
    // `new_from_slice` fails only for MACs with a fixed key size, and HMAC takes any length.
    let mac = Hmac::<Sha1>::new_from_slice(&salt).map_err(|_| invalid("the salt cannot key HMAC-SHA1"))?;
    Ok(HostField::Hashed { mac, digest })
}

fn decode_sha1_sized(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok().filter(|bytes| bytes.len() == SHA1_LENGTH)
}

fn parse_patterns(field: &str) -> Vec<HostPattern> {
    let mut pieces: Vec<&str> = field.split(',').collect();

    // OpenSSH ends the list at a trailing comma instead of reading an empty pattern after it,
    // but it does read the empty pattern between two commas or before a leading comma.
    if field.ends_with(',') {
        pieces.pop();
    }

    pieces
        .into_iter()
        .map(|piece| {
            let (negated, pattern) = match piece.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, piece),
            };
            HostPattern {
                pattern: pattern.to_ascii_lowercase(),
                negated,
            }
        })
        .collect()
}

/// Applies OpenSSH's rule: any matching negated pattern rejects the line, otherwise any
/// matching plain pattern accepts it.
fn match_patterns(patterns: &[HostPattern], name: &str) -> NameMatch {
    if patterns.iter().any(|p| p.pattern.len() > MAX_PATTERN_LENGTH) {
        return NameMatch::None;
    }

    let mut best = NameMatch::None;
    for pattern in patterns {
        if !wildcard_match(pattern.pattern.as_bytes(), name.as_bytes()) {
            continue;
        }
        if pattern.negated {
            return NameMatch::None;
        }
        let strength = if pattern.pattern.contains(['*', '?']) {
            NameMatch::Wildcard
        } else {
            NameMatch::Exact
        };
        best = best.max(strength);
    }
    best
}

fn match_hashed(keyed: &Hmac<Sha1>, digest: &[u8], name: &str) -> NameMatch {
    let mut mac = keyed.clone();
    mac.update(name.as_bytes());
    if mac.verify_slice(digest).is_ok() {
        NameMatch::Exact
    } else {
        NameMatch::None
    }
}

/// Matches `*` (any run of bytes, also empty) and `?` (exactly one byte). Every other byte
/// matches itself. Uses the usual backtracking to the last `*`, which is linear in practice.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let mut p = 0;
    let mut t = 0;
    let mut last_star: Option<(usize, usize)> = None;

    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            last_star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = last_star {
            // Let the last `*` swallow one more byte and retry from there.
            last_star = Some((star_p, star_t + 1));
            p = star_p + 1;
            t = star_t + 1;
        } else {
            return false;
        }
    }

    pattern[p..].iter().all(|&byte| byte == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> HostField {
        HostField::parse(text).expect("valid field")
    }

    #[test]
    fn wildcards_match_like_openssh() {
        assert!(wildcard_match(b"*.lab", b"a.lab"));
        assert!(wildcard_match(b"*.lab", b".lab"));
        assert!(!wildcard_match(b"*.lab", b"[a.lab]:2222"));
        assert!(wildcard_match(b"*", b"[a.lab]:2222"));
        assert!(wildcard_match(b"h?st", b"host"));
        assert!(!wildcard_match(b"h?st", b"hst"));
        assert!(wildcard_match(b"a*b*c", b"axxbyyc"));
        assert!(!wildcard_match(b"a*b*c", b"axxbyy"));
        assert!(wildcard_match(b"", b""));
        assert!(!wildcard_match(b"", b"a"));
    }

    #[test]
    fn negation_wins_over_earlier_match() {
        let field = field("*.lab,!bad.lab");
        assert_eq!(field.matches("good.lab"), NameMatch::Wildcard);
        assert_eq!(field.matches("bad.lab"), NameMatch::None);
    }

    #[test]
    fn exact_match_beats_wildcard() {
        assert_eq!(field("*,host").matches("host"), NameMatch::Exact);
    }

    #[test]
    fn patterns_compare_lowercased() {
        assert_eq!(field("Gamma.Lab").matches("gamma.lab"), NameMatch::Exact);
    }

    #[test]
    fn trailing_comma_adds_no_empty_pattern() {
        assert_eq!(field("a,").matches(""), NameMatch::None);
        assert_eq!(field("a,,b").matches(""), NameMatch::Exact);
        assert_eq!(field(",").matches(""), NameMatch::Exact);
    }

    #[test]
    fn overlong_pattern_disables_line() {
        let long = "x".repeat(MAX_PATTERN_LENGTH + 1);
        assert_eq!(field(&format!("host,{long}")).matches("host"), NameMatch::None);
    }

    #[test]
    fn lookup_name_brackets_other_ports() {
        assert_eq!(lookup_name("Host.Lab", 22), "host.lab");
        assert_eq!(lookup_name("Host.Lab", 2222), "[host.lab]:2222");
    }

    #[test]
    fn plain_names_only_for_plain_lists() {
        assert_eq!(field("a,B").plain_names(), Some(vec!["a", "b"]));
        assert_eq!(field("a,*.lab").plain_names(), None);
        assert_eq!(field("a,!b").plain_names(), None);
        let long = "x".repeat(MAX_PATTERN_LENGTH + 1);
        assert_eq!(field(&format!("a,{long}")).plain_names(), Some(Vec::new()));
        let salt = STANDARD.encode([1u8; 20]);
        let digest = STANDARD.encode([2u8; 20]);
        assert_eq!(field(&format!("|1|{salt}|{digest}")).plain_names(), None);
    }

    #[test]
    fn hashed_field_needs_one_name() {
        let salt = STANDARD.encode([1u8; 20]);
        let digest = STANDARD.encode([2u8; 20]);
        assert!(HostField::parse(&format!("|1|{salt}|{digest}")).is_ok());
        assert!(HostField::parse(&format!("|1|{salt}|{digest},other")).is_err());
        assert!(HostField::parse(&format!("|2|{salt}|{digest}")).is_err());
        assert!(HostField::parse("|1|abc|def").is_err());
    }
}
