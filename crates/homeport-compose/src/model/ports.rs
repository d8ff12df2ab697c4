//! Service ports in short syntax (`[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`, with ranges and
//! bracketed IPv6 addresses) and long syntax.

use crate::yaml::{Node, Typed};

/// One port binding as `docker compose config` prints it: ranges are expanded to one binding
/// per port, except a published range for a single target, which Compose keeps as one binding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortBinding {
    pub name: Option<String>,
    /// `ingress` (the default) or `host`.
    pub mode: String,
    pub host_ip: Option<String>,
    pub target: u16,
    /// A port or a range such as `8000-8010`, kept as text because Compose prints it so.
    pub published: Option<String>,
    /// `tcp` (the default), `udp` or `sctp`.
    pub protocol: String,
    pub app_protocol: Option<String>,
}

impl PortBinding {
    /// Returns the key the override merge matches bindings by: host IP, target, published
    /// port and protocol.
    pub fn merge_key(&self) -> (Option<String>, u16, Option<String>, String) {
        (
            self.host_ip.clone(),
            self.target,
            self.published.clone(),
            self.protocol.clone(),
        )
    }
}

/// Why a short port entry is invalid; the text goes into the diagnostic.
pub type PortError = String;

/// Parses a short-syntax entry such as `127.0.0.1:8080:80/udp` or `[::1]:53:53`.
pub fn parse_short(spec: &str) -> Result<Vec<PortBinding>, PortError> {
    let (address_part, protocol) = match spec.rsplit_once('/') {
        Some((rest, protocol)) => (rest, protocol.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("unknown protocol '{protocol}'"));
    }

    let (host_ip, rest) = split_host_ip(address_part)?;
    let parts: Vec<&str> = rest.split(':').collect();
    let (published, target) = match parts.as_slice() {
        [target] => (None, *target),
        [published, target] => (Some(*published).filter(|text| !text.is_empty()), *target),
        _ => return Err("too many ':' (put an IPv6 address in brackets, as in [::1]:8080:80)".to_string()),
    };

    let targets = parse_range(target)?;
    let published_range = published.map(parse_range).transpose()?;
    let binding = |target: u16, published: Option<String>| PortBinding {
        name: None,
        mode: "ingress".to_string(),
        host_ip: host_ip.clone(),
        target,
        published,
        protocol: protocol.clone(),
        app_protocol: None,
    };

    match published_range {
        None => Ok((targets.0..=targets.1).map(|target| binding(target, None)).collect()),
        Some(published_range) if targets.0 == targets.1 => {
            let published_text = if published_range.0 == published_range.1 {
                published_range.0.to_string()
            } else {
                published.unwrap_or_default().to_string()
            };
            Ok(vec![binding(targets.0, Some(published_text))])
        }
        Some(published_range) => {
            let target_count = targets.1 - targets.0;
            if published_range.1 - published_range.0 != target_count {
                return Err("the published range and the target range have different lengths".to_string());
            }
            Ok((0..=target_count)
                .map(|step| binding(targets.0 + step, Some((published_range.0 + step).to_string())))
                .collect())
        }
    }
}

/// Splits off a host IP: `[v6]:rest`, or `v4:published:target` with three parts.
fn split_host_ip(text: &str) -> Result<(Option<String>, &str), PortError> {
    if let Some(after_bracket) = text.strip_prefix('[') {
        let (address, rest) = after_bracket
            .split_once(']')
            .ok_or_else(|| "missing ']' after the IPv6 address".to_string())?;
        let rest = rest
            .strip_prefix(':')
            .ok_or_else(|| "expected ':' after the bracketed address".to_string())?;
        return Ok((Some(address.to_string()), rest));
    }
    if text.matches(':').count() == 2 {
        let (address, rest) = text.split_once(':').unwrap_or_default();
        return Ok((Some(address.to_string()).filter(|a| !a.is_empty()), rest));
    }
    Ok((None, text))
}

fn parse_range(text: &str) -> Result<(u16, u16), PortError> {
    let port = |part: &str| -> Result<u16, PortError> {
        part.trim()
            .parse::<u16>()
            .map_err(|_| format!("'{part}' is not a port number from 0 to 65535"))
    };
    match text.split_once('-') {
        Some((low, high)) => {
            let (low, high) = (port(low)?, port(high)?);
            if high < low {
                return Err(format!("the range {text} ends below its start"));
            }
            Ok((low, high))
        }
        None => {
            let single = port(text)?;
            Ok((single, single))
        }
    }
}

/// Returns a port number from an integer or numeric string node.
pub fn port_number(node: &Node) -> Option<u16> {
    match node.typed() {
        Typed::Int(number) => u16::try_from(number).ok(),
        Typed::Str(text) => text.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(spec: &str) -> PortBinding {
        let mut bindings = parse_short(spec).unwrap();
        assert_eq!(bindings.len(), 1, "{spec}");
        bindings.remove(0)
    }

    #[test]
    fn ports_short_forms() {
        let binding = one("127.0.0.1:8080:80");
        assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(binding.published.as_deref(), Some("8080"));
        assert_eq!(binding.target, 80);
        assert_eq!(binding.protocol, "tcp");

        let binding = one("[::1]:80:80");
        assert_eq!(binding.host_ip.as_deref(), Some("::1"));
        assert_eq!(binding.published.as_deref(), Some("80"));

        let binding = one("53:53/udp");
        assert_eq!(binding.protocol, "udp");

        let binding = one("80");
        assert_eq!(binding.published, None);

        let binding = one("8000-8010:80");
        assert_eq!(
            binding.published.as_deref(),
            Some("8000-8010"),
            "published range for one target stays a range"
        );
    }

    #[test]
    fn ports_ranges_expand_pairwise() {
        let bindings = parse_short("8000-8010:80-90").unwrap();
        assert_eq!(bindings.len(), 11);
        assert_eq!(bindings[10].target, 90);
        assert_eq!(bindings[10].published.as_deref(), Some("8010"));
    }

    #[test]
    fn ports_rejects_bad_entries() {
        for spec in [
            "99999:80",
            "80/quic",
            "8000-8002:80-81",
            "1:2:3:4",
            "[::1:80:80",
            "http",
        ] {
            assert!(parse_short(spec).is_err(), "{spec}");
        }
    }
}
