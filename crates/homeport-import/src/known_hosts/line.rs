//! Splitting one `known_hosts` line into marker, host names, key type, key and comment.

use super::host_field::HostField;
use super::key::{parse_key, ParsedKey};
use super::{LineProblem, Marker};

/// A line that contains a key.
#[derive(Debug, Clone)]
pub(super) struct ParsedLine {
    pub marker: Option<Marker>,
    pub hosts: String,
    pub host_field: HostField,
    pub key: ParsedKey,
    pub comment: Option<String>,
}

/// Parses one line. Returns `Ok(None)` for blank lines and `#` comments.
pub(super) fn parse_line(raw: &str) -> Result<Option<ParsedLine>, LineProblem> {
    // A file edited on Windows ends its lines with CR LF, and OpenSSH 9.2 reads such lines.
    let line = raw.strip_suffix('\r').unwrap_or(raw);
    let line = line.trim_start_matches(is_blank);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }

    let (marker, rest) = read_marker(line)?;

    let (hosts, rest) = next_field(rest);
    if hosts.is_empty() {
        return Err(LineProblem::MissingHostNames);
    }

    // OpenSSH treats a `#` where a field should start as the end of the line.
    let (key_type, rest) = next_field(rest);
    if key_type.is_empty() || key_type.starts_with('#') {
        return Err(LineProblem::MissingKeyType);
    }
    let (key_base64, rest) = next_field(rest);
    if key_base64.is_empty() || key_base64.starts_with('#') {
        return Err(LineProblem::MissingKey);
    }

    let comment = rest.trim_end_matches(is_blank);
    let host_field = HostField::parse(hosts)?;
    let key = parse_key(key_type, key_base64)?;

    Ok(Some(ParsedLine {
        marker,
        hosts: hosts.to_string(),
        host_field,
        key,
        comment: (!comment.is_empty()).then(|| comment.to_string()),
    }))
}

/// Reads an optional `@cert-authority` or `@revoked` marker.
fn read_marker(line: &str) -> Result<(Option<Marker>, &str), LineProblem> {
    let mut marker = None;
    let mut rest = line;

    while rest.starts_with('@') {
        let (word, after) = next_field(rest);
        let found = match word {
            "@cert-authority" => Marker::CertAuthority,
            "@revoked" => Marker::Revoked,
            _ => return Err(LineProblem::UnknownMarker(word.to_string())),
        };
        if marker.is_some() {
            return Err(LineProblem::MultipleMarkers);
        }
        marker = Some(found);
        rest = after;
    }

    Ok((marker, rest))
}

/// Splits off the text before the first blank and skips the blanks after it.
fn next_field(text: &str) -> (&str, &str) {
    let end = text.find(is_blank).unwrap_or(text.len());
    let (field, rest) = text.split_at(end);
    (field, rest.trim_start_matches(is_blank))
}

/// OpenSSH separates fields with spaces and tabs only.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIHsCtC3o3CxdmCXyhYJjV9j1iaZuAYZBRseYKbK9dZw8";

    #[test]
    fn comments_and_blank_lines_skipped() {
        for text in ["", "   ", "\t", "# note", "   # indented note", "\r"] {
            assert!(matches!(parse_line(text), Ok(None)), "{text:?}");
        }
    }

    #[test]
    fn fields_split_on_spaces_and_tabs() {
        let line = parse_line(&format!("  h1,h2\tssh-ed25519 \t{ED25519}  a comment  \r"))
            .expect("valid")
            .expect("not a comment");
        assert_eq!(line.marker, None);
        assert_eq!(line.hosts, "h1,h2");
        assert_eq!(line.key.algorithm, "ssh-ed25519");
        assert_eq!(line.comment.as_deref(), Some("a comment"));
    }

    #[test]
    fn markers_read() {
        let revoked = parse_line(&format!("@revoked * ssh-ed25519 {ED25519}")).expect("valid");
        assert_eq!(revoked.map(|l| l.marker), Some(Some(Marker::Revoked)));
        let ca = parse_line(&format!("@cert-authority *.lab ssh-ed25519 {ED25519}")).expect("valid");
        assert_eq!(ca.map(|l| l.marker), Some(Some(Marker::CertAuthority)));
    }

    #[test]
    fn truncated_lines_rejected() {
        let cases = [
            ("@revoked", LineProblem::MissingHostNames),
            ("@revoked   ", LineProblem::MissingHostNames),
            ("host", LineProblem::MissingKeyType),
            ("host #ssh-ed25519", LineProblem::MissingKeyType),
            ("host ssh-ed25519", LineProblem::MissingKey),
            ("host ssh-ed25519 #key", LineProblem::MissingKey),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_line(text).map(|_| ()), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn bad_markers_rejected() {
        let unknown = parse_line(&format!("@trusted h ssh-ed25519 {ED25519}"));
        assert_eq!(
            unknown.map(|_| ()),
            Err(LineProblem::UnknownMarker("@trusted".to_string()))
        );
        let twice = parse_line(&format!("@revoked @cert-authority h ssh-ed25519 {ED25519}"));
        assert_eq!(twice.map(|_| ()), Err(LineProblem::MultipleMarkers));
    }
}
