//! Paths the user types, in the window or on the command line.

use std::path::PathBuf;

/// Replaces a leading `~` with the home folder, as a shell would, since the path is typed.
pub(crate) fn expand_home(path: &str) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match home() {
            Some(home) => home.join(rest.trim_start_matches('/')),
            None => PathBuf::from(path),
        },
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_folder_expands() {
        let home = directories::BaseDirs::new().expect("home").home_dir().to_path_buf();
        assert_eq!(expand_home("~/cpu.png"), home.join("cpu.png"));
        assert_eq!(expand_home("/tmp/cpu.png"), PathBuf::from("/tmp/cpu.png"));
        assert_eq!(expand_home("~other/cpu.png"), PathBuf::from("~other/cpu.png"));
        assert!(!expand_home("cpu.png").is_absolute());
    }
}
