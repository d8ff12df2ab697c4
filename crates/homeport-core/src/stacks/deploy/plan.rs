//! The deploy plan: engine names for every network, volume and container, each service's
//! create body with Compose's labels, and the start order. Nothing here talks to the engine.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use bollard::models::{Ipam, IpamConfig};
use homeport_compose::{Condition, Project, Resource, Service};
use serde_json::{json, Map, Value};

use super::hash::{network_hash, partial_hash, service_hash, unescape_dollars, volume_hash};
use super::spec::{container_spec, ContainerSpec, SpecContext};
use super::{DeployRequest, StackFiles};
use crate::error::{Error, Result};
use crate::stacks::labels;

/// The value of `com.docker.compose.version`. Compose writes its own version there; Homeport
/// writes the Compose release whose labels and names it follows (checked against v2.40.3).
pub(super) const COMPOSE_VERSION: &str = "2.40.3";

/// Label on containers listing their dependencies, as `service:condition:restart`.
pub(super) const DEPENDS_ON_LABEL: &str = "com.docker.compose.depends_on";
/// Label on containers with the id of the image they were created from.
pub(super) const IMAGE_LABEL: &str = "com.docker.compose.image";
pub(super) const NETWORK_LABEL: &str = "com.docker.compose.network";
pub(super) const VOLUME_LABEL: &str = "com.docker.compose.volume";

/// A network or volume of the project, with the options its create request sets.
#[derive(Debug, Clone)]
pub(super) struct ResourcePlan {
    pub key: String,
    /// The name on the engine.
    pub name: String,
    pub external: bool,
    pub driver: Option<String>,
    /// `driver_opts`.
    pub options: HashMap<String, String>,
    /// Networks only: `internal`, `attachable`, `enable_ipv6` and `ipam`.
    pub internal: bool,
    pub attachable: bool,
    pub enable_ipv6: Option<bool>,
    pub ipam: Option<Ipam>,
    pub labels: HashMap<String, String>,
}

/// One `depends_on` entry of a service whose dependency is part of the deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DependencyPlan {
    pub service: String,
    pub condition: Condition,
    /// When false, a condition the dependency does not reach is reported and the dependent
    /// service starts anyway, as Compose does.
    pub required: bool,
    /// When true, the dependent service is restarted after the dependency's container was
    /// replaced.
    pub restart: bool,
}

/// One service: its container and what it waits for.
pub(super) struct ServicePlan {
    pub name: String,
    pub container_name: String,
    pub image: String,
    pub spec: ContainerSpec,
    /// The value of the config-hash label; see [`service_config_hash`].
    pub hash: String,
    pub depends_on: Vec<DependencyPlan>,
    /// True when another service waits for this one to exit successfully, so a stopped
    /// container that exited with 0 counts as done.
    pub one_shot: bool,
}

pub(super) struct DeployPlan {
    pub name: String,
    /// Services in start order.
    pub services: Vec<ServicePlan>,
    pub networks: Vec<ResourcePlan>,
    pub volumes: Vec<ResourcePlan>,
    pub unsupported: Vec<String>,
    /// The bound on each wait for a condition.
    pub ready_timeout: std::time::Duration,
}

/// Rejects names Compose rejects: lowercase letters, digits, `-` and `_`, starting with a
/// letter or digit.
pub(super) fn check_name(name: &str) -> Result<()> {
    let valid_start = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit());
    let valid_rest = name.chars().all(|character| {
        character.is_ascii_lowercase() || character.is_ascii_digit() || character == '-' || character == '_'
    });
    if valid_start && valid_rest {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            name,
            "a stack name must start with a lowercase letter or digit and contain only lowercase letters, digits, '-' and '_'",
        ))
    }
}

impl DeployPlan {
    /// Plans the deploy. `stack_dir` is the stack's folder on an SSH host; without one, the
    /// project's local folder is what the labels name.
    pub fn build(request: &DeployRequest, stack_dir: Option<&str>) -> Result<Self> {
        let project = &request.project;
        let name = request.name.as_str();
        check_files(&request.files)?;
        let profiles: Vec<&str> = request.profiles.iter().map(String::as_str).collect();
        let order = project
            .start_order(&profiles)
            .map_err(|err| Error::invalid("profiles", request.profiles.join(","), err.to_string()))?;

        let local_dir = project.working_dir.to_string_lossy().into_owned();
        let working_dir = stack_dir.map(str::to_string).unwrap_or_else(|| local_dir.clone());
        let config_files = config_files(&request.files, &working_dir);
        let map_bind = |source: &str| -> String {
            match (stack_dir, Path::new(source).strip_prefix(&project.working_dir)) {
                (Some(dir), Ok(rest)) if !rest.as_os_str().is_empty() => format!("{dir}/{}", rest.to_string_lossy()),
                (Some(dir), Ok(_)) => dir.to_string(),
                _ => source.to_string(),
            }
        };

        let active: Vec<&Service> = order.iter().map(|service| &project.services[service]).collect();
        let mut unsupported = Vec::new();
        let networks = network_plans(project, name, &active, &mut unsupported);
        let volumes = volume_plans(project, name, &active, &mut unsupported);
        let config = project.to_config_json(&profiles);
        let network_names: BTreeMap<String, String> = networks
            .iter()
            .map(|plan| (plan.key.clone(), plan.name.clone()))
            .collect();
        let volume_names: BTreeMap<String, String> = volumes
            .iter()
            .map(|plan| (plan.key.clone(), plan.name.clone()))
            .collect();

        let mut services = Vec::new();
        for service in &active {
            let Some(image) = service.image.clone() else {
                return Err(Error::invalid(
                    "services",
                    service.name.clone(),
                    "the service has no 'image'; Homeport does not build images, so give an image name",
                ));
            };
            let container_name = format!("{name}-{}-1", service.name);
            let context = SpecContext {
                networks: &network_names,
                volumes: &volume_names,
                container_name: &container_name,
                map_bind: &map_bind,
            };
            let mut spec = container_spec(service, &context);
            unsupported.extend(
                spec.unsupported
                    .iter()
                    .map(|attribute| format!("{}: {attribute}", service.name)),
            );
            let hash = service_config_hash(&config["services"][&service.name], &map_bind, spec.complete);

            let depends_on: Vec<DependencyPlan> = service
                .depends_on
                .iter()
                .filter(|(dependency, _)| order.contains(dependency))
                .map(|(dependency, settings)| DependencyPlan {
                    service: dependency.clone(),
                    condition: settings.condition,
                    required: settings.required,
                    restart: settings.restart,
                })
                .collect();
            let labels = spec.body.labels.get_or_insert_with(HashMap::new);
            for (key, value) in [
                (labels::PROJECT, name.to_string()),
                (labels::SERVICE, service.name.clone()),
                (labels::CONTAINER_NUMBER, "1".to_string()),
                (labels::ONEOFF, "False".to_string()),
                (labels::CONFIG_HASH, hash.clone()),
                (labels::WORKING_DIR, working_dir.clone()),
                (labels::CONFIG_FILES, config_files.clone()),
                (labels::VERSION, COMPOSE_VERSION.to_string()),
                (DEPENDS_ON_LABEL, depends_on_label(service)),
            ] {
                labels.insert(key.to_string(), value);
            }
            let one_shot = active.iter().any(|other| {
                other
                    .depends_on
                    .get(&service.name)
                    .is_some_and(|dependency| dependency.condition == Condition::ServiceCompletedSuccessfully)
            });
            services.push(ServicePlan {
                name: service.name.clone(),
                container_name,
                image,
                spec,
                hash,
                depends_on,
                one_shot,
            });
        }
        for key in project.secrets.keys().chain(project.configs.keys()) {
            unsupported.push(format!(
                "top-level secret or config '{key}' (not mounted into containers)"
            ));
        }
        Ok(Self {
            name: name.to_string(),
            services,
            networks,
            volumes,
            unsupported,
            ready_timeout: request.ready_timeout,
        })
    }
}

/// File names must stay inside the stack's folder.
fn check_files(files: &StackFiles) -> Result<()> {
    if files.compose.is_empty() {
        return Err(Error::invalid(
            "files",
            "",
            "name at least one Compose file, such as compose.yaml",
        ));
    }
    for (name, _) in files.compose.iter().chain(files.extra.iter()) {
        let escapes = name.is_empty()
            || name.starts_with('/')
            || name.contains('\0')
            || name.contains('\\')
            || name.split('/').any(|part| part == ".." || part.is_empty());
        if escapes {
            return Err(Error::invalid(
                "files",
                name.clone(),
                "a stack file name must be a relative path inside the stack's folder, without '..'",
            ));
        }
    }
    Ok(())
}

fn config_files(files: &StackFiles, working_dir: &str) -> String {
    files
        .compose
        .iter()
        .map(|(name, _)| format!("{working_dir}/{name}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `db:service_healthy:false,...`, as Compose v2.40 writes it, sorted by service.
fn depends_on_label(service: &Service) -> String {
    service
        .depends_on
        .iter()
        .map(|(dependency, settings)| format!("{dependency}:{}:{}", settings.condition.as_str(), settings.restart))
        .collect::<Vec<_>>()
        .join(",")
}

/// The engine name of a resource: the model names it `<model project>_<key>` unless the file
/// gives a name, and a deploy under another name renames the former.
fn engine_name(project: &Project, name: &str, key: &str, resource: Option<&Resource>) -> String {
    match resource {
        Some(resource) if resource.external => resource.name.clone(),
        Some(resource) if resource.name != format!("{}_{key}", project.name) && !resource.name.is_empty() => {
            resource.name.clone()
        }
        _ => format!("{name}_{key}"),
    }
}

/// Returns the label value `com.docker.compose.config-hash` of a service: Compose's own hash
/// of `config`, the service's entry in `to_config_json`, with bind sources mapped to the host.
///
/// When `complete` is false the container lacks attributes Homeport does not apply, so the
/// value is derived from Compose's hash but differs from it. It still changes exactly when the
/// configuration does, and a later `docker compose up` recreates the container with
/// everything applied.
fn service_config_hash(config: &Value, map_bind: &dyn Fn(&str) -> String, complete: bool) -> String {
    let mut config = unescape_dollars(config.clone());
    if let Some(Value::Array(mounts)) = config.get_mut("volumes") {
        for mount in mounts {
            if mount.get("type").and_then(Value::as_str) != Some("bind") {
                continue;
            }
            if let Some(Value::String(source)) = mount.get_mut("source") {
                *source = map_bind(source);
            }
        }
    }
    let hash = service_hash(&config);
    if complete {
        hash
    } else {
        partial_hash(&hash)
    }
}

fn network_plans(
    project: &Project,
    name: &str,
    active: &[&Service],
    unsupported: &mut Vec<String>,
) -> Vec<ResourcePlan> {
    let mut keys: Vec<String> = Vec::new();
    for service in active {
        if service.networks.is_empty() && !keys.contains(&"default".to_string()) {
            keys.push("default".to_string());
        }
        for key in service.networks.keys() {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let resource = project.networks.get(&key);
            resource_plan(project, name, &key, resource, NETWORK_LABEL, unsupported)
        })
        .collect()
}

fn volume_plans(
    project: &Project,
    name: &str,
    active: &[&Service],
    unsupported: &mut Vec<String>,
) -> Vec<ResourcePlan> {
    let mut keys: Vec<String> = active
        .iter()
        .flat_map(|service| service.volumes.iter())
        .filter(|mount| mount.kind == "volume")
        .filter_map(|mount| mount.source.clone())
        .filter(|key| project.volumes.contains_key(key))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let resource = project.volumes.get(key.as_str());
            resource_plan(project, name, &key, resource, VOLUME_LABEL, unsupported)
        })
        .collect()
}

/// Attributes of a top-level network the create request sets, besides name, driver and labels.
const NETWORK_OPTIONS: &[&str] = &["driver_opts", "ipam", "internal", "attachable", "enable_ipv6"];

/// Plans one network (`kind_label` is [`NETWORK_LABEL`]) or volume. Its config hash covers only
/// the attributes the create request sets. A resource that lacks one therefore has a hash that
/// differs from Compose's, so `docker compose up` replaces the network, or prompts before it
/// replaces the volume.
fn resource_plan(
    project: &Project,
    name: &str,
    key: &str,
    resource: Option<&Resource>,
    kind_label: &str,
    unsupported: &mut Vec<String>,
) -> ResourcePlan {
    let is_network = kind_label == NETWORK_LABEL;
    let section = if is_network { "networks" } else { "volumes" };
    let default = Resource::default();
    let resource = resource.unwrap_or(&default);
    let engine_name = engine_name(project, name, key, Some(resource));
    let applies = |attribute: &str| attribute == "driver_opts" || (is_network && NETWORK_OPTIONS.contains(&attribute));

    // The hash input names the attributes as the Compose file does.
    let mut hashed = Map::new();
    hashed.insert("name".to_string(), json!(engine_name));
    if let Some(driver) = &resource.driver {
        hashed.insert("driver".to_string(), json!(driver));
    }
    if !resource.labels.is_empty() {
        hashed.insert("labels".to_string(), json!(resource.labels));
    }
    for (attribute, value) in &resource.other {
        if applies(attribute) && !resource.external {
            hashed.insert(attribute.clone(), value.clone());
        } else if !resource.external {
            unsupported.push(format!("{section}.{key}.{attribute}"));
        }
    }
    let hashed = Value::Object(hashed);
    let hash = if is_network {
        network_hash(&hashed)
    } else {
        volume_hash(&hashed)
    };

    let mut resource_labels: HashMap<String, String> = resource.labels.clone().into_iter().collect();
    resource_labels.insert(labels::PROJECT.to_string(), name.to_string());
    resource_labels.insert(kind_label.to_string(), key.to_string());
    resource_labels.insert(labels::VERSION.to_string(), COMPOSE_VERSION.to_string());
    resource_labels.insert(labels::CONFIG_HASH.to_string(), hash);
    let flag = |attribute: &str| hashed.get(attribute).and_then(Value::as_bool);
    ResourcePlan {
        key: key.to_string(),
        name: engine_name,
        external: resource.external,
        driver: resource.driver.clone(),
        options: text_map(hashed.get("driver_opts")),
        internal: flag("internal").unwrap_or(false),
        attachable: flag("attachable").unwrap_or(false),
        enable_ipv6: flag("enable_ipv6"),
        ipam: hashed.get("ipam").map(ipam),
        labels: resource_labels,
    }
}

/// Converts a map of scalars, such as `driver_opts`, to a map of text values.
fn text_map(value: Option<&Value>) -> HashMap<String, String> {
    let Some(Value::Object(object)) = value else {
        return HashMap::new();
    };
    object
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

/// Converts a network's `ipam` section to the engine's form.
fn ipam(value: &Value) -> Ipam {
    let text = |entry: &Value, key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
    let pools = value.get("config").and_then(Value::as_array).map(|pools| {
        pools
            .iter()
            .map(|pool| IpamConfig {
                subnet: text(pool, "subnet"),
                ip_range: text(pool, "ip_range"),
                gateway: text(pool, "gateway"),
                auxiliary_addresses: pool
                    .get("aux_addresses")
                    .map(|addresses| text_map(Some(addresses)))
                    .filter(|addresses| !addresses.is_empty()),
            })
            .collect()
    });
    Ipam {
        driver: text(value, "driver"),
        config: pools,
        options: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeport_compose::{ComposeFile, Environment};
    use std::path::PathBuf;

    fn project(text: &str) -> Project {
        let files = vec![(PathBuf::from("/local/app/compose.yaml"), text.to_string())];
        ComposeFile::load_strs(&files, &Environment::default()).expect("valid compose file")
    }

    fn files() -> StackFiles {
        StackFiles {
            compose: vec![("compose.yaml".into(), String::new())],
            ..StackFiles::default()
        }
    }

    const STACK: &str = "
services:
  web:
    image: busybox
    volumes: ['./html:/www', 'data:/data']
    depends_on:
      migrate: {condition: service_completed_successfully}
  migrate:
    image: busybox
volumes:
  data: {}
";

    #[test]
    fn plan_names_objects_like_compose() {
        let request = DeployRequest::new(project(STACK), "shop", vec![], files());
        let plan = DeployPlan::build(&request, Some("/opt/stacks/shop")).unwrap();
        assert_eq!(plan.services[0].name, "migrate", "dependencies start first");
        assert_eq!(plan.services[1].container_name, "shop-web-1");
        assert_eq!(plan.networks[0].name, "shop_default");
        assert_eq!(plan.volumes[0].name, "shop_data");
        assert!(plan.services[0].one_shot);

        let labels = plan.services[1].spec.body.labels.as_ref().unwrap();
        assert_eq!(labels[labels::PROJECT], "shop");
        assert_eq!(labels[labels::WORKING_DIR], "/opt/stacks/shop");
        assert_eq!(labels[labels::CONFIG_FILES], "/opt/stacks/shop/compose.yaml");
        assert_eq!(labels[DEPENDS_ON_LABEL], "migrate:service_completed_successfully:false");
        assert_eq!(plan.services[1].spec.binds[0].0, "/opt/stacks/shop/html");
    }

    #[test]
    fn plan_hash_is_stable_and_tracks_changes() {
        let first = DeployPlan::build(&DeployRequest::new(project(STACK), "shop", vec![], files()), None).unwrap();
        let again = DeployPlan::build(&DeployRequest::new(project(STACK), "shop", vec![], files()), None).unwrap();
        assert_eq!(first.services[1].hash, again.services[1].hash);

        let changed = STACK.replace("image: busybox\n    volumes", "image: busybox:2\n    volumes");
        let changed = DeployPlan::build(&DeployRequest::new(project(&changed), "shop", vec![], files()), None).unwrap();
        assert_ne!(first.services[1].hash, changed.services[1].hash);
        assert_eq!(first.services[0].hash, changed.services[0].hash);
    }

    #[test]
    fn plan_rejects_bad_names_and_paths() {
        assert!(check_name("Shop").is_err());
        assert!(check_name("-shop").is_err());
        assert!(check_name("shop_1-a").is_ok());
        let mut bad = files();
        bad.extra.push(("../escape".into(), String::new()));
        let request = DeployRequest::new(project(STACK), "shop", vec![], bad);
        assert!(DeployPlan::build(&request, None).is_err());
    }

    /// Docker Compose v2.40.3 wrote the hashes these tests expect when it deployed this file from
    /// `/tmp/perf-exp/p1` as project `perfexp1` on the lab engine. The folder matters because
    /// the bind source is part of the hash.
    const COMPOSE_HASHED: &str = r#"
services:
  web:
    image: homeport-lab/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    environment:
      GREETING: hello
      PRICE: "5$$"
    ports: ["127.0.0.1:18999:80"]
    volumes: ["./site:/site:ro", "data:/data"]
    depends_on: [db]
    labels:
      a.b: c
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
  db:
    image: homeport-lab/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
volumes:
  data: {}
"#;

    fn compose_hashed_plan(stack_dir: Option<&str>) -> DeployPlan {
        let files = vec![(
            PathBuf::from("/tmp/perf-exp/p1/compose.yaml"),
            COMPOSE_HASHED.to_string(),
        )];
        let project = ComposeFile::load_strs(&files, &Environment::default()).expect("valid compose file");
        DeployPlan::build(
            &DeployRequest::new(project, "perfexp1", vec![], files_for_hash()),
            stack_dir,
        )
        .unwrap()
    }

    fn files_for_hash() -> StackFiles {
        StackFiles {
            compose: vec![("compose.yaml".into(), COMPOSE_HASHED.to_string())],
            ..StackFiles::default()
        }
    }

    fn label<'a>(labels: &'a HashMap<String, String>, key: &str) -> &'a str {
        labels.get(key).map(String::as_str).unwrap_or_default()
    }

    #[test]
    fn plan_hash_equals_compose_hash() {
        let plan = compose_hashed_plan(None);
        let service = |name: &str| plan.services.iter().find(|service| service.name == name).unwrap();
        assert_eq!(
            service("db").hash,
            "887e4b0d8e6e3f6bb44d938d476450953ade0a43bda50f4126122f35ebf0310d"
        );
        assert_eq!(
            service("web").hash,
            "0c9092c8abb2528fb518f48381bcca137a2f6f71e74e8503870df72ff54c1e3f"
        );
        let web_labels = service("web").spec.body.labels.as_ref().unwrap();
        assert_eq!(label(web_labels, labels::CONFIG_HASH), service("web").hash);
        assert_eq!(
            label(&plan.networks[0].labels, labels::CONFIG_HASH),
            "15c8798e1282e885195fb6b0c23e6170eed2a4c6df1b675f7815b41f953bbffb"
        );
        assert_eq!(
            label(&plan.volumes[0].labels, labels::CONFIG_HASH),
            "17efd3d31a0ab7ac018d76cf98972d274402d2a24093b2d39f372f08234c98f5"
        );
    }

    #[test]
    fn plan_hash_uses_bind_sources_on_host() {
        let local = compose_hashed_plan(None);
        let remote = compose_hashed_plan(Some("/opt/stacks/perfexp1"));
        let web = |plan: &DeployPlan| {
            plan.services
                .iter()
                .find(|service| service.name == "web")
                .unwrap()
                .hash
                .clone()
        };
        let db = |plan: &DeployPlan| {
            plan.services
                .iter()
                .find(|service| service.name == "db")
                .unwrap()
                .hash
                .clone()
        };
        assert_ne!(web(&local), web(&remote), "the bind source differs on the host");
        assert_eq!(db(&local), db(&remote), "db has no bind mount");
    }

    /// Compose v2.40.3 wrote this hash for the service, deployed from `/tmp/perf-exp/p3` as
    /// project `perfexp3`. The compose crate prints its attributes as written.
    #[test]
    fn plan_hash_normalises_like_compose() {
        let text = r#"
services:
  s:
    image: homeport-lab/busybox:1
    command: ["sleep", "1000"]
    deploy:
      restart_policy: {condition: on-failure, delay: 5s}
      labels: [a=b]
    secrets: [tok, {source: tok2, target: /x}]
    configs: [cfg]
    devices: ["/dev/null:/dev/mynull", "/dev/zero"]
    ulimits: {nproc: 100}
    extra_hosts: {gw: host-gateway, six: "[::1]"}
    sysctls: [net.ipv4.ip_forward=1]
    logging: {options: {max-file: 3}}
    cpus: 2
    init: false
    privileged: false
    group_add: [1000]
    pids_limit: "50"
    environment: {N: null}
    networks:
      default: {priority: 10}
secrets:
  tok: {file: ./tok}
  tok2: {file: ./tok}
configs:
  cfg: {file: ./tok}
"#;
        let files = vec![(PathBuf::from("/tmp/perf-exp/p3/compose.yaml"), text.to_string())];
        let project = ComposeFile::load_strs(&files, &Environment::default()).expect("valid compose file");
        let config = project.to_config_json(&[]);
        let identity = |source: &str| source.to_string();
        assert_eq!(
            service_config_hash(&config["services"]["s"], &identity, true),
            "aa8bc7ba258272a27cc23672d3873da2a95515b54380e557181cb890c7ccd445"
        );
        let partial = service_config_hash(&config["services"]["s"], &identity, false);
        assert_ne!(
            partial,
            "aa8bc7ba258272a27cc23672d3873da2a95515b54380e557181cb890c7ccd445"
        );

        // Homeport does not mount secrets, so its container is not what Compose would create.
        let request = DeployRequest::new(project, "perfexp3", vec![], files_for_hash());
        let plan = DeployPlan::build(&request, None).unwrap();
        assert_eq!(plan.services[0].hash, partial);
    }
}
