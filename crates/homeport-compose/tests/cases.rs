//! Loading projects from files on disk: merge keys, interpolation, ports and overrides,
//! extension fields, dependencies and empty environments.

use std::fs;
use std::path::{Path, PathBuf};

use homeport_compose::{Code, ComposeFile, Condition, Diagnostics, Document, Environment, Project, Severity};
use tempfile::TempDir;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write file");
    path
}

fn load(paths: &[PathBuf]) -> Result<Project, Diagnostics> {
    ComposeFile::load(paths, &Environment::default())
}

fn load_ok(paths: &[PathBuf]) -> Project {
    load(paths).unwrap_or_else(|diagnostics| panic!("load failed:\n{diagnostics}"))
}

fn env_value<'a>(project: &'a Project, service: &str, key: &str) -> Option<&'a str> {
    project.services[service].environment.get(key)?.as_deref()
}

#[test]
fn merge_key_in_environment() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        r#"x-app-env: &app-env {FOO: bar, BAZ: qux}
services:
  app:
    image: alpine
    environment:
      <<: *app-env
      LOCAL: "1"
"#,
    );
    let project = load_ok(&[file]);
    let environment = &project.services["app"].environment;
    assert_eq!(environment.len(), 3, "{environment:?}");
    assert_eq!(env_value(&project, "app", "FOO"), Some("bar"));
    assert_eq!(env_value(&project, "app", "BAZ"), Some("qux"));
    assert_eq!(env_value(&project, "app", "LOCAL"), Some("1"));
    assert!(!environment.contains_key("<<"));
}

const INTERPOLATION: &str = r#"services:
  app:
    image: "${SET_VAR:-latest}"
    environment:
      EMPTY_COLON: "${EMPTY_VAR:-latest}"
      EMPTY_DASH: "${EMPTY_VAR-latest}"
      UNSET_DASH: "${UNSET_VAR-latest}"
      ESCAPED: "$$NOT_EXPANDED"
      NESTED: "${UNSET_VAR:-fallback-${SET_VAR}}"
    labels:
      $KEY: value
"#;

#[test]
fn interpolation_with_dotenv() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), ".env", "SET_VAR=alpine\nEMPTY_VAR=\n");
    let file = write(dir.path(), "compose.yaml", INTERPOLATION);
    let project = load_ok(&[file]);
    let app = &project.services["app"];
    assert_eq!(app.image.as_deref(), Some("alpine"));
    assert_eq!(env_value(&project, "app", "EMPTY_COLON"), Some("latest"));
    assert_eq!(env_value(&project, "app", "EMPTY_DASH"), Some(""));
    assert_eq!(env_value(&project, "app", "UNSET_DASH"), Some("latest"));
    assert_eq!(env_value(&project, "app", "ESCAPED"), Some("$NOT_EXPANDED"));
    assert_eq!(env_value(&project, "app", "NESTED"), Some("fallback-alpine"));
    assert_eq!(
        app.labels.get("$KEY").map(String::as_str),
        Some("value"),
        "keys are not interpolated"
    );
}

#[test]
fn interpolation_caller_values_win() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), ".env", "SET_VAR=alpine\n");
    let file = write(dir.path(), "compose.yaml", "services:\n  app:\n    image: ${SET_VAR}\n");
    let environment = Environment::from_pairs([("SET_VAR", "debian")]);
    let project = ComposeFile::load(&[file], &environment).unwrap();
    assert_eq!(project.services["app"].image.as_deref(), Some("debian"));
}

#[test]
fn interpolation_errors_in_one_pass() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        r#"services:
  app:
    image: "${UNSET_VAR:?need it}"
    ports:
      - "${PROXY_PORT:80}:80"
"#,
    );
    let diagnostics = load(std::slice::from_ref(&file)).unwrap_err();
    let errors: Vec<_> = diagnostics.errors().collect();
    assert_eq!(errors.len(), 2, "{diagnostics}");

    let required = errors[0];
    assert_eq!(required.code, Code::RequiredVariable);
    assert!(required.message.contains("need it"), "{required}");
    assert_eq!((required.line, required.column), (3, 12));
    assert_eq!(required.file, file);

    let invalid = errors[1];
    assert_eq!(invalid.code, Code::InvalidInterpolation);
    assert_eq!((invalid.line, invalid.column), (5, 9));
    assert_eq!(invalid.value, "${PROXY_PORT:80}:80");
    assert!(invalid.hint.contains("${PROXY_PORT:-80}"), "{invalid}");
}

#[test]
fn ports_override_adds_binding() {
    let dir = TempDir::new().unwrap();
    let base = write(
        dir.path(),
        "compose.yaml",
        r#"services:
  dns:
    image: pihole/pihole
    ports:
      - "53:53/udp"
      - "53:53/tcp"
      - "127.0.0.1:8080:80"
      - target: 443
        published: "8443"
        name: https
        app_protocol: https
        mode: host
"#,
    );
    let project = load_ok(std::slice::from_ref(&base));
    let ports = &project.services["dns"].ports;
    assert_eq!(ports.len(), 4);
    assert_eq!((ports[0].target, ports[0].protocol.as_str()), (53, "udp"));
    assert_eq!((ports[1].target, ports[1].protocol.as_str()), (53, "tcp"));
    assert_eq!(ports[2].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(ports[3].published.as_deref(), Some("8443"));
    assert_eq!(ports[3].name.as_deref(), Some("https"));
    assert_eq!(ports[3].app_protocol.as_deref(), Some("https"));
    assert_eq!(ports[3].mode, "host");
    assert!(project.warnings.is_empty(), "{:?}", project.warnings);

    let overlay = write(
        dir.path(),
        "compose.override.yaml",
        "services:\n  dns:\n    ports:\n      - \"8081:80\"\n",
    );
    let project = load_ok(&[base, overlay.clone()]);
    let ports = &project.services["dns"].ports;
    assert_eq!(ports.len(), 5);
    assert_eq!(ports[4].published.as_deref(), Some("8081"));
    let warnings: Vec<_> = project
        .warnings
        .iter()
        .filter(|w| w.code == Code::DuplicateTarget)
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", project.warnings);
    assert_eq!(warnings[0].value, "80");
}

#[test]
fn override_merges_by_key() {
    let dir = TempDir::new().unwrap();
    let base = write(
        dir.path(),
        "compose.yaml",
        r#"services:
  app:
    image: app:1
    command: ["serve", "--port", "80"]
    environment: [A=1, B=2]
    labels: {tier: web}
    volumes: ["data:/data", "./conf:/conf:ro"]
    dns: [1.1.1.1]
volumes:
  data: {}
"#,
    );
    let overlay = write(
        dir.path(),
        "override.yaml",
        r#"services:
  app:
    image: app:2
    command: serve
    environment:
      B: "3"
      C: "4"
    labels: [owner=me]
    volumes: ["./data:/data"]
    dns: [8.8.8.8]
"#,
    );
    let project = load_ok(&[base, overlay]);
    let app = &project.services["app"];
    assert_eq!(app.image.as_deref(), Some("app:2"));
    assert_eq!(
        app.command.as_deref(),
        Some(&["serve".to_string()][..]),
        "commands are replaced"
    );
    assert_eq!(env_value(&project, "app", "A"), Some("1"));
    assert_eq!(env_value(&project, "app", "B"), Some("3"));
    assert_eq!(env_value(&project, "app", "C"), Some("4"));
    assert_eq!(app.labels.len(), 2);
    assert_eq!(app.volumes.len(), 2, "volumes merge by target");
    assert_eq!(
        app.volumes[0].kind, "bind",
        "the override's /data mount replaced the volume"
    );
    assert_eq!(
        app.other["dns"],
        serde_json::json!(["1.1.1.1", "8.8.8.8"]),
        "other lists append"
    );
}

const EXTENSIONS: &str = r#"version: "3.0"
x-homelab:
  owner: me   # who to ask
services:
  app:
    image: nginx
    build:
      context: .
      x-bake:
        platforms: [linux/amd64]
    x-casaos:
      title: App
"#;

#[test]
fn extensions_and_version_warning() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "compose.yaml", EXTENSIONS);
    let project = load_ok(&[file]);
    assert_eq!(project.warnings.len(), 1, "{:?}", project.warnings);
    assert_eq!(project.warnings[0].code, Code::ObsoleteVersion);
    assert_eq!(project.warnings[0].severity, Severity::Warning);
    assert_eq!(project.warnings[0].line, 1);
    assert!(project.extensions.contains_key("x-homelab"));
    assert!(
        !project.services["app"].other.contains_key("x-casaos"),
        "x- fields are not modelled"
    );

    let mut document = Document::parse(EXTENSIONS).unwrap();
    document.set_service_image("app", "nginx:1.27").unwrap();
    let saved = document.to_string();
    assert_eq!(saved, EXTENSIONS.replace("image: nginx\n", "image: nginx:1.27\n"));
    for block in ["x-homelab:", "x-bake:", "x-casaos:"] {
        assert!(saved.contains(block), "{block} survives the save");
    }
}

const DEPENDENCIES: &str = r#"services:
  web:
    image: web
    depends_on:
      db:
        condition: service_healthy
        restart: true
      migrate:
        condition: service_completed_successfully
      debug:
        condition: service_started
        required: false
  migrate:
    image: web
    command: migrate
    depends_on: [db]
  db:
    image: postgres
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 1m30s
  debug:
    image: busybox
    profiles: [debug]
"#;

#[test]
fn start_order_follows_dependencies() {
    let dir = TempDir::new().unwrap();
    let project = load_ok(&[write(dir.path(), "compose.yaml", DEPENDENCIES)]);
    let web = &project.services["web"];
    assert_eq!(web.depends_on["db"].condition, Condition::ServiceHealthy);
    assert!(web.depends_on["db"].restart);
    assert_eq!(
        web.depends_on["migrate"].condition,
        Condition::ServiceCompletedSuccessfully
    );
    assert!(!web.depends_on["debug"].required);

    assert_eq!(project.start_order(&[]).unwrap(), ["db", "migrate", "web"]);
    assert_eq!(
        project.start_order(&["debug"]).unwrap(),
        ["db", "debug", "migrate", "web"]
    );
}

#[test]
fn start_order_rejects_cycle() {
    let dir = TempDir::new().unwrap();
    let text = "services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n";
    let paths = [write(dir.path(), "compose.yaml", text)];
    let error = homeport_compose::ComposeFile::load(&paths, &homeport_compose::Environment::default())
        .expect_err("a cycle is rejected when the file loads");
    assert_eq!(
        error.with_code(homeport_compose::Code::DependencyCycle).count(),
        1,
        "{error}"
    );
}

const COMMENTED_ENVIRONMENT: &str = r#"services:
  app:
    image: "busybox"   # pinned below
    environment:
      # FOO: bar
      # BAZ: qux

    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://localhost"]
      interval: 30s
"#;

#[test]
fn commented_environment_is_empty() {
    let dir = TempDir::new().unwrap();
    let project = load_ok(&[write(dir.path(), "compose.yaml", COMMENTED_ENVIRONMENT)]);
    assert!(project.services["app"].environment.is_empty());
    let codes: Vec<Code> = project.warnings.iter().map(|warning| warning.code).collect();
    assert_eq!(codes, [Code::EmptySection], "Compose itself rejects a null environment");
    let test = project.services["app"]
        .healthcheck
        .as_ref()
        .unwrap()
        .test
        .clone()
        .unwrap();
    assert_eq!(test, ["CMD", "wget", "-q", "--spider", "http://localhost"]);

    let document = Document::parse(COMMENTED_ENVIRONMENT).unwrap();
    assert_eq!(
        document.to_string(),
        COMMENTED_ENVIRONMENT,
        "an unchanged save is byte-identical"
    );
}

#[test]
fn model_errors_collected_with_places() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        r#"services:
  app:
    image: x
    ports: ["99999:80", "80/quic"]
    restart: sometimes
    depends_on: [ghost]
    healthcheck:
      interval: soon
    deploy:
      resources:
        limits: {memory: lots}
"#,
    );
    let diagnostics = load(&[file]).unwrap_err();
    let places: Vec<(usize, Code)> = diagnostics.errors().map(|d| (d.line, d.code)).collect();
    assert_eq!(
        places,
        [
            (4, Code::InvalidValue),
            (4, Code::InvalidValue),
            (5, Code::InvalidValue),
            (6, Code::UndefinedReference),
            (8, Code::InvalidValue),
            (11, Code::InvalidValue),
        ],
        "{diagnostics}"
    );
    for diagnostic in diagnostics.errors() {
        assert!(!diagnostic.hint.is_empty(), "{diagnostic}");
        assert!(diagnostic.column > 0, "{diagnostic}");
    }
}

#[test]
fn env_file_forms() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "app.env", "# settings\nexport A=from-file\nB='kept $A'\n");
    let file = write(
        dir.path(),
        "compose.yaml",
        r#"services:
  app:
    image: x
    env_file:
      - app.env
      - path: ./optional.env
        required: false
    environment:
      A: from-environment
"#,
    );
    let project = load_ok(&[file]);
    assert_eq!(env_value(&project, "app", "A"), Some("from-environment"));
    assert_eq!(env_value(&project, "app", "B"), Some("kept $A"));

    let missing = write(
        dir.path(),
        "missing.yaml",
        "services:\n  app:\n    image: x\n    env_file: nope.env\n",
    );
    let diagnostics = load(&[missing]).unwrap_err();
    assert_eq!(diagnostics.errors().next().unwrap().code, Code::EnvFileMissing);
}

/// Services that are alternatives behind different profiles may publish the same host port,
/// since only one of them runs; services that can run together may not.
#[test]
fn profile_alternatives_share_a_port_without_warning() {
    let text = "services:\n  mariadb:\n    image: mariadb\n    profiles: [mariadb]\n    ports: [\"8080:80\"]\n  postgres:\n    image: postgres\n    profiles: [postgres]\n    ports: [\"8080:80\"]\n  web:\n    image: nginx\n    ports: [\"9000:80\"]\n  other:\n    image: nginx\n    ports: [\"9000:80\"]\n";
    let files = vec![(std::path::PathBuf::from("/stack/compose.yaml"), text.to_string())];
    let project =
        homeport_compose::ComposeFile::load_strs(&files, &homeport_compose::Environment::default()).expect("loads");
    let duplicates: Vec<String> = project
        .warnings
        .iter()
        .filter(|warning| warning.code == homeport_compose::Code::DuplicatePublishedPort)
        .map(|warning| warning.value.clone())
        .collect();
    assert_eq!(duplicates, vec!["9000".to_string()], "{:?}", project.warnings);
}

#[test]
fn compose_rejects_what_compose_rejects() {
    let cases = [
        (
            "services:\n  web:\n    imgae: nginx\n    image: nginx\n",
            "unknown attribute 'imgae'",
            3,
        ),
        (
            "services:\n  web:\n    restart: always\n",
            "neither an image nor a build",
            3,
        ),
        (
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
            "cycle",
            2,
        ),
    ];
    for (text, expected, line) in cases {
        let files = [(std::path::PathBuf::from("compose.yaml"), text.to_string())];
        let error = homeport_compose::ComposeFile::load_strs(&files, &homeport_compose::Environment::default())
            .expect_err(expected);
        let found = error.errors().find(|diagnostic| diagnostic.message.contains(expected));
        let found = found.unwrap_or_else(|| panic!("{expected}: {error}"));
        assert_eq!(found.line, line, "{found}");
    }
}
