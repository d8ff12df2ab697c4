//! Port numbers and yes/no flags, read the way OpenSSH 9.2p1 reads them.

/// Reads a port: a decimal number from 1 to 65535 (leading zeros allowed), or a TCP service
/// name from `/etc/services` such as `ssh`, as OpenSSH's `a2port` accepts.
pub(crate) fn parse_port(text: &str) -> Option<u16> {
    let digits = text.trim_start();
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return digits.parse::<u16>().ok().filter(|&port| port != 0);
    }
    service_port(text)
}

/// Reads `yes`/`true` or `no`/`false`, in any letter case.
pub(crate) fn parse_flag(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

/// Looks up a TCP service name or alias in `/etc/services`, the file that `getservbyname`
/// reads on Linux and macOS.
fn service_port(name: &str) -> Option<u16> {
    let text = std::fs::read_to_string("/etc/services").ok()?;
    text.lines().find_map(|line| service_line_port(line, name))
}

/// Parses `name port/protocol [aliases...] [# comment]` and returns the port if the line is a
/// TCP service called `name`.
fn service_line_port(line: &str, name: &str) -> Option<u16> {
    let line = line.split('#').next().unwrap_or_default();
    let mut fields = line.split_whitespace();
    let service = fields.next()?;
    let (port, protocol) = fields.next()?.split_once('/')?;
    let named = service == name || fields.any(|alias| alias == name);
    if protocol != "tcp" || !named {
        return None;
    }
    port.parse().ok().filter(|&port| port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_numbers() {
        assert_eq!(parse_port("22"), Some(22));
        assert_eq!(parse_port("022"), Some(22));
        assert_eq!(parse_port(" 2222"), Some(2222));
        assert_eq!(parse_port("65535"), Some(65535));
        assert_eq!(parse_port("0"), None);
        assert_eq!(parse_port("65536"), None);
        assert_eq!(parse_port("-1"), None);
        assert_eq!(parse_port("22x"), None);
        assert_eq!(parse_port("0x16"), None);
        assert_eq!(parse_port(""), None);
    }

    #[test]
    fn port_service_lines() {
        assert_eq!(
            service_line_port("ssh\t\t22/tcp\t\t\t# SSH Remote Login Protocol", "ssh"),
            Some(22)
        );
        assert_eq!(
            service_line_port("http 80/tcp www # WorldWideWeb HTTP", "www"),
            Some(80)
        );
        assert_eq!(service_line_port("domain 53/udp", "domain"), None);
        assert_eq!(service_line_port("# ssh 22/tcp", "ssh"), None);
        assert_eq!(service_line_port("ssh 22/tcp", "telnet"), None);
    }

    #[test]
    fn flags() {
        assert_eq!(parse_flag("yes"), Some(true));
        assert_eq!(parse_flag("YES"), Some(true));
        assert_eq!(parse_flag("true"), Some(true));
        assert_eq!(parse_flag("no"), Some(false));
        assert_eq!(parse_flag("False"), Some(false));
        assert_eq!(parse_flag("1"), None);
    }
}
