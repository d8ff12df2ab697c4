//! The write-files stage and bind-source checks, over one SFTP channel of the host's session.

use russh::ChannelMsg;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::client::SftpSession;
use russh_sftp::protocol::{FileAttributes, OpenFlags, StatusCode};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::events::Reporter;
use super::StackFiles;
use crate::error::{Error, Result};
use crate::ssh::SshSession;

/// Opens the `sftp` subsystem on a new channel of `session`.
pub(super) async fn open(session: &SshSession) -> Result<SftpSession> {
    let target = session.target();
    let unreachable = |detail: String| Error::HostUnreachable {
        host: target.address.clone(),
        port: target.port,
        detail,
    };
    let channel = session
        .handle()
        .channel_open_session()
        .await
        .map_err(|err| unreachable(format!("opening an SFTP channel failed: {err}")))?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(|err| unreachable(format!("requesting the SFTP subsystem failed: {err}")))?;
    let mut channel = channel;
    loop {
        match channel.wait().await {
            Some(ChannelMsg::Success) => break,
            Some(ChannelMsg::Failure) | Some(ChannelMsg::Close) | None => {
                return Err(Error::invalid(
                    "host",
                    target.address.clone(),
                    "the SSH server does not offer SFTP, which deploying a stack needs; enable it with a `Subsystem sftp` line in its sshd_config",
                ));
            }
            Some(_) => {}
        }
    }
    SftpSession::new(channel.into_stream())
        .await
        .map_err(|err| unreachable(format!("the SFTP server did not start: {err}")))
}

/// Writes every stack file under `dir`, creating `dir` and the folders of extra files.
pub(super) async fn write_stack_files(
    session: &SshSession,
    dir: &str,
    files: &StackFiles,
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
) -> Result<()> {
    let host = session.target().address.clone();
    let sftp = open(session).await?;
    create_folders(&sftp, dir, &host).await?;

    let mut all: Vec<(&str, &str)> = files
        .compose
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    if let Some(env) = &files.env {
        all.push((".env", env.as_str()));
    }
    all.extend(files.extra.iter().map(|(name, text)| (name.as_str(), text.as_str())));

    for (name, text) in all {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let path = format!("{dir}/{name}");
        if let Some((folder, _)) = path.rsplit_once('/') {
            if folder != dir {
                create_folders(&sftp, folder, &host).await?;
            }
        }
        // `.env` holds passwords, so only its owner may read it: it is created with mode 0600,
        // and an existing one is set to 0600 too, because opening keeps an old file's mode.
        let private = name == ".env";
        let write = async {
            let mut attributes = FileAttributes::empty();
            if private {
                attributes.permissions = Some(0o600);
            }
            let flags = OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE;
            let mut file = sftp
                .open_with_flags_and_attributes(path.clone(), flags, attributes.clone())
                .await?;
            file.write_all(text.as_bytes()).await?;
            file.shutdown().await?;
            if private {
                sftp.set_metadata(path.clone(), attributes).await?;
            }
            Ok::<(), SftpError>(())
        };
        write.await.map_err(|err| sftp_error(&host, &path, "write", err))?;
        reporter.line(None, format!("wrote {path} ({} bytes)", text.len()));
    }
    let _ = sftp.close().await;
    Ok(())
}

/// Creates `dir` and its missing parents, as `mkdir -p` does.
async fn create_folders(sftp: &SftpSession, dir: &str, host: &str) -> Result<()> {
    let mut path = String::new();
    for part in dir.split('/').filter(|part| !part.is_empty()) {
        path.push('/');
        path.push_str(part);
        match sftp.metadata(path.clone()).await {
            Ok(attributes) if attributes.is_dir() => continue,
            Ok(_) => {
                return Err(Error::invalid(
                    "baseDir",
                    path,
                    format!("the path exists on {host} but is not a folder; choose another base folder"),
                ))
            }
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => {}
            Err(err) => return Err(sftp_error(host, &path, "look up", err)),
        }
        sftp.create_dir(path.clone())
            .await
            .map_err(|err| sftp_error(host, &path, "create the folder", err))?;
    }
    Ok(())
}

/// The largest stack file read back from a host: Compose files, `.env` and the Caddyfile are
/// far smaller.
pub(crate) const MAX_TEXT_FILE: u64 = 4 * 1024 * 1024;

/// Reads text files from the host over one SFTP channel; a missing file gives `None`, and a
/// path that is not a regular file of at most [`MAX_TEXT_FILE`] bytes is an error.
pub(crate) async fn read_texts(session: &SshSession, paths: &[String]) -> Result<Vec<Option<String>>> {
    let host = session.target().address.clone();
    let sftp = open(session).await?;
    let mut texts = Vec::new();
    for path in paths {
        // The size is checked first: a path from a container label may name a device such
        // as /dev/zero, or a file far larger than any Compose file.
        let metadata = match sftp.metadata(path.clone()).await {
            Ok(metadata) => metadata,
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => {
                texts.push(None);
                continue;
            }
            Err(err) => return Err(sftp_error(&host, path, "look up", err)),
        };
        let regular = metadata.permissions.is_some_and(|mode| mode & 0o170000 == 0o100000);
        let size = metadata.size.unwrap_or(u64::MAX);
        if !regular || size > MAX_TEXT_FILE {
            return Err(Error::invalid(
                "path",
                path.clone(),
                format!("on {host} this is not a regular file of at most {MAX_TEXT_FILE} bytes, so it is not read as a stack file"),
            ));
        }
        match sftp.read(path.clone()).await {
            Ok(bytes) => texts.push(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => texts.push(None),
            Err(err) => return Err(sftp_error(&host, path, "read", err)),
        }
    }
    let _ = sftp.close().await;
    Ok(texts)
}

/// Returns which of `paths` do not exist on the host.
pub(super) async fn missing_paths(session: &SshSession, paths: &[String]) -> Result<Vec<String>> {
    let host = session.target().address.clone();
    let sftp = open(session).await?;
    let mut missing = Vec::new();
    for path in paths {
        match sftp.metadata(path.clone()).await {
            Ok(_) => {}
            Err(SftpError::Status(status)) if status.status_code == StatusCode::NoSuchFile => {
                missing.push(path.clone())
            }
            Err(err) => return Err(sftp_error(&host, path, "look up", err)),
        }
    }
    let _ = sftp.close().await;
    Ok(missing)
}

fn sftp_error(host: &str, path: &str, action: &str, err: SftpError) -> Error {
    let hint = match &err {
        SftpError::Status(status) if status.status_code == StatusCode::PermissionDenied => {
            "the SSH user may not write there; choose a base folder the user owns, or give the user access"
        }
        _ => "check the path and the SSH user's permissions",
    };
    // The SFTP error's text repeats its status ("Permission denied: Permission denied"), so
    // only the status is shown when there is one.
    let detail = match &err {
        SftpError::Status(status) => format!("{:?}", status.status_code),
        other => other.to_string(),
    };
    Error::invalid(
        "baseDir",
        path,
        format!("cannot {action} {path} on {host} ({detail}); {hint}"),
    )
}
