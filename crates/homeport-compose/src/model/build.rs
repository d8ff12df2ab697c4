//! Builds the [`Project`] from the merged YAML tree and checks what spans services: references
//! to undefined services, networks and volumes, and duplicate ports.

use std::collections::BTreeMap;
use std::path::Path;

use super::resources::build_resources;
use super::service::{build_service, Context};
use super::values::string;
use super::{Project, Resource, Service};
use crate::diagnostics::{Code, Reporter};
use crate::yaml::json::to_json;
use crate::yaml::{Node, Value};

/// Top-level attributes of the Compose Specification besides `x-*`.
const TOP_LEVEL: [&str; 8] = [
    "version", "name", "services", "networks", "volumes", "secrets", "configs", "include",
];

pub(crate) fn build_project(
    root: &Node,
    working_dir: &Path,
    default_name: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    reporter: &mut Reporter,
) -> Project {
    let mut project = Project {
        name: default_name.to_string(),
        working_dir: working_dir.to_path_buf(),
        services: BTreeMap::new(),
        networks: BTreeMap::new(),
        volumes: BTreeMap::new(),
        secrets: BTreeMap::new(),
        configs: BTreeMap::new(),
        extensions: BTreeMap::new(),
        warnings: Vec::new(),
    };
    let Some(entries) = root.as_mapping() else {
        reporter.wrong_type(root, "the Compose file", "a mapping");
        return project;
    };

    if let Some(name) = root.get("name").and_then(|node| string(node, "name", reporter)) {
        project.name = name;
    }
    for entry in entries {
        let key = entry.key.scalar_text().unwrap_or_default();
        if key.starts_with("x-") {
            project.extensions.insert(key.to_string(), to_json(&entry.value));
        } else if key == "include" {
            reporter.error(
                &entry.key,
                Code::InvalidValue,
                "'include' is not supported yet",
                key,
                "pass the included files as override files instead",
            );
        } else if !TOP_LEVEL.contains(&key) {
            reporter.error(
                &entry.key,
                Code::InvalidValue,
                format!("unknown top-level attribute '{key}'"),
                key,
                "check the spelling, or prefix a custom attribute with 'x-'",
            );
        }
    }

    let mut port_places = BTreeMap::new();
    if let Some(services) = root.get("services") {
        match &services.value {
            Value::Mapping(entries) => {
                let mut context = Context {
                    reporter: &mut *reporter,
                    working_dir,
                    lookup,
                };
                for entry in entries {
                    let name = entry.key.scalar_text().unwrap_or_default().to_string();
                    let service = build_service(&name, &entry.value, &mut context);
                    port_places.insert(name.clone(), entry.value.get("ports").unwrap_or(&entry.key).clone());
                    project.services.insert(name, service);
                }
            }
            _ if services.is_null() => {}
            _ => reporter.wrong_type(services, "services", "a mapping"),
        }
    }

    for (section, target) in [
        ("networks", &mut project.networks),
        ("volumes", &mut project.volumes),
        ("secrets", &mut project.secrets),
        ("configs", &mut project.configs),
    ] {
        if let Some(node) = root.get(section) {
            *target = build_resources(section, node, &project.name, working_dir, reporter);
        }
    }

    attach_default_network(&mut project);
    check_references(root, &project, reporter);
    check_cycles(root, &project, reporter);
    warn_duplicate_ports(&project, &port_places, reporter);
    project
}

/// Gives every service without `networks` or `network_mode` the `default` network, and defines
/// that network, as Compose does.
fn attach_default_network(project: &mut Project) {
    let mut uses_default = false;
    for service in project.services.values_mut() {
        if service.networks.is_empty() && !service.other.contains_key("network_mode") {
            service.networks.insert("default".to_string(), None);
        }
        uses_default |= service.networks.contains_key("default");
    }
    if uses_default && !project.networks.contains_key("default") {
        let network = Resource {
            name: format!("{}_default", project.name),
            ..Resource::default()
        };
        project.networks.insert("default".to_string(), network);
    }
}

fn check_references(root: &Node, project: &Project, reporter: &mut Reporter) {
    let services_node = root.get("services");
    for (name, service) in &project.services {
        let node = services_node.and_then(|services| services.get(name));
        let Some(node) = node else {
            continue;
        };
        let place = |attribute: &str| node.get(attribute).unwrap_or(node);
        for (dependency, settings) in &service.depends_on {
            if settings.required && !project.services.contains_key(dependency) {
                reporter.error(
                    place("depends_on"),
                    Code::UndefinedReference,
                    format!("service '{name}' depends on undefined service '{dependency}'"),
                    dependency,
                    "define the service, fix the name, or set 'required: false' on the dependency",
                );
            }
        }
        for network in service.networks.keys() {
            if !project.networks.contains_key(network) {
                reporter.error(
                    place("networks"),
                    Code::UndefinedReference,
                    format!("service '{name}' uses undefined network '{network}'"),
                    network,
                    "define the network under the top-level 'networks'",
                );
            }
        }
        for mount in &service.volumes {
            let Some(source) = mount.source.as_deref().filter(|_| mount.kind == "volume") else {
                continue;
            };
            if !project.volumes.contains_key(source) {
                reporter.error(
                    place("volumes"),
                    Code::UndefinedReference,
                    format!("service '{name}' uses undefined volume '{source}'"),
                    source,
                    "define the volume under the top-level 'volumes', or start a host path with './' or '/'",
                );
            }
        }
    }
}

/// Reports a `depends_on` cycle among all services, whatever their profiles, as Compose
/// rejects such a file before it starts anything.
fn check_cycles(root: &Node, project: &Project, reporter: &mut Reporter) {
    let profiles: std::collections::BTreeSet<&str> = project
        .services
        .values()
        .flat_map(|service| service.profiles.iter().map(String::as_str))
        .collect();
    let profiles: Vec<&str> = profiles.into_iter().collect();
    if let Err(super::order::OrderError::Cycle { services }) = project.start_order(&profiles) {
        let place = services
            .first()
            .and_then(|first| root.get("services").and_then(|all| all.entry(first)))
            .map(|entry| entry.key.clone());
        if let Some(place) = place {
            reporter.error(
                &place,
                Code::DependencyCycle,
                format!("depends_on forms a cycle among: {}", services.join(", ")),
                &services.join(", "),
                "remove one of the depends_on entries so the services can start one after another",
            );
        }
    }
}

/// Warns when two bindings publish the same host port and protocol (on overlapping host IPs),
/// and when one service maps the same container port and protocol twice.
fn warn_duplicate_ports(project: &Project, places: &BTreeMap<String, Node>, reporter: &mut Reporter) {
    let mut published: BTreeMap<(String, String), (String, Option<String>)> = BTreeMap::new();
    for (name, service) in &project.services {
        let Some(place) = places.get(name) else {
            continue;
        };
        let mut targets: BTreeMap<(u16, &str), usize> = BTreeMap::new();
        for binding in &service.ports {
            let count = targets.entry((binding.target, binding.protocol.as_str())).or_default();
            *count += 1;
            if *count == 2 {
                reporter.warning(
                    place,
                    Code::DuplicateTarget,
                    format!(
                        "service '{name}' maps container port {}/{} more than once",
                        binding.target, binding.protocol
                    ),
                    &binding.target.to_string(),
                    "remove the extra binding unless the container port should be reachable on several host ports",
                );
            }

            let Some(port) = &binding.published else {
                continue;
            };
            let key = (port.clone(), binding.protocol.clone());
            match published.get(&key) {
                Some((other, other_ip))
                    if ips_overlap(other_ip.as_deref(), binding.host_ip.as_deref())
                        && may_run_together(&project.services[other], service) =>
                {
                    reporter.warning(
                        place,
                        Code::DuplicatePublishedPort,
                        format!(
                            "host port {port}/{} is published by '{other}' and '{name}'",
                            binding.protocol
                        ),
                        port,
                        "publish a different host port, or bind each to its own host IP",
                    );
                }
                _ => {
                    published.insert(key, (name.clone(), binding.host_ip.clone()));
                }
            }
        }
    }
}

/// True unless the two services belong to different profiles only. Templates offer
/// alternatives that way (one database or the other), and only one of them is ever active, so
/// a port both publish is not a clash.
fn may_run_together(first: &Service, second: &Service) -> bool {
    first.profiles.is_empty()
        || second.profiles.is_empty()
        || first.profiles.iter().any(|profile| second.profiles.contains(profile))
}

/// True when two host IPs can clash: equal, or either one unspecified (all addresses).
fn ips_overlap(first: Option<&str>, second: Option<&str>) -> bool {
    let unspecified = |ip: Option<&str>| matches!(ip, None | Some("0.0.0.0") | Some("::") | Some(""));
    unspecified(first) || unspecified(second) || first == second
}

impl Project {
    /// Returns the services active with `profiles`, by name.
    pub fn active_services<'a>(&'a self, profiles: &'a [&'a str]) -> impl Iterator<Item = &'a Service> + 'a {
        self.services
            .values()
            .filter(move |service| service.is_active(profiles))
    }
}
