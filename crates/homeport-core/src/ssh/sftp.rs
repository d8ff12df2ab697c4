//! File transfer over SFTP: [`upload`] and [`download`] one file, with progress reports and
//! cancellation.
//!
//! Each transfer opens its own `sftp` subsystem channel on the session. The data goes to a
//! hidden temporary file beside the destination (`.NAME.TOKEN.homeport-part`), which is flushed
//! to disk and renamed over the destination only when every byte has arrived. So a failed or
//! cancelled transfer never leaves a partial file under the destination's name, and readers see
//! either the old file or the new one. A transfer that was killed cannot remove its temporary
//! file, so the next transfer to the same destination removes it (see `stale`).
//!
//! Requests are pipelined: up to [`MAX_REQUESTS_IN_FLIGHT`] reads or writes of [`CHUNK_LEN`]
//! bytes wait for their replies at once, as in OpenSSH's `sftp` client (its `-R` option), so
//! throughput does not collapse on links with high latency.

mod local;
mod paths;
mod progress;
mod remote;
mod stale;

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesOrdered, FuturesUnordered, StreamExt};
use tokio_util::sync::CancellationToken;

use self::local::{LocalDestination, LocalSource, LocalTemporary};
use self::paths::{random_token, RemotePath};
use self::progress::Reporter;
use self::remote::{RemoteEntry, RemoteFs};
use super::SshSession;
use crate::error::{Error, Result};

pub use self::paths::TEMPORARY_SUFFIX;
pub use self::progress::PROGRESS_INTERVAL;

/// The number of bytes one read or write request carries, lowered to the server's limits when
/// it announces them (`limits@openssh.com`).
pub const CHUNK_LEN: u32 = 64 * 1024;

/// The maximum number of requests waiting for a reply at once, per transfer.
pub const MAX_REQUESTS_IN_FLIGHT: usize = 16;

/// How long one SFTP request may wait for its reply. With every request in flight queued behind
/// the others, a link must move `CHUNK_LEN * MAX_REQUESTS_IN_FLIGHT` bytes (1 MiB) in this time.
const REQUEST_TIMEOUT_SECS: u64 = 60;

/// The mode of an uploaded file when neither the local file nor a replaced file has one (on
/// Windows).
const DEFAULT_UPLOAD_MODE: u32 = 0o644;

/// A progress report: bytes transferred so far and the file's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub done: u64,
    /// The size when the transfer started. It grows if the file grows, and the final report
    /// has `total == done`.
    pub total: u64,
}

/// The outcome of a completed transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferSummary {
    pub bytes: u64,
    pub elapsed: Duration,
}

/// Checks an upload's paths without connecting: `local` must be a regular file, and `remote` an
/// absolute path without NUL that names a file.
pub async fn validate_upload(local: &Path, remote: &str) -> Result<()> {
    RemotePath::parse(remote)?;
    local::check_source(local).await
}

/// Checks a download's paths without connecting: `remote` must be an absolute path without NUL
/// that names a file, and `local` a path in an existing folder that is not a folder itself.
pub async fn validate_download(remote: &str, local: &Path) -> Result<()> {
    RemotePath::parse(remote)?;
    LocalDestination::check(local).await.map(|_| ())
}

/// Copies the local file `local` to the absolute path `remote` on the session's host.
///
/// A file that exists at `remote` is replaced and keeps its permission bits. A new file gets
/// the local file's permission bits. Setuid, setgid and sticky bits are never copied, and the
/// owner is the SSH user. A symbolic link at `remote` is followed, so the file it points to is
/// replaced and the link stays. `progress` receives reports at most every
/// [`PROGRESS_INTERVAL`], and a final one. Cancelling `cancel` stops the transfer and removes the
/// temporary file, and the result is [`Error::Cancelled`]. Once every byte is written, the
/// transfer runs to the end, even if `cancel` fires.
#[tracing::instrument(skip_all, fields(host = %session.target().address, local = %local.display(), remote = %remote))]
pub async fn upload<F>(
    session: &SshSession,
    local: &Path,
    remote: &str,
    progress: F,
    cancel: CancellationToken,
) -> Result<TransferSummary>
where
    F: FnMut(Transfer) + Send,
{
    let started = Instant::now();
    let requested = RemotePath::parse(remote)?;
    let mut source = LocalSource::open(local).await?;
    let fs = until_cancelled(&cancel, RemoteFs::open(session)).await?;
    let destination = until_cancelled(&cancel, upload_destination(&fs, requested, session)).await?;
    let mode = destination.existing_mode.or(source.mode).unwrap_or(DEFAULT_UPLOAD_MODE);

    let temporary_path = destination.path.temporary(&random_token());
    // The guard exists before the file does, so a cancel that lands while the server creates
    // it still removes it.
    let temporary = fs.temporary(temporary_path.clone());
    let mut reporter = Reporter::new(progress, source.len);
    let mut handle = None;
    let sent = until_cancelled(&cancel, async {
        let opened = handle.insert(fs.create_temporary(&temporary_path, &destination.path).await?);
        stale::remove_stale_remote(&fs, opened, &temporary_path, &destination.path).await;
        send_file(&fs, opened, &mut source, local, &destination.path, &mut reporter).await
    })
    .await;

    let committed = match (sent, &handle) {
        (Ok(bytes), Some(handle)) => commit_upload(&fs, handle, &temporary_path, &destination, mode)
            .await
            .map(|()| bytes),
        (Ok(_), None) => Err(Error::Internal("the upload finished without a file handle".into())),
        (Err(err), _) => Err(err),
    };
    match committed {
        Ok(bytes) => {
            temporary.keep();
            reporter.finish(bytes);
            let elapsed = started.elapsed();
            tracing::info!(bytes, millis = elapsed.as_millis() as u64, "upload finished");
            Ok(TransferSummary { bytes, elapsed })
        }
        Err(err) => {
            if let Some(handle) = &handle {
                fs.close_quietly(handle).await;
            }
            temporary.remove().await;
            log_failure("upload", &err);
            Err(err)
        }
    }
}

/// Copies the file at the absolute path `remote` on the session's host to the local path
/// `local`.
///
/// A local file that exists is replaced and keeps its permission bits; a new file gets the
/// remote file's, without setuid, setgid and sticky. A symbolic link at `local` is followed.
/// Progress and cancellation work as in [`upload`].
#[tracing::instrument(skip_all, fields(host = %session.target().address, remote = %remote, local = %local.display()))]
pub async fn download<F>(
    session: &SshSession,
    remote: &str,
    local: &Path,
    progress: F,
    cancel: CancellationToken,
) -> Result<TransferSummary>
where
    F: FnMut(Transfer) + Send,
{
    let started = Instant::now();
    let source = RemotePath::parse(remote)?;
    let destination = LocalDestination::check(local).await?;
    let fs = until_cancelled(&cancel, RemoteFs::open(session)).await?;
    let (handle, attrs) = until_cancelled(&cancel, fs.open_source(&source)).await?;
    let size = attrs.size.unwrap_or(0);

    // A temporary file that is dropped on an error or a cancel removes itself.
    let received = async {
        let mut temporary = LocalTemporary::create(&destination.path).await?;
        stale::remove_stale_local(temporary.path(), &destination.path).await;
        let mut reporter = Reporter::new(progress, size);
        let receiving = receive_file(&fs, &handle, &source, size, &mut temporary, &mut reporter);
        let bytes = until_cancelled(&cancel, receiving).await?;
        Ok::<_, Error>((temporary, reporter, bytes))
    }
    .await;
    fs.close_quietly(&handle).await;

    let mode = destination
        .existing_mode
        .or(attrs.permissions.map(|permissions| permissions & 0o777));
    let committed = match received {
        Ok((temporary, reporter, bytes)) => temporary.commit(mode).await.map(|()| (reporter, bytes)),
        Err(err) => Err(err),
    };
    match committed {
        Ok((mut reporter, bytes)) => {
            reporter.finish(bytes);
            let elapsed = started.elapsed();
            tracing::info!(bytes, millis = elapsed.as_millis() as u64, "download finished");
            Ok(TransferSummary { bytes, elapsed })
        }
        Err(err) => {
            log_failure("download", &err);
            Err(err)
        }
    }
}

/// The destination of an upload.
struct UploadDestination {
    path: RemotePath,
    /// The permission bits of the file being replaced.
    existing_mode: Option<u32>,
    replacing: bool,
}

/// Looks up `requested` on the host: a new file, a regular file to replace, or a symbolic link
/// to one. Folders and special files are rejected.
async fn upload_destination(fs: &RemoteFs, requested: RemotePath, session: &SshSession) -> Result<UploadDestination> {
    let host = &session.target().address;
    let mut path = requested;
    let mut entry = fs.entry(&path.full).await?;
    if matches!(entry, RemoteEntry::Symlink) {
        let resolved = RemotePath::parse(&fs.resolve(&path.full).await?)?;
        entry = fs.entry(&resolved.full).await?;
        path = resolved;
    }

    match entry {
        RemoteEntry::Missing => Ok(UploadDestination {
            path,
            existing_mode: None,
            replacing: false,
        }),
        RemoteEntry::File { mode } => Ok(UploadDestination {
            path,
            existing_mode: mode,
            replacing: true,
        }),
        RemoteEntry::Folder => Err(Error::invalid(
            "remotePath",
            path.full,
            format!("the path is a folder on {host}; add the file name to it"),
        )),
        RemoteEntry::Symlink | RemoteEntry::Other => Err(Error::invalid(
            "remotePath",
            path.full,
            format!("the path is not a regular file on {host} (it is a device, socket or FIFO); choose another path"),
        )),
    }
}

/// Writes the local file to the open remote `handle`, and returns the number of bytes written.
async fn send_file<F: FnMut(Transfer)>(
    fs: &RemoteFs,
    handle: &str,
    source: &mut LocalSource,
    local: &Path,
    destination: &RemotePath,
    reporter: &mut Reporter<F>,
) -> Result<u64> {
    let chunk_len = fs.write_len();
    let mut writes = FuturesUnordered::new();
    let mut offset = 0u64;
    let mut done = 0u64;
    let mut end_of_file = false;
    loop {
        // A request is sent when `writes` first polls it, so a full queue goes out at once.
        while !end_of_file && writes.len() < MAX_REQUESTS_IN_FLIGHT {
            let chunk = source.read_chunk(chunk_len, local).await?;
            if chunk.is_empty() {
                end_of_file = true;
                break;
            }
            let at = offset;
            offset += chunk.len() as u64;
            writes.push(fs.write(handle, at, chunk, destination));
        }
        match writes.next().await {
            Some(written) => {
                done += written?;
                reporter.advance(done);
            }
            None => return Ok(done),
        }
    }
}

/// Sets the uploaded file's mode, flushes and closes it, and renames it over the destination.
async fn commit_upload(
    fs: &RemoteFs,
    handle: &str,
    temporary_path: &str,
    destination: &UploadDestination,
    mode: u32,
) -> Result<()> {
    fs.set_mode(handle, mode, &destination.path).await;
    fs.sync(handle, &destination.path).await?;
    fs.close(handle, &destination.path).await?;
    fs.rename_over(temporary_path, &destination.path, destination.replacing)
        .await
}

/// Reads the remote `handle` to its end into `temporary`, and returns the number of bytes read.
/// `size` is the size the server reported, and reading continues past it if the file grew.
async fn receive_file<F: FnMut(Transfer)>(
    fs: &RemoteFs,
    handle: &str,
    source: &RemotePath,
    size: u64,
    temporary: &mut LocalTemporary,
    reporter: &mut Reporter<F>,
) -> Result<u64> {
    let chunk_len = fs.read_len();
    let mut reads = FuturesOrdered::new();
    let mut next_offset = 0u64;
    let mut done = 0u64;
    loop {
        // Past the reported size only one read is in flight, to find the end of the file.
        while reads.len() < MAX_REQUESTS_IN_FLIGHT && (next_offset < size || reads.is_empty()) {
            reads.push_back(fs.read(handle, next_offset, chunk_len, source));
            next_offset += u64::from(chunk_len);
        }
        // Replies come in request order, so each one continues at `done`.
        let Some(reply) = reads.next().await else {
            return Ok(done);
        };
        let Some(data) = reply? else {
            return Ok(done);
        };
        temporary.write(&data).await?;
        done += data.len() as u64;
        reporter.advance(done);
        if data.len() < chunk_len as usize {
            // A short read: the requests already sent assumed a full one, so they are dropped
            // (their replies are ignored) and reading resumes right after the data received.
            reads = FuturesOrdered::new();
            next_offset = done;
        }
    }
}

/// Runs `work` until it finishes or `cancel` fires, whichever comes first.
async fn until_cancelled<T>(cancel: &CancellationToken, work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::Cancelled),
        result = work => result,
    }
}

fn log_failure(direction: &str, err: &Error) {
    if matches!(err, Error::Cancelled) {
        tracing::info!("{direction} cancelled");
    } else {
        tracing::warn!(error = %err, "{direction} failed");
    }
}
