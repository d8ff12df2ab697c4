//! One process writes metrics per data folder. The store keeps open chunks in memory and
//! rewrites them whole, so two writers (the app and a cron `homeport metrics collect`) would
//! overwrite each other's samples. The first process to write takes an exclusive lock on
//! `metrics.lock` and keeps it until it exits; others are refused with a clear error.

use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

use homeport_core::Error;

use crate::ApiResult;

#[derive(Default)]
pub(super) struct WriterLock {
    held: Mutex<Option<File>>,
}

impl WriterLock {
    /// Takes the lock on first use; succeeds at once when this process holds it already.
    pub(super) fn acquire(&self, data_dir: &Path) -> ApiResult<()> {
        let mut held = self.held.lock().expect("writer lock");
        if held.is_some() {
            return Ok(());
        }
        let path = data_dir.join("metrics.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|err| Error::Storage(format!("cannot open {}: {err}", path.display())))?;
        if !try_lock(&file) {
            return Err(Error::Storage(format!(
                "another Homeport process (usually the desktop app, which collects while it runs) is writing metrics in {}; \
                 close it or let it collect, then run this command again",
                data_dir.display()
            ))
            .into());
        }
        *held = Some(file);
        Ok(())
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

// NOTE: other platforms have no lock yet, so two writers there can still lose samples.
#[cfg(not(unix))]
fn try_lock(_file: &File) -> bool {
    true
}
