//! Checks on transfer paths, and the temporary names files are written under.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The suffix of every temporary file a transfer writes, so a leftover is easy to find.
pub const TEMPORARY_SUFFIX: &str = ".homeport-part";

/// The maximum length of one file name in bytes (`NAME_MAX` on Linux and the BSDs).
const MAX_NAME_LEN: usize = 255;

/// A file path on a host: absolute, without NUL, and naming a file rather than a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemotePath {
    pub full: String,
    /// The folder that contains the file, `/` for a file at the root.
    pub folder: String,
    pub name: String,
}

impl RemotePath {
    /// Checks `path` and splits it into folder and file name. `..` components are allowed,
    /// because a transfer has no base folder they could escape from.
    pub fn parse(path: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::invalid("remotePath", path, reason);
        if path.is_empty() {
            return Err(invalid(
                "the path is empty; give the absolute path of the file on the host, such as /srv/app/compose.yaml",
            ));
        }
        if path.contains('\0') {
            return Err(invalid(
                "the path contains a NUL character, which no file name can hold",
            ));
        }
        if !path.starts_with('/') {
            return Err(invalid(
                "the path is relative; give an absolute path that starts with /",
            ));
        }
        if path.ends_with('/') {
            return Err(invalid(
                "the path ends with /; give the path of a file, not of a folder",
            ));
        }

        // The path starts with '/', so there is always a last '/'.
        let split = path.rfind('/').unwrap_or(0);
        let name = &path[split + 1..];
        if name == "." || name == ".." {
            return Err(invalid(
                "the path ends in . or .., which name folders; give the path of a file",
            ));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(invalid(&format!(
                "the file name is {} bytes long, more than the {MAX_NAME_LEN} bytes file systems allow",
                name.len()
            )));
        }
        let folder = if split == 0 { "/" } else { &path[..split] };
        Ok(Self {
            full: path.to_string(),
            folder: folder.to_string(),
            name: name.to_string(),
        })
    }

    /// Returns the path of the temporary file beside this one, made unique by `token`.
    pub fn temporary(&self, token: &str) -> String {
        Self::joined(&self.folder, &temporary_name(&self.name, token))
    }

    /// Returns the path of the entry `name` in the absolute folder `folder`.
    pub fn joined(folder: &str, name: &str) -> String {
        if folder == "/" {
            format!("/{name}")
        } else {
            format!("{folder}/{name}")
        }
    }
}

/// Returns the name a file called `name` is written under until it is complete:
/// `.{name}.{token}.homeport-part`. The leading dot hides it from `ls` and shell globs, and
/// `name` is shortened at a character boundary so that the result fits in 255 bytes.
pub(crate) fn temporary_name(name: &str, token: &str) -> String {
    let fixed = 1 + 1 + token.len() + TEMPORARY_SUFFIX.len();
    let mut keep = MAX_NAME_LEN.saturating_sub(fixed).min(name.len());
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!(".{}.{token}{TEMPORARY_SUFFIX}", &name[..keep])
}

/// The length of the random token in a temporary name, in lowercase hex digits.
const TOKEN_LEN: usize = 12;

/// Returns a fresh random token for [`temporary_name`]: 12 lowercase hex digits.
pub(crate) fn random_token() -> String {
    let mut token = uuid::Uuid::new_v4().simple().to_string();
    token.truncate(TOKEN_LEN);
    token
}

/// Tells whether `file_name` is a name [`temporary_name`] gives a file called `name` with some
/// token from [`random_token`], so that only temporaries Homeport made are ever removed.
pub(crate) fn is_temporary_of(file_name: &str, name: &str) -> bool {
    let Some(before_suffix) = file_name.strip_suffix(TEMPORARY_SUFFIX) else {
        return false;
    };
    let Some(token_start) = before_suffix.len().checked_sub(TOKEN_LEN) else {
        return false;
    };
    let Some(token) = before_suffix.get(token_start..) else {
        return false;
    };
    let is_token = token
        .bytes()
        .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    is_token && temporary_name(name, token) == file_name
}

/// Returns the temporary path beside the local file `destination`, made unique by `token`.
pub(crate) fn local_temporary(destination: &Path, token: &str) -> Result<PathBuf> {
    let name = destination.file_name().ok_or_else(|| {
        Error::invalid(
            "localPath",
            destination.display().to_string(),
            "the path does not end in a file name; give the path of a file",
        )
    })?;
    // A name that is not UTF-8 keeps its readable part; the token alone makes the path unique.
    let temporary = temporary_name(&name.to_string_lossy(), token);
    Ok(destination.with_file_name(temporary))
}

/// Returns the folder that contains the local file `path`, `.` for a bare file name.
pub(crate) fn local_folder(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_path_splits_folder_and_name() {
        let path = RemotePath::parse("/srv/app/compose.yaml").unwrap();
        assert_eq!(path.folder, "/srv/app");
        assert_eq!(path.name, "compose.yaml");
        assert_eq!(path.full, "/srv/app/compose.yaml");

        let at_root = RemotePath::parse("/notes.txt").unwrap();
        assert_eq!(at_root.folder, "/");
        assert_eq!(at_root.name, "notes.txt");
    }

    #[test]
    fn remote_path_allows_dot_dot_inside() {
        let path = RemotePath::parse("/srv/../etc/app.conf").unwrap();
        assert_eq!(path.folder, "/srv/../etc");
        assert_eq!(path.name, "app.conf");
    }

    #[test]
    fn remote_path_rejects_bad_input() {
        let cases = [
            ("", "empty"),
            ("relative/file", "relative"),
            ("~/file", "relative"),
            ("/srv/app/", "ends with /"),
            ("/", "ends with /"),
            ("/srv/..", "ends in . or .."),
            ("/srv/.", "ends in . or .."),
            ("/srv/a\0b", "NUL"),
        ];
        for (path, expected) in cases {
            let err = RemotePath::parse(path).expect_err(path);
            let Error::InvalidInput { field, value, reason } = &err else {
                panic!("{path:?}: expected InvalidInput, got {err:?}");
            };
            assert_eq!(*field, "remotePath", "{path:?}");
            assert_eq!(value, path, "{path:?}");
            assert!(
                reason.contains(expected),
                "{path:?}: reason '{reason}' lacks '{expected}'"
            );
        }
    }

    #[test]
    fn remote_path_rejects_overlong_name() {
        let path = format!("/srv/{}", "n".repeat(256));
        let err = RemotePath::parse(&path).expect_err("256-byte name");
        assert!(err.to_string().contains("256 bytes"), "{err}");
        assert!(RemotePath::parse(&format!("/srv/{}", "n".repeat(255))).is_ok());
    }

    #[test]
    fn temporary_name_is_hidden_and_beside() {
        let path = RemotePath::parse("/srv/app/compose.yaml").unwrap();
        assert_eq!(
            path.temporary("0123456789ab"),
            "/srv/app/.compose.yaml.0123456789ab.homeport-part"
        );
        let at_root = RemotePath::parse("/notes.txt").unwrap();
        assert_eq!(at_root.temporary("t"), "/.notes.txt.t.homeport-part");
    }

    #[test]
    fn temporary_name_fits_name_max() {
        let long = "x".repeat(255);
        let name = temporary_name(&long, "0123456789ab");
        assert_eq!(name.len(), 255);
        assert!(name.starts_with(".xxx"), "{name}");
        assert!(name.ends_with(".0123456789ab.homeport-part"), "{name}");
    }

    #[test]
    fn temporary_name_cuts_at_char_boundary() {
        // 100 three-byte characters: the cut at 227 bytes falls inside one of them.
        let long = "你".repeat(100);
        let name = temporary_name(&long, "0123456789ab");
        assert!(name.len() <= 255, "{} bytes", name.len());
        assert_eq!(name.len(), 1 + 225 + 1 + 12 + TEMPORARY_SUFFIX.len());
        assert!(name.starts_with(".你"), "{name}");
    }

    #[test]
    fn random_tokens_differ() {
        let first = random_token();
        let second = random_token();
        assert_eq!(first.len(), 12);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "{first}");
        assert_ne!(first, second);
    }

    #[test]
    fn temporary_names_are_recognized() {
        let name = temporary_name("compose.yaml", &random_token());
        assert!(is_temporary_of(&name, "compose.yaml"), "{name}");
        assert!(!is_temporary_of(&name, "compose.yml"), "another file's temporary");
        assert!(
            !is_temporary_of(".compose.yaml.0123456789AB.homeport-part", "compose.yaml"),
            "upper case"
        );
        assert!(
            !is_temporary_of(".compose.yaml.0123456789a.homeport-part", "compose.yaml"),
            "11 digits"
        );
        assert!(
            !is_temporary_of(".compose.yaml.backup.homeport-part", "compose.yaml"),
            "not a token"
        );
        assert!(!is_temporary_of("compose.yaml", "compose.yaml"), "the file itself");
        assert!(!is_temporary_of(".homeport-part", "compose.yaml"));

        let long = "你".repeat(100);
        let shortened = temporary_name(&long, "0123456789ab");
        assert!(is_temporary_of(&shortened, &long), "a shortened name: {shortened}");
    }

    #[test]
    fn local_temporary_stays_in_folder() {
        let temporary = local_temporary(Path::new("/home/me/backup.tar"), "abc").unwrap();
        assert_eq!(temporary, Path::new("/home/me/.backup.tar.abc.homeport-part"));
        let bare = local_temporary(Path::new("backup.tar"), "abc").unwrap();
        assert_eq!(bare, Path::new(".backup.tar.abc.homeport-part"));
        assert_eq!(local_folder(Path::new("backup.tar")), Path::new("."));
        assert!(local_temporary(Path::new("/"), "abc").is_err());
    }
}
