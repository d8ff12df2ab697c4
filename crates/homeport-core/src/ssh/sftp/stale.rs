//! Removing the temporary files of transfers that were killed before they could remove them.
//!
//! A transfer removes its own temporary file when it fails or is cancelled. A process killed
//! with SIGKILL (or a machine that loses power) runs no code, though, and SFTP cannot create a
//! file that the server deletes when the connection drops. A record of the temporaries would
//! be left behind the same way. So each transfer, once its own temporary exists, removes the
//! leftovers of earlier transfers to the same destination, and leftovers stay only until the
//! next transfer there.
//!
//! A file is removed only if its name is one [`temporary_name`] gives the destination, so no
//! file of the user's is touched, and only if it is older than [`STALE_AFTER`]. That keeps the
//! temporary of a transfer that is still running, since another Homeport process may write to
//! the same destination. A leftover's modification time is compared with the new temporary's,
//! both set by the clock of the machine that holds the files, so a host whose clock differs
//! from this machine's is handled too.
//!
//! [`temporary_name`]: super::paths::temporary_name

use std::path::Path;
use std::time::Duration;

use russh_sftp::protocol::FileType;

use super::paths::{is_temporary_of, local_folder, RemotePath};
use super::remote::RemoteFs;
use super::REQUEST_TIMEOUT_SECS;

/// How long a temporary file must have gone unmodified before it counts as left behind. A
/// running transfer writes to its temporary at least once per request timeout, or fails and
/// removes it. Finishing an upload takes four more requests (mode, fsync, close, rename), each
/// within the timeout, so a live temporary never looks five timeouts old.
// NOTE: finishing a download flushes the local file to disk, which no timeout bounds. A flush
// longer than this lets a concurrent download to the same file remove the temporary, and the
// first download then fails at the rename.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(5 * REQUEST_TIMEOUT_SECS);

/// The maximum number of folder entries read while looking for leftovers, so that a transfer
/// into a folder of many files does not spend long on the search.
// NOTE: leftovers in a folder with more entries than this may be missed, and stay.
const MAX_LISTED_ENTRIES: usize = 20_000;

/// Removes the stale temporaries of `destination` on the host, next to the new temporary
/// `own_path` whose open handle is `own_handle`. Failures are logged, never returned, because
/// the transfer itself can go on.
pub(crate) async fn remove_stale_remote(fs: &RemoteFs, own_handle: &str, own_path: &str, destination: &RemotePath) {
    let now = match fs.modified(own_handle).await {
        Ok(Some(now)) => u64::from(now),
        Ok(None) => {
            tracing::debug!("the SFTP server reports no modification times; no leftover temporaries removed");
            return;
        }
        Err(err) => {
            tracing::debug!(error = %err, "reading the temporary file's time failed; no leftover temporaries removed");
            return;
        }
    };
    let entries = match fs.list_folder(&destination.folder, MAX_LISTED_ENTRIES).await {
        Ok(entries) => entries,
        Err(err) => {
            // A folder the user may write to but not list, such as a drop box, ends here.
            tracing::debug!(folder = %destination.folder, error = %err, "listing the folder failed; no leftover temporaries removed");
            return;
        }
    };

    for (name, attrs) in entries {
        let stale = is_temporary_of(&name, &destination.name)
            && attrs.file_type() == FileType::File
            && attrs
                .mtime
                .is_some_and(|modified| u64::from(modified) + STALE_AFTER.as_secs() < now);
        let path = RemotePath::joined(&destination.folder, &name);
        if !stale || path == own_path {
            continue;
        }
        match fs.remove(&path).await {
            Ok(()) => tracing::info!(path = %path, "removed a temporary file a killed transfer left behind"),
            Err(err) => tracing::warn!(path = %path, error = %err, "removing a leftover temporary file failed"),
        }
    }
}

/// Removes the stale temporaries of the local file `destination`, next to the new temporary
/// `own_path`. Failures are logged, never returned, because the transfer itself can go on.
pub(crate) async fn remove_stale_local(own_path: &Path, destination: &Path) {
    let Some(name) = destination.file_name().map(|name| name.to_string_lossy().into_owned()) else {
        return;
    };
    let now = match tokio::fs::metadata(own_path)
        .await
        .and_then(|metadata| metadata.modified())
    {
        Ok(now) => now,
        Err(err) => {
            tracing::debug!(error = %err, "reading the temporary file's time failed; no leftover temporaries removed");
            return;
        }
    };
    let folder = local_folder(destination);
    let mut entries = match tokio::fs::read_dir(folder).await {
        Ok(entries) => entries,
        Err(err) => {
            tracing::debug!(folder = %folder.display(), error = %err, "listing the folder failed; no leftover temporaries removed");
            return;
        }
    };

    let mut listed = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        listed += 1;
        if listed > MAX_LISTED_ENTRIES {
            break;
        }
        let path = entry.path();
        let is_temporary = entry
            .file_name()
            .to_str()
            .is_some_and(|file_name| is_temporary_of(file_name, &name));
        if !is_temporary || path == own_path {
            continue;
        }
        // `DirEntry::metadata` does not follow symbolic links, so a link is never a match.
        let stale = match entry.metadata().await {
            Ok(metadata) if metadata.is_file() => {
                metadata.modified().is_ok_and(|modified| modified + STALE_AFTER < now)
            }
            _ => false,
        };
        if !stale {
            continue;
        }
        match tokio::fs::remove_file(&path).await {
            Ok(()) => tracing::info!(path = %path.display(), "removed a temporary file a killed transfer left behind"),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "removing a leftover temporary file failed")
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::SystemTime;

    use super::super::local::LocalTemporary;
    use super::super::paths::temporary_name;
    use super::*;

    /// Writes an empty file at `path` last modified `age` ago.
    fn file_aged(path: &Path, age: Duration) {
        let file = std::fs::File::create(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn stale_local_temporaries_are_removed() {
        let dir = tempfile::TempDir::new().unwrap();
        let destination = dir.path().join("backup.tar");
        let old = Duration::from_secs(3600);
        let stale = temporary_name("backup.tar", "00000000000a");
        let fresh = temporary_name("backup.tar", "00000000000b");
        let other_file = temporary_name("other.tar", "00000000000c");
        let not_ours = ".backup.tar.mine.homeport-part";
        for name in [stale.as_str(), other_file.as_str(), not_ours, "backup.tar"] {
            file_aged(&dir.path().join(name), old);
        }
        file_aged(&dir.path().join(&fresh), Duration::ZERO);
        std::fs::create_dir(dir.path().join(temporary_name("backup.tar", "00000000000d"))).unwrap();

        let temporary = LocalTemporary::create(&destination).await.unwrap();
        remove_stale_local(temporary.path(), &destination).await;

        let names = names_in(dir.path());
        assert!(!names.contains(&stale), "the leftover is removed: {names:?}");
        assert!(
            names.contains(&fresh),
            "a running transfer's temporary stays: {names:?}"
        );
        assert!(names.contains(&other_file), "another file's temporary stays: {names:?}");
        assert!(
            names.contains(&not_ours.to_string()),
            "a name Homeport never makes stays: {names:?}"
        );
        assert!(
            names.contains(&"backup.tar".to_string()),
            "the destination stays: {names:?}"
        );
        let own = temporary.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(names.contains(&own), "the new temporary stays: {names:?}");
        assert_eq!(names.len(), 6, "a folder with a temporary's name stays: {names:?}");
    }
}
