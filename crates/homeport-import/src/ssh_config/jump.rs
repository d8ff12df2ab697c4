//! `ProxyJump` hops: `[user@]host[:port]` or `ssh://[user@]host[:port]`, with IPv6 addresses in
//! brackets, as OpenSSH 9.2p1 accepts them.

use std::fmt;

use super::values;

/// One hop of a `ProxyJump` chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JumpHop {
    pub user: Option<String>,
    /// Host name or address, without brackets.
    pub host: String,
    pub port: Option<u16>,
}

/// A jump host that OpenSSH would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid jump host '{value}': {reason}")]
pub struct JumpHopError {
    /// The hop as written.
    pub value: String,
    pub reason: &'static str,
}

impl JumpHop {
    /// Parses one hop. The user is everything before the last `@`. A port may be a number or a
    /// service name such as `ssh`, and an empty port (`host:`) means none.
    pub fn parse(text: &str) -> Result<JumpHop, JumpHopError> {
        let parsed = match text.strip_prefix("ssh://") {
            _ if text.contains(char::is_whitespace) => Err("whitespace is not allowed in a jump host"),
            Some(uri) => parse_uri(uri),
            None => parse_plain(text),
        };
        parsed.map_err(|reason| JumpHopError {
            value: text.to_string(),
            reason,
        })
    }

    /// Parses a comma-separated chain in connection order. `none`, in any letter case, is the
    /// empty chain: connect directly.
    pub fn parse_chain(text: &str) -> Result<Vec<JumpHop>, JumpHopError> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Vec::new());
        }
        text.split(',').map(JumpHop::parse).collect()
    }
}

/// Writes `[user@]host[:port]`, with brackets around a host that contains `:`, so that
/// [`JumpHop::parse`] reads it back unchanged.
impl fmt::Display for JumpHop {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(formatter, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(formatter, "[{}]", self.host)?;
        } else {
            formatter.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(formatter, ":{port}")?;
        }
        Ok(())
    }
}

fn parse_plain(text: &str) -> Result<JumpHop, &'static str> {
    let (user, host_and_port) = split_user(text)?;
    // OpenSSH also reads `/` as a host/port separator and then rejects it in ProxyJump.
    if host_and_port.contains('/') {
        return Err("'/' is not allowed; write the port after ':'");
    }
    let (host, port) = split_host_port(host_and_port)?;
    Ok(JumpHop { user, host, port })
}

/// Parses the part after `ssh://`: `[user[;parameters]@]host[:port][/]`. Parameters after `;`
/// in the user are dropped, as OpenSSH does.
fn parse_uri(text: &str) -> Result<JumpHop, &'static str> {
    let text = text.strip_suffix('/').unwrap_or(text);
    if text.contains('/') {
        return Err("an ssh:// jump host cannot have a path");
    }
    let (user, host_and_port) = split_user(text)?;
    let user = user.map(|user| user.split(';').next().unwrap_or_default().to_string());
    let (host, port) = split_host_port(host_and_port)?;
    Ok(JumpHop { user, host, port })
}

fn split_user(text: &str) -> Result<(Option<String>, &str), &'static str> {
    match text.rsplit_once('@') {
        Some(("", _)) => Err("the user name before '@' is empty"),
        Some((user, rest)) => Ok((Some(user.to_string()), rest)),
        None => Ok((None, text)),
    }
}

fn split_host_port(text: &str) -> Result<(String, Option<u16>), &'static str> {
    let (host, port) = match text.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']').ok_or("missing ']' after the address")?;
            let port = match after {
                "" => "",
                _ => after.strip_prefix(':').ok_or("unexpected text after ']'")?,
            };
            (host, port)
        }
        None => text.split_once(':').unwrap_or((text, "")),
    };

    if host.is_empty() {
        return Err("the host is empty; write IPv6 addresses in brackets");
    }
    let port = match port {
        "" => None,
        _ => Some(values::parse_port(port).ok_or("invalid port; use a number from 1 to 65535")?),
    };
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(user: Option<&str>, host: &str, port: Option<u16>) -> JumpHop {
        JumpHop {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        }
    }

    #[test]
    fn jump_chain_forms() {
        let chain = JumpHop::parse_chain("a,b@c:2200,[2001:db8::1]:22").expect("valid chain");
        assert_eq!(
            chain,
            [
                hop(None, "a", None),
                hop(Some("b"), "c", Some(2200)),
                hop(None, "2001:db8::1", Some(22))
            ]
        );
    }

    #[test]
    fn jump_chain_none() {
        assert_eq!(JumpHop::parse_chain("none"), Ok(Vec::new()));
        assert_eq!(JumpHop::parse_chain("NONE"), Ok(Vec::new()));
        assert_eq!(
            JumpHop::parse_chain("a,none").expect("valid chain")[1],
            hop(None, "none", None)
        );
    }

    #[test]
    fn jump_hop_edge_forms() {
        assert_eq!(JumpHop::parse("u@v@h"), Ok(hop(Some("u@v"), "h", None)));
        assert_eq!(JumpHop::parse("h:"), Ok(hop(None, "h", None)));
        assert_eq!(JumpHop::parse("[h]:"), Ok(hop(None, "h", None)));
        assert_eq!(JumpHop::parse("h:022"), Ok(hop(None, "h", Some(22))));
        assert_eq!(
            JumpHop::parse("u@[fe80::1]:22"),
            Ok(hop(Some("u"), "fe80::1", Some(22)))
        );
    }

    #[test]
    fn jump_hop_uri() {
        assert_eq!(JumpHop::parse("ssh://u@h:22"), Ok(hop(Some("u"), "h", Some(22))));
        assert_eq!(JumpHop::parse("ssh://u;x@h/"), Ok(hop(Some("u"), "h", None)));
        assert!(JumpHop::parse("ssh://u@h:22/x").is_err());
        assert!(JumpHop::parse("ssh://").is_err());
        assert!(JumpHop::parse("ssh://@h").is_err());
    }

    #[test]
    fn jump_hop_invalid() {
        for text in [
            "", "u@", "@h", "::1", "[::1", "[h]x", "h:0", "h:65536", "h:x", "a:b:c", "h/22", "u@h:22:",
        ] {
            assert!(JumpHop::parse(text).is_err(), "{text:?} parsed");
        }
        assert!(JumpHop::parse_chain("a,,b").is_err());
        assert!(JumpHop::parse_chain("a, b").is_err());
    }

    #[test]
    fn jump_hop_display_round_trips() {
        for text in ["a", "b@c:2200", "[2001:db8::1]:22", "u@v@h", "[::1]"] {
            let parsed = JumpHop::parse(text).expect("valid hop");
            assert_eq!(parsed.to_string(), text);
            assert_eq!(JumpHop::parse(&parsed.to_string()), Ok(parsed));
        }
    }

    #[test]
    fn jump_hop_error_names_value() {
        let error = JumpHop::parse("h:x").expect_err("invalid port");
        assert_eq!(error.value, "h:x");
        assert!(error.to_string().contains("'h:x'"), "{error}");
    }
}
