//! Docker Swarm: a Compose file version 3.8 stack file for `docker stack deploy`.
//!
//! The file is built as [`StackFile`], whose fields are the ones `docker stack deploy` reads.
//! Settings it ignores (build, depends_on, container_name, devices, privileged and more) are
//! left out with a warning, and Compose's `restart` becomes `deploy.restart_policy`. Homeport's
//! own swarm deploy reads the same struct, so the file and the deploy never disagree.

use std::collections::BTreeMap;
use std::time::Duration;

use homeport_compose::model::{ResourceAmounts, Service};
use homeport_compose::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ExportError, ExportFile, ExportInput, Outcome, Warning};

/// The file name of the stack file in the output folder.
pub const FILE_NAME: &str = "stack.yml";

/// Service attributes `docker stack deploy` takes from Compose file 3.8 as written.
const PASSED_THROUGH: [&str; 19] = [
    "working_dir",
    "user",
    "hostname",
    "domainname",
    "stop_grace_period",
    "stop_signal",
    "tty",
    "stdin_open",
    "read_only",
    "extra_hosts",
    "dns",
    "dns_search",
    "init",
    "logging",
    "ulimits",
    "sysctls",
    "expose",
    "secrets",
    "configs",
];

/// `deploy` keys Swarm reads that Homeport passes on unchanged.
const DEPLOY_PASSED_THROUGH: [&str; 6] = [
    "mode",
    "placement",
    "update_config",
    "rollback_config",
    "endpoint_mode",
    "max_replicas_per_node",
];

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StackFile {
    pub version: String,
    pub services: BTreeMap<String, StackService>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, StackNetwork>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, StackVolume>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, StackFileObject>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, StackFileObject>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StackService {
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<StackPort>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<StackMount>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, StackServiceNetwork>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<StackHealthcheck>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub deploy: StackDeploy,
    /// Attributes passed on as written (see `PASSED_THROUGH`).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackPort {
    pub target: u16,
    /// A port, or a range such as `8000-8010`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub protocol: String,
    /// `ingress` (the routing mesh) or `host`.
    pub mode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackMount {
    /// `volume`, `bind` or `tmpfs`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackServiceNetwork {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackHealthcheck {
    pub test: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StackDeploy {
    pub replicas: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<StackResources>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<StackRestartPolicy>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackResources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<StackAmounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservations: Option<StackAmounts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackAmounts {
    /// Kept as text, as the Compose schema for stacks wants (`"0.5"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackRestartPolicy {
    /// `none`, `on-failure` or `any`.
    pub condition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

/// A top-level network or volume.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StackNetwork {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A top-level volume has the same fields as a network.
pub type StackVolume = StackNetwork;

/// A top-level secret or config: a file, or an existing object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackFileObject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The form secret environment values take in the stack file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretValues {
    /// As `${NAME}`, which `docker stack deploy` fills from its own environment. For files.
    Reference,
    /// As loaded. Only for Homeport's own deploy, which sends them to the engine and writes
    /// nothing.
    Keep,
}

pub(crate) fn export(
    project: &Project,
    input: &ExportInput,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<ExportFile>, ExportError> {
    let stack = stack_file(project, input, SecretValues::Reference, warnings);
    Ok(vec![ExportFile {
        path: FILE_NAME.to_string(),
        content: to_yaml(&stack)?,
    }])
}

pub fn to_yaml(stack: &StackFile) -> Result<String, ExportError> {
    serde_norway::to_string(stack).map_err(|err| ExportError::Serialise {
        target: "swarm",
        detail: err.to_string(),
    })
}

pub fn from_yaml(text: &str) -> Result<StackFile, serde_norway::Error> {
    serde_norway::from_str(text)
}

/// Builds the stack file of the project's services without a profile.
pub fn stack_file(
    project: &Project,
    input: &ExportInput,
    secret_values: SecretValues,
    warnings: &mut Vec<Warning>,
) -> StackFile {
    let mut stack = StackFile {
        version: "3.8".to_string(),
        ..StackFile::default()
    };
    for service in project.services.values().filter(|service| service.is_active(&[])) {
        let converted = convert_service(project, service, input, secret_values, warnings);
        stack.services.insert(service.name.clone(), converted);
    }
    for (key, network) in &project.networks {
        let driver = match network.driver.as_deref() {
            None | Some("overlay") => Some("overlay".to_string()),
            Some(other) if network.external => Some(other.to_string()),
            Some(other) => {
                warnings.push(Warning::stack(
                    &format!("networks.{key}.driver"),
                    Outcome::Changed,
                    format!("driver '{other}' only connects containers on one host; the swarm network uses 'overlay'"),
                ));
                Some("overlay".to_string())
            }
        };
        stack.networks.insert(
            key.clone(),
            StackNetwork {
                driver: if network.external { None } else { driver },
                external: network.external,
                name: network.external.then(|| network.name.clone()),
                labels: network.labels.clone(),
                other: network.other.clone(),
            },
        );
    }
    for (key, volume) in &project.volumes {
        stack.volumes.insert(
            key.clone(),
            StackVolume {
                driver: volume.driver.clone(),
                external: volume.external,
                name: volume.external.then(|| volume.name.clone()),
                labels: volume.labels.clone(),
                other: volume.other.clone(),
            },
        );
        if !volume.external && volume.driver.as_deref().unwrap_or("local") == "local" {
            warnings.push(Warning::stack(
                &format!("volumes.{key}"),
                Outcome::Action,
                "a local volume lives on one node: pin the services that use it with deploy.placement.constraints, or use a volume driver every node shares",
            ));
        }
    }
    for (section, resources, target) in [
        ("secrets", &project.secrets, &mut stack.secrets),
        ("configs", &project.configs, &mut stack.configs),
    ] {
        for (key, resource) in resources {
            if resource.environment.is_some() {
                warnings.push(Warning::stack(
                    &format!("{section}.{key}.environment"),
                    Outcome::Dropped,
                    format!("stack files cannot read {section} from a variable; create it with 'docker {} create' and mark it external", &section[..section.len() - 1]),
                ));
                continue;
            }
            target.insert(
                key.clone(),
                StackFileObject {
                    file: resource.file.clone(),
                    external: resource.external,
                    name: resource.external.then(|| resource.name.clone()),
                },
            );
        }
    }
    stack
}

fn convert_service(
    project: &Project,
    service: &Service,
    input: &ExportInput,
    secret_values: SecretValues,
    warnings: &mut Vec<Warning>,
) -> StackService {
    let name = service.name.as_str();
    let mut converted = StackService {
        image: image_of(project, service, warnings),
        entrypoint: service.entrypoint.clone(),
        command: service.command.clone(),
        labels: service.labels.clone(),
        ..StackService::default()
    };

    let mut hidden = Vec::new();
    for (key, value) in &service.environment {
        let written = if input.is_secret(key, value.as_deref()) {
            match (secret_values, value) {
                (SecretValues::Keep, Some(value)) => value.clone(),
                _ => {
                    hidden.push(key.clone());
                    format!("${{{key}}}")
                }
            }
        } else {
            value.clone().unwrap_or_default()
        };
        converted.environment.insert(key.clone(), written);
    }
    if !hidden.is_empty() {
        warnings.push(Warning::service(
            name,
            "environment",
            Outcome::Action,
            format!(
                "the values of {} are not written; the file says ${{NAME}}, so set them in the environment of 'docker stack deploy'",
                hidden.join(", ")
            ),
        ));
    }

    for port in &service.ports {
        if let Some(host_ip) = &port.host_ip {
            warnings.push(Warning::service(
                name,
                "ports",
                Outcome::Changed,
                format!(
                    "port {} was bound to {host_ip}; Swarm publishes on every address of every node",
                    port.target
                ),
            ));
        }
        converted.ports.push(StackPort {
            target: port.target,
            published: port.published.clone(),
            protocol: port.protocol.clone(),
            mode: port.mode.clone(),
        });
    }

    for mount in &service.volumes {
        match mount.kind.as_str() {
            "volume" | "bind" | "tmpfs" => {
                if mount.kind == "bind" {
                    warnings.push(Warning::service(
                        name,
                        "volumes",
                        Outcome::Action,
                        format!(
                            "bind mount {} must exist on every node a task may run on",
                            mount.source.as_deref().unwrap_or_default()
                        ),
                    ));
                }
                converted.volumes.push(StackMount {
                    kind: mount.kind.clone(),
                    source: mount.source.clone(),
                    target: mount.target.clone(),
                    read_only: mount.read_only,
                });
            }
            other => warnings.push(Warning::service(
                name,
                "volumes",
                Outcome::Dropped,
                format!("mount type '{other}' at {} is not supported by stacks", mount.target),
            )),
        }
    }

    for (network, settings) in &service.networks {
        let aliases = settings
            .as_ref()
            .map(|settings| settings.aliases.clone())
            .unwrap_or_default();
        if settings
            .as_ref()
            .is_some_and(|settings| settings.ipv4_address.is_some() || settings.ipv6_address.is_some())
        {
            warnings.push(Warning::service(
                name,
                &format!("networks.{network}"),
                Outcome::Dropped,
                "Swarm assigns task addresses itself, so the fixed address is left out",
            ));
        }
        converted
            .networks
            .insert(network.clone(), StackServiceNetwork { aliases });
    }

    if let Some(healthcheck) = &service.healthcheck {
        if let Some(test) = &healthcheck.test {
            converted.healthcheck = Some(StackHealthcheck {
                test: test.clone(),
                interval: healthcheck.interval.map(go_duration),
                timeout: healthcheck.timeout.map(go_duration),
                start_period: healthcheck.start_period.map(go_duration),
                retries: healthcheck.retries,
            });
        }
    }

    converted.deploy = deploy_section(service, warnings);

    for (key, value) in &service.other {
        if PASSED_THROUGH.contains(&key.as_str()) {
            converted.other.insert(key.clone(), value.clone());
        } else {
            warnings.push(Warning::service(name, key, Outcome::Dropped, ignored_reason(key)));
        }
    }
    if !service.depends_on.is_empty() {
        warnings.push(Warning::service(
            name,
            "depends_on",
            Outcome::Dropped,
            "Swarm starts services in no order; the service must retry until its dependencies answer",
        ));
    }
    converted
}

/// Why `docker stack deploy` does not take a service attribute.
fn ignored_reason(key: &str) -> String {
    match key {
        "container_name" => "Swarm names each task itself".to_string(),
        "privileged" | "devices" | "cap_add" | "cap_drop" | "security_opt" | "userns_mode" | "cgroup_parent" => {
            format!(
                "docker stack deploy ignores '{key}' (Swarm services cannot set it), so the service runs without it"
            )
        }
        "network_mode" => {
            "Swarm tasks join the stack's networks; host or container network modes are not available".to_string()
        }
        "links" | "external_links" => "services reach each other by name on the stack's networks".to_string(),
        "mem_limit" | "cpus" | "mem_reservation" | "cpu_shares" => {
            format!("'{key}' is ignored by stacks; use deploy.resources")
        }
        _ => format!("docker stack deploy does not support '{key}' in Compose file 3.8"),
    }
}

fn image_of(project: &Project, service: &Service, warnings: &mut Vec<Warning>) -> String {
    if service.build.is_some() {
        let image = service
            .image
            .clone()
            .unwrap_or_else(|| format!("{}-{}", project.name, service.name));
        warnings.push(Warning::service(
            &service.name,
            "build",
            Outcome::Action,
            format!(
                "orchestrators do not build images: build {image} and push it to a registry every node can pull from"
            ),
        ));
        return image;
    }
    service.image.clone().unwrap_or_default()
}

fn deploy_section(service: &Service, warnings: &mut Vec<Warning>) -> StackDeploy {
    let name = service.name.as_str();
    let mut deploy = StackDeploy {
        replicas: 1,
        ..StackDeploy::default()
    };
    let mut explicit_restart = false;
    if let Some(compose) = &service.deploy {
        let limits = compose.limits.as_ref().map(amounts);
        let reservations = compose.reservations.as_ref().map(amounts);
        if limits.is_some() || reservations.is_some() {
            deploy.resources = Some(StackResources { limits, reservations });
        }
        for (key, value) in &compose.other {
            match key.as_str() {
                "replicas" => deploy.replicas = value.as_u64().unwrap_or(1),
                "labels" => {
                    if let Some(labels) = value.as_object() {
                        deploy.labels = labels
                            .iter()
                            .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_string()))
                            .collect();
                    }
                }
                "restart_policy" => {
                    if let Ok(policy) = serde_json::from_value::<StackRestartPolicy>(value.clone()) {
                        deploy.restart_policy = Some(policy);
                        explicit_restart = true;
                    }
                }
                _ if DEPLOY_PASSED_THROUGH.contains(&key.as_str()) => {
                    deploy.other.insert(key.clone(), value.clone());
                }
                _ => warnings.push(Warning::service(
                    name,
                    &format!("deploy.{key}"),
                    Outcome::Dropped,
                    format!("Swarm does not read deploy.{key}"),
                )),
            }
        }
    }
    if let Some(restart) = service.restart.as_deref() {
        if explicit_restart {
            warnings.push(Warning::service(
                name,
                "restart",
                Outcome::Dropped,
                "deploy.restart_policy is set, and Swarm follows it instead of 'restart'",
            ));
        } else {
            let (condition, max_attempts) = restart_condition(restart);
            if restart == "unless-stopped" {
                warnings.push(Warning::service(
                    name,
                    "restart",
                    Outcome::Changed,
                    "Swarm has no 'unless-stopped'; the policy is condition 'any', and 'docker service scale NAME=0' stops the service",
                ));
            }
            deploy.restart_policy = Some(StackRestartPolicy {
                condition: condition.to_string(),
                max_attempts,
                ..StackRestartPolicy::default()
            });
        }
    }
    deploy
}

/// Compose's `restart` as a Swarm restart condition and attempt limit.
pub fn restart_condition(restart: &str) -> (&'static str, Option<u64>) {
    match restart.split_once(':') {
        Some(("on-failure", count)) => ("on-failure", count.parse().ok()),
        _ => match restart {
            "no" => ("none", None),
            "on-failure" => ("on-failure", None),
            _ => ("any", None),
        },
    }
}

fn amounts(amounts: &ResourceAmounts) -> StackAmounts {
    StackAmounts {
        cpus: amounts.cpus.map(|cpus| format!("{cpus}")),
        memory: amounts.memory.map(memory_text),
    }
}

/// Bytes in the units Docker reads, exact: `512M`, `2G`, or plain bytes.
pub fn memory_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;
    if bytes > 0 && bytes % GIB == 0 {
        format!("{}G", bytes / GIB)
    } else if bytes > 0 && bytes % MIB == 0 {
        format!("{}M", bytes / MIB)
    } else {
        bytes.to_string()
    }
}

/// A duration as Go's `time.ParseDuration` reads it, such as `1m30s` or `500ms`.
pub fn go_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis % 1000 != 0 {
        return format!("{millis}ms");
    }
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || text.is_empty() {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

/// Parses the text `go_duration` writes back, for the deploy, which sends nanoseconds.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    homeport_compose::model::units::parse_duration(text)
}
