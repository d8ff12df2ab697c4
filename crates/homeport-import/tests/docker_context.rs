//! Docker context and `DOCKER_HOST` import. Most tests build a fake `~/.docker` in a temporary
//! directory. The oracle tests at the end let the real `docker` CLI write the store or resolve
//! the environment, with commands that do not connect to an engine.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use homeport_import::docker_context::{
    context_dir_name, discover, from_environment, list_contexts, parse_docker_host, ContextError, DockerEndpoint,
    DockerEndpointSource, TlsFiles, ENVIRONMENT_SOURCE_NAME,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// `printf lab | sha256sum`, computed outside this code.
const LAB_DIR_NAME: &str = "a51146d38077ff992eba84cf1d5e9b249073503eb74868699016153b031a38f7";

/// Hex SHA-256 computed in the test, independent of `context_dir_name`.
fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A Docker configuration directory in a temporary directory.
struct FakeDocker {
    dir: TempDir,
}

impl FakeDocker {
    fn new() -> FakeDocker {
        FakeDocker {
            dir: TempDir::new().expect("temporary directory"),
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join(".docker")
    }

    fn meta_file(&self, name: &str) -> PathBuf {
        self.config_dir()
            .join("contexts")
            .join("meta")
            .join(sha256_hex(name))
            .join("meta.json")
    }

    fn tls_dir(&self, name: &str) -> PathBuf {
        self.config_dir()
            .join("contexts")
            .join("tls")
            .join(sha256_hex(name))
            .join("docker")
    }

    /// Writes a meta.json shaped like the ones `docker context create` writes.
    fn add_context(&self, name: &str, description: &str, host: &str, skip_tls_verify: bool) -> PathBuf {
        let json = serde_json::json!({
            "Name": name,
            "Metadata": { "Description": description },
            "Endpoints": { "docker": { "Host": host, "SkipTLSVerify": skip_tls_verify } },
        });
        self.write_meta(name, &json.to_string())
    }

    fn write_meta(&self, dir_name_source: &str, text: &str) -> PathBuf {
        let path = self.meta_file(dir_name_source);
        fs::create_dir_all(path.parent().expect("meta.json has a parent")).expect("create meta directory");
        fs::write(&path, text).expect("write meta.json");
        path
    }

    /// Writes dummy TLS files. Their content is never read by the code under test.
    fn add_tls_files(&self, name: &str, files: &[&str]) -> PathBuf {
        let dir = self.tls_dir(name);
        fs::create_dir_all(&dir).expect("create TLS directory");
        for file in files {
            fs::write(dir.join(file), "not a real PEM file").expect("write TLS file");
        }
        dir
    }

    fn write_config(&self, text: &str) {
        fs::create_dir_all(self.config_dir()).expect("create config directory");
        fs::write(self.config_dir().join("config.json"), text).expect("write config.json");
    }

    fn list(&self) -> (Vec<DockerEndpointSource>, Vec<ContextError>) {
        list_contexts(&self.config_dir())
    }
}

fn find<'a>(sources: &'a [DockerEndpointSource], name: &str) -> &'a DockerEndpointSource {
    sources
        .iter()
        .find(|source| source.name == name)
        .unwrap_or_else(|| panic!("no source named {name} in {sources:?}"))
}

/// Builds the `vars` function from a list of variables. All others are unset.
fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn tcp(host: &str, port: u16, tls: Option<TlsFiles>) -> DockerEndpoint {
    DockerEndpoint::Tcp {
        host: host.to_string(),
        port,
        tls,
    }
}

fn ssh(user: Option<&str>, host: &str, port: Option<u16>, socket_path: Option<&str>) -> DockerEndpoint {
    DockerEndpoint::Ssh {
        user: user.map(str::to_string),
        host: host.to_string(),
        port,
        socket_path: socket_path.map(str::to_string),
    }
}

#[test]
fn context_dir_name_is_sha256_hex() {
    assert_eq!(context_dir_name("lab"), LAB_DIR_NAME);
    assert_eq!(sha256_hex("lab"), LAB_DIR_NAME);
    assert_eq!(context_dir_name("prod-eu.1"), sha256_hex("prod-eu.1"));
}

#[test]
fn ssh_context_listed() {
    let docker = FakeDocker::new();
    docker.add_context("lab", "home lab", "ssh://admin@lab.example:2222", false);

    let (sources, errors) = docker.list();
    assert_eq!(errors, Vec::new());
    assert_eq!(
        sources,
        vec![DockerEndpointSource {
            name: "lab".to_string(),
            description: Some("home lab".to_string()),
            endpoint: ssh(Some("admin"), "lab.example", Some(2222), None),
            current: false,
        }]
    );
    assert!(docker.meta_file("lab").ends_with(format!("{LAB_DIR_NAME}/meta.json")));
}

#[test]
fn ssh_context_variants_parsed() {
    let docker = FakeDocker::new();
    docker.add_context("bare", "", "ssh://nas", false);
    docker.add_context("ipv6", "", "ssh://root@[fd00::5]:22", false);
    docker.add_context("socket", "", "ssh://me@pi/run/user/1000/docker.sock", false);

    let (sources, errors) = docker.list();
    assert_eq!(errors, Vec::new());
    assert_eq!(find(&sources, "bare").endpoint, ssh(None, "nas", None, None));
    assert_eq!(find(&sources, "bare").description, None);
    assert_eq!(
        find(&sources, "ipv6").endpoint,
        ssh(Some("root"), "fd00::5", Some(22), None)
    );
    assert_eq!(
        find(&sources, "socket").endpoint,
        ssh(Some("me"), "pi", None, Some("/run/user/1000/docker.sock"))
    );
}

#[test]
fn unix_context_listed() {
    let docker = FakeDocker::new();
    docker.add_context("rootless", "", "unix:///run/user/1000/docker.sock", false);

    let (sources, errors) = docker.list();
    assert_eq!(errors, Vec::new());
    assert_eq!(
        sources[0].endpoint,
        DockerEndpoint::Unix {
            path: PathBuf::from("/run/user/1000/docker.sock")
        }
    );
}

#[test]
fn npipe_context_listed() {
    let docker = FakeDocker::new();
    docker.add_context("windows", "", "npipe:////./pipe/docker_engine", false);

    let (sources, errors) = docker.list();
    assert_eq!(errors, Vec::new());
    assert_eq!(
        sources[0].endpoint,
        DockerEndpoint::Npipe {
            path: "//./pipe/docker_engine".to_string()
        }
    );
}

#[test]
fn tcp_context_with_tls_files() {
    let docker = FakeDocker::new();
    docker.add_context("secure", "", "tcp://10.0.0.7:2376", false);
    let tls_dir = docker.add_tls_files("secure", &["ca.pem", "cert.pem", "key.pem"]);

    let (sources, errors) = docker.list();
    assert_eq!(errors, Vec::new());
    let expected_tls = TlsFiles {
        ca: Some(tls_dir.join("ca.pem")),
        cert: Some(tls_dir.join("cert.pem")),
        key: Some(tls_dir.join("key.pem")),
        skip_verify: false,
    };
    assert_eq!(sources[0].endpoint, tcp("10.0.0.7", 2376, Some(expected_tls)));
}

#[test]
fn tcp_context_with_ca_only() {
    let docker = FakeDocker::new();
    docker.add_context("ca-only", "", "tcp://10.0.0.7:2376", false);
    let tls_dir = docker.add_tls_files("ca-only", &["ca.pem"]);

    let (sources, _) = docker.list();
    let expected_tls = TlsFiles {
        ca: Some(tls_dir.join("ca.pem")),
        cert: None,
        key: None,
        skip_verify: false,
    };
    assert_eq!(sources[0].endpoint, tcp("10.0.0.7", 2376, Some(expected_tls)));
}

#[test]
fn tcp_context_empty_tls_dir_turns_tls_on() {
    let docker = FakeDocker::new();
    docker.add_context("empty-tls", "", "tcp://10.0.0.7:2376", false);
    docker.add_tls_files("empty-tls", &[]);

    let (sources, _) = docker.list();
    let expected_tls = TlsFiles {
        ca: None,
        cert: None,
        key: None,
        skip_verify: false,
    };
    assert_eq!(sources[0].endpoint, tcp("10.0.0.7", 2376, Some(expected_tls)));
}

#[test]
fn tcp_context_skip_verify_turns_tls_on() {
    let docker = FakeDocker::new();
    docker.add_context("insecure", "", "tcp://10.0.0.7:2376", true);

    let (sources, _) = docker.list();
    let expected_tls = TlsFiles {
        ca: None,
        cert: None,
        key: None,
        skip_verify: true,
    };
    assert_eq!(sources[0].endpoint, tcp("10.0.0.7", 2376, Some(expected_tls)));
}

#[test]
fn tcp_context_without_tls_is_plain() {
    let docker = FakeDocker::new();
    docker.add_context("plain", "", "tcp://10.0.0.7:2375", false);

    let (sources, _) = docker.list();
    assert_eq!(sources[0].endpoint, tcp("10.0.0.7", 2375, None));
}

#[test]
fn tcp_context_without_port_uses_http_ports() {
    let docker = FakeDocker::new();
    docker.add_context("http", "", "tcp://10.0.0.7", false);
    docker.add_context("https", "", "tcp://10.0.0.8", true);

    let (sources, errors) = docker.list();
    assert_eq!(errors, Vec::new());
    assert!(matches!(
        find(&sources, "http").endpoint,
        DockerEndpoint::Tcp { port: 80, .. }
    ));
    assert!(matches!(
        find(&sources, "https").endpoint,
        DockerEndpoint::Tcp { port: 443, .. }
    ));
}

#[test]
fn current_context_marked() {
    let docker = FakeDocker::new();
    docker.add_context("lab", "", "ssh://lab", false);
    docker.add_context("nas", "", "ssh://nas", false);
    docker.write_config(r#"{"auths": {}, "currentContext": "nas"}"#);

    let (sources, errors) = docker.list();
    assert_eq!(errors, Vec::new());
    let names: Vec<(&str, bool)> = sources.iter().map(|s| (s.name.as_str(), s.current)).collect();
    assert_eq!(names, vec![("lab", false), ("nas", true)]);
}

#[test]
fn malformed_meta_json_skipped() {
    let docker = FakeDocker::new();
    docker.add_context("lab", "", "ssh://lab", false);
    let broken = docker.write_meta("broken", "{\n  \"Name\": \"broken\",\n  \"Endpoints\": {\n}");

    let (sources, errors) = docker.list();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].name, "lab");
    assert_eq!(errors.len(), 1);
    match &errors[0] {
        ContextError::InvalidJson {
            path,
            line,
            column,
            message,
        } => {
            assert_eq!(path, &broken);
            assert_eq!((*line, *column), (4, 1));
            assert!(message.contains("line 4 column 1"), "{message}");
        }
        other => panic!("expected InvalidJson, got {other:?}"),
    }
    assert!(errors[0].to_string().contains(&broken.display().to_string()));
}

#[test]
fn meta_json_without_name_reported() {
    let docker = FakeDocker::new();
    let path = docker.write_meta("nameless", r#"{"Endpoints": {"docker": {"Host": "ssh://h"}}}"#);

    let (sources, errors) = docker.list();
    assert_eq!(sources, Vec::new());
    assert!(
        matches!(&errors[..], [ContextError::InvalidJson { path: p, message, .. }] if p == &path && message.contains("Name")),
        "{errors:?}"
    );
}

#[test]
fn context_without_host_reported() {
    let docker = FakeDocker::new();
    let path = docker.write_meta("k8s-only", r#"{"Name": "k8s-only", "Endpoints": {"kubernetes": {}}}"#);

    let (sources, errors) = docker.list();
    assert_eq!(sources, Vec::new());
    assert_eq!(errors, vec![ContextError::MissingHost { path }]);
}

#[test]
fn stored_default_context_rejected() {
    let docker = FakeDocker::new();
    let path = docker.add_context("default", "", "ssh://h", false);

    let (sources, errors) = docker.list();
    assert_eq!(sources, Vec::new());
    assert_eq!(
        errors,
        vec![ContextError::InvalidName {
            path,
            name: "default".to_string()
        }]
    );
}

#[test]
fn context_with_bad_host_reported() {
    let docker = FakeDocker::new();
    let path = docker.add_context("web", "", "https://docker.example:443", false);
    docker.add_context("lab", "", "ssh://lab", false);

    let (sources, errors) = docker.list();
    assert_eq!(sources.len(), 1);
    match &errors[..] {
        [ContextError::InContext {
            context,
            path: p,
            error,
        }] => {
            assert_eq!(context, "web");
            assert_eq!(p, &path);
            assert!(matches!(**error, ContextError::InvalidHost { .. }), "{error:?}");
        }
        other => panic!("expected one InContext error, got {other:?}"),
    }
}

#[test]
fn missing_store_is_empty() {
    let docker = FakeDocker::new();
    let (sources, errors) = docker.list();
    assert_eq!(sources, Vec::new());
    assert_eq!(errors, Vec::new());
}

#[test]
fn malformed_config_json_reported() {
    let docker = FakeDocker::new();
    docker.add_context("lab", "", "ssh://lab", false);
    docker.write_config("{\"currentContext\": ");

    let (sources, errors) = docker.list();
    assert_eq!(sources.len(), 1);
    assert!(!sources[0].current);
    assert!(
        matches!(&errors[..], [ContextError::InvalidJson { path, .. }] if path.ends_with("config.json")),
        "{errors:?}"
    );
}

#[test]
fn environment_without_docker_host_is_none() {
    let home = TempDir::new().expect("temporary directory");
    assert_eq!(from_environment(&env(&[]), home.path()), Ok(None));
    assert_eq!(from_environment(&env(&[("DOCKER_HOST", "")]), home.path()), Ok(None));
}

#[test]
fn environment_ssh_host_is_current() {
    let home = TempDir::new().expect("temporary directory");
    let vars = env(&[("DOCKER_HOST", "ssh://deploy@build.lab:2200")]);

    let source = from_environment(&vars, home.path())
        .expect("valid")
        .expect("DOCKER_HOST is set");
    assert_eq!(source.name, ENVIRONMENT_SOURCE_NAME);
    assert_eq!(source.endpoint, ssh(Some("deploy"), "build.lab", Some(2200), None));
    assert!(source.current);
}

/// Creates a directory with the given dummy files, for DOCKER_CERT_PATH to point at.
fn cert_dir(files: &[&str]) -> TempDir {
    let dir = TempDir::new().expect("temporary directory");
    for file in files {
        fs::write(dir.path().join(file), "not a real PEM file").expect("write TLS file");
    }
    dir
}

#[test]
fn environment_tls_verify_uses_cert_path() {
    let home = TempDir::new().expect("temporary directory");
    let certs = cert_dir(&["ca.pem", "cert.pem", "key.pem"]);
    let cert_path = certs.path().to_str().expect("UTF-8 path");

    for verify_value in ["1", "0", "yes"] {
        let vars = env(&[
            ("DOCKER_HOST", "tcp://10.0.0.7"),
            ("DOCKER_TLS_VERIFY", verify_value),
            ("DOCKER_CERT_PATH", cert_path),
        ]);
        let source = from_environment(&vars, home.path()).expect("valid").expect("set");

        // The Docker CLI adds port 2375 even with TLS, and reads any non-empty value as on.
        let expected_tls = TlsFiles {
            ca: Some(certs.path().join("ca.pem")),
            cert: Some(certs.path().join("cert.pem")),
            key: Some(certs.path().join("key.pem")),
            skip_verify: false,
        };
        assert_eq!(
            source.endpoint,
            tcp("10.0.0.7", 2375, Some(expected_tls)),
            "DOCKER_TLS_VERIFY={verify_value}"
        );
    }
}

#[test]
fn environment_docker_tls_skips_verify() {
    let home = TempDir::new().expect("temporary directory");
    let certs = cert_dir(&["ca.pem"]);
    let vars = env(&[
        ("DOCKER_HOST", "tcp://10.0.0.7:2376"),
        ("DOCKER_TLS", "1"),
        ("DOCKER_CERT_PATH", certs.path().to_str().expect("UTF-8 path")),
    ]);

    let source = from_environment(&vars, home.path()).expect("valid").expect("set");
    let expected_tls = TlsFiles {
        ca: Some(certs.path().join("ca.pem")),
        cert: None,
        key: None,
        skip_verify: true,
    };
    assert_eq!(source.endpoint, tcp("10.0.0.7", 2376, Some(expected_tls)));
}

#[test]
fn environment_cert_path_defaults_to_config_dir() {
    let home = TempDir::new().expect("temporary directory");
    let docker_dir = home.path().join(".docker");
    fs::create_dir_all(&docker_dir).expect("create ~/.docker");
    fs::write(docker_dir.join("ca.pem"), "dummy").expect("write ca.pem");

    let vars = env(&[("DOCKER_HOST", "tcp://10.0.0.7:2376"), ("DOCKER_TLS_VERIFY", "1")]);
    let source = from_environment(&vars, home.path()).expect("valid").expect("set");
    let DockerEndpoint::Tcp { tls: Some(tls), .. } = source.endpoint else {
        panic!("expected TCP with TLS, got {:?}", source.endpoint);
    };
    assert_eq!(tls.ca, Some(docker_dir.join("ca.pem")));

    // DOCKER_CONFIG moves the default too.
    let other = cert_dir(&["ca.pem"]);
    let vars = env(&[
        ("DOCKER_HOST", "tcp://10.0.0.7:2376"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CONFIG", other.path().to_str().expect("UTF-8 path")),
    ]);
    let source = from_environment(&vars, home.path()).expect("valid").expect("set");
    let DockerEndpoint::Tcp { tls: Some(tls), .. } = source.endpoint else {
        panic!("expected TCP with TLS, got {:?}", source.endpoint);
    };
    assert_eq!(tls.ca, Some(other.path().join("ca.pem")));
}

#[test]
fn environment_tls_without_ca_rejected() {
    let home = TempDir::new().expect("temporary directory");
    let certs = cert_dir(&["cert.pem", "key.pem"]);
    let vars = env(&[
        ("DOCKER_HOST", "tcp://10.0.0.7:2376"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", certs.path().to_str().expect("UTF-8 path")),
    ]);

    assert_eq!(
        from_environment(&vars, home.path()),
        Err(ContextError::TlsCaMissing {
            path: certs.path().join("ca.pem")
        })
    );
}

#[test]
fn environment_cert_without_key_listed() {
    let home = TempDir::new().expect("temporary directory");
    let certs = cert_dir(&["ca.pem", "cert.pem"]);
    let vars = env(&[
        ("DOCKER_HOST", "tcp://10.0.0.7:2376"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", certs.path().to_str().expect("UTF-8 path")),
    ]);

    // The Docker CLI goes on without a client certificate, so this is not an error.
    let source = from_environment(&vars, home.path()).expect("valid").expect("set");
    let expected_tls = TlsFiles {
        ca: Some(certs.path().join("ca.pem")),
        cert: Some(certs.path().join("cert.pem")),
        key: None,
        skip_verify: false,
    };
    assert_eq!(source.endpoint, tcp("10.0.0.7", 2376, Some(expected_tls)));
}

#[test]
fn environment_tls_ignored_for_ssh() {
    let home = TempDir::new().expect("temporary directory");
    let vars = env(&[("DOCKER_HOST", "ssh://h"), ("DOCKER_TLS_VERIFY", "1")]);

    let source = from_environment(&vars, home.path())
        .expect("no CA needed")
        .expect("set");
    assert_eq!(source.endpoint, ssh(None, "h", None, None));
}

#[test]
fn environment_tls_without_host_uses_localhost_2376() {
    let home = TempDir::new().expect("temporary directory");
    let certs = cert_dir(&["ca.pem"]);
    let vars = env(&[
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", certs.path().to_str().expect("UTF-8 path")),
    ]);

    let source = from_environment(&vars, home.path())
        .expect("valid")
        .expect("TLS selects an endpoint");
    assert!(matches!(&source.endpoint, DockerEndpoint::Tcp { host, port: 2376, tls: Some(_) } if host == "localhost"));
    assert!(source.current);
}

#[test]
fn bad_docker_host_rejected() {
    let home = TempDir::new().expect("temporary directory");
    let cases = [
        "http://10.0.0.7:2375",
        "https://10.0.0.7",
        "fd://",
        "TCP://h",
        "ftp://h",
        "tcp://h:abc",
        "tcp://h:70000",
        "tcp://h:0",
        "tcp://h:2375/v1",
        "tcp://user@h:2375",
        "tcp://::1",
        "tcp://[::1",
        "ssh://",
        "ssh://u:secret@h",
        "ssh://h?x=1",
        "ssh://h#frag",
        "ssh://bad host",
        "ssh://a%zzb@h",
        "unix://x://y",
    ];

    for value in cases {
        let result = from_environment(&env(&[("DOCKER_HOST", value)]), home.path());
        let Err(ContextError::InEnvironment { variable, error }) = result else {
            panic!("DOCKER_HOST={value} was accepted: {result:?}");
        };
        assert_eq!(variable, "DOCKER_HOST");
        let message = error.to_string();
        // A password in the URL is replaced by `***`, so it never reaches a message.
        let shown = value.replace(":secret@", ":***@");
        assert!(message.contains(&format!("'{shown}'")), "{message}");
        assert!(!message.contains("secret"), "{message}");
        assert!(message.contains("ssh://[user@]host[:port]"), "{message}");
        assert!(message.contains("tcp://host[:port]"), "{message}");
    }
}

#[test]
fn docker_host_forms_parsed() {
    let cases = [
        ("tcp://10.0.0.7:2376", tcp("10.0.0.7", 2376, None)),
        ("tcp://10.0.0.7", tcp("10.0.0.7", 2375, None)),
        ("10.0.0.7:9000", tcp("10.0.0.7", 9000, None)),
        ("10.0.0.7", tcp("10.0.0.7", 2375, None)),
        ("tcp://:2380", tcp("localhost", 2380, None)),
        ("tcp://", tcp("localhost", 2375, None)),
        ("tcp://[fd00::7]:2376", tcp("fd00::7", 2376, None)),
        ("tcp://[fd00::7]:", tcp("fd00::7", 2375, None)),
        ("  tcp://h  ", tcp("h", 2375, None)),
        ("ssh://u@h", ssh(Some("u"), "h", None, None)),
        ("ssh://@h", ssh(None, "h", None, None)),
        ("ssh://j%40doe@h:22/", ssh(Some("j@doe"), "h", Some(22), None)),
        (
            "ssh://h:2222/var/run/docker.sock",
            ssh(None, "h", Some(2222), Some("/var/run/docker.sock")),
        ),
        (
            "unix:///var/run/docker.sock",
            DockerEndpoint::Unix {
                path: PathBuf::from("/var/run/docker.sock"),
            },
        ),
        (
            "unix://",
            DockerEndpoint::Unix {
                path: PathBuf::from("/var/run/docker.sock"),
            },
        ),
        (
            "npipe://",
            DockerEndpoint::Npipe {
                path: "//./pipe/docker_engine".to_string(),
            },
        ),
    ];

    for (value, expected) in cases {
        assert_eq!(parse_docker_host(value), Ok(expected), "{value}");
    }
}

#[test]
fn discover_applies_docker_precedence() {
    let docker = FakeDocker::new();
    docker.add_context("lab", "", "ssh://lab", false);
    docker.add_context("nas", "", "ssh://nas", false);
    docker.write_config(r#"{"currentContext": "lab"}"#);
    let home = docker.dir.path();

    let current = |vars: &[(&str, &str)]| -> Vec<String> {
        let (sources, errors) = discover(&env(vars), home);
        assert_eq!(errors, Vec::new());
        sources
            .into_iter()
            .filter(|source| source.current)
            .map(|source| source.name)
            .collect()
    };

    assert_eq!(current(&[]), vec!["lab"]);
    assert_eq!(current(&[("DOCKER_CONTEXT", "nas")]), vec!["nas"]);
    assert_eq!(current(&[("DOCKER_CONTEXT", "default")]), Vec::<String>::new());
    assert_eq!(
        current(&[("DOCKER_CONTEXT", "nas"), ("DOCKER_HOST", "ssh://other")]),
        vec![ENVIRONMENT_SOURCE_NAME]
    );
}

#[test]
fn discover_reports_bad_docker_host_and_lists_contexts() {
    let docker = FakeDocker::new();
    docker.add_context("lab", "", "ssh://lab", false);

    let (sources, errors) = discover(&env(&[("DOCKER_HOST", "http://x")]), docker.dir.path());
    assert_eq!(sources.len(), 1);
    assert_eq!(errors.len(), 1);
    assert!(
        !sources[0].current,
        "DOCKER_HOST overrides the stored context even when invalid"
    );
}

// --- Oracle tests with the real docker CLI -------------------------------------------------

/// Runs the docker CLI with a clean environment: DOCKER_CONFIG and HOME point into `dir`,
/// so the real store is never touched. Only commands that read or write the context store
/// are used. `docker context create`, `use` and `inspect` made no connect() call under strace
/// on Docker CLI 28.2.2.
fn docker_cli(dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new("docker");
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("DOCKER_CONFIG", dir.join(".docker"))
        .envs(vars.iter().copied());
    match command.output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "the docker CLI was not found on PATH. The oracle tests compare against it, so install \
             the Docker CLI (no engine is needed)"
        ),
        Err(error) => panic!("cannot run docker {args:?}: {error}"),
    }
}

fn docker_cli_ok(dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> String {
    let output = docker_cli(dir, vars, args);
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Writes a self-signed certificate and its key with openssl, because `docker context create`
/// checks that the CA parses and that the certificate and key belong together.
fn write_test_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let result = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ])
        .args(["-days", "1", "-subj", "/CN=homeport-test", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    let output = match result {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            panic!("openssl was not found on PATH. The docker oracle test needs it to make a test certificate, so install openssl")
        }
        Err(error) => panic!("cannot run openssl: {error}"),
    };
    assert!(
        output.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (cert, key)
}

#[test]
fn docker_cli_contexts_listed() {
    let home = TempDir::new().expect("temporary directory");
    let (cert, key) = write_test_certificate(home.path());
    let docker_config = home.path().join(".docker");

    // DOCKER_HOST points at a socket that no process listens on, so that even an unexpected
    // connection attempt could not reach a real engine.
    let no_engine = format!("unix://{}", home.path().join("no-engine.sock").display());
    let guard = [("DOCKER_HOST", no_engine.as_str())];

    docker_cli_ok(
        home.path(),
        &guard,
        &[
            "context",
            "create",
            "lab",
            "--description",
            "home lab",
            "--docker",
            "host=ssh://u@127.0.0.2:2222",
        ],
    );
    let tls_option = format!(
        "host=tcp://127.0.0.1:2376,ca={},cert={},key={}",
        cert.display(),
        cert.display(),
        key.display()
    );
    docker_cli_ok(
        home.path(),
        &guard,
        &["context", "create", "secure", "--docker", &tls_option],
    );
    docker_cli_ok(home.path(), &guard, &["context", "use", "secure"]);

    let (sources, errors) = list_contexts(&docker_config);
    assert_eq!(errors, Vec::new());
    assert_eq!(sources.len(), 2);

    let lab = find(&sources, "lab");
    assert_eq!(lab.description.as_deref(), Some("home lab"));
    assert_eq!(lab.endpoint, ssh(Some("u"), "127.0.0.2", Some(2222), None));
    assert!(!lab.current);
    assert!(docker_config
        .join("contexts/meta")
        .join(LAB_DIR_NAME)
        .join("meta.json")
        .is_file());

    // docker copied the files into its store, so the paths must point there and not at the originals.
    let tls_dir = docker_config
        .join("contexts/tls")
        .join(context_dir_name("secure"))
        .join("docker");
    let secure = find(&sources, "secure");
    assert!(secure.current);
    let expected_tls = TlsFiles {
        ca: Some(tls_dir.join("ca.pem")),
        cert: Some(tls_dir.join("cert.pem")),
        key: Some(tls_dir.join("key.pem")),
        skip_verify: false,
    };
    assert_eq!(secure.endpoint, tcp("127.0.0.1", 2376, Some(expected_tls)));

    let inspected_host = docker_cli_ok(
        home.path(),
        &guard,
        &["context", "inspect", "secure", "--format", "{{.Endpoints.docker.Host}}"],
    );
    assert_eq!(inspected_host, "tcp://127.0.0.1:2376");
}

/// Formats an endpoint the way `docker context inspect` prints the resolved host.
fn docker_host_string(endpoint: &DockerEndpoint) -> String {
    match endpoint {
        DockerEndpoint::Tcp { host, port, .. } if host.contains(':') => format!("tcp://[{host}]:{port}"),
        DockerEndpoint::Tcp { host, port, .. } => format!("tcp://{host}:{port}"),
        DockerEndpoint::Unix { path } => format!("unix://{}", path.display()),
        DockerEndpoint::Npipe { path } => format!("npipe://{path}"),
        DockerEndpoint::Ssh {
            user,
            host,
            port,
            socket_path,
        } => {
            let user = user.as_ref().map(|user| format!("{user}@")).unwrap_or_default();
            let port = port.map(|port| format!(":{port}")).unwrap_or_default();
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            format!("ssh://{user}{host}{port}{}", socket_path.as_deref().unwrap_or(""))
        }
    }
}

#[test]
fn docker_cli_resolves_docker_host_the_same() {
    let home = TempDir::new().expect("temporary directory");
    let accepted = [
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:2376",
        "127.0.0.1:9",
        "127.0.0.1",
        "tcp://:2380",
        "tcp://",
        "tcp://[::1]:",
        " tcp://127.0.0.1 ",
        "unix://",
        "unix:///tmp/engine.sock",
        "npipe://",
        "ssh://u@127.0.0.2",
        "ssh://u@127.0.0.2:22/run/docker.sock",
        "ssh://[::1]:2222",
    ];

    for value in accepted {
        let resolved = docker_cli_ok(
            home.path(),
            &[("DOCKER_HOST", value)],
            &[
                "context",
                "inspect",
                "default",
                "--format",
                "{{.Endpoints.docker.Host}}",
            ],
        );
        let parsed = parse_docker_host(value).unwrap_or_else(|error| panic!("{value}: {error}"));
        assert_eq!(docker_host_string(&parsed), resolved, "DOCKER_HOST={value}");
    }

    let rejected = [
        "http://127.0.0.1:2375",
        "https://127.0.0.1",
        "TCP://h",
        "foo://x",
        "tcp://h:abc",
    ];
    for value in rejected {
        let output = docker_cli(
            home.path(),
            &[("DOCKER_HOST", value)],
            &["context", "inspect", "default"],
        );
        assert!(!output.status.success(), "docker accepted DOCKER_HOST={value}");
        assert!(parse_docker_host(value).is_err(), "DOCKER_HOST={value} was accepted");
    }
}

#[test]
fn docker_cli_resolves_tls_environment_the_same() {
    let home = TempDir::new().expect("temporary directory");
    let certs = cert_dir(&["ca.pem", "cert.pem", "key.pem"]);
    let cert_path = certs.path().to_str().expect("UTF-8 path");
    let without_key = cert_dir(&["ca.pem", "cert.pem"]);
    let without_key_path = without_key.path().to_str().expect("UTF-8 path");
    let format = "{{.Endpoints.docker.Host}} {{.Endpoints.docker.SkipTLSVerify}} {{len .TLSMaterial.docker}}";

    let cases: [&[(&str, &str)]; 4] = [
        &[
            ("DOCKER_HOST", "tcp://127.0.0.1"),
            ("DOCKER_TLS_VERIFY", "0"),
            ("DOCKER_CERT_PATH", cert_path),
        ],
        &[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS", "1"),
            ("DOCKER_CERT_PATH", cert_path),
        ],
        &[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", cert_path)],
        &[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", without_key_path),
        ],
    ];
    for vars in cases {
        let resolved = docker_cli_ok(
            home.path(),
            vars,
            &["context", "inspect", "default", "--format", format],
        );

        let source = from_environment(&env(vars), home.path()).expect("valid").expect("set");
        let DockerEndpoint::Tcp { tls: Some(tls), .. } = &source.endpoint else {
            panic!("expected TCP with TLS for {vars:?}, got {:?}", source.endpoint);
        };
        let file_count = [&tls.ca, &tls.cert, &tls.key]
            .iter()
            .filter(|file| file.is_some())
            .count();
        let ours = format!(
            "{} {} {file_count}",
            docker_host_string(&source.endpoint),
            tls.skip_verify
        );
        assert_eq!(ours, resolved, "{vars:?}");
    }

    // Both refuse TLS without a CA certificate.
    let empty = cert_dir(&[]);
    let vars = [
        ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", empty.path().to_str().expect("UTF-8 path")),
    ];
    let output = docker_cli(home.path(), &vars, &["context", "inspect", "default"]);
    assert!(!output.status.success(), "docker accepted TLS without ca.pem");
    assert!(from_environment(&env(&vars), home.path()).is_err());
}
