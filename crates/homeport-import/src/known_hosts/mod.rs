//! OpenSSH `known_hosts` files: which host keys a person already trusts, which keys they
//! revoked, and which certificate authorities they accept.
//!
//! The format is described in sshd(8), section SSH_KNOWN_HOSTS FILE FORMAT. Matching follows
//! OpenSSH 9.2, and the tests compare it with `ssh-keygen -F`:
//!
//! - A connection to port 22 looks up `host`, any other port looks up `[host]:port`, so a line
//!   for port 22 never matches another port unless a wildcard such as `*` covers the brackets.
//! - Host names are lowercased before the lookup, as `ssh` does. Patterns are lowercased too,
//!   but a hashed name stays as it was hashed, so a name hashed with capitals never matches.
//! - A matching `!pattern` rejects the whole line, whatever the order of the patterns.
//!
//! Not supported: `@cert-authority` lines are recognised but certificates are not verified,
//! and `known_hosts` files named by `UserKnownHostsFile` or `GlobalKnownHostsFile` must be
//! passed in by the caller.

mod host_field;
mod key;
mod line;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use host_field::{lookup_name, HostField, NameMatch};
pub use key::KeyError;
use line::{parse_line, ParsedLine};

/// The marker at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Marker {
    /// `@cert-authority`: the key signs host certificates for the matching hosts.
    CertAuthority,
    /// `@revoked`: the key must never be accepted.
    Revoked,
}

/// A public key from one line of a `known_hosts` file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KnownKey {
    /// Key type name stored in the key blob, such as `ssh-ed25519`. A line that names an RSA
    /// key by a signature algorithm (`rsa-sha2-256`) gets `ssh-rsa` here.
    pub algorithm: String,
    pub key_base64: String,
    /// `SHA256:` and the unpadded base64 SHA-256 of the key blob, as `ssh-keygen -l` prints.
    /// For a certificate it is the fingerprint of the certified plain key, as `ssh-keygen -l`
    /// prints it for a certificate.
    pub fingerprint: String,
    pub file: PathBuf,
    /// 1-based line number in `file`.
    pub line: usize,
}

impl KnownKey {
    /// Formats the key as OpenSSH public key text, `ALGORITHM BASE64`, without a comment.
    pub fn openssh_line(&self) -> String {
        format!("{} {}", self.algorithm, self.key_base64)
    }
}

/// One valid line with a key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KnownHostEntry {
    pub marker: Option<Marker>,
    /// The host field as written: a comma-separated pattern list or one hashed name.
    pub hosts: String,
    pub key: KnownKey,
    pub comment: Option<String>,
}

/// Result of [`KnownHosts::lookup`] for one host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Lookup {
    /// No line matches the host, or only `@revoked` lines whose patterns cover it with a
    /// wildcard. The caller must still check a key the server presents with
    /// [`KnownHosts::is_revoked`] before trusting it on first use.
    NotFound,
    /// Every plain key that matches the host, in file order. None of them is revoked.
    Found(Vec<KnownKey>),
    /// A key listed for the host is revoked. Either a plain or `@cert-authority` line for the
    /// host carries a key that some `@revoked` line lists (whatever that line's host patterns),
    /// or the host has no trusted key and a `@revoked` line names it without wildcards.
    Revoked(KnownKey),
    /// Only `@cert-authority` lines match, so only a host certificate could be verified.
    CertAuthorityOnly,
}

/// A problem with one known_hosts file or line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub enum KnownHostsError {
    #[error("cannot read the known_hosts file {}: {reason}. Check that it is a readable file", file.display())]
    Unreadable { file: PathBuf, reason: String },

    #[error("{}:{line}: {problem}. ssh ignores this line, so fix or delete it", file.display())]
    InvalidLine {
        file: PathBuf,
        line: usize,
        problem: LineProblem,
    },
}

/// Problem that makes a line unusable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub enum LineProblem {
    #[error("unknown marker '{0}', expected @cert-authority or @revoked")]
    UnknownMarker(String),

    #[error("more than one marker, but a line takes at most one of @cert-authority and @revoked")]
    MultipleMarkers,

    #[error("the host names are missing")]
    MissingHostNames,

    #[error("the key type is missing after the host names")]
    MissingKeyType,

    #[error("the base64 key is missing after the key type")]
    MissingKey,

    #[error("invalid hashed host name: {0}")]
    InvalidHashedHost(String),

    #[error(transparent)]
    Key(#[from] KeyError),
}

/// The valid lines of one or more `known_hosts` files, in the order they were read.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    entries: Vec<StoredEntry>,
    /// Fingerprints of every key under `@revoked`, so that revocation ignores host patterns.
    revoked_fingerprints: HashSet<String>,
}

#[derive(Debug, Clone)]
struct StoredEntry {
    entry: KnownHostEntry,
    host_field: HostField,
}

impl KnownHosts {
    /// Reads the files in order. A missing file is skipped without an error, as `ssh` does.
    /// Returns the valid lines of all files and one error per unreadable file or bad line.
    pub fn load(paths: &[PathBuf]) -> (KnownHosts, Vec<KnownHostsError>) {
        let mut known_hosts = KnownHosts::default();
        let mut errors = Vec::new();

        for path in paths {
            match crate::read::read_text(path) {
                Ok(text) => known_hosts.add_text(&text, path, &mut errors),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => errors.push(KnownHostsError::Unreadable {
                    file: path.clone(),
                    reason: error.to_string(),
                }),
            }
        }

        (known_hosts, errors)
    }

    /// Parses the text of one file. `origin` is only used in [`KnownKey::file`] and errors.
    pub fn parse_str(text: &str, origin: &Path) -> (KnownHosts, Vec<KnownHostsError>) {
        let mut known_hosts = KnownHosts::default();
        let mut errors = Vec::new();
        known_hosts.add_text(text, origin, &mut errors);
        (known_hosts, errors)
    }

    fn add_text(&mut self, text: &str, origin: &Path, errors: &mut Vec<KnownHostsError>) {
        for (index, raw_line) in text.split('\n').enumerate() {
            let line_number = index + 1;
            match parse_line(raw_line) {
                Ok(Some(parsed)) => self.add_entry(parsed, origin, line_number),
                Ok(None) => {}
                Err(problem) => errors.push(KnownHostsError::InvalidLine {
                    file: origin.to_path_buf(),
                    line: line_number,
                    problem,
                }),
            }
        }
    }

    fn add_entry(&mut self, parsed: ParsedLine, origin: &Path, line: usize) {
        let key = KnownKey {
            algorithm: parsed.key.algorithm,
            key_base64: parsed.key.key_base64,
            fingerprint: parsed.key.fingerprint,
            file: origin.to_path_buf(),
            line,
        };
        if parsed.marker == Some(Marker::Revoked) {
            self.revoked_fingerprints.insert(key.fingerprint.clone());
        }

        self.entries.push(StoredEntry {
            entry: KnownHostEntry {
                marker: parsed.marker,
                hosts: parsed.hosts,
                key,
                comment: parsed.comment,
            },
            host_field: parsed.host_field,
        });
    }

    /// Returns every valid line, in the order the files and lines were read.
    pub fn entries(&self) -> impl Iterator<Item = &KnownHostEntry> {
        self.entries.iter().map(|stored| &stored.entry)
    }

    /// Returns every line whose host field matches the host, with any marker, in file order.
    /// These are the lines `ssh-keygen -F` prints for the same lookup name.
    pub fn matching_entries(&self, host: &str, port: u16) -> Vec<&KnownHostEntry> {
        let name = lookup_name(host, port);
        self.matching(&name)
            .into_iter()
            .map(|(stored, _)| &stored.entry)
            .collect()
    }

    fn matching(&self, name: &str) -> Vec<(&StoredEntry, NameMatch)> {
        self.entries
            .iter()
            .map(|stored| (stored, stored.host_field.matches(name)))
            .filter(|(_, strength)| *strength != NameMatch::None)
            .collect()
    }

    /// Looks up the keys for `host` on `port`. [`Lookup`] describes the meaning of each variant.
    ///
    /// `host` is the name or address the user connects to, without brackets or port.
    pub fn lookup(&self, host: &str, port: u16) -> Lookup {
        let name = lookup_name(host, port);
        let matching = self.matching(&name);

        // OpenSSH checks a presented key for revocation before anything else, so a key listed
        // for this host that is revoked anywhere outranks every other key.
        let revoked_listed_key = matching.iter().find(|(stored, _)| {
            stored.entry.marker != Some(Marker::Revoked)
                && self.revoked_fingerprints.contains(&stored.entry.key.fingerprint)
        });
        if let Some((stored, _)) = revoked_listed_key {
            return Lookup::Revoked(stored.entry.key.clone());
        }

        let trusted: Vec<KnownKey> = matching
            .iter()
            .filter(|(stored, _)| stored.entry.marker.is_none())
            .map(|(stored, _)| stored.entry.key.clone())
            .collect();
        if !trusted.is_empty() {
            return Lookup::Found(trusted);
        }

        let has_authority = matching
            .iter()
            .any(|(stored, _)| stored.entry.marker == Some(Marker::CertAuthority));
        if has_authority {
            return Lookup::CertAuthorityOnly;
        }

        // A `@revoked *` line bans a key everywhere but does not describe this host's key, so
        // only a line that names the host without wildcards makes its key the host's revoked key.
        let named_revocation = matching
            .iter()
            .find(|(stored, strength)| stored.entry.marker == Some(Marker::Revoked) && *strength == NameMatch::Exact);
        match named_revocation {
            Some((stored, _)) => Lookup::Revoked(stored.entry.key.clone()),
            None => Lookup::NotFound,
        }
    }

    /// Returns whether a `@revoked` line in any loaded file lists this public key, whatever
    /// host patterns that line has. Keys compare by their plain public key, as OpenSSH's
    /// `sshkey_equal_public` does, so a certificate of a revoked key counts as revoked.
    ///
    /// Fails when the pair is not a valid key by the same rules as a `known_hosts` line.
    pub fn is_revoked(&self, algorithm: &str, key_base64: &str) -> Result<bool, KeyError> {
        let parsed = key::parse_key(algorithm, key_base64)?;
        Ok(self.revoked_fingerprints.contains(&parsed.fingerprint))
    }
}

/// Returns the per-user files `ssh` reads when `UserKnownHostsFile` is not set:
/// `~/.ssh/known_hosts` and `~/.ssh/known_hosts2`.
pub fn default_paths(home: &Path) -> Vec<PathBuf> {
    let ssh_dir = home.join(".ssh");
    vec![ssh_dir.join("known_hosts"), ssh_dir.join("known_hosts2")]
}
