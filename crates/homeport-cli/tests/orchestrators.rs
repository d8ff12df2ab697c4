//! `homeport orchestrator recommend` and `homeport rollout` against a fresh data folder. The
//! detection test needs the lab's dockerd (`HOMEPORT_LAB_ENV`) and is skipped without it.

use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

mod run;
use run::{homeport, json};

fn item<'a>(rollout: &'a Value, id: &str) -> &'a Value {
    rollout["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|phase| phase["items"].as_array().expect("items"))
        .find(|item| item["id"] == id)
        .unwrap_or_else(|| panic!("item {id} missing in {rollout}"))
}

const RECOMMEND: [&str; 10] = [
    "orchestrator",
    "recommend",
    "--team",
    "solo",
    "--workloads",
    "containers",
    "--scale",
    "many",
    "--ops",
    "none",
];

#[test]
fn recommend_json_names_platforms_and_conflicts() {
    let dir = TempDir::new().unwrap();
    let mut args = vec!["--json"];
    args.extend(RECOMMEND);
    let result = json(&homeport(dir.path(), &args), "recommend");

    assert_eq!(result["primary"], "managed_kubernetes");
    assert_eq!(result["runnerUp"], "k3s");
    assert_eq!(result["highlight"], "kubernetes");
    assert_eq!(result["answers"]["scale"], "many");
    let conflicts: Vec<&str> = result["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|conflict| conflict["id"].as_str().unwrap())
        .collect();
    assert_eq!(conflicts, ["solo_many_nodes", "no_ops_many_nodes"]);
    assert!(
        result["summary"]["zhCn"].as_str().is_some_and(|text| !text.is_empty()),
        "texts carry Chinese too: {result}"
    );
    assert!(
        !dir.path().join("homeport.db").exists(),
        "a recommendation writes nothing"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file in the data folder"
    );
}

#[test]
fn recommend_text_explains_reasons() {
    let dir = TempDir::new().unwrap();
    let output = homeport(dir.path(), &RECOMMEND);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);

    assert!(text.contains("Recommended: A managed Kubernetes service"), "{text}");
    assert!(text.contains("Why:"), "{text}");
    assert!(text.contains("Almost none:"), "the ops answer is a reason: {text}");
    assert!(text.contains("Conflicting answers:"), "{text}");
    assert!(text.contains("* Kubernetes"), "the matrix marks the row: {text}");
    assert!(text.contains("Adopt gradually"), "{text}");
}

#[test]
fn recommend_rejects_unknown_answer() {
    let dir = TempDir::new().unwrap();
    let mut args = RECOMMEND.to_vec();
    args[7] = "huge";
    let output = homeport(dir.path(), &args);
    assert_eq!(output.status.code(), Some(2), "clap rejects the value");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("single, few, many, edge"),
        "the error lists the choices: {stderr}"
    );
}

#[test]
fn rollout_ticks_persist_between_runs() {
    let dir = TempDir::new().unwrap();
    let before = json(&homeport(dir.path(), &["--json", "rollout"]), "rollout");
    assert_eq!(before["phases"].as_array().unwrap().len(), 4);
    assert_eq!(item(&before, "backups")["done"], false);

    json(
        &homeport(dir.path(), &["--json", "rollout", "check", "backups"]),
        "check",
    );
    let after = json(&homeport(dir.path(), &["--json", "rollout"]), "rollout");
    assert_eq!(item(&after, "backups")["checked"], true);
    let core = &after["phases"][1];
    assert_eq!(core["id"], "core");
    assert_eq!(core["done"], 1);

    json(
        &homeport(dir.path(), &["--json", "rollout", "uncheck", "backups"]),
        "uncheck",
    );
    let cleared = json(&homeport(dir.path(), &["--json", "rollout"]), "rollout");
    assert_eq!(item(&cleared, "backups")["done"], false);
}

#[test]
fn rollout_check_rejects_unknown_item() {
    let dir = TempDir::new().unwrap();
    let output = homeport(dir.path(), &["--json", "rollout", "check", "moat"]);
    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stderr).expect("JSON error on stderr");
    assert_eq!(error["error"]["code"], "InvalidInput");
}

/// Runs a container whose image is named `nginx-proxy-manager`, tagged from the lab image, on
/// the lab's dockerd, and checks that the rollout plan sees the proxy and the runtime.
#[test]
fn rollout_detects_proxy_on_lab_engine() {
    let Some(env_file) = std::env::var_os("HOMEPORT_LAB_ENV") else {
        println!("skipped: HOMEPORT_LAB_ENV is not set");
        return;
    };
    let env = std::fs::read_to_string(&env_file).expect("lab env file");
    let lab = |name: &str| -> String {
        env.lines()
            .find_map(|line| line.strip_prefix(&format!("export {name}=")))
            .map(|value| value.trim_matches('\'').to_string())
            .unwrap_or_else(|| panic!("{name} missing in the lab env"))
    };
    let docker_host = lab("LAB_DOCKER_HOST");
    let image = format!("homeport-cli-test/nginx-proxy-manager:{}", std::process::id());
    let name = format!("cli-rollout-npm-{}", std::process::id());
    let docker = |args: &[&str]| {
        Command::new("docker")
            .args(["-H", &docker_host])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("docker runs")
    };
    assert!(
        docker(&["tag", &lab("LAB_IMAGE"), &image]).success(),
        "docker tag failed"
    );
    let started = docker(&["run", "-d", "--pull", "never", "--name", &name, &image, "sleep", "300"]);

    let dir = TempDir::new().unwrap();
    let socket = lab("LAB_DOCKER_SOCK");
    let added = homeport(
        dir.path(),
        &[
            "--json",
            "host",
            "add-engine",
            "--name",
            "lab-engine",
            "--socket",
            &socket,
        ],
    );
    let rollout = homeport(dir.path(), &["--json", "rollout"]);

    docker(&["rm", "-f", &name]);
    docker(&["rmi", &image]);
    assert!(started.success(), "docker run failed");
    json(&added, "add-engine");
    let rollout = json(&rollout, "rollout");

    let proxy = item(&rollout, "reverse_proxy");
    assert_eq!(proxy["detected"], true, "{rollout}");
    let evidence = proxy["evidence"].to_string();
    assert!(evidence.contains(&image), "the evidence names the image: {evidence}");
    assert!(
        evidence.contains("lab-engine"),
        "the evidence names the host: {evidence}"
    );
    assert_eq!(item(&rollout, "certificates")["detected"], true);
    assert_eq!(item(&rollout, "container_runtime")["detected"], true);
    assert_eq!(item(&rollout, "monitoring")["detected"], false);
    assert_eq!(rollout["unreachable"], serde_json::json!([]));
}
