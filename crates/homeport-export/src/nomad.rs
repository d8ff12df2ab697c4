//! Nomad: one job for the stack, with a group per service and a docker-driver task in each.
//!
//! A group per service, not one group for the stack: Nomad places a group's tasks together
//! on one node and scales them together, while Compose services scale, restart and update
//! one by one. Services find each other through Nomad's service registrations instead of
//! Compose's network names.
//!
//! Resources: Nomad counts CPU in MHz, so `cpus` × 1000 MHz (one core taken as 1 GHz, which
//! Nomad treats as a share of the node's total, not a clock speed), and memory in MB. `memory`
//! is the reservation (Compose's reservation, or 256), `memory_max` the limit (Compose's limit,
//! or 512), which Nomad enforces only when memory oversubscription is enabled.
//!
//! The job is built as an hcl-rs [`Body`] and printed by hcl-rs, so [`parse`] reads the same
//! body back.

use std::collections::BTreeSet;

use hcl::expr::{Traversal, Variable};
use hcl::{Attribute, Block, Body, Expression};
use homeport_compose::model::Service;
use homeport_compose::Project;

use crate::health::{self, Check, Health};
use crate::names::hcl_identifier;
use crate::{ExportError, ExportFile, ExportInput, Outcome, Warning};

pub const DEFAULT_CPU_MHZ: u64 = 250;
pub const DEFAULT_MEMORY_MB: u64 = 256;
pub const DEFAULT_MEMORY_MAX_MB: u64 = 512;

pub(crate) fn export(
    project: &Project,
    input: &ExportInput,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<ExportFile>, ExportError> {
    let body = job(project, input, warnings);
    let content = hcl::to_string(&body).map_err(|err| ExportError::Serialise {
        target: "nomad",
        detail: err.to_string(),
    })?;
    Ok(vec![ExportFile {
        path: format!("{}.nomad.hcl", crate::names::dns_label(&project.name)),
        content,
    }])
}

/// Parses a job file back into its body.
pub fn parse(text: &str) -> Result<Body, hcl::Error> {
    hcl::parse(text)
}

/// The job file: a `variable` block per secret, then the job.
pub fn job(project: &Project, input: &ExportInput, warnings: &mut Vec<Warning>) -> Body {
    let mut secrets = BTreeSet::new();
    let mut job = Block::builder("job")
        .add_label(project.name.as_str())
        .add_attribute(("datacenters", vec!["*"]))
        .add_attribute(("type", "service"));
    for service in project.services.values().filter(|service| service.is_active(&[])) {
        job = job.add_block(group(project, service, input, &mut secrets, warnings));
    }
    if project.services.len() > 1 {
        warnings.push(Warning::stack(
            "networks",
            Outcome::Action,
            "Compose service names do not resolve in Nomad: tasks find each other through the registered services (a template with nomadService, or Consul DNS)",
        ));
    }
    let mut body = Body::builder();
    for name in &secrets {
        body = body.add_block(
            Block::builder("variable")
                .add_label(hcl_identifier(name).as_str())
                .add_attribute(("type", Expression::Variable(Variable::unchecked("string"))))
                .add_attribute((
                    "description",
                    format!("the value of {name}, given with -var or -var-file"),
                ))
                .build(),
        );
    }
    if !secrets.is_empty() {
        warnings.push(Warning::stack(
            "environment",
            Outcome::Action,
            format!(
                "the values of {} are job variables: pass them with 'nomad job run -var NAME=...' or a var file",
                secrets.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    body.add_block(job.build()).build()
}

fn group(
    project: &Project,
    service: &Service,
    input: &ExportInput,
    secrets: &mut BTreeSet<String>,
    warnings: &mut Vec<Warning>,
) -> Block {
    let name = service.name.as_str();
    let mut replicas = 1;
    if let Some(deploy) = &service.deploy {
        for (key, value) in &deploy.other {
            match key.as_str() {
                "replicas" => replicas = value.as_u64().unwrap_or(1),
                _ => warnings.push(Warning::service(
                    name,
                    &format!("deploy.{key}"),
                    Outcome::Dropped,
                    format!("deploy.{key} has no Nomad form that Homeport writes"),
                )),
            }
        }
    }

    // Ports: one label per container port, static when Compose published it.
    let mut network = Block::builder("network");
    let mut port_labels = Vec::new();
    for port in &service.ports {
        let label = format!("p{}", port.target);
        if port_labels.contains(&label) {
            continue;
        }
        let mut block = Block::builder("port")
            .add_label(label.as_str())
            .add_attribute(("to", i64::from(port.target)));
        if let Some(published) = &port.published {
            match published.parse::<u16>() {
                Ok(published) => block = block.add_attribute(("static", i64::from(published))),
                Err(_) => warnings.push(Warning::service(
                    name,
                    "ports",
                    Outcome::Changed,
                    format!(
                        "the published range {published} became a dynamic port for {}",
                        port.target
                    ),
                )),
            }
        }
        if port.host_ip.is_some() {
            warnings.push(Warning::service(
                name,
                "ports",
                Outcome::Changed,
                format!(
                    "port {} was bound to one address; Nomad binds it on the node's default network",
                    port.target
                ),
            ));
        }
        network = network.add_block(block.build());
        port_labels.push(label);
    }

    // An HTTP check needs its port mapped even when Compose did not publish it.
    if let Health::Check(Check::Http { port, .. }) = health::read(service.healthcheck.as_ref()) {
        let label = format!("p{port}");
        if !port_labels.contains(&label) {
            network = network.add_block(
                Block::builder("port")
                    .add_label(label.as_str())
                    .add_attribute(("to", i64::from(port)))
                    .build(),
            );
            port_labels.push(label);
        }
    }

    let mut config = Block::builder("config").add_attribute(("image", image(project, service, warnings)));
    if let Some(entrypoint) = &service.entrypoint {
        config = config.add_attribute(("entrypoint", entrypoint.clone()));
    }
    if let Some(command) = &service.command {
        config = config.add_attribute(("args", command.clone()));
    }
    if !port_labels.is_empty() {
        config = config.add_attribute(("ports", port_labels.clone()));
    }
    for mount in &service.volumes {
        let source = match (mount.kind.as_str(), &mount.source) {
            ("volume", Some(source)) => Some(
                project
                    .volumes
                    .get(source)
                    .map_or_else(|| source.clone(), |resource| resource.name.clone()),
            ),
            ("bind", Some(source)) => {
                warnings.push(Warning::service(
                    name,
                    "volumes",
                    Outcome::Action,
                    format!("bind mount {source} needs 'volumes {{ enabled = true }}' in the client's docker plugin, and the path on the node"),
                ));
                Some(source.clone())
            }
            ("tmpfs", _) => None,
            (kind, _) => {
                warnings.push(Warning::service(
                    name,
                    "volumes",
                    Outcome::Dropped,
                    format!("mount type '{kind}' at {} has no Nomad form", mount.target),
                ));
                continue;
            }
        };
        let mut block = Block::builder("mount")
            .add_attribute((
                "type",
                if mount.kind == "volume" && source.is_none() {
                    "volume"
                } else {
                    mount.kind.as_str()
                },
            ))
            .add_attribute(("target", mount.target.as_str()));
        if let Some(source) = source {
            block = block.add_attribute(("source", source));
        } else if mount.kind == "volume" {
            warnings.push(Warning::service(
                name,
                "volumes",
                Outcome::Changed,
                format!(
                    "the anonymous volume at {} gets a new Docker volume for each allocation",
                    mount.target
                ),
            ));
        }
        if mount.read_only {
            block = block.add_attribute(("readonly", true));
        }
        config = config.add_block(block.build());
    }

    let mut task = Block::builder("task")
        .add_label(name)
        .add_attribute(("driver", "docker"));
    for (key, value) in &service.other {
        match (key.as_str(), value) {
            ("working_dir", serde_json::Value::String(dir)) => {
                config = config.add_attribute(("work_dir", dir.as_str()))
            }
            ("hostname", serde_json::Value::String(hostname)) => {
                config = config.add_attribute(("hostname", hostname.as_str()))
            }
            ("user", serde_json::Value::String(user)) => task = task.add_attribute(("user", user.as_str())),
            ("cap_add" | "cap_drop", serde_json::Value::Array(items)) => {
                let list: Vec<String> = items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect();
                config = config.add_attribute((key.as_str(), list));
                if key == "cap_add" {
                    warnings.push(Warning::service(
                        name,
                        key,
                        Outcome::Action,
                        "the client's docker plugin must list these capabilities in allow_caps",
                    ));
                }
            }
            ("privileged", serde_json::Value::Bool(true)) => {
                config = config.add_attribute(("privileged", true));
                warnings.push(Warning::service(
                    name,
                    key,
                    Outcome::Action,
                    "the client's docker plugin must set allow_privileged = true, or the task fails",
                ));
            }
            ("network_mode", serde_json::Value::String(mode)) if mode == "host" => {
                config = config.add_attribute(("network_mode", "host"));
            }
            ("expose", _) => {}
            _ => warnings.push(Warning::service(
                name,
                key,
                Outcome::Dropped,
                format!("'{key}' has no Nomad form that Homeport writes"),
            )),
        }
    }
    task = task.add_block(config.build());

    let mut env = Block::builder("env");
    let mut has_env = false;
    for (key, value) in &service.environment {
        let expression = if input.is_secret(key, value.as_deref()) {
            secrets.insert(key.clone());
            Expression::Traversal(Box::new(
                Traversal::builder(Variable::unchecked("var"))
                    .attr(hcl_identifier(key))
                    .build(),
            ))
        } else {
            Expression::String(value.clone().unwrap_or_default())
        };
        env = env.add_attribute(Attribute::new(key.as_str(), expression));
        has_env = true;
    }
    if has_env {
        task = task.add_block(env.build());
    }
    task = task.add_block(resources(service));
    if let Some(service_block) = service_registration(project, service, &port_labels, warnings) {
        task = task.add_block(service_block);
    }

    let mut group = Block::builder("group")
        .add_label(name)
        .add_attribute(("count", replicas as i64));
    if !port_labels.is_empty() {
        group = group.add_block(network.build());
    }
    if let Some(restart) = restart(service, warnings) {
        group = group.add_block(restart);
    }
    if !service.depends_on.is_empty() {
        warnings.push(Warning::service(
            name,
            "depends_on",
            Outcome::Dropped,
            "groups start in no order; the task must retry until its dependencies answer",
        ));
    }
    group.add_block(task.build()).build()
}

fn image(project: &Project, service: &Service, warnings: &mut Vec<Warning>) -> String {
    if service.build.is_some() {
        let image = service
            .image
            .clone()
            .unwrap_or_else(|| format!("{}-{}", project.name, service.name));
        warnings.push(Warning::service(
            &service.name,
            "build",
            Outcome::Action,
            format!("Nomad does not build images: build {image} and push it to a registry the clients can pull from"),
        ));
        return image;
    }
    service.image.clone().unwrap_or_default()
}

fn resources(service: &Service) -> Block {
    let deploy = service.deploy.as_ref();
    let limits = deploy.and_then(|deploy| deploy.limits.as_ref());
    let reservations = deploy.and_then(|deploy| deploy.reservations.as_ref());
    let cpus = limits
        .and_then(|limits| limits.cpus)
        .or_else(|| reservations.and_then(|reservations| reservations.cpus));
    let cpu = cpus.map_or(DEFAULT_CPU_MHZ, |cpus| ((cpus * 1000.0).round() as u64).max(1));
    const MB: u64 = 1024 * 1024;
    let memory = reservations
        .and_then(|reservations| reservations.memory)
        .map_or(DEFAULT_MEMORY_MB, |bytes| bytes.div_ceil(MB));
    let memory_max = limits
        .and_then(|limits| limits.memory)
        .map_or(DEFAULT_MEMORY_MAX_MB, |bytes| bytes.div_ceil(MB))
        .max(memory);
    Block::builder("resources")
        .add_attribute(("cpu", cpu as i64))
        .add_attribute(("memory", memory as i64))
        .add_attribute(("memory_max", memory_max as i64))
        .build()
}

/// A service registration with a check: HTTP when the health check fetches a local URL, a
/// script otherwise (which needs Consul), TCP on the first port without a health check.
fn service_registration(
    project: &Project,
    service: &Service,
    port_labels: &[String],
    warnings: &mut Vec<Warning>,
) -> Option<Block> {
    let name = service.name.as_str();
    let healthcheck = service.healthcheck.as_ref();
    let interval = healthcheck
        .and_then(|check| check.interval)
        .map_or("10s".to_string(), crate::swarm::go_duration);
    let timeout = healthcheck
        .and_then(|check| check.timeout)
        .map_or("5s".to_string(), crate::swarm::go_duration);
    let registered = crate::names::dns_label(&format!("{}-{}", project.name, name));
    let mut check = Block::builder("check")
        .add_attribute(("interval", interval))
        .add_attribute(("timeout", timeout));
    let (provider, port) = match health::read(healthcheck) {
        Health::Disabled => {
            warnings.push(Warning::service(
                name,
                "healthcheck",
                Outcome::Dropped,
                "the health check is disabled, so the service has no check",
            ));
            return None;
        }
        Health::Unset => {
            let port = port_labels.first()?.clone();
            check = check.add_attribute(("type", "tcp"));
            ("nomad", Some(port))
        }
        Health::Check(Check::Http { path, port }) => {
            let label = format!("p{port}");
            check = check.add_attribute(("type", "http")).add_attribute(("path", path));
            ("nomad", Some(label))
        }
        Health::Check(Check::Exec(command)) => {
            check = check
                .add_attribute(("type", "script"))
                .add_attribute(("command", command[0].as_str()))
                .add_attribute(("args", command[1..].to_vec()));
            warnings.push(Warning::service(
                name,
                "healthcheck",
                Outcome::Changed,
                "the command check became a script check, which Nomad runs only for services registered in Consul",
            ));
            ("consul", port_labels.first().cloned())
        }
    };
    let mut block = Block::builder("service")
        .add_attribute(("name", registered))
        .add_attribute(("provider", provider));
    if let Some(port) = port {
        block = block.add_attribute(("port", port));
    }
    Some(block.add_block(check.build()).build())
}

/// Compose's `restart` as Nomad's restart block. Nomad's own policy applies when unset.
fn restart(service: &Service, warnings: &mut Vec<Warning>) -> Option<Block> {
    let restart = service.restart.as_deref()?;
    let (attempts, mode) = match crate::swarm::restart_condition(restart) {
        ("none", _) => (0, "fail"),
        ("on-failure", Some(count)) => (count as i64, "fail"),
        ("on-failure", None) => (3, "delay"),
        _ => (3, "delay"),
    };
    if restart == "unless-stopped" || restart.starts_with("on-failure") {
        warnings.push(Warning::service(
            &service.name,
            "restart",
            Outcome::Changed,
            format!("Nomad restarts a failed task the same way whatever its exit code; '{restart}' became {attempts} attempts, mode '{mode}'"),
        ));
    }
    Some(
        Block::builder("restart")
            .add_attribute(("attempts", attempts))
            .add_attribute(("interval", "30m"))
            .add_attribute(("delay", "15s"))
            .add_attribute(("mode", mode))
            .build(),
    )
}
