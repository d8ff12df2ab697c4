//! File transfer against the real test lab (`tests/lab/lab.sh up`): uploads and downloads over
//! SFTP to the key-only sshd, directly and through the bastion.
//!
//! Like `lab.rs`, every test skips when `HOMEPORT_LAB_ENV` is unset and panics when it names an
//! unreadable file. The lab's sshd hosts run on this machine and share its file system (the
//! bastion's only in another network namespace), so the tests read and write the "remote" files
//! directly. They run as root, because the lab needs root, and create their folders under
//! `/tmp/hp-sftp-*` with mode 0777 so the lab user can write there. Key hosts need no keychain
//! entry, so these tests do not touch the Secret Service.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::Lab;
use homeport_api::{Api, AuthMethod, HostInput, HostView, IpcError, Sink, TransferEvent};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use tempfile::TempDir;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::Instant;

/// How long one transfer may take from start to its last event.
const TRANSFER_DEADLINE: Duration = Duration::from_secs(120);

const MIB: u64 = 1024 * 1024;

async fn open_api(dir: &Path) -> Api {
    Api::open(AppPaths::portable(dir.to_path_buf()))
        .await
        .unwrap_or_else(|err| panic!("Api::open('{}') failed: {err}", dir.display()))
}

/// Builds the input for a key-file host reached as `address:port`.
fn key_input(lab: &Lab, name: &str, address: &str, port: u16, jump_host: Option<&str>) -> HostInput {
    HostInput {
        name: name.to_string(),
        address: address.to_string(),
        port: u32::from(port),
        user: lab.var("LAB_SSH_KEY_USER"),
        auth: AuthMethod::Key,
        key_path: Some(lab.var("LAB_SSH_CLIENT_KEY")),
        docker_socket: Some(lab.var("LAB_DOCKER_SOCK")),
        secret: None,
        jump_host: jump_host.map(str::to_string),
        group: None,
        tags: Vec::new(),
    }
}

/// Adds a host reachable from this machine, trusting the key `ssh-keyscan` fetches from it.
async fn add_scanned_host(api: &Api, lab: &Lab, name: &str, address: &str, port: u16) -> HostView {
    let fingerprint = common::keyscan_fingerprint(address, port);
    api.host_add(key_input(lab, name, address, port, None), Some(fingerprint))
        .await
        .unwrap_or_else(|err| panic!("host_add '{name}' at {address}:{port} failed: {err}"))
}

/// Adds the lab's key-only sshd host.
async fn add_key_host(api: &Api, lab: &Lab) -> HostView {
    let name = common::unique_name("sftp");
    add_scanned_host(
        api,
        lab,
        &name,
        &lab.var("LAB_SSH_KEY_HOST"),
        lab.port("LAB_SSH_KEY_PORT"),
    )
    .await
}

/// A folder for "remote" files, removed with its contents when dropped.
struct RemoteDir {
    path: PathBuf,
}

impl RemoteDir {
    fn create() -> Self {
        let path = PathBuf::from("/tmp").join(common::unique_name("hp-sftp"));
        std::fs::create_dir(&path).unwrap_or_else(|err| panic!("cannot create '{}': {err}", path.display()));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))
            .unwrap_or_else(|err| panic!("cannot chmod '{}': {err}", path.display()));
        Self { path }
    }

    /// Returns the path of `name` in this folder, as the host names it.
    fn remote(&self, name: &str) -> String {
        self.path.join(name).display().to_string()
    }

    fn local(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for RemoteDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Returns the sorted names in `dir`, hidden ones included.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot list '{}': {err}", dir.display()))
        .map(|entry| {
            entry
                .expect("folder entry is readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Writes `len` random bytes to `path` with permissions `mode`.
fn write_random_file(path: &Path, len: u64, mode: u32) {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(len as usize);
    std::fs::File::open("/dev/urandom")
        .and_then(|random| random.take(len).read_to_end(&mut bytes))
        .unwrap_or_else(|err| panic!("cannot read /dev/urandom: {err}"));
    std::fs::write(path, &bytes).unwrap_or_else(|err| panic!("cannot write '{}': {err}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|err| panic!("cannot chmod '{}': {err}", path.display()));
}

/// Returns the SHA-256 of a file as `sha256sum` prints it.
fn sha256(path: &Path) -> String {
    let output = common::run_checked(Command::new("sha256sum").arg(path));
    let text = String::from_utf8_lossy(&output.stdout);
    match text.split_whitespace().next() {
        Some(digest) => digest.to_string(),
        None => panic!("sha256sum printed nothing for '{}'", path.display()),
    }
}

fn mode_of(path: &Path) -> u32 {
    let metadata = std::fs::metadata(path).unwrap_or_else(|err| panic!("cannot stat '{}': {err}", path.display()));
    metadata.permissions().mode() & 0o7777
}

fn channel_sink() -> (Sink<TransferEvent>, UnboundedReceiver<TransferEvent>) {
    let (sender, receiver) = unbounded_channel();
    (Box::new(move |event| sender.send(event).is_ok()), receiver)
}

/// Everything a transfer reported.
#[derive(Debug)]
struct Outcome {
    /// `(done, total)` of each progress event, in order.
    progress: Vec<(u64, u64)>,
    /// The `done` or `error` event.
    last: TransferEvent,
}

impl Outcome {
    /// Returns the byte count and time of a successful transfer, panicking otherwise.
    fn done(&self, step: &str) -> (u64, u64) {
        match &self.last {
            TransferEvent::Done { bytes, millis } => (*bytes, *millis),
            other => panic!("{step}: expected done, got {other:?}"),
        }
    }

    /// Returns the error of a failed transfer, panicking otherwise.
    fn error(&self, step: &str) -> &IpcError {
        match &self.last {
            TransferEvent::Error { error } => error,
            other => panic!("{step}: expected an error, got {other:?}"),
        }
    }

    /// Checks that progress never goes back and ends at `size` of `size`.
    fn assert_progress_reaches(&self, size: u64, step: &str) {
        assert!(!self.progress.is_empty(), "{step}: no progress event");
        for pair in self.progress.windows(2) {
            assert!(
                pair[0].0 <= pair[1].0,
                "{step}: progress went back: {:?}",
                self.progress
            );
        }
        for (done, total) in &self.progress {
            assert!(done <= total, "{step}: done exceeds total: {:?}", self.progress);
        }
        assert_eq!(self.progress.last(), Some(&(size, size)), "{step}: last progress event");
    }
}

/// Receives events until the `done` or `error` event.
async fn wait_for_end(receiver: &mut UnboundedReceiver<TransferEvent>, step: &str) -> Outcome {
    let deadline = Instant::now() + TRANSFER_DEADLINE;
    let mut progress = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, receiver.recv()).await {
            Err(_) => panic!("{step}: no done or error event within {TRANSFER_DEADLINE:?}; progress: {progress:?}"),
            Ok(None) => panic!("{step}: the event stream ended without a done or error event"),
            Ok(Some(TransferEvent::Progress { done, total })) => progress.push((done, total)),
            Ok(Some(last)) => return Outcome { progress, last },
        }
    }
}

async fn upload(api: &Api, host_id: &str, local: &Path, remote: &str) -> Outcome {
    let (sink, mut receiver) = channel_sink();
    let step = format!("upload '{}' to '{remote}'", local.display());
    api.file_upload(host_id, &local.display().to_string(), remote, sink)
        .await
        .unwrap_or_else(|err| panic!("{step}: file_upload failed: {err}"));
    wait_for_end(&mut receiver, &step).await
}

async fn download(api: &Api, host_id: &str, remote: &str, local: &Path) -> Outcome {
    let (sink, mut receiver) = channel_sink();
    let step = format!("download '{remote}' to '{}'", local.display());
    api.file_download(host_id, remote, &local.display().to_string(), sink)
        .await
        .unwrap_or_else(|err| panic!("{step}: file_download failed: {err}"));
    wait_for_end(&mut receiver, &step).await
}

fn print_rate(label: &str, bytes: u64, millis: u64) {
    let seconds = millis.max(1) as f64 / 1000.0;
    println!(
        "{label}: {bytes} bytes in {millis} ms, {:.1} MiB/s",
        bytes as f64 / MIB as f64 / seconds
    );
}

/// Returns whether `name` is a temporary file of a transfer to `destination_name`.
fn is_temporary_of(name: &str, destination_name: &str) -> bool {
    name.starts_with(&format!(".{destination_name}.")) && name.ends_with(".homeport-part")
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn upload_and_download_round_trip() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().expect("temp dir");
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let remote_dir = RemoteDir::create();
    let local_dir = TempDir::new().expect("temp dir");

    let size = 5 * MIB;
    let source = local_dir.path().join("file.bin");
    write_random_file(&source, size, 0o640);
    let remote = remote_dir.remote("file.bin");

    let uploaded = upload(&api, &host.id, &source, &remote).await;
    let (bytes, millis) = uploaded.done("upload");
    print_rate("upload of 5 MiB", bytes, millis);
    assert_eq!(bytes, size, "upload byte count");
    uploaded.assert_progress_reaches(size, "upload");
    let remote_file = remote_dir.local("file.bin");
    assert_eq!(sha256(&remote_file), sha256(&source), "the uploaded file's SHA-256");
    assert_eq!(mode_of(&remote_file), 0o640, "a new file gets the local file's mode");
    assert_eq!(
        names_in(&remote_dir.path),
        vec!["file.bin"],
        "no temporary file is left"
    );

    let copy = local_dir.path().join("copy.bin");
    let downloaded = download(&api, &host.id, &remote, &copy).await;
    let (bytes, millis) = downloaded.done("download");
    print_rate("download of 5 MiB", bytes, millis);
    assert_eq!(bytes, size, "download byte count");
    downloaded.assert_progress_reaches(size, "download");
    assert_eq!(sha256(&copy), sha256(&source), "the downloaded file's SHA-256");
    assert_eq!(mode_of(&copy), 0o640, "a new local file gets the remote file's mode");
    assert_eq!(
        names_in(local_dir.path()),
        vec!["copy.bin", "file.bin"],
        "no local temporary file is left"
    );
}

#[tokio::test]
async fn upload_replaces_file_and_keeps_mode() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().expect("temp dir");
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let remote_dir = RemoteDir::create();
    let local_dir = TempDir::new().expect("temp dir");

    let existing = remote_dir.local("app.conf");
    std::fs::write(&existing, b"old contents, longer than the new ones\n").expect("write the old file");
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o666)).expect("chmod the old file");
    let link = remote_dir.local("current.conf");
    std::os::unix::fs::symlink(&existing, &link).expect("link to the old file");

    let source = local_dir.path().join("app.conf");
    std::fs::write(&source, b"new\n").expect("write the new file");
    std::fs::set_permissions(&source, std::fs::Permissions::from_mode(0o600)).expect("chmod the new file");

    let outcome = upload(&api, &host.id, &source, &remote_dir.remote("current.conf")).await;
    assert_eq!(outcome.done("upload through a link").0, 4);
    assert_eq!(std::fs::read(&existing).expect("read the replaced file"), b"new\n");
    assert_eq!(mode_of(&existing), 0o666, "a replaced file keeps its mode");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("the link")
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert_eq!(names_in(&remote_dir.path), vec!["app.conf", "current.conf"]);
}

#[tokio::test]
async fn empty_file_round_trip() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().expect("temp dir");
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let remote_dir = RemoteDir::create();
    let local_dir = TempDir::new().expect("temp dir");

    let source = local_dir.path().join("empty");
    write_random_file(&source, 0, 0o644);
    let uploaded = upload(&api, &host.id, &source, &remote_dir.remote("empty")).await;
    assert_eq!(uploaded.done("upload of an empty file").0, 0);
    assert_eq!(uploaded.progress, vec![(0, 0)], "one final progress event");
    assert_eq!(
        std::fs::metadata(remote_dir.local("empty"))
            .expect("the empty file")
            .len(),
        0
    );

    let copy = local_dir.path().join("copy");
    let downloaded = download(&api, &host.id, &remote_dir.remote("empty"), &copy).await;
    assert_eq!(downloaded.done("download of an empty file").0, 0);
    assert_eq!(std::fs::metadata(&copy).expect("the downloaded empty file").len(), 0);
}

#[tokio::test]
async fn cancelled_transfers_leave_no_file() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().expect("temp dir");
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let remote_dir = RemoteDir::create();
    let local_dir = TempDir::new().expect("temp dir");

    let size = 64 * MIB;
    let source = local_dir.path().join("big.bin");
    write_random_file(&source, size, 0o644);

    // Upload, cancelled at the first progress event.
    let (sink, mut receiver) = channel_sink();
    let id = api
        .file_upload(
            &host.id,
            &source.display().to_string(),
            &remote_dir.remote("big.bin"),
            sink,
        )
        .await
        .expect("file_upload starts");
    let deadline = Instant::now() + TRANSFER_DEADLINE;
    match tokio::time::timeout_at(deadline, receiver.recv()).await {
        Ok(Some(TransferEvent::Progress { done, total })) => {
            assert!(done < total, "the upload is still running at its first progress event");
        }
        other => panic!("expected a progress event first, got {other:?}"),
    }
    let names = names_in(&remote_dir.path);
    assert!(
        names.len() == 1 && is_temporary_of(&names[0], "big.bin"),
        "during the upload only a temporary file exists: {names:?}"
    );
    api.subscription_cancel(id);
    let outcome = wait_for_end(&mut receiver, "cancelled upload").await;
    assert_eq!(outcome.error("cancelled upload").code, ErrorCode::Cancelled);
    assert!(
        names_in(&remote_dir.path).is_empty(),
        "a cancelled upload leaves nothing"
    );

    // Download, cancelled at the first progress event.
    let remote_source = remote_dir.local("big.bin");
    write_random_file(&remote_source, size, 0o644);
    let copy = local_dir.path().join("copy.bin");
    let (sink, mut receiver) = channel_sink();
    let id = api
        .file_download(
            &host.id,
            &remote_dir.remote("big.bin"),
            &copy.display().to_string(),
            sink,
        )
        .await
        .expect("file_download starts");
    match tokio::time::timeout_at(deadline, receiver.recv()).await {
        Ok(Some(TransferEvent::Progress { done, total })) => {
            assert!(
                done < total,
                "the download is still running at its first progress event"
            );
        }
        other => panic!("expected a progress event first, got {other:?}"),
    }
    let names = names_in(local_dir.path());
    assert!(
        names.len() == 2 && names.iter().any(|name| is_temporary_of(name, "copy.bin")),
        "during the download a temporary file exists beside the source: {names:?}"
    );
    api.subscription_cancel(id);
    let outcome = wait_for_end(&mut receiver, "cancelled download").await;
    assert_eq!(outcome.error("cancelled download").code, ErrorCode::Cancelled);
    assert_eq!(
        names_in(local_dir.path()),
        vec!["big.bin"],
        "a cancelled download leaves nothing"
    );
}

#[tokio::test]
async fn bad_destinations_are_explained() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().expect("temp dir");
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let local_dir = TempDir::new().expect("temp dir");
    let source = local_dir.path().join("small.bin");
    write_random_file(&source, 1000, 0o644);

    // The folder is missing on the host: the transfer starts, then fails.
    let outcome = upload(&api, &host.id, &source, "/proc/hp-nope/x").await;
    let err = outcome.error("upload into a missing folder");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert_eq!(err.params.get("field").map(String::as_str), Some("remotePath"));
    assert!(
        err.message.contains("'/proc/hp-nope' does not exist"),
        "the error names the missing folder: {}",
        err.message
    );

    // procfs reports "no such file" for new files in a folder that exists.
    let outcome = upload(&api, &host.id, &source, "/proc/x").await;
    let err = outcome.error("upload into /proc");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(err.message.contains("does not allow new files"), "{}", err.message);

    // A folder the lab user may not write to.
    let remote_dir = RemoteDir::create();
    let locked = remote_dir.local("locked");
    std::fs::create_dir(&locked).expect("create the locked folder");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod the locked folder");
    let outcome = upload(&api, &host.id, &source, &remote_dir.remote("locked/x")).await;
    let err = outcome.error("upload into a read-only folder");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(err.message.contains("permission denied"), "{}", err.message);
    assert!(
        err.message.contains(&lab.var("LAB_SSH_KEY_USER")),
        "the error names the user: {}",
        err.message
    );

    // A folder is not a file name.
    let outcome = upload(&api, &host.id, &source, "/tmp").await;
    let err = outcome.error("upload onto a folder");
    assert!(err.message.contains("is a folder"), "{}", err.message);

    // A relative path is rejected before connecting.
    let (sink, _receiver) = channel_sink();
    let err = api
        .file_upload(&host.id, &source.display().to_string(), "tmp/x", sink)
        .await
        .expect_err("a relative remote path");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.params.get("field").map(String::as_str), Some("remotePath"));

    // A missing local source is rejected before connecting.
    let (sink, _receiver) = channel_sink();
    let missing = local_dir.path().join("missing.bin");
    let err = api
        .file_upload(&host.id, &missing.display().to_string(), "/tmp/x", sink)
        .await
        .expect_err("a missing local file");
    assert_eq!(err.params.get("field").map(String::as_str), Some("localPath"));

    // A missing local folder is rejected before connecting.
    let (sink, _receiver) = channel_sink();
    let err = api
        .file_download(&host.id, "/etc/hostname", "/proc/hp-nope/x", sink)
        .await
        .expect_err("a download into a missing local folder");
    assert_eq!(err.params.get("field").map(String::as_str), Some("localPath"));
    assert!(
        err.message.contains("'/proc/hp-nope' does not exist"),
        "{}",
        err.message
    );

    // A missing remote file fails the transfer.
    let outcome = download(&api, &host.id, "/tmp/hp-sftp-no-such-file", &local_dir.path().join("x")).await;
    let err = outcome.error("download of a missing file");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(err.message.contains("no such file"), "{}", err.message);

    // A folder is not a file.
    let outcome = download(&api, &host.id, "/tmp", &local_dir.path().join("x")).await;
    assert!(
        outcome.error("download of a folder").message.contains("is a folder"),
        "{:?}",
        outcome.last
    );
    assert_eq!(
        names_in(local_dir.path()),
        vec!["small.bin"],
        "failed downloads leave nothing"
    );
}

#[tokio::test]
async fn transfer_through_jump_host() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().expect("temp dir");
    let api = open_api(data.path()).await;
    let remote_dir = RemoteDir::create();
    let local_dir = TempDir::new().expect("temp dir");

    let bastion_name = common::unique_name("sftp-bastion");
    let bastion = add_scanned_host(
        &api,
        &lab,
        &bastion_name,
        &lab.var("LAB_SSH_JUMP_HOST"),
        lab.port("LAB_SSH_JUMP_PORT"),
    )
    .await;
    // The inner host listens inside the bastion's network namespace, where ssh-keyscan cannot
    // reach, so its key is trusted as the UI does: from the fingerprint the first attempt reports.
    let inner_input = key_input(
        &lab,
        &common::unique_name("sftp-inner"),
        &lab.var("LAB_SSH_INNER_HOST"),
        lab.port("LAB_SSH_INNER_PORT"),
        Some(&bastion_name),
    );
    let unknown = api
        .host_add(inner_input.clone(), None)
        .await
        .expect_err("the inner host's key is not trusted yet");
    assert_eq!(unknown.code, ErrorCode::HostKeyUnknown, "{unknown}");
    let fingerprint = unknown.params.get("fingerprint").cloned().expect("fingerprint param");
    let inner = api
        .host_add(inner_input, Some(fingerprint))
        .await
        .expect("add the inner host with its reported key");
    assert_eq!(inner.jump_host_id.as_deref(), Some(bastion.id.as_str()));

    let size = 5 * MIB;
    let source = local_dir.path().join("file.bin");
    write_random_file(&source, size, 0o644);
    let remote = remote_dir.remote("file.bin");

    let uploaded = upload(&api, &inner.id, &source, &remote).await;
    let (bytes, millis) = uploaded.done("upload through the bastion");
    print_rate("upload of 5 MiB through the bastion", bytes, millis);
    uploaded.assert_progress_reaches(size, "upload through the bastion");
    assert_eq!(sha256(&remote_dir.local("file.bin")), sha256(&source));

    let copy = local_dir.path().join("copy.bin");
    let downloaded = download(&api, &inner.id, &remote, &copy).await;
    let (bytes, millis) = downloaded.done("download through the bastion");
    print_rate("download of 5 MiB through the bastion", bytes, millis);
    downloaded.assert_progress_reaches(size, "download through the bastion");
    assert_eq!(sha256(&copy), sha256(&source));

    api.host_remove(&inner.id).await.expect("remove the inner host");
    api.host_remove(&bastion.id).await.expect("remove the bastion");
}
