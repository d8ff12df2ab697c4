//! Deploys a Swarm stack through the Docker API, as `docker stack deploy` does: overlay networks
//! and services named `STACK_NAME`, labelled `com.docker.stack.namespace=STACK`, so
//! `docker stack ls`, `ps` and `rm` treat the result as their own.
//!
//! It deploys the same [`StackFile`] the export writes, built with the real secret values: they
//! go to the engine and are never written to a file.

use std::collections::BTreeMap;

use bollard::models::{NetworkCreateRequest, ServiceSpec};
use bollard::query_parameters::{InspectServiceOptions, UpdateServiceOptions};
use homeport_compose::Project;
use homeport_export::swarm::{self, SecretValues, StackFile, StackService};
use homeport_export::{ExportInput, Outcome, Warning};
use serde_json::{json, Value};

use crate::docker::DockerEngine;
use crate::error::{Error, Result};

/// The label `docker stack` finds a stack's objects by.
pub const NAMESPACE_LABEL: &str = "com.docker.stack.namespace";

/// The objects a deploy created or updated, and its warnings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SwarmDeployReport {
    pub stack: String,
    pub networks_created: Vec<String>,
    pub services_created: Vec<String>,
    pub services_updated: Vec<String>,
    pub warnings: Vec<Warning>,
}

/// Deploys the project's services without a profile as stack `stack`. Fails with
/// `InvalidInput` when the engine is not a swarm manager, before anything is created.
pub async fn deploy_stack(
    engine: &DockerEngine,
    project: &Project,
    input: &ExportInput,
    stack: &str,
) -> Result<SwarmDeployReport> {
    check_stack_name(stack)?;
    let docker = &engine.docker;
    let host = engine.host().to_string();
    let docker_error = |err: bollard::errors::Error| Error::Docker {
        host: host.clone(),
        detail: err.to_string(),
    };
    let info = docker.info().await.map_err(docker_error)?;
    let manager = info
        .swarm
        .as_ref()
        .and_then(|swarm| swarm.control_available)
        .unwrap_or(false);
    if !manager {
        return Err(Error::invalid(
            "host",
            host.clone(),
            "this engine is not a swarm manager; run 'docker swarm init' on it, or pick a manager",
        ));
    }

    let mut warnings = Vec::new();
    let file = swarm::stack_file(project, input, SecretValues::Keep, &mut warnings);
    // The warnings about ${NAME} references concern files only; the deploy sends the values.
    warnings.retain(|warning| !(warning.field == "environment" && warning.outcome == Outcome::Action));

    let mut report = SwarmDeployReport {
        stack: stack.to_string(),
        networks_created: Vec::new(),
        services_created: Vec::new(),
        services_updated: Vec::new(),
        warnings: Vec::new(),
    };
    for (key, name) in networks_needed(&file, stack) {
        if file.networks.get(&key).is_some_and(|network| network.external) {
            continue;
        }
        if docker
            .inspect_network(&name, None::<bollard::query_parameters::InspectNetworkOptions>)
            .await
            .is_ok()
        {
            continue;
        }
        let driver = file
            .networks
            .get(&key)
            .and_then(|network| network.driver.clone())
            .unwrap_or_else(|| "overlay".to_string());
        let mut labels: std::collections::HashMap<String, String> = file
            .networks
            .get(&key)
            .map(|network| network.labels.clone().into_iter().collect())
            .unwrap_or_default();
        labels.insert(NAMESPACE_LABEL.to_string(), stack.to_string());
        docker
            .create_network(NetworkCreateRequest {
                name: name.clone(),
                driver: Some(driver),
                labels: Some(labels),
                ..NetworkCreateRequest::default()
            })
            .await
            .map_err(docker_error)?;
        tracing::info!(stack, network = %name, "swarm network created");
        report.networks_created.push(name);
    }

    for (service_name, service) in &file.services {
        let full_name = format!("{stack}_{service_name}");
        let spec = service_spec(&file, stack, service_name, service, &mut warnings)?;
        match docker.inspect_service(&full_name, None::<InspectServiceOptions>).await {
            Ok(existing) => {
                let version = existing.version.and_then(|version| version.index).unwrap_or_default();
                docker
                    .update_service(
                        &full_name,
                        spec,
                        UpdateServiceOptions {
                            version: version as i32,
                            ..UpdateServiceOptions::default()
                        },
                        None,
                    )
                    .await
                    .map_err(docker_error)?;
                tracing::info!(stack, service = %full_name, "swarm service updated");
                report.services_updated.push(full_name);
            }
            Err(_) => {
                docker.create_service(spec, None).await.map_err(docker_error)?;
                tracing::info!(stack, service = %full_name, "swarm service created");
                report.services_created.push(full_name);
            }
        }
    }
    report.warnings = warnings;
    Ok(report)
}

/// Stack names become prefixes of network and service names, which Docker restricts.
fn check_stack_name(stack: &str) -> Result<()> {
    let valid = !stack.is_empty()
        && stack.len() <= 63
        && stack.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && stack.starts_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "stack",
            stack,
            "use letters, digits, '-' and '_', starting with a letter or digit",
        ))
    }
}

/// Each network key the services use, with its name on the engine. A service that names no
/// network joins `default`, as in `docker stack deploy`.
fn networks_needed(file: &StackFile, stack: &str) -> BTreeMap<String, String> {
    let mut needed = BTreeMap::new();
    for service in file.services.values() {
        let keys: Vec<String> = if service.networks.is_empty() {
            vec!["default".to_string()]
        } else {
            service.networks.keys().cloned().collect()
        };
        for key in keys {
            let name = network_name(file, stack, &key);
            needed.insert(key, name);
        }
    }
    needed
}

fn network_name(file: &StackFile, stack: &str, key: &str) -> String {
    match file.networks.get(key) {
        Some(network) if network.external => network.name.clone().unwrap_or_else(|| key.to_string()),
        _ => format!("{stack}_{key}"),
    }
}

/// The engine's ServiceSpec for one service, built as the API's JSON and read into bollard's
/// type, so a wrong field name or type fails here instead of being ignored by the engine.
fn service_spec(
    file: &StackFile,
    stack: &str,
    name: &str,
    service: &StackService,
    warnings: &mut Vec<Warning>,
) -> Result<ServiceSpec> {
    let namespace = json!({ NAMESPACE_LABEL: stack });
    let mut container = json!({
        "Image": service.image,
        "Labels": namespace,
        "Env": service.environment.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>(),
    });
    if let Some(entrypoint) = &service.entrypoint {
        container["Command"] = json!(entrypoint);
    }
    if let Some(command) = &service.command {
        container["Args"] = json!(command);
    }
    let mounts: Vec<Value> = service
        .volumes
        .iter()
        .map(|mount| {
            let mut value = json!({ "Type": mount.kind, "Target": mount.target, "ReadOnly": mount.read_only });
            match (mount.kind.as_str(), &mount.source) {
                ("volume", Some(source)) => {
                    let external = file.volumes.get(source).filter(|volume| volume.external);
                    value["Source"] = match external {
                        Some(volume) => json!(volume.name.clone().unwrap_or_else(|| source.clone())),
                        None => json!(format!("{stack}_{source}")),
                    };
                    value["VolumeOptions"] = json!({ "Labels": { NAMESPACE_LABEL: stack } });
                }
                (_, Some(source)) => value["Source"] = json!(source),
                _ => {}
            }
            value
        })
        .collect();
    if !mounts.is_empty() {
        container["Mounts"] = json!(mounts);
    }
    if let Some(check) = &service.healthcheck {
        let nanos = |text: &Option<String>| {
            text.as_deref()
                .and_then(swarm::parse_go_duration)
                .map(|duration| duration.as_nanos() as i64)
        };
        container["HealthCheck"] = json!({
            "Test": check.test,
            "Interval": nanos(&check.interval),
            "Timeout": nanos(&check.timeout),
            "StartPeriod": nanos(&check.start_period),
            "Retries": check.retries,
        });
    }
    for (key, value) in &service.other {
        let field = match key.as_str() {
            "working_dir" => "Dir",
            "user" => "User",
            "hostname" => "Hostname",
            "tty" => "TTY",
            "stdin_open" => "OpenStdin",
            "read_only" => "ReadOnly",
            "init" => "Init",
            "stop_signal" => "StopSignal",
            "expose" => continue,
            _ => {
                warnings.push(Warning::service(
                    name,
                    key,
                    Outcome::Dropped,
                    format!("Homeport's swarm deploy does not set '{key}'; deploy the exported stack file with 'docker stack deploy' to keep it"),
                ));
                continue;
            }
        };
        container[field] = value.clone();
    }

    let networks: Vec<Value> = if service.networks.is_empty() {
        vec![json!({ "Target": network_name(file, stack, "default"), "Aliases": [name] })]
    } else {
        service
            .networks
            .iter()
            .map(|(key, settings)| {
                let mut aliases = vec![name.to_string()];
                aliases.extend(settings.aliases.iter().cloned());
                json!({ "Target": network_name(file, stack, key), "Aliases": aliases })
            })
            .collect()
    };

    let deploy = &service.deploy;
    let mut task = json!({ "ContainerSpec": container, "Networks": networks });
    if let Some(resources) = &deploy.resources {
        let amounts = |amounts: &Option<swarm::StackAmounts>| {
            amounts.as_ref().map(|amounts| {
                json!({
                    "NanoCPUs": amounts.cpus.as_deref().and_then(|cpus| cpus.parse::<f64>().ok()).map(|cpus| (cpus * 1e9) as i64),
                    "MemoryBytes": amounts.memory.as_deref().and_then(homeport_compose::model::units::parse_bytes),
                })
            })
        };
        task["Resources"] =
            json!({ "Limits": amounts(&resources.limits), "Reservations": amounts(&resources.reservations) });
    }
    if let Some(policy) = &deploy.restart_policy {
        let nanos = |text: &Option<String>| {
            text.as_deref()
                .and_then(swarm::parse_go_duration)
                .map(|duration| duration.as_nanos() as i64)
        };
        task["RestartPolicy"] = json!({
            "Condition": policy.condition,
            "MaxAttempts": policy.max_attempts,
            "Delay": nanos(&policy.delay),
            "Window": nanos(&policy.window),
        });
    }
    if let Some(constraints) = deploy
        .other
        .get("placement")
        .and_then(|placement| placement.get("constraints"))
    {
        task["Placement"] = json!({ "Constraints": constraints });
    }
    let mode = match deploy.other.get("mode").and_then(Value::as_str) {
        Some("global") => json!({ "Global": {} }),
        _ => json!({ "Replicated": { "Replicas": deploy.replicas } }),
    };
    for key in deploy
        .other
        .keys()
        .filter(|key| !matches!(key.as_str(), "placement" | "mode"))
    {
        warnings.push(Warning::service(
            name,
            &format!("deploy.{key}"),
            Outcome::Dropped,
            format!("Homeport's swarm deploy does not set deploy.{key}; deploy the exported stack file with 'docker stack deploy' to keep it"),
        ));
    }
    let ports: Vec<Value> = service
        .ports
        .iter()
        .map(|port| {
            json!({
                "Protocol": port.protocol,
                "TargetPort": port.target,
                "PublishedPort": port.published.as_deref().and_then(|published| published.parse::<u16>().ok()),
                "PublishMode": port.mode,
            })
        })
        .collect();

    let mut labels = json!(deploy.labels);
    labels[NAMESPACE_LABEL] = json!(stack);
    labels["com.docker.stack.image"] = json!(service.image);
    let spec = json!({
        "Name": format!("{stack}_{name}"),
        "Labels": labels,
        "TaskTemplate": task,
        "Mode": mode,
        "EndpointSpec": { "Ports": ports },
    });
    serde_json::from_value(strip_nulls(spec))
        .map_err(|err| Error::Internal(format!("swarm service spec for {name}: {err}")))
}

/// Removes `null` members, which the engine's JSON reader rejects for some fields.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| (key, strip_nulls(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
