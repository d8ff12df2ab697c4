//! One SFTP channel on an SSH session, and the errors transfers report from it.

use std::sync::Arc;

use russh::ChannelMsg;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::client::rawsession::Limits;
use russh_sftp::client::{Config, RawSftpSession};
use russh_sftp::extensions;
use russh_sftp::protocol::{FileAttributes, FileType, OpenFlags, Packet, StatusCode};

use super::paths::RemotePath;
use super::{CHUNK_LEN, REQUEST_TIMEOUT_SECS};
use crate::error::{Error, Result};
use crate::ssh::SshSession;

/// OpenSSH's extension that renames over an existing file, as rename(2) does. Plain SFTP v3
/// rename fails when the new name exists.
const POSIX_RENAME: &str = "posix-rename@openssh.com";

/// Permissions of a temporary file until its final mode is set, so no other user can read a
/// partial file.
const TEMPORARY_MODE: u32 = 0o600;

/// An SFTP session on its own channel, with what the server supports.
pub(crate) struct RemoteFs {
    sftp: Arc<RawSftpSession>,
    address: String,
    port: u16,
    user: String,
    posix_rename: bool,
    fsync: bool,
    read_len: u32,
    write_len: u32,
}

/// The kind of a path on the host, as `lstat` reports it.
pub(crate) enum RemoteEntry {
    Missing,
    /// A regular file with its permission bits (without setuid, setgid and sticky), `None` when
    /// the server sent no permissions.
    File {
        mode: Option<u32>,
    },
    Symlink,
    Folder,
    Other,
}

impl RemoteFs {
    /// Opens a session channel, starts the `sftp` subsystem in it and negotiates the protocol.
    pub async fn open(session: &SshSession) -> Result<Self> {
        let target = session.target();
        let unreachable = |detail: String| Error::HostUnreachable {
            host: target.address.clone(),
            port: target.port,
            detail,
        };

        let mut channel = session
            .handle()
            .channel_open_session()
            .await
            .map_err(|err| unreachable(format!("opening an SFTP channel failed: {err}")))?;
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(|err| unreachable(format!("requesting the SFTP subsystem failed: {err}")))?;
        loop {
            match channel.wait().await {
                Some(ChannelMsg::Success) => break,
                Some(ChannelMsg::Failure) | Some(ChannelMsg::Close) | None => {
                    return Err(Error::invalid(
                        "host",
                        target.address.clone(),
                        "the SSH server does not offer SFTP; enable it with a `Subsystem sftp` line in its \
                         sshd_config (such as `Subsystem sftp internal-sftp`)",
                    ));
                }
                Some(_) => {}
            }
        }

        let config = Config {
            request_timeout_secs: REQUEST_TIMEOUT_SECS,
            ..Config::default()
        };
        let mut sftp = RawSftpSession::new_with_config(channel.into_stream(), config);
        let version = sftp
            .init()
            .await
            .map_err(|err| unreachable(format!("the SFTP server did not start: {err}")))?;
        let supports =
            |name: &str, version_text: &str| version.extensions.get(name).is_some_and(|value| value == version_text);

        let mut read_len = CHUNK_LEN;
        let mut write_len = CHUNK_LEN;
        if supports(extensions::LIMITS, "1") {
            let limits = Limits::from(
                sftp.limits()
                    .await
                    .map_err(|err| unreachable(format!("reading the SFTP server's limits failed: {err}")))?,
            );
            if let Some(max) = limits.read_len {
                read_len = read_len.min(u32::try_from(max).unwrap_or(u32::MAX));
            }
            if let Some(max) = limits.write_len {
                write_len = write_len.min(u32::try_from(max).unwrap_or(u32::MAX));
            }
            sftp.set_limits(limits);
        }

        Ok(Self {
            posix_rename: supports(POSIX_RENAME, "1"),
            fsync: supports(extensions::FSYNC, "1"),
            sftp: Arc::new(sftp),
            address: target.address.clone(),
            port: target.port,
            user: target.user.clone(),
            read_len: read_len.max(1),
            write_len: write_len.max(1),
        })
    }

    /// Returns the length of one read request, in bytes.
    pub fn read_len(&self) -> u32 {
        self.read_len
    }

    /// Returns the length of one write request, in bytes.
    pub fn write_len(&self) -> usize {
        self.write_len as usize
    }

    /// Returns what `path` is, without following a symbolic link at its end.
    pub async fn entry(&self, path: &str) -> Result<RemoteEntry> {
        match self.sftp.lstat(path).await {
            Ok(attrs) => Ok(classify(&attrs.attrs)),
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => Ok(RemoteEntry::Missing),
            Err(err) => Err(self.failure(err, "remotePath", path, "look up the path")),
        }
    }

    /// Returns the absolute path a symbolic link resolves to.
    pub async fn resolve(&self, path: &str) -> Result<String> {
        let name = self.sftp.realpath(path).await.map_err(|err| match err {
            SftpError::Status(status) if status.status_code == StatusCode::NoSuchFile => Error::invalid(
                "remotePath",
                path,
                format!(
                    "the path is a symbolic link whose target does not exist on {}; fix the link or give \
                     another path",
                    self.address
                ),
            ),
            other => self.failure(other, "remotePath", path, "resolve the symbolic link"),
        })?;
        match name.files.into_iter().next() {
            Some(file) => Ok(file.filename),
            None => Err(Error::Internal(format!(
                "the SFTP server resolved '{path}' to no path at all"
            ))),
        }
    }

    /// Creates the temporary file `path` beside `destination`, failing if the name exists, and
    /// returns its handle.
    pub async fn create_temporary(&self, path: &str, destination: &RemotePath) -> Result<String> {
        let attrs = FileAttributes {
            permissions: Some(TEMPORARY_MODE),
            ..FileAttributes::empty()
        };
        let flags = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUDE;
        match self.sftp.open(path, flags, attrs).await {
            Ok(handle) => Ok(handle.handle),
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => {
                Err(self.explain_missing_folder(destination).await)
            }
            Err(err) => Err(self.failure(
                err,
                "remotePath",
                &destination.full,
                &format!("create a file in the folder '{}'", destination.folder),
            )),
        }
    }

    /// Explains why creating a file beside `destination` reported "no such file". sftp-server
    /// reports ENOENT and ENOTDIR alike, and file systems such as /proc report ENOENT for new
    /// files in folders that exist, so the folder is looked up to tell these apart.
    async fn explain_missing_folder(&self, destination: &RemotePath) -> Error {
        let folder = &destination.folder;
        let reason = match self.sftp.stat(folder.as_str()).await {
            Ok(attrs) if attrs.attrs.file_type() == FileType::Dir => format!(
                "the folder '{folder}' on {} does not allow new files (its file system reports no such \
                 file, as /proc does); choose another folder",
                self.address
            ),
            Ok(_) => format!(
                "'{folder}' is not a folder on {}; choose a path in an existing folder",
                self.address
            ),
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => format!(
                "the folder '{folder}' does not exist on {}; create it first or choose another path",
                self.address
            ),
            Err(err) => {
                return self.failure(
                    err,
                    "remotePath",
                    &destination.full,
                    &format!("look up the folder '{folder}'"),
                )
            }
        };
        Error::invalid("remotePath", &destination.full, reason)
    }

    /// Opens the regular file `path` for reading and returns its handle and attributes.
    pub async fn open_source(&self, path: &RemotePath) -> Result<(String, FileAttributes)> {
        let attrs = match self.sftp.stat(&path.full).await {
            Ok(attrs) => attrs.attrs,
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => {
                return Err(Error::invalid(
                    "remotePath",
                    &path.full,
                    format!("no such file on {}; check the path", self.address),
                ));
            }
            Err(err) => return Err(self.failure(err, "remotePath", &path.full, "look up the file")),
        };
        match attrs.file_type() {
            FileType::File => {}
            FileType::Dir => {
                return Err(Error::invalid(
                    "remotePath",
                    &path.full,
                    format!("the path is a folder on {}; give the path of a file", self.address),
                ));
            }
            _ => {
                return Err(Error::invalid(
                    "remotePath",
                    &path.full,
                    format!(
                        "the path is not a regular file on {} (it is a device, socket or FIFO); give the \
                         path of a regular file",
                        self.address
                    ),
                ));
            }
        }
        let handle = self
            .sftp
            .open(&path.full, OpenFlags::READ, FileAttributes::empty())
            .await
            .map_err(|err| self.failure(err, "remotePath", &path.full, "open the file for reading"))?;
        Ok((handle.handle, attrs))
    }

    /// Writes `data` at `offset` and returns its length once the server has acknowledged it.
    pub async fn write(&self, handle: &str, offset: u64, data: Vec<u8>, path: &RemotePath) -> Result<u64> {
        let len = data.len() as u64;
        self.sftp.write(handle, offset, data).await.map_err(|err| {
            self.failure(
                err,
                "remotePath",
                &path.full,
                "write the file (check free space and quotas)",
            )
        })?;
        Ok(len)
    }

    /// Reads up to `len` bytes at `offset`. Returns `None` at the end of the file.
    pub async fn read(&self, handle: &str, offset: u64, len: u32, path: &RemotePath) -> Result<Option<Vec<u8>>> {
        match self.sftp.read(handle, offset, len).await {
            Ok(data) if data.data.is_empty() => Ok(None),
            Ok(data) => Ok(Some(data.data)),
            Err(SftpError::Status(status)) if status.status_code == StatusCode::Eof => Ok(None),
            Err(err) => Err(self.failure(err, "remotePath", &path.full, "read the file")),
        }
    }

    /// Sets the permission bits of an open file. A failure is logged and ignored, because the
    /// file's contents are complete.
    pub async fn set_mode(&self, handle: &str, mode: u32, path: &RemotePath) {
        let attrs = FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        if let Err(err) = self.sftp.fsetstat(handle, attrs).await {
            tracing::warn!(path = %path.full, mode = format_args!("{mode:o}"), error = %err, "setting the uploaded file's mode failed");
        }
    }

    /// Asks the server to flush the file to its disk, when it supports `fsync@openssh.com`.
    pub async fn sync(&self, handle: &str, path: &RemotePath) -> Result<()> {
        if !self.fsync {
            return Ok(());
        }
        self.sftp
            .fsync(handle)
            .await
            .map(|_| ())
            .map_err(|err| self.failure(err, "remotePath", &path.full, "flush the file to disk"))
    }

    /// Closes a handle. Closing the handle of a written file reports late write errors, such
    /// as a full disk on a server that writes lazily.
    pub async fn close(&self, handle: &str, path: &RemotePath) -> Result<()> {
        self.sftp
            .close(handle)
            .await
            .map(|_| ())
            .map_err(|err| self.failure(err, "remotePath", &path.full, "close the file"))
    }

    /// Closes a handle on a path that is already failing, logging a failure instead of
    /// returning it, so the first error is the one reported.
    pub async fn close_quietly(&self, handle: &str) {
        if let Err(err) = self.sftp.close(handle).await {
            tracing::debug!(error = %err, "closing an SFTP handle failed");
        }
    }

    /// Renames `from` to `to`, replacing `to` if it exists.
    pub async fn rename_over(&self, from: &str, to: &RemotePath, replacing: bool) -> Result<()> {
        let action = format!("rename the finished file into place in '{}'", to.folder);
        if self.posix_rename {
            let reply = self
                .sftp
                .extended(POSIX_RENAME, encode_strings(&[from, &to.full]))
                .await
                .map_err(|err| self.failure(err, "remotePath", &to.full, &action))?;
            return match reply {
                Packet::Status(status) if status.status_code == StatusCode::Ok => Ok(()),
                Packet::Status(status) => Err(self.failure(SftpError::Status(status), "remotePath", &to.full, &action)),
                other => Err(Error::Internal(format!(
                    "the SFTP server returned an unexpected packet for {POSIX_RENAME}: {other:?}"
                ))),
            };
        }

        // NOTE: without posix-rename the old file is removed first, so for a moment neither
        // the old nor the new contents are under the name. OpenSSH's sftp-server offers
        // posix-rename (9.2 in the lab does), so only other servers take this untested path.
        if replacing {
            if let Err(err) = self.sftp.remove(&to.full).await {
                return Err(self.failure(err, "remotePath", &to.full, "replace the existing file"));
            }
        }
        self.sftp
            .rename(from, &to.full)
            .await
            .map(|_| ())
            .map_err(|err| self.failure(err, "remotePath", &to.full, &action))
    }

    /// Returns the modification time of an open file in seconds since 1970, by the host's
    /// clock, or `None` when the server does not report it.
    pub async fn modified(&self, handle: &str) -> std::result::Result<Option<u32>, SftpError> {
        Ok(self.sftp.fstat(handle).await?.attrs.mtime)
    }

    /// Lists up to `max` entries of `folder` (`.` and `..` included) with the attributes the
    /// server sends for each, which OpenSSH's sftp-server takes from `lstat`.
    pub async fn list_folder(
        &self,
        folder: &str,
        max: usize,
    ) -> std::result::Result<Vec<(String, FileAttributes)>, SftpError> {
        let handle = self.sftp.opendir(folder).await?.handle;
        let mut entries = Vec::new();
        let listed = loop {
            if entries.len() >= max {
                break Ok(());
            }
            match self.sftp.readdir(handle.as_str()).await {
                Ok(name) => entries.extend(name.files.into_iter().map(|file| (file.filename, file.attrs))),
                Err(SftpError::Status(status)) if status.status_code == StatusCode::Eof => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        self.close_quietly(&handle).await;
        listed.map(|()| entries)
    }

    /// Removes the file `path`.
    pub async fn remove(&self, path: &str) -> std::result::Result<(), SftpError> {
        self.sftp.remove(path).await.map(|_| ())
    }

    /// Returns a guard that removes the temporary file `path` unless it is kept.
    pub fn temporary(&self, path: String) -> RemoteTemporary {
        RemoteTemporary {
            sftp: Arc::clone(&self.sftp),
            path,
            armed: true,
        }
    }

    /// Explains a failed SFTP request on `path`: a status from the server becomes an
    /// `InvalidInput` on `field`, and anything else means the channel or connection failed.
    fn failure(&self, err: SftpError, field: &'static str, path: &str, action: &str) -> Error {
        match err {
            SftpError::Status(status) => {
                let reason = match status.status_code {
                    StatusCode::PermissionDenied => format!(
                        "permission denied: user '{}' may not {action} on {}; choose another path or change \
                         the permissions on the host",
                        self.user, self.address
                    ),
                    StatusCode::NoSuchFile => {
                        format!("no such file or folder on {} (trying to {action})", self.address)
                    }
                    code => format!(
                        "the SFTP server on {} could not {action}: {} ({code})",
                        self.address, status.error_message
                    ),
                };
                Error::invalid(field, path, reason)
            }
            SftpError::Timeout => self.unreachable(format!(
                "an SFTP request timed out after {REQUEST_TIMEOUT_SECS} s (trying to {action})"
            )),
            other => self.unreachable(format!("the SFTP channel failed (trying to {action}): {other}")),
        }
    }

    fn unreachable(&self, detail: String) -> Error {
        Error::HostUnreachable {
            host: self.address.clone(),
            port: self.port,
            detail,
        }
    }
}

/// Classifies `lstat` attributes. A server that sends no permissions sends no file type
/// either, and such an entry is taken for a regular file.
fn classify(attrs: &FileAttributes) -> RemoteEntry {
    let Some(permissions) = attrs.permissions else {
        return RemoteEntry::File { mode: None };
    };
    match attrs.file_type() {
        FileType::File => RemoteEntry::File {
            mode: Some(permissions & 0o777),
        },
        FileType::Symlink => RemoteEntry::Symlink,
        FileType::Dir => RemoteEntry::Folder,
        FileType::Other => RemoteEntry::Other,
    }
}

/// Encodes strings as SSH wire strings: a big-endian u32 length, then the bytes.
fn encode_strings(values: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

/// A temporary file on the host, removed when dropped unless [`RemoteTemporary::keep`] ran.
pub(crate) struct RemoteTemporary {
    sftp: Arc<RawSftpSession>,
    path: String,
    armed: bool,
}

impl RemoteTemporary {
    /// Keeps the file: it has been renamed into place.
    pub fn keep(mut self) {
        self.armed = false;
    }

    /// Removes the file now and waits for the server's reply.
    pub async fn remove(mut self) {
        self.armed = false;
        match self.sftp.remove(self.path.as_str()).await {
            Ok(_) => tracing::debug!(path = %self.path, "removed the temporary file"),
            // The transfer failed before the server created the file.
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => {}
            Err(err) => tracing::warn!(path = %self.path, error = %err, "removing the temporary file failed"),
        }
    }
}

impl Drop for RemoteTemporary {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // The transfer's future was dropped mid-way, so the removal runs on its own task. The
        // task keeps the SFTP session alive until the server replies.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(path = %self.path, "no runtime to remove the temporary file; it stays on the host");
            return;
        };
        let sftp = Arc::clone(&self.sftp);
        let path = std::mem::take(&mut self.path);
        runtime.spawn(async move {
            if let Err(err) = sftp.remove(path.as_str()).await {
                tracing::warn!(path = %path, error = %err, "removing the temporary file failed");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_are_length_prefixed() {
        assert_eq!(
            encode_strings(&["/a", "/bc"]),
            vec![0, 0, 0, 2, b'/', b'a', 0, 0, 0, 3, b'/', b'b', b'c']
        );
    }

    #[test]
    fn lstat_attributes_are_classified() {
        let with_mode = |mode| FileAttributes {
            permissions: Some(mode),
            ..FileAttributes::empty()
        };
        assert!(matches!(
            classify(&with_mode(0o100_640)),
            RemoteEntry::File { mode: Some(0o640) }
        ));
        assert!(
            matches!(classify(&with_mode(0o104_755)), RemoteEntry::File { mode: Some(0o755) }),
            "setuid is dropped"
        );
        assert!(matches!(classify(&with_mode(0o040_755)), RemoteEntry::Folder));
        assert!(matches!(classify(&with_mode(0o120_777)), RemoteEntry::Symlink));
        assert!(
            matches!(classify(&with_mode(0o140_755)), RemoteEntry::Other),
            "a socket"
        );
        assert!(matches!(classify(&with_mode(0o010_644)), RemoteEntry::Other), "a FIFO");
        assert!(matches!(
            classify(&FileAttributes::empty()),
            RemoteEntry::File { mode: None }
        ));
    }
}
