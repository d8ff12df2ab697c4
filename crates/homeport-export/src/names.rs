//! Names the targets accept.

/// A DNS-1123 label as Kubernetes wants for object names: lowercase letters, digits and `-`,
/// starting and ending with a letter or digit, at most 63 characters. Compose allows `_` and
/// `.` in service names, which become `-`.
pub fn dns_label(name: &str) -> String {
    let mut label: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    label.truncate(63);
    let label = label.trim_matches('-').to_string();
    if label.is_empty() {
        "x".to_string()
    } else {
        label
    }
}

/// A name HCL accepts as a bare identifier: letters, digits, `_` and `-`, not starting with a
/// digit.
pub fn hcl_identifier(name: &str) -> String {
    let mut identifier: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if !identifier.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        identifier.insert(0, '_');
    }
    identifier.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_dns_1123() {
        assert_eq!(dns_label("My_App.web"), "my-app-web");
        assert_eq!(dns_label("_x_"), "x");
        assert_eq!(dns_label(&"a".repeat(80)).len(), 63);
        assert_eq!(hcl_identifier("DB-Password"), "db_password");
        assert_eq!(hcl_identifier("1x"), "_1x");
    }
}
