//! The final form of a host name, as `ssh -G` of OpenSSH 9.2p1 prints it: numeric addresses
//! rewritten the way the C library formats them, other names lowercased.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Returns the host name OpenSSH connects to for `host` (the expanded `HostName`, or the alias).
///
/// - A numeric address is replaced by its canonical form (`010.1.2.3` becomes `8.1.2.3`,
///   `2001:DB8:0::A` becomes `2001:db8::a`), unless the two differ only in letter case.
/// - Text made only of digits and dots, or containing `:`, is kept as written.
/// - Anything else is lowercased.
pub(crate) fn canonical_host_name(host: &str) -> String {
    if let Some(canonical) = canonical_address(host) {
        return if canonical.eq_ignore_ascii_case(host) {
            host.to_string()
        } else {
            canonical
        };
    }
    if host.contains(':') || host.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return host.to_string();
    }
    host.to_ascii_lowercase()
}

fn canonical_address(host: &str) -> Option<String> {
    if let Some(address) = parse_ipv4_like_inet_aton(host) {
        return Some(address.to_string());
    }
    host.parse::<Ipv6Addr>().ok().map(format_ipv6)
}

/// Parses the IPv4 forms that `inet_aton` accepts: one to four parts in decimal, octal (leading
/// `0`) or hex (`0x`), where the last part fills the remaining bytes (`10` is `0.0.0.10`,
/// `1.2.3` is `1.2.0.3`).
fn parse_ipv4_like_inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u32> = text.split('.').map(parse_c_number).collect::<Option<_>>()?;
    let (last, leading) = parts.split_last()?;
    if leading.len() > 3 || leading.iter().any(|&part| part > 255) {
        return None;
    }

    let last_part_bits = 8 * (4 - leading.len());
    if last_part_bits < 32 && *last >= 1 << last_part_bits {
        return None;
    }

    let mut value = *last;
    for (index, part) in leading.iter().enumerate() {
        value |= part << (24 - 8 * index);
    }
    Some(Ipv4Addr::from(value))
}

/// Parses an unsigned number with C prefixes: `0x` for hex, a leading `0` for octal.
fn parse_c_number(text: &str) -> Option<u32> {
    let (digits, radix) = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        (hex, 16)
    } else if text.len() > 1 && text.starts_with('0') {
        (&text[1..], 8)
    } else {
        (text, 10)
    };

    // `from_str_radix` alone would also take a leading `+`.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// Formats like glibc's `inet_ntop`, which agrees with Rust's `Display` except that it writes
/// IPv4-compatible addresses (`::a.b.c.d`) in dotted form.
fn format_ipv6(address: Ipv6Addr) -> String {
    let segments = address.segments();
    if segments[..6].iter().all(|&segment| segment == 0) && segments[6] != 0 {
        let octets = address.octets();
        return format!("::{}", Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]));
    }
    address.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected value below is what `ssh -G` of OpenSSH 9.2p1 printed for `HostName <input>`.
    #[test]
    fn hostname_names_lowercased() {
        assert_eq!(canonical_host_name("Bar.Example"), "bar.example");
        assert_eq!(canonical_host_name("Foo_Bar"), "foo_bar");
        assert_eq!(canonical_host_name("[FOO]"), "[foo]");
        assert_eq!(canonical_host_name("0x"), "0x");
    }

    #[test]
    fn hostname_address_like_kept() {
        assert_eq!(canonical_host_name("FOO:BAR"), "FOO:BAR");
        assert_eq!(canonical_host_name("[2001:DB8::A]"), "[2001:DB8::A]");
        assert_eq!(canonical_host_name("1.2.3.4."), "1.2.3.4.");
        assert_eq!(canonical_host_name("08.1.2.3"), "08.1.2.3");
        assert_eq!(canonical_host_name("4294967296"), "4294967296");
        assert_eq!(canonical_host_name("1..2"), "1..2");
    }

    #[test]
    fn hostname_ipv4_forms() {
        assert_eq!(canonical_host_name("10.1.2.3"), "10.1.2.3");
        assert_eq!(canonical_host_name("010.1.2.3"), "8.1.2.3");
        assert_eq!(canonical_host_name("10"), "0.0.0.10");
        assert_eq!(canonical_host_name("1.2.3"), "1.2.0.3");
        assert_eq!(canonical_host_name("1.16777215"), "1.255.255.255");
        assert_eq!(canonical_host_name("0x7f.1"), "127.0.0.1");
        assert_eq!(canonical_host_name("0X10.0.0.1"), "16.0.0.1");
        assert_eq!(canonical_host_name("4294967295"), "255.255.255.255");
        assert_eq!(canonical_host_name("00"), "0.0.0.0");
    }

    #[test]
    fn hostname_ipv6_forms() {
        assert_eq!(canonical_host_name("2001:DB8::A"), "2001:DB8::A");
        assert_eq!(canonical_host_name("2001:DB8:0::A"), "2001:db8::a");
        assert_eq!(canonical_host_name("2001:DB8:0:0:0:0:0:A"), "2001:db8::a");
        assert_eq!(canonical_host_name("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
        assert_eq!(canonical_host_name("::FFFF:1.2.3.4"), "::FFFF:1.2.3.4");
        assert_eq!(canonical_host_name("::FFFF:0102:0304"), "::ffff:1.2.3.4");
        assert_eq!(canonical_host_name("0:0:0:0:0:ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(canonical_host_name("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(canonical_host_name("::1"), "::1");
    }
}
