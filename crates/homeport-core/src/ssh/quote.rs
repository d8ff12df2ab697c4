//! The one place remote command lines are built: every argument is single-quoted for a POSIX
//! shell, so no value can start a second command or expand a variable.

/// Quotes one argument for `sh`.
pub fn quote_arg(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '=' | ':' | ','));
    if safe {
        return arg.to_string();
    }
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Joins an argument vector into one command line for `sh -c` on the remote side.
pub fn command_line<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|arg| quote_arg(arg.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(
            command_line(&["test", "-S", "/var/run/docker.sock"]),
            "test -S /var/run/docker.sock"
        );
    }

    #[test]
    fn metacharacters_are_quoted() {
        assert_eq!(quote_arg("a b"), "'a b'");
        assert_eq!(quote_arg("$(id)"), "'$(id)'");
        assert_eq!(quote_arg("it's"), r"'it'\''s'");
        assert_eq!(quote_arg(""), "''");
        assert_eq!(quote_arg("a;b|c&d`e`"), "'a;b|c&d`e`'");
    }

    #[test]
    fn quoted_line_round_trips_through_sh() {
        let args = ["printf", "%s\n", "a b", "it's", "$HOME", "`id`", "x;y"];
        let line = command_line(&args);
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .output()
            .expect("sh runs");
        let printed = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            printed, "a b\nit's\n$HOME\n`id`\nx;y\n",
            "sh sees the arguments unchanged"
        );
    }
}
