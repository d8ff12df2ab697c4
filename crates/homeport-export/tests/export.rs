//! Exports of one Compose file to every target: each output parses back into the same typed
//! values, secrets never reach the output, and every setting a target cannot take is reported.

use std::path::PathBuf;

use homeport_compose::{ComposeFile, Environment, Project};
use homeport_export::{export, kubernetes, nomad, routes_from_text, swarm, ExportInput, Outcome, Target, Warning};

fn fixture() -> (Project, ExportInput) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let project = ComposeFile::load(&[path], &Environment::default()).expect("fixture loads");
    let input = ExportInput {
        routes: routes_from_text(&text),
        ..ExportInput::default()
    };
    (project, input)
}

fn warned(warnings: &[Warning], service: &str, field: &str, outcome: Outcome) -> bool {
    warnings.iter().any(|warning| {
        warning.service.as_deref() == Some(service) && warning.field == field && warning.outcome == outcome
    })
}

fn assert_no_secret_values(content: &str) {
    for value in ["s3cr3t-value-never-written", "hunter2-never-written"] {
        assert!(!content.contains(value), "secret value {value} was written:\n{content}");
    }
}

#[test]
fn swarm_stack_file_round_trips_and_lists_ignored_fields() {
    let (project, input) = fixture();
    let result = export(&project, &input, Target::Swarm).unwrap();
    assert_eq!(result.files.len(), 1);
    let content = &result.files[0].content;
    assert_no_secret_values(content);

    let parsed = swarm::from_yaml(content).expect("stack file parses back");
    let mut warnings = Vec::new();
    let built = swarm::stack_file(&project, &input, swarm::SecretValues::Reference, &mut warnings);
    assert_eq!(parsed, built, "round trip changed the stack file");
    assert_eq!(
        warnings,
        result.warnings[1..],
        "the same warnings, after the profile one"
    );

    assert!(
        !parsed.services.contains_key("worker"),
        "profiled services are left out"
    );
    let api = &parsed.services["api"];
    assert_eq!(api.image, "shop-api");
    assert_eq!(api.deploy.replicas, 2);
    let policy = api.deploy.restart_policy.as_ref().unwrap();
    assert_eq!(
        (policy.condition.as_str(), policy.max_attempts),
        ("on-failure", Some(4))
    );
    let resources = api.deploy.resources.as_ref().unwrap();
    assert_eq!(resources.limits.as_ref().unwrap().cpus.as_deref(), Some("1.5"));
    assert_eq!(resources.limits.as_ref().unwrap().memory.as_deref(), Some("1G"));
    assert_eq!(resources.reservations.as_ref().unwrap().memory.as_deref(), Some("128M"));
    assert!(api.deploy.other.contains_key("placement"));
    assert_eq!(api.environment["DB_PASSWORD"], "${DB_PASSWORD}");
    assert_eq!(api.environment["FROM_HOST"], "${FROM_HOST}");
    assert_eq!(api.environment["DB_HOST"], "db");
    assert_eq!(
        parsed.services["web"].deploy.restart_policy.as_ref().unwrap().condition,
        "any"
    );
    assert_eq!(
        parsed.services["db"].deploy.restart_policy.as_ref().unwrap().condition,
        "none"
    );
    assert_eq!(parsed.networks["back"].driver.as_deref(), Some("overlay"));

    let w = &result.warnings;
    for field in ["container_name", "privileged", "devices", "cap_add"] {
        assert!(
            warned(w, "api", field, Outcome::Dropped),
            "{field} not reported: {w:#?}"
        );
    }
    assert!(warned(w, "api", "build", Outcome::Action));
    assert!(warned(w, "web", "depends_on", Outcome::Dropped));
    assert!(warned(w, "db", "network_mode", Outcome::Dropped));
    assert!(warned(w, "web", "restart", Outcome::Changed));
    assert!(warned(w, "worker", "profiles", Outcome::Dropped));
    assert!(w.iter().any(|warning| warning.field == "networks.back.driver"));
}

#[test]
fn kubernetes_manifests_round_trip_through_k8s_openapi() {
    let (project, input) = fixture();
    let result = export(&project, &input, Target::Kubernetes).unwrap();
    let content = &result.files[0].content;
    assert_eq!(result.files[0].path, "kubernetes.yaml");
    assert_no_secret_values(content);
    assert!(!content.contains("kind: Secret"), "no Secret object is written");

    let parsed = kubernetes::parse(content).expect("manifests parse back");
    let built = kubernetes::manifests(&project, &input, kubernetes::Flavour::Kubernetes, &mut Vec::new());
    assert_eq!(parsed, built, "round trip changed the manifests");
    assert_eq!(parsed.deployments.len(), 3);

    let deployment = |name: &str| {
        parsed
            .deployments
            .iter()
            .find(|deployment| deployment.metadata.name.as_deref() == Some(name))
            .unwrap()
    };
    let container = |name: &str| {
        deployment(name)
            .spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
            .containers[0]
            .clone()
    };

    // Defaults where Compose sets nothing.
    let web = container("web");
    let resources = web.resources.as_ref().unwrap();
    assert_eq!(resources.requests.as_ref().unwrap()["memory"].0, "256Mi");
    assert_eq!(resources.requests.as_ref().unwrap()["cpu"].0, "250m");
    assert_eq!(resources.limits.as_ref().unwrap()["memory"].0, "512Mi");
    assert_eq!(resources.limits.as_ref().unwrap()["cpu"].0, "500m");
    let liveness = web.liveness_probe.as_ref().unwrap();
    let http = liveness.http_get.as_ref().unwrap();
    assert_eq!(
        (http.path.as_deref(), &http.port),
        (
            Some("/health"),
            &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(8080)
        )
    );
    assert_eq!(
        (
            liveness.initial_delay_seconds,
            liveness.period_seconds,
            liveness.failure_threshold
        ),
        (Some(30), Some(10), Some(3))
    );
    let readiness = web.readiness_probe.as_ref().unwrap();
    assert_eq!(readiness.http_get.as_ref().unwrap().path.as_deref(), Some("/ready"));
    assert_eq!(
        (readiness.initial_delay_seconds, readiness.period_seconds),
        (Some(5), Some(5))
    );

    // Compose limits and the health check's URL win.
    let api = container("api");
    let resources = api.resources.as_ref().unwrap();
    assert_eq!(resources.limits.as_ref().unwrap()["cpu"].0, "1500m");
    assert_eq!(resources.limits.as_ref().unwrap()["memory"].0, "1Gi");
    assert_eq!(resources.requests.as_ref().unwrap()["memory"].0, "128Mi");
    let probe = api.liveness_probe.as_ref().unwrap();
    assert_eq!(probe.http_get.as_ref().unwrap().path.as_deref(), Some("/healthz"));
    assert_eq!(
        (probe.period_seconds, probe.timeout_seconds, probe.failure_threshold),
        (Some(15), Some(3), Some(5))
    );
    assert_eq!(deployment("api").spec.as_ref().unwrap().replicas, Some(2));
    let password = api
        .env
        .as_ref()
        .unwrap()
        .iter()
        .find(|env| env.name == "DB_PASSWORD")
        .unwrap();
    assert!(password.value.is_none());
    let reference = password.value_from.as_ref().unwrap().secret_key_ref.as_ref().unwrap();
    assert_eq!(
        (reference.name.as_str(), reference.key.as_str()),
        ("shop-secrets", "DB_PASSWORD")
    );
    assert!(api.security_context.as_ref().unwrap().privileged.is_none());

    // Command checks become exec probes; a claim per named volume, with Recreate updates.
    let db = container("db");
    assert_eq!(
        db.liveness_probe
            .as_ref()
            .unwrap()
            .exec
            .as_ref()
            .unwrap()
            .command
            .as_deref(),
        Some(&["sh".to_string(), "-c".to_string(), "pg_isready -U app".to_string()][..])
    );
    assert_eq!(parsed.claims.len(), 1);
    let claim = parsed.claims[0].spec.as_ref().unwrap();
    assert_eq!(claim.storage_class_name, None);
    assert_eq!(
        deployment("db")
            .spec
            .as_ref()
            .unwrap()
            .strategy
            .as_ref()
            .unwrap()
            .type_
            .as_deref(),
        Some("Recreate")
    );

    // The route becomes an Ingress for its hostname, on the Service port it names.
    assert_eq!(parsed.ingresses.len(), 1);
    let rule = &parsed.ingresses[0].spec.as_ref().unwrap().rules.as_ref().unwrap()[0];
    assert_eq!(rule.host.as_deref(), Some("shop.example.com"));
    let backend = rule.http.as_ref().unwrap().paths[0].backend.service.as_ref().unwrap();
    assert_eq!(
        (backend.name.as_str(), backend.port.as_ref().unwrap().number),
        ("web", Some(80))
    );
    assert!(parsed
        .services
        .iter()
        .any(|service| service.metadata.name.as_deref() == Some("db-public")));

    let w = &result.warnings;
    assert!(warned(w, "api", "privileged", Outcome::Dropped), "{w:#?}");
    assert!(warned(w, "api", "devices", Outcome::Dropped));
    assert!(warned(w, "api", "container_name", Outcome::Dropped));
    assert!(warned(w, "db", "network_mode", Outcome::Dropped));
    assert!(warned(w, "api", "cap_add", Outcome::Changed));
    assert!(warned(w, "api", "deploy.placement", Outcome::Dropped));
    assert!(
        warned(w, "db", "volumes", Outcome::Changed),
        "the bind mount is reported"
    );
    assert!(w.iter().any(|warning| warning.field == "environment"
        && warning.message.contains("kubectl create secret generic shop-secrets")));
}

#[test]
fn k3s_uses_traefik_and_local_path() {
    let (project, input) = fixture();
    let result = export(&project, &input, Target::K3s).unwrap();
    assert_eq!(result.files[0].path, "k3s.yaml");
    let parsed = kubernetes::parse(&result.files[0].content).unwrap();
    assert_eq!(
        parsed.ingresses[0].spec.as_ref().unwrap().ingress_class_name.as_deref(),
        Some("traefik")
    );
    assert_eq!(
        parsed.claims[0].spec.as_ref().unwrap().storage_class_name.as_deref(),
        Some("local-path")
    );
}

#[test]
fn kubernetes_parse_rejects_fields_outside_the_schema() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: many\n";
    assert!(kubernetes::parse(text).is_err());
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n";
    assert!(matches!(
        kubernetes::parse(text),
        Err(kubernetes::ParseError::UnknownKind { .. })
    ));
}

#[test]
fn nomad_job_parses_back_with_the_expected_structure() {
    let (project, input) = fixture();
    let result = export(&project, &input, Target::Nomad).unwrap();
    assert_eq!(result.files[0].path, "shop.nomad.hcl");
    let content = &result.files[0].content;
    assert_no_secret_values(content);

    let parsed = nomad::parse(content).expect("the job parses back");
    let built = nomad::job(&project, &input, &mut Vec::new());
    assert_eq!(parsed, built, "round trip changed the job:\n{content}");

    let variables: Vec<String> = parsed
        .blocks()
        .filter(|block| block.identifier() == "variable")
        .map(|block| block.labels()[0].as_str().to_string())
        .collect();
    assert_eq!(variables, ["db_password", "from_host", "session_secret"]);
    let job = parsed.blocks().find(|block| block.identifier() == "job").unwrap();
    assert_eq!(job.labels()[0].as_str(), "shop");
    let groups: Vec<&hcl::Block> = job
        .body()
        .blocks()
        .filter(|block| block.identifier() == "group")
        .collect();
    assert_eq!(
        groups
            .iter()
            .map(|group| group.labels()[0].as_str())
            .collect::<Vec<_>>(),
        ["api", "db", "web"]
    );
    let api = groups[0];
    let attribute = |body: &hcl::Body, key: &str| {
        body.attributes()
            .find(|attribute| attribute.key() == key)
            .map(|attribute| attribute.expr().clone())
    };
    assert_eq!(attribute(api.body(), "count"), Some(hcl::Expression::from(2)));
    let task = api.body().blocks().find(|block| block.identifier() == "task").unwrap();
    assert_eq!(attribute(task.body(), "driver"), Some(hcl::Expression::from("docker")));
    let resources = task
        .body()
        .blocks()
        .find(|block| block.identifier() == "resources")
        .unwrap();
    assert_eq!(attribute(resources.body(), "cpu"), Some(hcl::Expression::from(1500)));
    assert_eq!(attribute(resources.body(), "memory"), Some(hcl::Expression::from(128)));
    assert_eq!(
        attribute(resources.body(), "memory_max"),
        Some(hcl::Expression::from(1024))
    );
    let service = task
        .body()
        .blocks()
        .find(|block| block.identifier() == "service")
        .unwrap();
    let check = service
        .body()
        .blocks()
        .find(|block| block.identifier() == "check")
        .unwrap();
    assert_eq!(attribute(check.body(), "type"), Some(hcl::Expression::from("http")));
    assert_eq!(attribute(check.body(), "path"), Some(hcl::Expression::from("/healthz")));
    let restart = api
        .body()
        .blocks()
        .find(|block| block.identifier() == "restart")
        .unwrap();
    assert_eq!(attribute(restart.body(), "attempts"), Some(hcl::Expression::from(4)));
    assert!(content.contains("DB_PASSWORD = var.db_password"), "{content}");

    let w = &result.warnings;
    assert!(warned(w, "api", "privileged", Outcome::Action), "{w:#?}");
    assert!(warned(w, "api", "devices", Outcome::Dropped));
    assert!(warned(w, "api", "container_name", Outcome::Dropped));
    assert!(warned(w, "db", "healthcheck", Outcome::Changed));
}

#[test]
fn a_stack_with_only_profiled_services_fails() {
    let project = ComposeFile::load_strs(
        &[(
            PathBuf::from("/tmp/x/compose.yaml"),
            "services:\n  a:\n    image: busybox\n    profiles: [p]\n".to_string(),
        )],
        &Environment::default(),
    )
    .unwrap();
    for target in Target::ALL {
        assert!(matches!(
            export(&project, &ExportInput::default(), target),
            Err(homeport_export::ExportError::NoServices)
        ));
    }
}

#[test]
fn values_marked_secret_are_never_written() {
    let text = "name: app
services:
  web:
    image: busybox
    environment:
      DATABASE_URL: postgres://app:Zq8vN2kR5tLw9xYb3cDf7gHj@db/app
      TZ: UTC
";
    let project = ComposeFile::load_strs(
        &[(PathBuf::from("/tmp/app/compose.yaml"), text.to_string())],
        &Environment::default(),
    )
    .unwrap();
    let input = ExportInput {
        secret_values: vec!["Zq8vN2kR5tLw9xYb3cDf7gHj".to_string()],
        ..ExportInput::default()
    };
    for target in Target::ALL {
        let result = export(&project, &input, target).unwrap();
        let content = &result.files[0].content;
        assert!(
            !content.contains("Zq8vN2kR5tLw9xYb3cDf7gHj"),
            "{target:?} wrote the password:\n{content}"
        );
        assert!(content.contains("UTC"), "{target:?} lost a plain value");
    }
    let without = export(&project, &ExportInput::default(), Target::Swarm).unwrap();
    assert!(
        without.files[0].content.contains("Zq8vN2kR5tLw9xYb3cDf7gHj"),
        "the test needs an unmarked run to differ"
    );
}
