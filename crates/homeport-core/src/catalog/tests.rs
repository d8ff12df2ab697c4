//! Tests of the shipped templates and of every validation rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

const TEMPLATE_IDS: &[&str] = &[
    "adguard-home",
    "caddy",
    "home-assistant",
    "immich",
    "jellyfin",
    "monitoring",
    "nextcloud",
    "nginx-proxy-manager",
    "portainer",
    "prowlarr",
    "radarr",
    "sonarr",
    "uptime-kuma",
    "vaultwarden",
];

fn catalog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/catalog")
}

fn embedded_files(folder: &str) -> Vec<(String, String)> {
    embedded::FILES
        .iter()
        .filter(|(path, _)| path.starts_with(&format!("{folder}/")))
        .map(|(path, contents)| (path.to_string(), contents.to_string()))
        .collect()
}

/// Returns the files of one shipped template with `file` replaced by `edit(contents)`.
fn edited(folder: &str, file: &str, edit: impl Fn(&str) -> String) -> Vec<(String, String)> {
    let target = format!("{folder}/{file}");
    let mut files = embedded_files(folder);
    let entry = files.iter_mut().find(|(path, _)| *path == target).expect("file exists");
    entry.1 = edit(&entry.1);
    files
}

fn load_error(files: Vec<(String, String)>) -> CatalogError {
    Catalog::from_files(files).expect_err("the edited template must not load")
}

fn no_values() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn no_secrets() -> BTreeMap<String, Secret> {
    BTreeMap::new()
}

#[test]
fn embedded_catalog_loads() {
    let catalog = Catalog::embedded().unwrap();
    let ids: Vec<&str> = catalog.templates().iter().map(|t| t.metadata.id.as_str()).collect();
    assert_eq!(ids, TEMPLATE_IDS);
}

#[test]
fn embedded_list_matches_folder() {
    let on_disk = read_tree(&catalog_dir()).unwrap();
    let embedded: Vec<(String, String)> = embedded::FILES
        .iter()
        .map(|(path, contents)| (path.to_string(), contents.to_string()))
        .collect();
    let disk_paths: Vec<&String> = on_disk.iter().map(|(path, _)| path).collect();
    let embedded_paths: Vec<&String> = embedded.iter().map(|(path, _)| path).collect();
    assert_eq!(
        disk_paths, embedded_paths,
        "update catalog/embedded.rs to list every file"
    );
    assert_eq!(on_disk, embedded);
}

#[test]
fn load_dir_reads_catalog() {
    let catalog = Catalog::load_dir(&catalog_dir()).unwrap();
    assert_eq!(catalog.templates().len(), TEMPLATE_IDS.len());
    let monitoring = catalog.get("monitoring").unwrap();
    assert!(monitoring
        .files
        .iter()
        .any(|file| file.path == "prometheus/rules/containers.yml"));
}

#[test]
fn load_dir_missing_folder() {
    let err = Catalog::load_dir(Path::new("/nonexistent/catalog")).unwrap_err();
    assert!(matches!(err, CatalogError::Io { .. }), "{err:?}");
}

#[test]
fn every_template_renders_with_defaults() {
    let catalog = Catalog::embedded().unwrap();
    for template in catalog.templates() {
        let id = &template.metadata.id;
        let stack = catalog.render(id, &no_values(), &no_secrets()).unwrap();
        assert!(stack.compose.ends_with(&template.compose), "{id}");
        for parameter in &template.metadata.parameters {
            let prefix = format!("\n{}='", parameter.name);
            assert!(
                stack.env.expose().contains(&prefix),
                "{id}: .env lacks {}",
                parameter.name
            );
        }
        assert_eq!(stack.secrets.len(), template.metadata.secrets.len(), "{id}");
        assert_eq!(stack.files, template.files, "{id}");
    }
}

#[test]
fn rendered_env_quotes_values() {
    let catalog = Catalog::embedded().unwrap();
    let values = BTreeMap::from([
        ("HTTP_PORT".to_string(), "18096".to_string()),
        ("MEDIA_DIR".to_string(), "/mnt/my media".to_string()),
    ]);
    let stack = catalog.render("jellyfin", &values, &no_secrets()).unwrap();
    let env = stack.env.expose();
    assert!(env.contains("\nHTTP_PORT='18096'\n"), "{env}");
    assert!(env.contains("\nMEDIA_DIR='/mnt/my media'\n"), "{env}");
    assert!(env.contains("\nCOMPOSE_PROFILES='cpu'\n"), "{env}");
}

/// Returns every text of a rendered stack that may not contain a password: all but `.env`.
fn public_texts(stack: &RenderedStack) -> Vec<String> {
    let mut texts = vec![stack.compose.clone(), format!("{stack:?}")];
    texts.extend(stack.files.iter().map(|file| file.contents.clone()));
    texts.extend(stack.files.iter().map(|file| file.path.clone()));
    texts
}

#[test]
fn secrets_appear_only_in_env() {
    let catalog = Catalog::embedded().unwrap();
    let mut checked = 0;
    for template in catalog.templates() {
        let id = &template.metadata.id;
        let stack = catalog.render(id, &no_values(), &no_secrets()).unwrap();
        for (name, secret) in &stack.secrets {
            let value = secret.expose();
            assert_eq!(value.len(), 32, "{id} {name}");
            let line = format!("\n{name}='{value}'\n");
            assert_eq!(stack.env.expose().matches(value).count(), 1, "{id} {name}");
            assert!(stack.env.expose().contains(&line), "{id} {name}");
            for text in public_texts(&stack) {
                assert!(!text.contains(value), "{id}: {name} leaked");
            }
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} secrets were generated");
}

#[test]
fn passed_secrets_are_reused() {
    let catalog = Catalog::embedded().unwrap();
    let secrets = BTreeMap::from([("DB_PASSWORD".to_string(), Secret::new("kept-from-keychain-123"))]);
    let stack = catalog.render("immich", &no_values(), &secrets).unwrap();
    assert_eq!(stack.secrets["DB_PASSWORD"].expose(), "kept-from-keychain-123");
    assert!(stack.env.expose().contains("\nDB_PASSWORD='kept-from-keychain-123'\n"));
}

#[test]
fn each_render_generates_new_secrets() {
    let catalog = Catalog::embedded().unwrap();
    let first = catalog.render("nextcloud", &no_values(), &no_secrets()).unwrap();
    let second = catalog.render("nextcloud", &no_values(), &no_secrets()).unwrap();
    assert_ne!(
        first.secrets["ADMIN_PASSWORD"].expose(),
        second.secrets["ADMIN_PASSWORD"].expose()
    );
}

// --- docker-compose accepts the rendered files ---

/// Writes a rendered stack the way a deploy lays it out on the host.
fn write_stack(dir: &Path, stack: &RenderedStack) {
    std::fs::write(dir.join("compose.yaml"), &stack.compose).unwrap();
    std::fs::write(dir.join(".env"), stack.env.expose()).unwrap();
    for file in &stack.files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.contents).unwrap();
    }
}

fn docker_compose_version() -> Option<String> {
    let output = Command::new("docker-compose")
        .arg("version")
        .arg("--short")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Runs `docker-compose config` (Debian's 1.29) on every template, once per profile choice.
/// It parses and validates the files and the `.env` without contacting a Docker engine.
#[test]
fn docker_compose_config_accepts_templates() {
    let Some(version) = docker_compose_version() else {
        eprintln!("skipped: docker-compose is not installed (apt-get install docker-compose)");
        return;
    };
    let catalog = Catalog::embedded().unwrap();
    for template in catalog.templates() {
        let id = &template.metadata.id;
        let profiles: Vec<Option<String>> = match template.metadata.parameter(PROFILES_PARAMETER) {
            Some(parameter) => parameter.options.iter().map(|o| Some(o.value.clone())).collect(),
            None => vec![None],
        };
        for profile in profiles {
            let mut values = BTreeMap::new();
            if let Some(profile) = &profile {
                values.insert(PROFILES_PARAMETER.to_string(), profile.clone());
            }
            let stack = catalog.render(id, &values, &no_secrets()).unwrap();
            let dir = tempfile::tempdir().unwrap();
            write_stack(dir.path(), &stack);

            let output = Command::new("docker-compose")
                .args(["--project-name", "catalog-test", "-f", "compose.yaml", "config"])
                .current_dir(dir.path())
                .env_remove("COMPOSE_PROFILES")
                .env_remove("DOCKER_HOST")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "docker-compose {version} rejected {id} (profile {profile:?}):\n{stderr}"
            );
            assert!(!stderr.contains("is not set"), "{id}: a variable is missing:\n{stderr}");
            for parameter in &template.metadata.parameters {
                if parameter.name == PROFILES_PARAMETER {
                    continue;
                }
                let reference = format!("${{{}}}", parameter.name);
                assert!(!stdout.contains(&reference), "{id}: {reference} was not substituted");
            }
        }
    }
}

/// Returns the services of `compose` that carry `profiles:`, with their profiles.
fn service_profiles(compose: &str) -> BTreeMap<String, Vec<String>> {
    let value: serde_norway::Value = serde_norway::from_str(compose).unwrap();
    let mut profiles = BTreeMap::new();
    for (name, service) in value["services"].as_mapping().unwrap() {
        if let Some(list) = service.get("profiles").and_then(|list| list.as_sequence()) {
            let names = list.iter().filter_map(|p| p.as_str()).map(str::to_string).collect();
            profiles.insert(name.as_str().unwrap().to_string(), names);
        }
    }
    profiles
}

/// Runs Compose v2 from `.tools/compose` (installed by scripts/compose-oracle.sh), the version
/// hosts run, and checks that `COMPOSE_PROFILES` in `.env` starts exactly the chosen services.
#[test]
fn compose_v2_selects_profile_services() {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/compose/docker-compose");
    if !binary.exists() {
        eprintln!("skipped: Compose v2 is not installed (scripts/compose-oracle.sh)");
        return;
    }
    let catalog = Catalog::embedded().unwrap();
    for template in catalog.templates() {
        let id = &template.metadata.id;
        let profiled = service_profiles(&template.compose);
        let choices: Vec<String> = match template.metadata.parameter(PROFILES_PARAMETER) {
            Some(parameter) => parameter.options.iter().map(|o| o.value.clone()).collect(),
            None => vec![String::new()],
        };
        for choice in choices {
            let mut values = BTreeMap::new();
            if !choice.is_empty() {
                values.insert(PROFILES_PARAMETER.to_string(), choice.clone());
            }
            let stack = catalog.render(id, &values, &no_secrets()).unwrap();
            let dir = tempfile::tempdir().unwrap();
            write_stack(dir.path(), &stack);

            let output = Command::new(&binary)
                .args([
                    "--project-name",
                    "catalog-test",
                    "-f",
                    "compose.yaml",
                    "config",
                    "--services",
                ])
                .current_dir(dir.path())
                .env_remove("COMPOSE_PROFILES")
                .env_remove("DOCKER_HOST")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "Compose v2 rejected {id} ({choice}):\n{stderr}"
            );
            let services: Vec<String> = String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_string)
                .collect();
            assert!(!services.is_empty(), "{id} ({choice}) starts no service");
            for service in &services {
                if let Some(profiles) = profiled.get(service) {
                    assert!(profiles.contains(&choice), "{id} ({choice}) starts {service}");
                }
            }
            let chosen = profiled.iter().filter(|(_, profiles)| profiles.contains(&choice));
            for (service, _) in chosen {
                assert!(services.contains(service), "{id} ({choice}) does not start {service}");
            }
        }
    }
}

// --- validation errors ---

#[test]
fn unknown_field_has_line_and_column() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replacen("icon: caddy\n", "icon: caddy\ncolour: blue\n", 1)
    });
    let line = files
        .iter()
        .find(|(path, _)| path == "caddy/template.yaml")
        .map(|(_, text)| text.lines().position(|l| l == "colour: blue").unwrap() + 1)
        .unwrap();
    match load_error(files) {
        CatalogError::Syntax { file, at, detail } => {
            assert_eq!(file, "caddy/template.yaml");
            assert_eq!(at, Location { line, column: 1 });
            assert!(detail.contains("unknown field `colour`"), "{detail}");
            assert!(!detail.contains(" at line "), "{detail}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn unknown_parameter_field_has_column() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replacen("    default: 80\n", "    default: 80\n    hidden: true\n", 1)
    });
    match load_error(files) {
        CatalogError::Syntax { at, detail, .. } => {
            assert_eq!(at.column, 5);
            assert!(detail.contains("unknown field `hidden`"), "{detail}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn missing_zh_cn_text() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replacen(
            "  zh-CN: 自动配置 HTTPS 的反向代理，只需一个简短的 Caddyfile。\n",
            "",
            1,
        )
    });
    match load_error(files) {
        CatalogError::Syntax { file, detail, .. } => {
            assert_eq!(file, "caddy/template.yaml");
            assert!(detail.contains("missing field `zh-CN`"), "{detail}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn empty_zh_cn_text() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replacen("      zh-CN: HTTP 端口\n", "      zh-CN: \"\"\n", 1)
    });
    match load_error(files) {
        CatalogError::Invalid { field, .. } => assert_eq!(field, "parameters.HTTP_PORT.title.zh-CN"),
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn undeclared_parameter_has_location() {
    let files = edited("caddy", "compose.yaml", |text| {
        text.replacen(
            "    mem_limit: 256m\n",
            "    mem_limit: 256m\n    hostname: \"${HOST_NAME}\"\n",
            1,
        )
    });
    match load_error(files) {
        CatalogError::UndeclaredParameter { file, at, name } => {
            assert_eq!(file, "caddy/compose.yaml");
            assert_eq!(name, "HOST_NAME");
            assert_eq!(at.column, 16);
            assert!(at.line > 1);
        }
        other => panic!("expected an undeclared parameter, got {other:?}"),
    }
}

#[test]
fn unused_parameter() {
    let files = edited("caddy", "compose.yaml", |text| text.replace("${HTTP_PORT}", "8080"));
    match load_error(files) {
        CatalogError::UnusedParameter { name, .. } => assert_eq!(name, "HTTP_PORT"),
        other => panic!("expected an unused parameter, got {other:?}"),
    }
}

#[test]
fn interpolation_default_rejected() {
    let files = edited("caddy", "compose.yaml", |text| {
        text.replacen("${HTTP_PORT}", "${HTTP_PORT:-80}", 1)
    });
    match load_error(files) {
        CatalogError::Syntax { file, at, detail } => {
            assert_eq!(file, "caddy/compose.yaml");
            assert!(at.line > 1);
            assert!(detail.contains("template.yaml"), "{detail}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn default_of_wrong_type() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replacen("default: 80\n", "default: \"80\"\n", 1)
    });
    match load_error(files) {
        CatalogError::Invalid { field, detail, .. } => {
            assert_eq!(field, "parameters.HTTP_PORT.default");
            assert!(detail.contains("whole number"), "{detail}");
        }
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn port_default_out_of_range() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replacen("default: 80\n", "default: 70000\n", 1)
    });
    assert!(
        matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "parameters.HTTP_PORT.default")
    );
}

#[test]
fn select_default_not_an_option() {
    let files = edited("jellyfin", "template.yaml", |text| {
        text.replacen("default: cpu\n", "default: amd\n", 1)
    });
    match load_error(files) {
        CatalogError::Invalid { field, detail, .. } => {
            assert_eq!(field, "parameters.COMPOSE_PROFILES.default");
            assert!(detail.contains("cpu, intel, nvidia"), "{detail}");
        }
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn profile_without_option() {
    let files = edited("jellyfin", "compose.yaml", |text| {
        text.replacen("profiles: [\"nvidia\"]", "profiles: [\"cuda\"]", 1)
    });
    assert!(matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "profiles"));
}

#[test]
fn password_needs_secrets_entry() {
    let files = edited("immich", "template.yaml", |text| {
        text.replacen("secrets: [DB_PASSWORD]\n", "", 1)
    });
    assert!(matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "parameters.DB_PASSWORD"));
}

#[test]
fn secret_must_be_password() {
    let files = edited("immich", "template.yaml", |text| {
        text.replacen("secrets: [DB_PASSWORD]\n", "secrets: [DB_PASSWORD, TZ]\n", 1)
    });
    assert!(matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "secrets.TZ"));
}

#[test]
fn id_must_match_folder() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replacen("id: caddy\n", "id: caddy2\n", 1)
    });
    assert!(matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "id"));
}

#[test]
fn reserved_compose_name() {
    let files = edited("caddy", "template.yaml", |text| {
        text.replace("HTTP_PORT", "COMPOSE_FILE")
    });
    let files = files
        .into_iter()
        .map(|(path, text)| (path, text.replace("${HTTP_PORT}", "${COMPOSE_FILE}")))
        .collect();
    assert!(matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "parameters.COMPOSE_FILE"));
}

#[test]
fn unmounted_extra_file() {
    let mut files = embedded_files("caddy");
    files.push(("caddy/extra.conf".to_string(), "unused".to_string()));
    assert!(matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "extra.conf"));
}

#[test]
fn missing_compose_file() {
    let files = embedded_files("caddy")
        .into_iter()
        .filter(|(path, _)| path != "caddy/compose.yaml")
        .collect();
    assert!(matches!(
        load_error(files),
        CatalogError::MissingFile {
            file: "compose.yaml",
            ..
        }
    ));
}

#[test]
fn unsafe_file_path() {
    let mut files = embedded_files("caddy");
    files.push(("caddy/../escape".to_string(), String::new()));
    assert!(matches!(load_error(files), CatalogError::Invalid { field, .. } if field == "path"));
}

// --- render errors ---

fn render_error(id: &str, name: &str, value: &str) -> CatalogError {
    let values = BTreeMap::from([(name.to_string(), value.to_string())]);
    Catalog::embedded()
        .unwrap()
        .render(id, &values, &no_secrets())
        .unwrap_err()
}

#[test]
fn render_rejects_invalid_values() {
    let cases = [
        ("HTTP_PORT", "0"),
        ("HTTP_PORT", "80a"),
        ("PUID", "-1"),
        ("MEDIA_DIR", "media"),
        ("MEDIA_DIR", "/srv/a:b"),
        ("TZ", "Europe/Berlin'"),
        ("TZ", "Europe\nBerlin"),
        ("COMPOSE_PROFILES", "amd"),
    ];
    for (name, value) in cases {
        let err = render_error("jellyfin", name, value);
        assert_eq!(err.code(), CatalogErrorCode::ParameterInvalid, "{name}={value:?}");
        assert!(
            matches!(&err, CatalogError::ValueInvalid { parameter, .. } if parameter == name),
            "{name}={value:?}: {err:?}"
        );
    }
}

#[test]
fn render_rejects_empty_required() {
    let err = render_error("jellyfin", "TZ", "");
    assert!(matches!(err, CatalogError::ValueMissing { parameter, .. } if parameter == "TZ"));
}

#[test]
fn render_rejects_unknown_parameter() {
    let err = render_error("jellyfin", "NOPE", "1");
    assert!(matches!(err, CatalogError::UnknownParameter { parameter, .. } if parameter == "NOPE"));
}

#[test]
fn render_rejects_password_as_value() {
    let err = render_error("immich", "DB_PASSWORD", "visible");
    assert!(!err.to_string().contains("visible"), "{err}");
}

#[test]
fn invalid_secret_is_redacted() {
    let secrets = BTreeMap::from([("DB_PASSWORD".to_string(), Secret::new("it's-secret"))]);
    let err = Catalog::embedded()
        .unwrap()
        .render("immich", &no_values(), &secrets)
        .unwrap_err();
    assert!(matches!(err, CatalogError::ValueInvalid { .. }));
    assert!(!err.to_string().contains("it's-secret"), "{err}");
    assert!(!format!("{err:?}").contains("it's-secret"), "{err:?}");
}

#[test]
fn unknown_template_code() {
    let err = Catalog::embedded()
        .unwrap()
        .render("nope", &no_values(), &no_secrets())
        .unwrap_err();
    assert_eq!(err.code(), CatalogErrorCode::TemplateNotFound);
    assert_eq!(err.params()["template"], "nope");
}

// --- the monitoring template's alert rules ---

/// Alert rule unit tests for `promtool test rules`, with 15 s samples. `{rules}` is the folder
/// of the rendered rule files.
const ALERT_RULE_TESTS: &str = r#"
rule_files:
  - {rules}/containers.yml
  - {rules}/host.yml
  - {rules}/certificates.yml
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'container_memory_working_set_bytes{name="app",id="/a",instance="c"}'
        values: '900x40'
      - series: 'container_spec_memory_limit_bytes{name="app",id="/a",instance="c"}'
        values: '1000x40'
      - series: 'container_memory_working_set_bytes{name="unlimited",id="/b",instance="c"}'
        values: '900x40'
      - series: 'container_spec_memory_limit_bytes{name="unlimited",id="/b",instance="c"}'
        values: '0x40'
      - series: 'container_start_time_seconds{name="flapping",id="/f",instance="c"}'
        values: '100 100 200 300 400 400x30'
      - series: 'container_start_time_seconds{name="once",id="/o",instance="c"}'
        values: '100 100 200 200x30'
      - series: 'node_filesystem_avail_bytes{mountpoint="/",device="sda1",fstype="ext4",instance="n"}'
        values: '10x40'
      - series: 'node_filesystem_size_bytes{mountpoint="/",device="sda1",fstype="ext4",instance="n"}'
        values: '100x40'
      - series: 'node_filesystem_avail_bytes{mountpoint="/run",device="tmpfs",fstype="tmpfs",instance="n"}'
        values: '1x40'
      - series: 'node_filesystem_size_bytes{mountpoint="/run",device="tmpfs",fstype="tmpfs",instance="n"}'
        values: '100x40'
      - series: 'probe_ssl_earliest_cert_expiry{instance="https://a.example"}'
        values: '864000x300'
      - series: 'probe_ssl_earliest_cert_expiry{instance="https://b.example"}'
        values: '86400000x300'
    alert_rule_test:
      - eval_time: 4m
        alertname: HighMemoryUsage
        exp_alerts: []
      - eval_time: 6m
        alertname: HighMemoryUsage
        exp_alerts:
          - exp_labels: {severity: warning, name: app, id: /a, instance: c}
            exp_annotations:
              summary: Container app uses more than 80 % of its memory limit
              description: app on c has used 90% of its memory limit for 5 minutes.
      - eval_time: 1m
        alertname: ContainerRestarted
        exp_alerts:
          - exp_labels: {severity: critical, name: flapping, id: /f, instance: c}
            exp_annotations:
              summary: Container flapping restarted more than twice in 5 minutes
              description: flapping on c restarted 3 times in 5 minutes; check its logs.
      - eval_time: 4m
        alertname: FilesystemAlmostFull
        exp_alerts: []
      - eval_time: 6m
        alertname: FilesystemAlmostFull
        exp_alerts:
          - exp_labels: {severity: warning, mountpoint: /, device: sda1, fstype: ext4, instance: n}
            exp_annotations:
              summary: File system / is more than 80 % full
              description: / (sda1) is 90% full.
      - eval_time: 70m
        alertname: CertificateExpiringSoon
        exp_alerts:
          - exp_labels: {severity: warning, instance: https://a.example}
            exp_annotations:
              summary: The certificate of https://a.example expires within 30 days
              description: https://a.example presents a certificate that expires in 9d 22h 50m 0s; check its automatic renewal.
"#;

/// Checks the thresholds the monitoring template documents: memory above 80 % of the limit
/// for 5 minutes, more than 2 restarts in 5 minutes, file systems above 80 %, certificates
/// expiring within 30 days. Runs `promtool` when it is installed.
#[test]
fn alert_rules_fire_as_documented() {
    if Command::new("promtool").arg("--version").output().is_err() {
        eprintln!("skipped: promtool is not installed (apt-get install prometheus)");
        return;
    }
    let stack = Catalog::embedded()
        .unwrap()
        .render("monitoring", &no_values(), &no_secrets())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_stack(dir.path(), &stack);
    let rules = dir.path().join("prometheus/rules");
    let tests = ALERT_RULE_TESTS.replace("{rules}", &rules.display().to_string());
    let tests_file = dir.path().join("rule-tests.yml");
    std::fs::write(&tests_file, tests).unwrap();

    let check = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .args(["containers.yml", "host.yml", "certificates.yml"].map(|name| rules.join(name)))
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));

    let test = Command::new("promtool")
        .arg("test")
        .arg("rules")
        .arg(&tests_file)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
}
