//! Secrets (SSH passwords and key passphrases) and the OS keychain that stores them.
//!
//! A [`Secret`] never prints its value: `Debug` and `Display` show `[redacted]`, it has no
//! `Serialize`, and its memory is zeroed on drop. The keychain is the only place a secret is
//! written: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The keychain service name every Homeport entry uses.
const SERVICE: &str = "homeport";

/// A password, passphrase or token whose value must not reach logs, the database or IPC.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// Returns the value for the single place that must send it (an SSH auth request).
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The keychain entry names a secret belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    /// The entry holding a host's password or key passphrase.
    pub fn host_credential(host_id: &str) -> Self {
        Self(format!("host/{host_id}/credential"))
    }

    /// The entry holding a generated password of a stack deployed from a template, so a
    /// redeploy keeps the password the running services were set up with.
    pub fn stack_secret(host_id: &str, stack: &str, parameter: &str) -> Self {
        Self(format!("stack/{host_id}/{stack}/{parameter}"))
    }

    /// The entry containing the `.env` text of the stack builder's draft, which may contain
    /// generated passwords and so is kept out of the window's storage. `scope` tells apart
    /// installations with different data folders, such as a portable copy.
    pub fn builder_env(scope: &str) -> Self {
        Self(format!("builder/{scope}/env"))
    }

    /// The entry holding one secret of a notification channel: a token, a webhook URL that
    /// contains a key, a signing secret or an SMTP password. `field` names which.
    pub fn notify_channel(channel_id: &str, field: &str) -> Self {
        Self(format!("notify/{channel_id}/{field}"))
    }

    /// The entry holding one secret of a backup plan: `password` (the restic repository
    /// password, shared by the plan's repositories) or an S3 key of one repository,
    /// `s3-key-id/<repository>` or `s3-secret/<repository>`.
    pub fn backup_plan(plan_id: &str, field: &str) -> Self {
        Self(format!("backup/{plan_id}/{field}"))
    }

    /// Returns the entry name, as shown in the OS keychain's UI.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The OS keychain. All calls block, so async callers run them with `spawn_blocking`.
#[derive(Debug, Clone, Default)]
pub struct Keychain;

impl Keychain {
    /// Stores `secret` under `key`, replacing any previous value.
    pub fn store(&self, key: &SecretKey, secret: &Secret) -> Result<()> {
        entry(key)?.set_password(secret.expose()).map_err(map_keyring_error)
    }

    /// Reads the secret under `key`, or `None` when there is no entry.
    pub fn load(&self, key: &SecretKey) -> Result<Option<Secret>> {
        match entry(key)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    /// Deletes the entry under `key`; a missing entry is not an error.
    pub fn delete(&self, key: &SecretKey) -> Result<()> {
        match entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_keyring_error(err)),
        }
    }
}

fn entry(key: &SecretKey) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, key.as_str()).map_err(map_keyring_error)
}

/// The D-Bus error the Secret Service API returns for an operation on a locked collection.
const SECRET_SERVICE_LOCKED: &str = "org.freedesktop.Secret.Error.IsLocked";

/// Turns keychain failures into the two cases a person can act on: locked or missing.
fn map_keyring_error(err: keyring::Error) -> Error {
    match err {
        keyring::Error::NoStorageAccess(inner) => Error::KeychainLocked {
            detail: inner.to_string(),
        },
        // keyring 3.6 reports only its own "locked" check as NoStorageAccess. When gnome-keyring
        // rejects a write to a locked collection, the D-Bus error arrives as a PlatformFailure.
        keyring::Error::PlatformFailure(inner) if inner.to_string().contains(SECRET_SERVICE_LOCKED) => {
            Error::KeychainLocked {
                detail: inner.to_string(),
            }
        }
        keyring::Error::PlatformFailure(inner) => Error::KeychainUnavailable {
            detail: inner.to_string(),
        },
        other => Error::KeychainUnavailable {
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_and_display_are_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(secret.expose(), "hunter2", "expose returns the real value");
    }

    #[test]
    fn locked_collection_error_maps_to_keychain_locked() {
        // The text keyring 3.6 gives for gnome-keyring's reply to a write into a locked collection.
        let detail = "zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot create an item in a locked collection";
        let err = map_keyring_error(keyring::Error::PlatformFailure(Box::new(std::io::Error::other(detail))));
        assert!(
            matches!(err, Error::KeychainLocked { .. }),
            "IsLocked must map to KeychainLocked, got {err:?}"
        );

        let other = map_keyring_error(keyring::Error::PlatformFailure(Box::new(std::io::Error::other(
            "no bus",
        ))));
        assert!(
            matches!(other, Error::KeychainUnavailable { .. }),
            "other failures stay unavailable, got {other:?}"
        );
    }
}
