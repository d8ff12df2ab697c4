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

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use host_field::{lookup_name, HostField, NameMatch};
pub use key::KeyError;
use line::{parse_line, ParsedLine};

/// The minimum number of line comparisons per thread in [`KnownHosts::lookup_all`]: about
/// 10 ms of HMAC-SHA1, by an estimate of 100 ns each.
const MIN_COMPARISONS_PER_THREAD: usize = 100_000;

/// The maximum number of threads [`KnownHosts::lookup_all`] starts.
const MAX_LOOKUP_THREADS: usize = 8;

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
    /// Indexes in `entries` of the lines that list plain names only, by each name, so that a
    /// lookup reads only the lines naming its host instead of every line.
    by_name: HashMap<String, Vec<usize>>,
    /// Indexes in `entries` of the other lines (hashed names, wildcards, negation), which
    /// every lookup matches one by one.
    // NOTE: a hashed name can only be checked by hashing the looked-up name with that line's
    // salt, so looking up N hosts in a file of M hashed lines costs N×M HMAC-SHA1 runs.
    matched_each_time: Vec<usize>,
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

        let index = self.entries.len();
        match parsed.host_field.plain_names() {
            Some(names) => {
                for name in names {
                    let lines = self.by_name.entry(name.to_string()).or_default();
                    // A field such as `a,a` names the line twice, but it matches once.
                    if lines.last() != Some(&index) {
                        lines.push(index);
                    }
                }
            }
            None => self.matched_each_time.push(index),
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

    /// Returns the lines whose host field matches `name`, in file order.
    fn matching(&self, name: &str) -> Vec<(&StoredEntry, NameMatch)> {
        self.merge(name, self.match_each(name))
    }

    /// Matches `name` against the lines in `matched_each_time`, in file order.
    fn match_each(&self, name: &str) -> Vec<(usize, NameMatch)> {
        self.matched_each_time
            .iter()
            .map(|&index| (index, self.entries[index].host_field.matches(name)))
            .filter(|&(_, strength)| strength != NameMatch::None)
            .collect()
    }

    /// Adds the lines that name `name` to `matched`, the result of [`KnownHosts::match_each`],
    /// and returns them all in file order.
    fn merge(&self, name: &str, mut matched: Vec<(usize, NameMatch)>) -> Vec<(&StoredEntry, NameMatch)> {
        let named = self.by_name.get(name).map_or(&[][..], Vec::as_slice);
        matched.extend(named.iter().map(|&index| (index, NameMatch::Exact)));
        matched.sort_unstable_by_key(|&(index, _)| index);
        matched
            .into_iter()
            .map(|(index, strength)| (&self.entries[index], strength))
            .collect()
    }

    /// Runs [`KnownHosts::match_each`] for every name, splitting the names between up to
    /// `threads` threads. A thread that cannot be started leaves its share to this one.
    fn match_each_all(&self, names: &[String], threads: usize) -> Vec<Vec<(usize, NameMatch)>> {
        let match_part = |part: &[String]| -> Vec<Vec<(usize, NameMatch)>> {
            part.iter().map(|name| self.match_each(name)).collect()
        };
        if threads <= 1 || names.len() < 2 {
            return match_part(names);
        }

        let part_len = names.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = names
                .chunks(part_len)
                .map(|part| {
                    let started = std::thread::Builder::new().spawn_scoped(scope, move || match_part(part));
                    (part, started.ok())
                })
                .collect();
            let mut matched = Vec::with_capacity(names.len());
            for (part, thread) in parts {
                match thread {
                    Some(thread) => {
                        matched.extend(thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                    }
                    None => matched.extend(match_part(part)),
                }
            }
            matched
        })
    }

    /// Returns how many lines a lookup of `host` on `port` reads, so tests can check that
    /// lines naming other hosts are skipped.
    #[cfg(test)]
    fn lines_read(&self, host: &str, port: u16) -> usize {
        let name = lookup_name(host, port);
        self.by_name.get(&name).map_or(0, Vec::len) + self.matched_each_time.len()
    }

    /// Looks up the keys for `host` on `port`. [`Lookup`] describes the meaning of each variant.
    ///
    /// `host` is the name or address the user connects to, without brackets or port.
    pub fn lookup(&self, host: &str, port: u16) -> Lookup {
        let name = lookup_name(host, port);
        self.decide(self.matching(&name))
    }

    /// Looks up every `(host, port)` pair, with the results [`KnownHosts::lookup`] gives, in
    /// the same order. Each line with a hashed name or a wildcard must be compared with every
    /// host (a hashed name by hashing the host name with that line's salt), so that work is
    /// split between threads when there is much of it.
    pub fn lookup_all(&self, hosts: &[(&str, u16)]) -> Vec<Lookup> {
        let names: Vec<String> = hosts.iter().map(|&(host, port)| lookup_name(host, port)).collect();
        let comparisons = names.len().saturating_mul(self.matched_each_time.len());
        let threads = if comparisons < MIN_COMPARISONS_PER_THREAD * 2 {
            1
        } else {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
            cores
                .min(MAX_LOOKUP_THREADS)
                .min(comparisons / MIN_COMPARISONS_PER_THREAD)
        };
        self.match_each_all(&names, threads)
            .into_iter()
            .zip(&names)
            .map(|(matched, name)| self.decide(self.merge(name, matched)))
            .collect()
    }

    /// Turns the lines that match one host, in file order, into the lookup's result.
    fn decide(&self, matching: Vec<(&StoredEntry, NameMatch)>) -> Lookup {
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

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIHsCtC3o3CxdmCXyhYJjV9j1iaZuAYZBRseYKbK9dZw8";

    /// Returns the line numbers of the keys found for `host` on port 22.
    fn found_lines(known_hosts: &KnownHosts, host: &str) -> Vec<usize> {
        match known_hosts.lookup(host, 22) {
            Lookup::Found(keys) => keys.iter().map(|key| key.line).collect(),
            other => panic!("{host}: expected keys, got {other:?}"),
        }
    }

    #[test]
    fn lookup_all_agrees_with_lookup() {
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine;
        use hmac::{Hmac, Mac};

        let hashed = |name: &str, salt_byte: u8| {
            let salt = [salt_byte; 20];
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).expect("any key length");
            mac.update(name.as_bytes());
            let digest = mac.finalize().into_bytes();
            format!("|1|{}|{}", STANDARD.encode(salt), STANDARD.encode(digest))
        };
        let mut text = String::new();
        for number in 0..40u8 {
            text.push_str(&format!(
                "{} ssh-ed25519 {ED25519}\n",
                hashed(&format!("h{number}"), number)
            ));
        }
        text.push_str(&format!("[h7]:2222,h8 ssh-ed25519 {ED25519}\n"));
        text.push_str(&format!("*.lab ssh-ed25519 {ED25519}\n"));
        let other_key = "AAAAC3NzaC1lZDI1NTE5AAAAIHp/JOviNloc0oR5YmX6NbFldeuwrY6lkYMuAZ3cgMYK";
        text.push_str(&format!("@revoked h45 ssh-ed25519 {other_key}\n"));
        let (known_hosts, errors) = KnownHosts::parse_str(&text, Path::new("known_hosts"));
        assert!(errors.is_empty(), "{errors:?}");

        let mut hosts: Vec<(String, u16)> = (0..50).map(|number| (format!("h{number}"), 22)).collect();
        hosts.extend([
            ("h7".to_string(), 2222),
            ("x.lab".to_string(), 22),
            ("H3".to_string(), 22),
        ]);
        let pairs: Vec<(&str, u16)> = hosts.iter().map(|(host, port)| (host.as_str(), *port)).collect();
        let one_by_one: Vec<Lookup> = pairs
            .iter()
            .map(|&(host, port)| known_hosts.lookup(host, port))
            .collect();

        assert_eq!(known_hosts.lookup_all(&pairs), one_by_one);
        let names: Vec<String> = pairs.iter().map(|&(host, port)| lookup_name(host, port)).collect();
        let on_threads: Vec<Lookup> = known_hosts
            .match_each_all(&names, 3)
            .into_iter()
            .zip(&names)
            .map(|(matched, name)| known_hosts.decide(known_hosts.merge(name, matched)))
            .collect();
        assert_eq!(on_threads, one_by_one, "three threads give the same results");
        assert!(matches!(one_by_one[3], Lookup::Found(_)), "a hashed name is found");
        assert!(matches!(one_by_one[45], Lookup::Revoked(_)), "h45's key is revoked");
        assert_eq!(one_by_one[46], Lookup::NotFound);
    }

    #[test]
    fn lookup_reads_only_lines_that_can_match() {
        let mut text = String::new();
        for number in 0..5000 {
            text.push_str(&format!(
                "h{number},10.1.{}.{} ssh-ed25519 {ED25519} n{number}\n",
                number / 250,
                number % 250
            ));
        }
        text.push_str(&format!("*.lab ssh-ed25519 {ED25519} wildcard\n"));
        text.push_str(&format!("h42,!h43 ssh-ed25519 {ED25519} negated\n"));
        let (known_hosts, errors) = KnownHosts::parse_str(&text, Path::new("known_hosts"));
        assert!(errors.is_empty(), "{errors:?}");

        assert_eq!(
            known_hosts.lines_read("H42", 22),
            3,
            "h42's line and the two pattern lines"
        );
        assert_eq!(
            found_lines(&known_hosts, "H42"),
            [43, 5002],
            "both matching lines, in file order"
        );
        assert_eq!(
            found_lines(&known_hosts, "h43"),
            [44],
            "the negated pattern rejects its line"
        );
        assert_eq!(
            known_hosts.lookup("h42", 2222),
            Lookup::NotFound,
            "another port is another name"
        );
    }
}
