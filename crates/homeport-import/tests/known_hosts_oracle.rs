//! Compares the known_hosts reader with OpenSSH's own tools. ssh-keygen makes the keys, hashes
//! the files (`-H`), prints fingerprints (`-l`) and looks names up (`-F`), and its output is
//! the expected value. ssh-keygen must be installed: without it these tests fail.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use homeport_import::known_hosts::{KeyError, KnownHosts, KnownHostsError, LineProblem, Lookup, Marker};
use tempfile::TempDir;

/// Runs ssh-keygen and returns its output, whatever the exit status.
fn ssh_keygen(args: &[&str]) -> Output {
    match Command::new("ssh-keygen").args(args).output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "ssh-keygen was not found on PATH. These tests compare against OpenSSH's tools, \
             so install the OpenSSH client (Debian: apt-get install openssh-client)"
        ),
        Err(error) => panic!("cannot run ssh-keygen {args:?}: {error}"),
    }
}

fn ssh_keygen_ok(args: &[&str]) -> Output {
    let output = ssh_keygen(args);
    assert!(
        output.status.success(),
        "ssh-keygen {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A public key made by ssh-keygen.
#[derive(Clone)]
struct GeneratedKey {
    public_file: PathBuf,
    algorithm: String,
    base64: String,
}

impl GeneratedKey {
    /// Returns `ALGORITHM BASE64`, the part of a known_hosts line after the host names.
    fn key_text(&self) -> String {
        format!("{} {}", self.algorithm, self.base64)
    }
}

fn generate_key(dir: &Path, name: &str, key_type: &str, bits: Option<&str>) -> GeneratedKey {
    let private_file = dir.join(name);
    let private_path = private_file.to_str().expect("temporary paths are UTF-8");
    let mut args = vec!["-q", "-t", key_type, "-N", "", "-C", name, "-f", private_path];
    if let Some(bits) = bits {
        args.extend(["-b", bits]);
    }
    ssh_keygen_ok(&args);

    let public_file = dir.join(format!("{name}.pub"));
    let text = fs::read_to_string(&public_file).expect("ssh-keygen wrote the public key");
    let mut fields = text.split_whitespace();
    GeneratedKey {
        algorithm: fields.next().expect("key type").to_string(),
        base64: fields.next().expect("key data").to_string(),
        public_file,
    }
}

/// Returns the fingerprint `ssh-keygen -l -E sha256` prints for a public key file.
fn keygen_fingerprint(public_file: &Path) -> String {
    let path = public_file.to_str().expect("UTF-8 path");
    let output = ssh_keygen_ok(&["-l", "-E", "sha256", "-f", path]);
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace().nth(1).expect("fingerprint field").to_string()
}

/// One line that `ssh-keygen -F` reported.
#[derive(Debug, PartialEq, Eq)]
struct FoundLine {
    line: usize,
    marker: Option<Marker>,
    key_base64: String,
}

/// Runs `ssh-keygen -F name -f file` and reads the `# Host ... found: line N [REVOKED|CA]`
/// headers and the lines after them.
fn keygen_find(name: &str, file: &Path) -> Vec<FoundLine> {
    let path = file.to_str().expect("UTF-8 path");
    let output = ssh_keygen(&["-F", name, "-f", path]);
    let text = String::from_utf8_lossy(&output.stdout);

    let mut found = Vec::new();
    let mut lines = text.lines();
    while let Some(header) = lines.next() {
        let Some((_, position)) = header.split_once("found: line ") else {
            continue;
        };
        let mut words = position.split_whitespace();
        let line = words.next().and_then(|n| n.parse().ok()).expect("line number");
        let marker = match words.next() {
            Some("REVOKED") => Some(Marker::Revoked),
            Some("CA") => Some(Marker::CertAuthority),
            _ => None,
        };

        let entry = lines.next().expect("the matching line follows its header");
        let mut fields = entry.split_whitespace();
        if marker.is_some() {
            fields.next();
        }
        let key_base64 = fields.nth(2).expect("key field").to_string();
        found.push(FoundLine {
            line,
            marker,
            key_base64,
        });
    }
    found
}

/// Returns the lines the reader matches, in the same shape as [`keygen_find`].
fn reader_find(known_hosts: &KnownHosts, host: &str, port: u16) -> Vec<FoundLine> {
    known_hosts
        .matching_entries(host, port)
        .into_iter()
        .map(|entry| FoundLine {
            line: entry.key.line,
            marker: entry.marker,
            key_base64: entry.key.key_base64.clone(),
        })
        .collect()
}

/// Returns the name ssh-keygen -F needs for the same lookup. ssh lowercases host names before it
/// looks them up, but ssh-keygen -F hashes the name as given, so the test lowercases it.
fn keygen_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// Keys and a known_hosts file with one line per case the lookup has to handle.
struct Fixture {
    dir: TempDir,
    file: PathBuf,
    ed25519: GeneratedKey,
    ecdsa: GeneratedKey,
    rsa: GeneratedKey,
    wildcard_host: GeneratedKey,
    revoked_everywhere: GeneratedKey,
    authority: GeneratedKey,
    rotated_old: GeneratedKey,
    rotated_new: GeneratedKey,
    only_revoked: GeneratedKey,
}

/// The lines of [`Fixture::file`]. The tests refer to these line numbers.
const FIXTURE_LINES: &[&str] = &[
    "# Homeport test hosts",                         // 1
    "alpha.lab {ed25519}",                           // 2
    "[alpha.lab]:2222 {ecdsa}",                      // 3
    "beta.lab,Gamma.Lab,10.0.0.5 {rsa} three names", // 4
    "*.wild.lab,!bad.wild.lab {wildcard_host}",      // 5
    "@revoked * {revoked_everywhere}",               // 6
    "@cert-authority *.ca.lab {authority}",          // 7
    "delta.lab {revoked_everywhere}",                // 8
    "@revoked epsilon.lab {rotated_old}",            // 9
    "epsilon.lab {rotated_new}",                     // 10
    "",                                              // 11
    "@revoked zeta.lab {only_revoked}",              // 12
];

impl Fixture {
    fn new() -> Fixture {
        let dir = TempDir::new().expect("temporary directory");
        let keys = dir.path();
        let fixture_keys = [
            generate_key(keys, "ed25519", "ed25519", None),
            generate_key(keys, "ecdsa", "ecdsa", Some("256")),
            generate_key(keys, "rsa", "rsa", Some("2048")),
            generate_key(keys, "wildcard_host", "ed25519", None),
            generate_key(keys, "revoked_everywhere", "ed25519", None),
            generate_key(keys, "authority", "ed25519", None),
            generate_key(keys, "rotated_old", "ecdsa", Some("384")),
            generate_key(keys, "rotated_new", "ecdsa", Some("521")),
            generate_key(keys, "only_revoked", "ed25519", None),
        ];
        let [ed25519, ecdsa, rsa, wildcard_host, revoked_everywhere, authority, rotated_old, rotated_new, only_revoked] =
            fixture_keys;

        let mut text = String::new();
        for line in FIXTURE_LINES {
            let line = line
                .replace("{ed25519}", &ed25519.key_text())
                .replace("{ecdsa}", &ecdsa.key_text())
                .replace("{rsa}", &rsa.key_text())
                .replace("{wildcard_host}", &wildcard_host.key_text())
                .replace("{revoked_everywhere}", &revoked_everywhere.key_text())
                .replace("{authority}", &authority.key_text())
                .replace("{rotated_old}", &rotated_old.key_text())
                .replace("{rotated_new}", &rotated_new.key_text())
                .replace("{only_revoked}", &only_revoked.key_text());
            text.push_str(&line);
            text.push('\n');
        }
        let file = dir.path().join("known_hosts");
        fs::write(&file, text).expect("write known_hosts");

        Fixture {
            dir,
            file,
            ed25519,
            ecdsa,
            rsa,
            wildcard_host,
            revoked_everywhere,
            authority,
            rotated_old,
            rotated_new,
            only_revoked,
        }
    }

    fn load(&self) -> KnownHosts {
        load_without_errors(&self.file)
    }

    /// Copies the file and hashes the copy with `ssh-keygen -H`.
    fn hashed_copy(&self) -> PathBuf {
        let hashed = self.dir.path().join("known_hosts_hashed");
        fs::copy(&self.file, &hashed).expect("copy known_hosts");
        ssh_keygen_ok(&["-H", "-f", hashed.to_str().expect("UTF-8 path")]);

        let text = fs::read_to_string(&hashed).expect("read hashed file");
        assert!(text.contains("|1|"), "ssh-keygen -H hashed no line:\n{text}");
        assert!(!text.contains("alpha.lab"), "ssh-keygen -H left a plain name:\n{text}");
        hashed
    }
}

fn load_without_errors(file: &Path) -> KnownHosts {
    let (known_hosts, errors) = KnownHosts::load(&[file.to_path_buf()]);
    assert_eq!(errors, Vec::new(), "unexpected errors in {}", file.display());
    known_hosts
}

/// Host and port pairs that together reach every line of the fixture.
const QUERIES: &[(&str, u16)] = &[
    ("alpha.lab", 22),
    ("alpha.lab", 2222),
    ("ALPHA.Lab", 22),
    ("beta.lab", 22),
    ("gamma.lab", 22),
    ("10.0.0.5", 22),
    ("gamma.lab", 2222),
    ("x.wild.lab", 22),
    ("bad.wild.lab", 22),
    ("x.wild.lab", 2222),
    ("y.ca.lab", 22),
    ("delta.lab", 22),
    ("epsilon.lab", 22),
    ("zeta.lab", 22),
    ("unknown.lab", 22),
];

/// Reduces a lookup to the variant and keys, without file and line, to compare two files.
fn lookup_keys(lookup: &Lookup) -> (&'static str, Vec<String>) {
    match lookup {
        Lookup::NotFound => ("NotFound", Vec::new()),
        Lookup::Found(keys) => ("Found", keys.iter().map(|key| key.openssh_line()).collect()),
        Lookup::Revoked(key) => ("Revoked", vec![key.openssh_line()]),
        Lookup::CertAuthorityOnly => ("CertAuthorityOnly", Vec::new()),
    }
}

fn found_keys(lookup: Lookup) -> Vec<String> {
    match lookup {
        Lookup::Found(keys) => keys.iter().map(|key| key.openssh_line()).collect(),
        other => panic!("expected Found, got {other:?}"),
    }
}

#[test]
fn plain_file_matches_ssh_keygen_find() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    for &(host, port) in QUERIES {
        let expected = keygen_find(&keygen_name(host, port), &fixture.file);
        assert_eq!(
            reader_find(&known_hosts, host, port),
            expected,
            "lookup of {host} port {port}"
        );
    }
}

#[test]
fn hashed_file_matches_ssh_keygen_find() {
    let fixture = Fixture::new();
    let hashed = fixture.hashed_copy();
    let known_hosts = load_without_errors(&hashed);

    for &(host, port) in QUERIES {
        let expected = keygen_find(&keygen_name(host, port), &hashed);
        assert_eq!(
            reader_find(&known_hosts, host, port),
            expected,
            "lookup of {host} port {port}"
        );
    }
}

#[test]
fn hashed_file_gives_same_lookups() {
    let fixture = Fixture::new();
    let plain = fixture.load();
    let hashed = load_without_errors(&fixture.hashed_copy());

    for &(host, port) in QUERIES {
        assert_eq!(
            lookup_keys(&hashed.lookup(host, port)),
            lookup_keys(&plain.lookup(host, port)),
            "lookup of {host} port {port}"
        );
    }
}

#[test]
fn hashed_entry_found_by_name_and_port() {
    let fixture = Fixture::new();
    let hashed_file = fixture.hashed_copy();
    let hashed = load_without_errors(&hashed_file);

    // The `@revoked *` line matches as well, so keep only lines without a marker.
    let entries: Vec<_> = hashed
        .matching_entries("alpha.lab", 2222)
        .into_iter()
        .filter(|entry| entry.marker.is_none())
        .collect();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].hosts.starts_with("|1|"),
        "expected a hashed line, got {}",
        entries[0].hosts
    );
    assert_eq!(entries[0].key.key_base64, fixture.ecdsa.base64);
}

#[test]
fn fingerprints_match_ssh_keygen() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();
    let keys = [
        &fixture.ed25519,
        &fixture.ecdsa,
        &fixture.rsa,
        &fixture.authority,
        &fixture.rotated_old,
        &fixture.rotated_new,
    ];

    for key in keys {
        let entry = known_hosts
            .entries()
            .find(|entry| entry.key.key_base64 == key.base64)
            .expect("every fixture key is in the file");
        assert_eq!(entry.key.algorithm, key.algorithm);
        assert_eq!(
            entry.key.fingerprint,
            keygen_fingerprint(&key.public_file),
            "{}",
            key.algorithm
        );
    }
}

#[test]
fn openssh_line_matches_public_key_file() {
    let fixture = Fixture::new();
    let keys = found_keys(fixture.load().lookup("alpha.lab", 22));
    assert_eq!(keys, vec![fixture.ed25519.key_text()]);
}

#[test]
fn port_22_entry_never_matches_other_port() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    assert_eq!(
        found_keys(known_hosts.lookup("alpha.lab", 22)),
        vec![fixture.ed25519.key_text()]
    );
    assert_eq!(
        found_keys(known_hosts.lookup("alpha.lab", 2222)),
        vec![fixture.ecdsa.key_text()]
    );
    assert_eq!(known_hosts.lookup("beta.lab", 2222), Lookup::NotFound);
    assert_eq!(known_hosts.lookup("alpha.lab", 2223), Lookup::NotFound);
}

#[test]
fn every_name_of_a_line_matches() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    for host in ["beta.lab", "gamma.lab", "GAMMA.LAB", "10.0.0.5"] {
        assert_eq!(
            found_keys(known_hosts.lookup(host, 22)),
            vec![fixture.rsa.key_text()],
            "{host}"
        );
    }
    assert_eq!(known_hosts.lookup("gamma", 22), Lookup::NotFound);
}

#[test]
fn negated_name_excluded_from_wildcard() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    let found = found_keys(known_hosts.lookup("x.wild.lab", 22));
    assert_eq!(found, vec![fixture.wildcard_host.key_text()]);
    assert_eq!(known_hosts.lookup("bad.wild.lab", 22), Lookup::NotFound);
    assert_eq!(known_hosts.lookup("wild.lab", 22), Lookup::NotFound);
}

#[test]
fn key_under_revoked_refused_for_every_host() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    // Line 8 trusts the key for delta.lab, but line 6 revokes it.
    match known_hosts.lookup("delta.lab", 22) {
        Lookup::Revoked(key) => {
            assert_eq!(key.key_base64, fixture.revoked_everywhere.base64);
            assert_eq!(key.line, 8);
        }
        other => panic!("expected Revoked, got {other:?}"),
    }

    let revoked = &fixture.revoked_everywhere;
    assert_eq!(known_hosts.is_revoked(&revoked.algorithm, &revoked.base64), Ok(true));
    let trusted = &fixture.ed25519;
    assert_eq!(known_hosts.is_revoked(&trusted.algorithm, &trusted.base64), Ok(false));
}

#[test]
fn revoked_key_under_host_pattern_revoked_everywhere() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    // Line 9 revokes the key for epsilon.lab only, yet is_revoked ignores host patterns.
    let old = &fixture.rotated_old;
    assert_eq!(known_hosts.is_revoked(&old.algorithm, &old.base64), Ok(true));

    // Revocation comes from the loaded files: without line 9 the key is not revoked.
    let text = format!("other.lab {}\n", old.key_text());
    let (other_file, errors) = KnownHosts::parse_str(&text, Path::new("other_known_hosts"));
    assert_eq!(errors, Vec::new());
    assert_eq!(other_file.is_revoked(&old.algorithm, &old.base64), Ok(false));
}

#[test]
fn revoked_line_across_files() {
    let fixture = Fixture::new();
    let other = fixture.dir.path().join("known_hosts2");
    fs::write(&other, format!("other.lab {}\n", fixture.rotated_old.key_text())).expect("write second file");

    let (known_hosts, errors) = KnownHosts::load(&[fixture.file.clone(), other.clone()]);
    assert_eq!(errors, Vec::new());
    match known_hosts.lookup("other.lab", 22) {
        Lookup::Revoked(key) => {
            assert_eq!(key.file, other);
            assert_eq!(key.line, 1);
        }
        found => panic!("expected Revoked, got {found:?}"),
    }
}

#[test]
fn rotated_key_found_despite_revoked_old_key() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    let found = found_keys(known_hosts.lookup("epsilon.lab", 22));
    assert_eq!(found, vec![fixture.rotated_new.key_text()]);
}

#[test]
fn host_with_only_revoked_key_reported_revoked() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    match known_hosts.lookup("zeta.lab", 22) {
        Lookup::Revoked(key) => assert_eq!(key.key_base64, fixture.only_revoked.base64),
        other => panic!("expected Revoked, got {other:?}"),
    }
}

#[test]
fn wildcard_revocation_leaves_unknown_host_not_found() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    // ssh-keygen -F lists the `@revoked *` line for any name, but that line does not describe
    // the host's own key.
    let listed = keygen_find("unknown.lab", &fixture.file);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].marker, Some(Marker::Revoked));
    assert_eq!(known_hosts.lookup("unknown.lab", 22), Lookup::NotFound);
}

#[test]
fn cert_authority_alone_reported() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();

    assert_eq!(known_hosts.lookup("y.ca.lab", 22), Lookup::CertAuthorityOnly);
    let entries = known_hosts.matching_entries("y.ca.lab", 22);
    let authority = entries
        .iter()
        .find(|entry| entry.marker == Some(Marker::CertAuthority))
        .expect("the CA line matches");
    assert_eq!(authority.key.key_base64, fixture.authority.base64);
}

#[test]
fn certificate_key_fingerprint_matches_ssh_keygen() {
    let fixture = Fixture::new();
    let dir = fixture.dir.path();
    let host_key = generate_key(dir, "host_for_cert", "ed25519", None);
    let ca_private = dir.join("authority");
    ssh_keygen_ok(&[
        "-q",
        "-s",
        ca_private.to_str().expect("UTF-8 path"),
        "-I",
        "homeport-test",
        "-h",
        "-n",
        "cert.lab",
        host_key.public_file.to_str().expect("UTF-8 path"),
    ]);
    let certificate_file = dir.join("host_for_cert-cert.pub");
    let certificate_text = fs::read_to_string(&certificate_file).expect("ssh-keygen wrote the certificate");
    let mut fields = certificate_text.split_whitespace();
    let (algorithm, base64) = (fields.next().expect("type"), fields.next().expect("data"));

    let (known_hosts, errors) =
        KnownHosts::parse_str(&format!("cert.lab {algorithm} {base64}\n"), Path::new("known_hosts"));
    assert_eq!(errors, Vec::new());
    let keys = match known_hosts.lookup("cert.lab", 22) {
        Lookup::Found(keys) => keys,
        other => panic!("expected Found, got {other:?}"),
    };
    assert_eq!(keys[0].algorithm, "ssh-ed25519-cert-v01@openssh.com");
    assert_eq!(keys[0].fingerprint, keygen_fingerprint(&certificate_file));
    assert_eq!(keys[0].fingerprint, keygen_fingerprint(&host_key.public_file));
}

#[test]
fn rsa_signature_name_accepted_like_openssh() {
    let fixture = Fixture::new();
    let file = fixture.dir.path().join("rsa_alias");
    fs::write(&file, format!("rsa.lab rsa-sha2-256 {}\n", fixture.rsa.base64)).expect("write file");

    assert_eq!(keygen_find("rsa.lab", &file).len(), 1, "ssh-keygen -F reads the line");
    let keys = found_keys(load_without_errors(&file).lookup("rsa.lab", 22));
    assert_eq!(keys, vec![fixture.rsa.key_text()]);
}

/// Lines that OpenSSH ignores, with the line number and problem the reader reports.
fn malformed_lines(fixture: &Fixture) -> Vec<(String, Option<LineProblem>)> {
    let ed = &fixture.ed25519;
    let ed_key = &ed.base64;
    let ecdsa_key = &fixture.ecdsa.base64;
    let mismatch = |field: &str, blob: &str| {
        Some(LineProblem::Key(KeyError::KeyTypeMismatch {
            field: field.to_string(),
            blob: blob.to_string(),
        }))
    };

    vec![
        (format!("good.lab {}", ed.key_text()), None),
        ("h1.lab".to_string(), Some(LineProblem::MissingKeyType)),
        ("h2.lab ssh-ed25519".to_string(), Some(LineProblem::MissingKey)),
        (
            format!("h3.lab ssh-foo {ed_key}"),
            Some(LineProblem::Key(KeyError::UnknownKeyType("ssh-foo".to_string()))),
        ),
        (
            "h4.lab ssh-ed25519 !!notbase64!!".to_string(),
            Some(LineProblem::Key(KeyError::InvalidBase64)),
        ),
        (format!("h5.lab ssh-rsa {ed_key}"), mismatch("ssh-rsa", "ssh-ed25519")),
        (
            format!("@bogus h6.lab {}", ed.key_text()),
            Some(LineProblem::UnknownMarker("@bogus".to_string())),
        ),
        ("@revoked".to_string(), Some(LineProblem::MissingHostNames)),
        (
            format!("h7.lab ecdsa-sha2-nistp384 {ecdsa_key}"),
            mismatch("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256"),
        ),
        (
            format!("|1|abc|def {}", ed.key_text()),
            Some(LineProblem::InvalidHashedHost(
                "the salt is not 20 bytes of base64".to_string(),
            )),
        ),
        (
            "h8.lab ssh-ed25519 AAAA".to_string(),
            Some(LineProblem::Key(KeyError::MalformedKey(
                "the data ends inside the key type name".to_string(),
            ))),
        ),
        (
            format!("h9.lab ED25519 {ed_key}"),
            Some(LineProblem::Key(KeyError::UnknownKeyType("ED25519".to_string()))),
        ),
        (
            format!("@revoked @cert-authority h10.lab {}", ed.key_text()),
            Some(LineProblem::MultipleMarkers),
        ),
        (format!("h11.lab\tssh-ed25519\t{ed_key}\ttabs"), None),
    ]
}

#[test]
fn malformed_lines_reported_with_numbers() {
    let fixture = Fixture::new();
    let cases = malformed_lines(&fixture);
    let text: String = cases.iter().map(|(line, _)| format!("{line}\n")).collect();
    let file = fixture.dir.path().join("malformed");
    fs::write(&file, &text).expect("write file");

    let (known_hosts, errors) = KnownHosts::load(std::slice::from_ref(&file));

    let expected: Vec<KnownHostsError> = cases
        .iter()
        .enumerate()
        .filter_map(|(index, (_, problem))| {
            problem.clone().map(|problem| KnownHostsError::InvalidLine {
                file: file.clone(),
                line: index + 1,
                problem,
            })
        })
        .collect();
    assert_eq!(errors, expected);

    let good_hosts: Vec<&str> = known_hosts.entries().map(|entry| entry.hosts.as_str()).collect();
    assert_eq!(good_hosts, vec!["good.lab", "h11.lab"]);
}

#[test]
fn malformed_lines_ignored_by_ssh_keygen() {
    let fixture = Fixture::new();
    let cases = malformed_lines(&fixture);
    let text: String = cases.iter().map(|(line, _)| format!("{line}\n")).collect();
    let file = fixture.dir.path().join("malformed");
    fs::write(&file, &text).expect("write file");
    let path = file.to_str().expect("UTF-8 path");

    // With -l ssh-keygen parses the key of each matching line and skips lines it cannot read,
    // as ssh does. Every line the reader rejects must be skipped there too.
    for (line, problem) in &cases {
        let Some(host) = line.split_whitespace().find(|field| field.ends_with(".lab")) else {
            continue;
        };
        let output = ssh_keygen(&["-F", host, "-l", "-f", path]);
        let listed = String::from_utf8_lossy(&output.stdout).contains("found: line");
        assert_eq!(listed, problem.is_none(), "ssh-keygen -F {host} on line {line:?}");
    }

    // ssh-keygen -H refuses files with lines it cannot read and names them on stderr. It does
    // not parse keys, so it names only a subset of the lines the reader rejects.
    let output = ssh_keygen(&["-H", "-f", path]);
    assert!(!output.status.success(), "ssh-keygen -H accepted the malformed file");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (_, errors) = KnownHosts::load(std::slice::from_ref(&file));
    let rejected: Vec<usize> = errors
        .iter()
        .map(|error| match error {
            KnownHostsError::InvalidLine { line, .. } => *line,
            other => panic!("unexpected error {other}"),
        })
        .collect();
    for report in stderr.lines().filter(|line| line.ends_with("invalid line")) {
        let number: usize = report
            .split(':')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .expect("FILE:LINE: invalid line");
        assert!(
            rejected.contains(&number),
            "ssh-keygen -H rejects line {number}, the reader does not"
        );
    }
}

#[test]
fn error_message_names_file_and_line() {
    let (_, errors) = KnownHosts::parse_str("ok.lab\n", Path::new("/home/me/.ssh/known_hosts"));
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert!(message.starts_with("/home/me/.ssh/known_hosts:1: "), "{message}");
    assert!(message.contains("key type is missing"), "{message}");
}

#[test]
fn missing_file_skipped() {
    let fixture = Fixture::new();
    let missing = fixture.dir.path().join("does-not-exist");

    let (known_hosts, errors) = KnownHosts::load(&[missing, fixture.file.clone()]);
    assert_eq!(errors, Vec::new());
    assert_eq!(found_keys(known_hosts.lookup("alpha.lab", 22)).len(), 1);
}

#[test]
fn unreadable_path_reported() {
    let dir = TempDir::new().expect("temporary directory");
    let (known_hosts, errors) = KnownHosts::load(&[dir.path().to_path_buf()]);

    assert_eq!(known_hosts.entries().count(), 0);
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(&errors[0], KnownHostsError::Unreadable { file, .. } if file == dir.path()),
        "{errors:?}"
    );
}

#[test]
fn default_paths_are_user_files() {
    let paths = homeport_import::known_hosts::default_paths(Path::new("/home/me"));
    assert_eq!(
        paths,
        vec![
            PathBuf::from("/home/me/.ssh/known_hosts"),
            PathBuf::from("/home/me/.ssh/known_hosts2")
        ]
    );
}

#[test]
fn is_revoked_rejects_invalid_key() {
    let fixture = Fixture::new();
    let known_hosts = fixture.load();
    let revoked = &fixture.revoked_everywhere;

    assert_eq!(
        known_hosts.is_revoked("ssh-rsa", &revoked.base64),
        Err(KeyError::KeyTypeMismatch {
            field: "ssh-rsa".to_string(),
            blob: "ssh-ed25519".to_string()
        })
    );
    assert_eq!(
        known_hosts.is_revoked("ssh-ed25519", "not base64!"),
        Err(KeyError::InvalidBase64)
    );
}
