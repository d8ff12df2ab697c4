//! Reading another tool's file safely: regular files only, and only up to a size no real
//! configuration reaches, so an `Include` of `/dev/zero`, a FIFO or a huge file fails with a
//! message instead of filling memory or blocking forever.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// The largest file read, 4 MiB: by estimate, ten times a large `~/.ssh/config` or known_hosts.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as text, replacing invalid UTF-8.
pub fn read_text(path: &Path) -> io::Result<String> {
    // The type is checked before opening, because opening a FIFO blocks until a writer comes.
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a folder, device or pipe); name a configuration file instead",
        ));
    }

    let mut bytes = Vec::new();
    fs::File::open(path)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, which no configuration file needs",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_text_rejects_devices_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_text(dir.path()).is_err(), "a folder is rejected");
        assert!(read_text(Path::new("/dev/zero")).is_err(), "a device is rejected");
    }

    #[test]
    fn read_text_rejects_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let file = fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let err = read_text(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);

        file.set_len(16).unwrap();
        assert_eq!(read_text(&path).unwrap().len(), 16, "a small file is read whole");
    }
}
