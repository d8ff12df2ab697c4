//! The deploy plan: engine names for every network, volume and container, each service's
//! create body with Compose's labels, and the start order. Nothing here talks to the engine.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use homeport_compose::{Condition, Project, Resource, Service};

use super::hash::config_hash;
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

/// A network or volume of the project.
#[derive(Debug, Clone)]
pub(super) struct ResourcePlan {
    pub key: String,
    /// The name on the engine.
    pub name: String,
    pub external: bool,
    pub driver: Option<String>,
    pub labels: HashMap<String, String>,
}

/// One service: its container and what it waits for.
pub(super) struct ServicePlan {
    pub name: String,
    pub container_name: String,
    pub image: String,
    pub spec: ContainerSpec,
    /// The hash of the create body and extra networks, without the hash label itself.
    pub hash: String,
    pub depends_on: Vec<(String, Condition)>,
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
        let networks = network_plans(project, name, &active);
        let volumes = volume_plans(project, name, &active);
        let network_names: BTreeMap<String, String> = networks
            .iter()
            .map(|plan| (plan.key.clone(), plan.name.clone()))
            .collect();
        let volume_names: BTreeMap<String, String> = volumes
            .iter()
            .map(|plan| (plan.key.clone(), plan.name.clone()))
            .collect();

        let mut unsupported = Vec::new();
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
            let hash = config_hash(&(
                &spec.body,
                &spec.extra_networks.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            ));

            let depends_on: Vec<(String, Condition)> = service
                .depends_on
                .iter()
                .filter(|(dependency, _)| order.contains(dependency))
                .map(|(dependency, settings)| (dependency.clone(), settings.condition))
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

fn network_plans(project: &Project, name: &str, active: &[&Service]) -> Vec<ResourcePlan> {
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
            resource_plan(project, name, &key, resource, NETWORK_LABEL)
        })
        .collect()
}

fn volume_plans(project: &Project, name: &str, active: &[&Service]) -> Vec<ResourcePlan> {
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
        .map(|key| resource_plan(project, name, &key, project.volumes.get(key.as_str()), VOLUME_LABEL))
        .collect()
}

fn resource_plan(
    project: &Project,
    name: &str,
    key: &str,
    resource: Option<&Resource>,
    kind_label: &str,
) -> ResourcePlan {
    let mut resource_labels: HashMap<String, String> = resource
        .map(|resource| resource.labels.clone().into_iter().collect())
        .unwrap_or_default();
    let driver = resource.and_then(|resource| resource.driver.clone());
    resource_labels.insert(labels::PROJECT.to_string(), name.to_string());
    resource_labels.insert(kind_label.to_string(), key.to_string());
    resource_labels.insert(labels::VERSION.to_string(), COMPOSE_VERSION.to_string());
    resource_labels.insert(labels::CONFIG_HASH.to_string(), config_hash(&(key, &driver)));
    ResourcePlan {
        key: key.to_string(),
        name: engine_name(project, name, key, resource),
        external: resource.is_some_and(|resource| resource.external),
        driver,
        labels: resource_labels,
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
}
