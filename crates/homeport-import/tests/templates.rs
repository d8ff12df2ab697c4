//! Reads the Portainer and CasaOS fixture files in `tests/fixtures/templates`, one per version
//! and form, and checks the neutral templates they give. The generated Compose files are
//! checked with docker-compose 1.29 `config` when it is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use homeport_import::templates::{
    casaos, portainer, AppTemplate, Deployment, Orchestrator, ParameterKind, SelectOption, TemplateError,
    TemplateSource,
};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/templates")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

fn portainer_fixture(name: &str) -> Vec<AppTemplate> {
    portainer::parse(&fixture(name), name).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn compose_file(template: &AppTemplate) -> &str {
    match &template.deployment {
        Deployment::Container { compose_file, .. } => compose_file,
        other => panic!("{} is not a container template: {other:?}", template.id),
    }
}

/// Runs `docker-compose config` on `text`, or returns `None` when docker-compose is missing.
fn docker_compose_config(text: &str, environment: &[(&str, &str)]) -> Option<Result<String, String>> {
    let dir = tempfile::TempDir::new().expect("temporary directory");
    let file: PathBuf = dir.path().join("docker-compose.yml");
    std::fs::write(&file, text).expect("write Compose file");
    let mut command = Command::new("docker-compose");
    command
        .arg("--project-directory")
        .arg(dir.path())
        .arg("-f")
        .arg(&file)
        .arg("config");
    for (name, value) in environment {
        command.env(name, value);
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: docker-compose is not installed (apt-get install docker-compose)");
            return None;
        }
        Err(error) => panic!("docker-compose failed to start: {error}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    Some(if output.status.success() {
        Ok(stdout)
    } else {
        Err(stderr)
    })
}

#[test]
fn portainer_v1_bare_list() {
    let templates = portainer_fixture("portainer-v1.json");
    assert_eq!(templates.len(), 2);

    let registry = &templates[0];
    assert_eq!(registry.id, "registry");
    assert_eq!(
        registry.source,
        TemplateSource::Portainer {
            origin: "portainer-v1.json".to_string()
        }
    );
    assert_eq!(
        registry.logo_url.as_deref(),
        Some("https://example.org/logos/registry.png")
    );
    assert_eq!(
        compose_file(registry),
        "services:\n  registry:\n    image: \"registry:2\"\n    ports:\n      - \"5000/tcp\"\n    volumes:\n      - \"/var/lib/registry\"\n"
    );

    assert_eq!(
        templates[1].deployment,
        Deployment::Repository {
            orchestrator: Orchestrator::Swarm,
            url: "https://example.org/stacks.git".to_string(),
            stack_file: "monitoring/docker-stack.yml".to_string(),
        }
    );
}

#[test]
fn portainer_v2_container_parameters() {
    let templates = portainer_fixture("portainer-v2.json");
    let nginx = &templates[0];
    assert_eq!(nginx.id, "web");
    assert_eq!(nginx.title.default, "Nginx");
    assert_eq!(nginx.categories, ["webserver"]);

    let mode = &nginx.parameters[0];
    assert_eq!(mode.name, "MODE");
    assert_eq!(mode.label.default, "Mode");
    assert_eq!(mode.default.as_deref(), Some("prod"));
    assert_eq!(
        mode.kind,
        ParameterKind::Select {
            options: vec![
                SelectOption {
                    label: "Production".to_string(),
                    value: "prod".to_string()
                },
                SelectOption {
                    label: "Debug".to_string(),
                    value: "debug".to_string()
                },
            ]
        }
    );

    let workers = &nginx.parameters[1];
    assert_eq!(workers.default.as_deref(), Some("4"));
    assert_eq!(workers.kind, ParameterKind::Text);

    let build = &nginx.parameters[2];
    assert_eq!(build.kind, ParameterKind::Hidden);
    assert_eq!(build.default.as_deref(), Some("a$b"));
}

#[test]
fn portainer_v2_container_compose() {
    let templates = portainer_fixture("portainer-v2.json");
    let text = compose_file(&templates[0]);
    assert!(
        text.starts_with("services:\n  web:\n    image: \"docker.io/library/nginx:1.27\"\n"),
        "{text}"
    );
    assert!(text.contains("    command: \"nginx -g 'daemon off;'\"\n"), "{text}");
    assert!(text.contains("    stdin_open: true\n    tty: true\n"), "{text}");
    assert!(text.contains("      MODE: \"${MODE}\"\n"), "{text}");
    assert!(
        text.contains("      - \"/srv/www:/usr/share/nginx/html:ro\"\n      - \"nginx-cache:/var/cache/nginx\"\n      - \"/tmp/scratch\"\n"),
        "{text}"
    );
    assert!(text.contains("volumes:\n  nginx-cache: {}\n"), "{text}");
    assert!(text.contains("networks:\n  proxy:\n    external: true\n"), "{text}");

    let environment = [("MODE", "prod"), ("WORKERS", "4"), ("BUILD_ID", "abc")];
    if let Some(result) = docker_compose_config(text, &environment) {
        let output = result.unwrap_or_else(|error| panic!("docker-compose rejected:\n{text}\n{error}"));
        assert!(output.contains("MODE: prod"), "{output}");
        assert!(output.contains("command: nginx -g 'daemon off;'"), "{output}");
    }
}

#[test]
fn portainer_note_is_sanitized() {
    let templates = portainer_fixture("portainer-v2.json");
    let note = templates[0].note.as_ref().expect("note");
    for forbidden in ["script", "onclick", "alert", "javascript", "steal"] {
        assert!(!note.html.contains(forbidden), "{forbidden} in {}", note.html);
    }
    assert!(
        note.html
            .contains("<a href=\"https://nginx.org/en/docs/\">nginx.org</a>"),
        "{}",
        note.html
    );
    assert_eq!(
        note.text,
        "Open port 8080 after deploying.\nDocs: nginx.org (https://nginx.org/en/docs/) and this"
    );
}

#[test]
fn portainer_v2_stacks_and_ids() {
    let templates = portainer_fixture("portainer-v2.json");
    assert_eq!(templates[1].id, "wordpress");
    assert_eq!(templates[2].id, "wordpress-2");
    assert!(matches!(
        &templates[1].deployment,
        Deployment::Repository { orchestrator: Orchestrator::Compose, stack_file, .. } if stack_file == "stacks/wordpress/docker-compose.yml"
    ));
    assert_eq!(templates[1].parameters[0].name, "MYSQL_DATABASE_PASSWORD");
    assert!(matches!(
        &templates[2].deployment,
        Deployment::Repository {
            orchestrator: Orchestrator::Swarm,
            ..
        }
    ));
}

#[test]
fn portainer_v3_integer_ids() {
    let templates = portainer_fixture("portainer-v3.json");
    let ids: Vec<&str> = templates.iter().map(|template| template.id.as_str()).collect();
    assert_eq!(ids, ["7", "8"]);
    let text = compose_file(&templates[0]);
    assert!(text.contains("    privileged: true\n"), "{text}");
    assert!(text.contains("    network_mode: \"host\"\n"), "{text}");

    if let Some(result) = docker_compose_config(text, &[("REDIS_ARGS", "--save 60 1")]) {
        result.unwrap_or_else(|error| panic!("docker-compose rejected:\n{text}\n{error}"));
    }
}

#[test]
fn portainer_errors_name_field_and_place() {
    let error = portainer::parse(
        "{\"version\": \"2\", \"templates\": [{\"type\": 1, \"title\": 5}]}",
        "x",
    )
    .expect_err("title is a number");
    let TemplateError::InvalidJson { line, column, path, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(path, "templates[0].title");
    assert_eq!((*line, *column), (1, 53));
    assert_eq!(error.code(), "invalid_json");
    assert!(error.to_string().contains("field 'templates[0].title'"), "{error}");

    let error =
        portainer::parse("[\n  {\"type\": \"container\",\n   \"title\": \"x\",}\n]", "x").expect_err("trailing comma");
    assert!(matches!(error, TemplateError::InvalidJson { line: 3, .. }), "{error:?}");
    assert!(error.to_string().contains("Fix the JSON syntax"), "{error}");
    // A syntax error names no field, since serde has not reached one.
    assert!(!error.to_string().contains("field"), "{error}");

    let error = portainer::parse(
        "{\"version\": \"2\", \"templates\": [{\"type\": 9, \"title\": \"x\"}]}",
        "x",
    )
    .expect_err("unknown type");
    assert!(error.to_string().contains("field 'templates[0].type'"), "{error}");
    assert!(error.to_string().contains("unknown template type 9"), "{error}");

    let error = portainer::parse(
        "{\"version\": \"2\", \"templates\": [{\"type\": 1, \"title\": \"Web\"}]}",
        "x",
    )
    .expect_err("missing image");
    assert_eq!(error.code(), "invalid_template");
    assert_eq!(
        error.to_string(),
        "template 0 ('Web'), field 'image': a container template needs an image. Add \"image\": \"name:tag\" to the template"
    );

    let error = portainer::parse("{\"version\": \"4\", \"templates\": []}", "x").expect_err("version 4");
    assert_eq!(error.code(), "unsupported_version");
}

#[test]
fn casaos_upper_case_locales() {
    let template = casaos::parse(&fixture("casaos-en_US.yml"), "casaos-en_US.yml").expect("valid app");
    assert_eq!(template.id, "syncthing");
    assert_eq!(template.title.default, "Syncthing");
    assert_eq!(
        template.description.get("zh_cn"),
        "Syncthing 在两台或多台计算机之间实时同步文件。"
    );
    assert_eq!(
        template.tagline.default,
        "Free, secure, and distributed file synchronisation tool."
    );
    assert_eq!(template.categories, ["Backup"]);
    assert_eq!(
        template.logo_url.as_deref(),
        Some("https://example.org/icons/Syncthing/icon.png")
    );

    let web_ui = template.web_ui.as_ref().expect("web UI");
    assert_eq!(
        (web_ui.scheme.as_str(), web_ui.port.as_str(), web_ui.path.as_str()),
        ("http", "8384", "/")
    );

    let names: Vec<&str> = template
        .parameters
        .iter()
        .map(|parameter| parameter.name.as_str())
        .collect();
    // The variables the Compose file reads, in order of use; CasaOS fills these in itself.
    assert_eq!(names, ["PUID", "PGID", "TZ", "AppID"]);
    let defaults: Vec<Option<&str>> = template
        .parameters
        .iter()
        .map(|parameter| parameter.default.as_deref())
        .collect();
    assert_eq!(
        defaults,
        [Some("1000"), Some("1000"), Some("Etc/UTC"), Some("syncthing")]
    );
    assert_eq!(
        template.parameters[0].label.get("zh_CN"),
        "以指定的 UID 运行 Syncthing。"
    );
    assert_eq!(template.parameters[1].label.default, "PGID");
    assert_eq!(template.parameters[2].label.default, "TimeZone");
    assert_eq!(template.described_ports[0].container, "8384");
    assert_eq!(template.described_ports[0].description.default, "WebUI HTTP Port");
    assert_eq!(template.described_volumes[0].container, "/config");
    assert!(matches!(&template.deployment, Deployment::ComposeText { text } if text.contains("linuxserver/syncthing")));
}

#[test]
fn casaos_lower_case_locales() {
    let template = casaos::parse(&fixture("casaos-en_us.yml"), "https://example.org/memos.yml").expect("valid app");
    assert_eq!(template.id, "memos-app");
    assert_eq!(
        template.source,
        TemplateSource::Casaos {
            origin: "https://example.org/memos.yml".to_string()
        }
    );
    assert_eq!(template.title.default, "Memos");
    let locales: Vec<&str> = template.title.by_locale.keys().map(String::as_str).collect();
    assert_eq!(locales, ["en_US", "zh_CN"]);
    assert_eq!(template.title.get("zh-CN"), "备忘录");

    // The main service's parameters come first, whatever the file order.
    let names: Vec<&str> = template
        .parameters
        .iter()
        .map(|parameter| parameter.name.as_str())
        .collect();
    assert_eq!(names, ["MEMOS_MODE", "WEBUI_PORT", "BACKUP_HOUR"]);
    assert_eq!(template.parameters[0].default.as_deref(), Some("prod"));
    assert_eq!(template.parameters[0].label.get("de_DE"), "Betriebsart");
    assert_eq!(template.parameters[1].default.as_deref(), Some("5230"));
    assert_eq!(template.parameters[1].label.default, "WEBUI_PORT");
    assert_eq!(template.parameters[2].default, None);
    assert_eq!(template.parameters[2].label.default, "Hour of the nightly backup");
    assert!(template
        .parameters
        .iter()
        .all(|parameter| parameter.kind == ParameterKind::Text));

    let web_ui = template.web_ui.as_ref().expect("web UI");
    assert_eq!(web_ui.scheme, "https");
    assert_eq!(web_ui.port, "${WEBUI_PORT:-5230}");
    assert_eq!(web_ui.path, "/login");
}

#[test]
fn casaos_errors_name_field_and_place() {
    let error = casaos::parse("services:\n  web:\n    image: [nginx\n", "x").expect_err("open bracket");
    let TemplateError::InvalidYaml { line, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*line, 4, "{error}");
    assert_eq!(error.code(), "invalid_yaml");

    let error = casaos::parse("services:\n  web:\n    image: nginx\n", "x").expect_err("no x-casaos");
    assert_eq!(error.code(), "not_casaos");

    let text = "services:\n  web:\n    image: nginx\n    x-casaos:\n      envs:\n        - description:\n            en_us: x\nx-casaos:\n  title:\n    en_us: Web\n";
    let error = casaos::parse(text, "x").expect_err("env without container");
    assert_eq!(
        error.to_string(),
        "field 'services.web.x-casaos.envs[0].container': is missing. Name the variable, port or path inside the container"
    );

    let error = casaos::parse("x-casaos:\n  title: [1, 2]\n", "x").expect_err("title is a list");
    assert_eq!(error.code(), "invalid_casaos");
    assert!(error.to_string().contains("'x-casaos.title'"), "{error}");
}

#[test]
fn casaos_env_value_names_the_variable() {
    let text = "services:\n  db:\n    image: mariadb:11\n    environment:\n      MARIADB_PASSWORD: ${DB_PASSWORD}\n      LITERAL: fixed\n    x-casaos:\n      envs:\n        - container: MARIADB_PASSWORD\n          description:\n            en_us: Database password\n        - container: LITERAL\n          description:\n            en_us: Not a variable\n    command: echo $$HOME\nx-casaos:\n  title:\n    en_us: DB\n";
    let template = casaos::parse(text, "x").expect("valid app");
    let names: Vec<&str> = template
        .parameters
        .iter()
        .map(|parameter| parameter.name.as_str())
        .collect();
    // LITERAL is fixed in the file and $$HOME is a literal dollar, so neither is a parameter.
    assert_eq!(names, ["DB_PASSWORD"]);
    assert_eq!(template.parameters[0].label.default, "Database password");
    assert_eq!(template.parameters[0].default, None);
}

#[test]
fn portainer_entries_read_back() {
    let text = fixture("portainer-v2.json");
    let entries = portainer::parse_entries(&text, "origin").expect("valid file");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[2].template.id, "wordpress-2");
    for entry in &entries {
        let again = portainer::parse_entry(&entry.json, "origin").expect("entry reads back");
        assert_eq!(again.title, entry.template.title);
        assert_eq!(again.parameters, entry.template.parameters);
        assert_eq!(again.deployment, entry.template.deployment);
        assert_eq!(again.note, entry.template.note);
    }
    // A repeated id is made unique per file; the entry alone gives the plain one.
    let again = portainer::parse_entry(&entries[2].json, "origin").expect("entry reads back");
    assert_eq!(again.id, "wordpress");

    let v1 = portainer::parse_entries(&fixture("portainer-v1.json"), "origin").expect("valid file");
    assert_eq!(v1.len(), 2);
    assert!(v1[0].json.starts_with('{'), "{}", v1[0].json);
}

#[test]
fn portainer_env_name_must_be_a_variable() {
    let error = portainer::parse(
        "[{\"type\": \"container\", \"title\": \"Web\", \"image\": \"nginx\", \"env\": [{\"name\": \"MY-VAR\"}]}]",
        "x",
    )
    .expect_err("a dash is not allowed in a variable name");
    assert_eq!(error.code(), "invalid_template");
    assert!(error.to_string().contains("field 'env[0].name'"), "{error}");
}
