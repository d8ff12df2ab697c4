//! Host key fingerprints and the trust decision made during the SSH handshake.

use std::sync::{Arc, Mutex};

use russh::keys::ssh_key::{HashAlg, PublicKey};

/// A server key as seen during a handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenKey {
    /// Algorithm name, such as `ssh-ed25519`.
    pub algorithm: String,
    /// `SHA256:` followed by unpadded base64, exactly as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
    /// The public key in OpenSSH's one-line format.
    pub openssh: String,
}

/// Which server keys a connection accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Only the key with this fingerprint, trusted earlier.
    Trusted(String),
    /// No key is trusted yet; accept the key only if it has this fingerprint, which the user
    /// confirmed after seeing it.
    Confirm(String),
    /// No key is trusted and none confirmed: the handshake stops after recording the key.
    Unknown,
}

impl KeyPolicy {
    /// Returns whether a key with `fingerprint` may be used.
    pub fn accepts(&self, fingerprint: &str) -> bool {
        match self {
            KeyPolicy::Trusted(expected) | KeyPolicy::Confirm(expected) => expected == fingerprint,
            KeyPolicy::Unknown => false,
        }
    }
}

/// Computes the SHA256 fingerprint of a public key in OpenSSH's format.
pub fn fingerprint_of(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Records the key a server presented, so a rejected handshake can still report it.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyRecorder(Arc<Mutex<Option<SeenKey>>>);

impl KeyRecorder {
    pub(crate) fn record(&self, key: &PublicKey) -> SeenKey {
        let seen = SeenKey {
            algorithm: key.algorithm().as_str().to_string(),
            fingerprint: fingerprint_of(key),
            openssh: key.to_openssh().unwrap_or_default(),
        };
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(seen.clone());
        seen
    }

    pub(crate) fn seen(&self) -> Option<SeenKey> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throwaway key and the fingerprint `ssh-keygen -lf` (OpenSSH 9.2) printed for it.
    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKdqqqfvnTefTlCK+zusmSuMNNiPzsDY3cnE8S6cYiX8";
    const SSH_KEYGEN_FINGERPRINT: &str = "SHA256:5q/c7q2VLYiKS7gk0zpRJ+lIT2cTKx9w272I7BH0lZg";

    #[test]
    fn fingerprint_matches_ssh_keygen() {
        let key = PublicKey::from_openssh(KEY).unwrap();
        assert_eq!(fingerprint_of(&key), SSH_KEYGEN_FINGERPRINT);
    }

    #[test]
    fn policy_accepts_only_the_expected_key() {
        assert!(KeyPolicy::Trusted("SHA256:a".into()).accepts("SHA256:a"));
        assert!(!KeyPolicy::Trusted("SHA256:a".into()).accepts("SHA256:b"));
        assert!(KeyPolicy::Confirm("SHA256:b".into()).accepts("SHA256:b"));
        assert!(!KeyPolicy::Unknown.accepts("SHA256:a"));
    }
}
