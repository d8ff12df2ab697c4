//! Recognises environment variables that contain secrets, so no export writes their values.

use std::collections::BTreeSet;

/// Parts of a variable name that mark a secret. Matched on whole `_`-separated words, so
/// `TOKEN_URL` counts but `KEYBOARD_LAYOUT` does not.
const SECRET_WORDS: [&str; 9] = [
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIALS",
    "PRIVATE",
];

/// True when the name looks like it contains a secret: a secret word, or `KEY` as the last word
/// (`API_KEY`, `SECRET_KEY`, but not `KEY_PATH`).
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '-', '.']).filter(|word| !word.is_empty()).collect();
    words.iter().any(|word| SECRET_WORDS.contains(word)) || words.last() == Some(&"KEY")
}

/// True when the export must not write the value: a secret-looking name, a name the caller
/// marked, or a variable without a value, whose value only the user has.
pub fn is_secret(name: &str, value: Option<&str>, marked: &BTreeSet<String>) -> bool {
    value.is_none() || marked.contains(name) || looks_secret(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_secret_names() {
        for name in [
            "DB_PASSWORD",
            "POSTGRES_PASSWORD",
            "api_key",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "SMTP_PASS",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["TZ", "KEYBOARD_LAYOUT", "KEY_PATH", "PASSENGER_COUNT", "DB_HOST"] {
            assert!(!looks_secret(name), "{name}");
        }
        let marked = BTreeSet::from(["ADMIN_HASH".to_string()]);
        assert!(is_secret("ADMIN_HASH", Some("x"), &marked));
        assert!(is_secret("ANYTHING", None, &marked));
        assert!(!is_secret("TZ", Some("UTC"), &marked));
    }
}
