//! Replacing one container with a copy that runs a newer image. The copy's create request is
//! built from the old container's inspect data, without the values the old image supplied, so
//! the new image's defaults (environment, command, labels, volumes) apply as they would for
//! `docker compose up`.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, HostConfig, ImageConfig, Mount, MountPoint,
    MountType, NetworkConnectRequest, NetworkingConfig,
};
use bollard::query_parameters::{CreateContainerOptions, RenameContainerOptions, StopContainerOptions};

use super::check::ServiceContainer;
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::stacks::deploy::{Ledger, Replaced};
use crate::stacks::labels;

/// Seconds a container gets to stop after SIGTERM when it sets no stop timeout, Compose's
/// default.
const DEFAULT_STOP_TIMEOUT_SECS: i64 = 10;

/// The create request of a replacement container.
#[derive(Debug, Clone)]
pub(super) struct Replacement {
    pub name: String,
    pub body: ContainerCreateBody,
    /// Networks joined after the create, because engines before API 1.44 take only one
    /// network in the create request.
    pub extra_networks: Vec<(String, EndpointSettings)>,
}

/// A container that was replaced and the state of the old one.
#[derive(Debug, Clone)]
pub(super) struct Recreated {
    pub id: String,
    pub name: String,
    pub was_running: bool,
}

/// Stops `old`, renames it out of the way, and creates its replacement from the same image
/// reference, which must now resolve to `new_image_id`. Both steps go into `ledger`, so a
/// rollback removes the new container and puts the old one back. Returns `None`, and changes
/// nothing, when `old` runs `new_image_id` already.
pub(super) async fn recreate(
    engine: &DockerEngine,
    stack: &str,
    service: &str,
    old: &ServiceContainer,
    new_image_id: &str,
    ledger: &mut Ledger,
) -> Result<Option<Recreated>> {
    let fail = |action: &str, err: bollard::errors::Error| {
        failed(engine, stack, service, format!("{action}: {}", message(err)))
    };
    let inspected = engine
        .docker
        .inspect_container(&old.id, None)
        .await
        .map_err(|err| fail("inspecting the old container failed", err))?;
    let old_image_id = inspected.image.clone().unwrap_or_default();
    if old_image_id == new_image_id {
        return Ok(None);
    }
    // Without the old image, the container's own values cannot be separated from the image's,
    // so all of them are kept: the new container then starts with what the old one ran with.
    let old_image = match engine.docker.inspect_image(&old_image_id).await {
        Ok(image) => image.config,
        Err(err) => {
            tracing::warn!(image = %old_image_id, error = %err, "old image not found; keeping every container setting");
            None
        }
    };
    let replacement = replacement(&inspected, old_image.as_ref(), new_image_id);
    let was_running = matches!(old.state.as_str(), "running" | "restarting");

    let stop_timeout = inspected
        .config
        .as_ref()
        .and_then(|config| config.stop_timeout)
        .unwrap_or(DEFAULT_STOP_TIMEOUT_SECS);
    set_aside(
        engine,
        stack,
        service,
        old,
        &replacement.name,
        was_running,
        stop_timeout,
        ledger,
    )
    .await?;

    let options = CreateContainerOptions {
        name: Some(replacement.name.clone()),
        ..Default::default()
    };
    let created = engine
        .docker
        .create_container(Some(options), replacement.body)
        .await
        .map_err(|err| fail("creating the new container failed", err))?;
    ledger.add_container(created.id.clone(), replacement.name.clone());

    for (network, endpoint) in replacement.extra_networks {
        let request = NetworkConnectRequest {
            container: created.id.clone(),
            endpoint_config: Some(endpoint),
        };
        engine
            .docker
            .connect_network(&network, request)
            .await
            .map_err(|err| fail(&format!("connecting to the network {network} failed"), err))?;
    }
    Ok(Some(Recreated {
        id: created.id,
        name: replacement.name,
        was_running,
    }))
}

/// Stops the old container and renames it `<short id>_<name>`, as the deploy does, so the new
/// one can take its name.
#[allow(clippy::too_many_arguments)]
async fn set_aside(
    engine: &DockerEngine,
    stack: &str,
    service: &str,
    old: &ServiceContainer,
    name: &str,
    was_running: bool,
    stop_timeout: i64,
    ledger: &mut Ledger,
) -> Result<()> {
    let fail = |err: bollard::errors::Error| {
        failed(
            engine,
            stack,
            service,
            format!("setting the old container {name} aside failed: {}", message(err)),
        )
    };
    if was_running {
        let options = StopContainerOptions {
            t: Some(i32::try_from(stop_timeout).unwrap_or(i32::MAX)),
            ..Default::default()
        };
        engine
            .docker
            .stop_container(&old.id, Some(options))
            .await
            .map_err(fail)?;
    }
    let short_id: String = old.id.chars().take(12).collect();
    let rename = RenameContainerOptions {
        name: format!("{short_id}_{name}"),
    };
    if let Err(err) = engine.docker.rename_container(&old.id, rename).await {
        if was_running {
            let _ = engine
                .docker
                .start_container(&old.id, None::<bollard::query_parameters::StartContainerOptions>)
                .await;
        }
        return Err(fail(err));
    }
    ledger.add_replaced(Replaced {
        id: old.id.clone(),
        name: name.to_string(),
        was_running,
    });
    Ok(())
}

/// Builds the create request of `old`'s replacement. `old_image` is the configuration of the
/// image `old` runs; values equal to it are left out so that the new image's apply.
pub(super) fn replacement(
    old: &ContainerInspectResponse,
    old_image: Option<&ImageConfig>,
    new_image_id: &str,
) -> Replacement {
    let config = old.config.clone().unwrap_or_default();
    let image = old_image.cloned().unwrap_or_default();
    let id = old.id.clone().unwrap_or_default();
    let short_id: String = id.chars().take(12).collect();

    let mut labels = config.labels.unwrap_or_default();
    for (key, value) in image.labels.iter().flatten() {
        if labels.get(key) == Some(value) {
            labels.remove(key);
        }
    }
    // A deploy compares this id with the one the reference names, so it must name the new
    // image or the next unchanged redeploy would replace the container again.
    if labels.contains_key(labels::IMAGE) {
        labels.insert(labels::IMAGE.to_string(), new_image_id.to_string());
    }

    // Docker fills an unset entrypoint and command from the image, and drops the image's
    // command when the entrypoint is set, so the command is the image's default only if the
    // entrypoint is too.
    let entrypoint_from_image = same_list(&config.entrypoint, &image.entrypoint);
    let (entrypoint, cmd) = if entrypoint_from_image {
        let cmd = if same_list(&config.cmd, &image.cmd) {
            None
        } else {
            config.cmd
        };
        (None, cmd)
    } else {
        (config.entrypoint, config.cmd)
    };

    let mut volumes = without(config.volumes, image.volumes.as_deref());
    let mut host_config = old.host_config.clone().unwrap_or_default();
    keep_anonymous_volumes(
        &mut host_config,
        &mut volumes,
        old.mounts.as_deref().unwrap_or_default(),
    );
    let (networking_config, extra_networks) = networks(old, &host_config, &short_id);

    let body = ContainerCreateBody {
        // Docker sets the hostname to the short id when none was given; the new container
        // gets its own.
        hostname: config
            .hostname
            .filter(|hostname| !hostname.is_empty() && *hostname != short_id),
        domainname: config.domainname,
        user: differs(config.user, &image.user),
        attach_stdin: config.attach_stdin,
        attach_stdout: config.attach_stdout,
        attach_stderr: config.attach_stderr,
        exposed_ports: without(config.exposed_ports, image.exposed_ports.as_deref()),
        tty: config.tty,
        open_stdin: config.open_stdin,
        stdin_once: config.stdin_once,
        env: without(config.env, image.env.as_deref()),
        cmd,
        healthcheck: differs(config.healthcheck, &image.healthcheck),
        args_escaped: None,
        image: config.image,
        volumes,
        working_dir: differs(config.working_dir, &image.working_dir),
        entrypoint,
        network_disabled: config.network_disabled,
        on_build: differs(config.on_build, &image.on_build),
        labels: Some(labels),
        stop_signal: differs(config.stop_signal, &image.stop_signal),
        stop_timeout: config.stop_timeout,
        shell: differs(config.shell, &image.shell),
        host_config: Some(host_config),
        networking_config,
    };
    Replacement {
        name: old.name.clone().unwrap_or_default().trim_start_matches('/').to_string(),
        body,
        extra_networks,
    }
}

/// Returns `value` unless it equals the image's, treating unset and empty alike.
fn differs<T: PartialEq + IsEmpty>(value: Option<T>, image: &Option<T>) -> Option<T> {
    let value = value.filter(|value| !value.is_empty());
    let image = image.as_ref().filter(|image| !image.is_empty());
    if value.as_ref() == image {
        None
    } else {
        value
    }
}

trait IsEmpty {
    fn is_empty(&self) -> bool;
}

impl IsEmpty for String {
    fn is_empty(&self) -> bool {
        String::is_empty(self)
    }
}

impl<T> IsEmpty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

impl IsEmpty for bollard::models::HealthConfig {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn same_list(value: &Option<Vec<String>>, image: &Option<Vec<String>>) -> bool {
    value.as_deref().unwrap_or_default() == image.as_deref().unwrap_or_default()
}

/// Returns the entries of `values` that the image does not list, or `None` when none is left.
fn without(values: Option<Vec<String>>, image: Option<&[String]>) -> Option<Vec<String>> {
    let image = image.unwrap_or_default();
    let kept: Vec<String> = values
        .unwrap_or_default()
        .into_iter()
        .filter(|value| !image.contains(value))
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// Mounts the old container's anonymous volumes at the same places in the new one, so their
/// data stays, as Compose does when it recreates a container. Named volumes and binds are in
/// the host config already. A `Mounts` entry of type volume without a source gets the old
/// volume's name.
fn keep_anonymous_volumes(host_config: &mut HostConfig, volumes: &mut Option<Vec<String>>, old_mounts: &[MountPoint]) {
    let bind_targets: Vec<String> = host_config
        .binds
        .iter()
        .flatten()
        .filter_map(|bind| bind.split(':').nth(1).map(str::to_string))
        .collect();
    for mount in old_mounts {
        let (Some("volume"), Some(name), Some(target)) = (
            mount.typ.as_deref(),
            mount.name.as_deref(),
            mount.destination.as_deref(),
        ) else {
            continue;
        };
        if bind_targets.iter().any(|bind_target| bind_target == target) {
            continue;
        }
        let mounts = host_config.mounts.get_or_insert_with(Vec::new);
        match mounts
            .iter_mut()
            .find(|existing| existing.target.as_deref() == Some(target))
        {
            Some(existing) => {
                if existing.typ == Some(MountType::VOLUME) && existing.source.as_deref().unwrap_or_default().is_empty()
                {
                    existing.source = Some(name.to_string());
                }
            }
            None => mounts.push(Mount {
                target: Some(target.to_string()),
                source: Some(name.to_string()),
                typ: Some(MountType::VOLUME),
                read_only: mount.rw.map(|rw| !rw),
                ..Default::default()
            }),
        }
        if let Some(list) = volumes.as_mut() {
            list.retain(|volume| volume != target);
        }
    }
    if volumes.as_ref().is_some_and(Vec::is_empty) {
        *volumes = None;
    }
}

/// Returns the create request's network (the one `NetworkMode` names) and the networks to
/// join after the create, each with the settings a user can give. Addresses and ids the engine
/// assigned are left out, and so is the alias Docker adds for the old container's short id.
fn networks(
    old: &ContainerInspectResponse,
    host_config: &HostConfig,
    short_id: &str,
) -> (Option<NetworkingConfig>, Vec<(String, EndpointSettings)>) {
    let mode = host_config.network_mode.clone().unwrap_or_default();
    if matches!(mode.as_str(), "host" | "none") || mode.starts_with("container:") {
        return (None, Vec::new());
    }
    let primary = if mode.is_empty() || mode == "default" {
        "bridge".to_string()
    } else {
        mode
    };

    let attached: HashMap<String, EndpointSettings> = old
        .network_settings
        .as_ref()
        .and_then(|settings| settings.networks.clone())
        .unwrap_or_default();
    let mut names: Vec<&String> = attached.keys().collect();
    names.sort();

    let mut networking_config = None;
    let mut extra = Vec::new();
    for name in names {
        let endpoint = user_endpoint(&attached[name], name, short_id);
        if *name == primary {
            networking_config = Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(name.clone(), endpoint)])),
            });
        } else {
            extra.push((name.clone(), endpoint));
        }
    }
    (networking_config, extra)
}

fn user_endpoint(endpoint: &EndpointSettings, network: &str, short_id: &str) -> EndpointSettings {
    // The default bridge network takes no aliases.
    let aliases = if network == "bridge" {
        None
    } else {
        endpoint.aliases.as_ref().map(|aliases| {
            aliases
                .iter()
                .filter(|alias| alias.as_str() != short_id)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    EndpointSettings {
        ipam_config: endpoint.ipam_config.clone(),
        links: endpoint.links.clone(),
        aliases: aliases.filter(|aliases| !aliases.is_empty()),
        driver_opts: endpoint.driver_opts.clone(),
        ..Default::default()
    }
}

fn message(err: bollard::errors::Error) -> String {
    match err {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.trim_end().to_string(),
        other => other.to_string(),
    }
}

/// Builds an update error about `service`. The stage is filled in when the update stops.
pub(super) fn failed(engine: &DockerEngine, stack: &str, service: &str, detail: String) -> Error {
    Error::StackUpdateFailed {
        host: engine.host.clone(),
        stack: stack.to_string(),
        stage: String::new(),
        service: service.to_string(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, NetworkSettings};

    const OLD_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn old_container() -> ContainerInspectResponse {
        let config = ContainerConfig {
            hostname: Some("0123456789ab".into()),
            image: Some("127.0.0.9:5000/hp/app:1".into()),
            env: Some(vec!["PATH=/bin".into(), "GREETING=hello".into()]),
            cmd: Some(vec!["/bin/sh".into()]),
            labels: Some(HashMap::from([
                (labels::PROJECT.into(), "shop".into()),
                (labels::SERVICE.into(), "web".into()),
                (labels::CONFIG_HASH.into(), "abc".into()),
                (labels::IMAGE.into(), "sha256:old".into()),
                ("org.example.version".into(), "1".into()),
            ])),
            volumes: Some(vec!["/cache".into(), "/data".into()]),
            working_dir: Some("/srv".into()),
            ..Default::default()
        };
        let host_config = HostConfig {
            network_mode: Some("shop_default".into()),
            binds: Some(vec!["shop_data:/data:rw".into()]),
            ..Default::default()
        };
        let endpoint = |aliases: Vec<&str>| EndpointSettings {
            aliases: Some(aliases.into_iter().map(String::from).collect()),
            ip_address: Some("172.18.0.2".into()),
            network_id: Some("net".into()),
            endpoint_id: Some("endpoint".into()),
            mac_address: Some("02:42:ac:12:00:02".into()),
            ..Default::default()
        };
        ContainerInspectResponse {
            id: Some(OLD_ID.into()),
            name: Some("/shop-web-1".into()),
            image: Some("sha256:old".into()),
            config: Some(config),
            host_config: Some(host_config),
            mounts: Some(vec![
                MountPoint {
                    typ: Some("volume".into()),
                    name: Some("shop_data".into()),
                    destination: Some("/data".into()),
                    rw: Some(true),
                    ..Default::default()
                },
                MountPoint {
                    typ: Some("volume".into()),
                    name: Some("f00d".into()),
                    destination: Some("/cache".into()),
                    rw: Some(true),
                    ..Default::default()
                },
            ]),
            network_settings: Some(NetworkSettings {
                networks: Some(HashMap::from([
                    (
                        "shop_default".to_string(),
                        endpoint(vec!["shop-web-1", "web", "0123456789ab"]),
                    ),
                    ("shop_back".to_string(), endpoint(vec!["web", "0123456789ab"])),
                ])),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn old_image() -> ImageConfig {
        ImageConfig {
            env: Some(vec!["PATH=/bin".into()]),
            cmd: Some(vec!["/bin/sh".into()]),
            labels: Some(HashMap::from([("org.example.version".into(), "1".into())])),
            volumes: Some(vec!["/cache".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn replacement_drops_image_defaults() {
        let replacement = replacement(&old_container(), Some(&old_image()), "sha256:new");
        let body = &replacement.body;
        assert_eq!(replacement.name, "shop-web-1");
        assert_eq!(body.image.as_deref(), Some("127.0.0.9:5000/hp/app:1"));
        assert_eq!(body.env, Some(vec!["GREETING=hello".to_string()]));
        assert_eq!(body.cmd, None, "the image's command applies");
        assert_eq!(body.entrypoint, None);
        assert_eq!(body.hostname, None, "the old short id is no hostname to keep");
        assert_eq!(body.working_dir.as_deref(), Some("/srv"), "set by the service, so kept");

        let labels = body.labels.as_ref().unwrap();
        assert_eq!(labels[labels::PROJECT], "shop");
        assert_eq!(labels[labels::CONFIG_HASH], "abc");
        assert_eq!(labels[labels::IMAGE], "sha256:new");
        assert!(
            !labels.contains_key("org.example.version"),
            "image labels come from the new image"
        );
    }

    #[test]
    fn replacement_keeps_overridden_command() {
        let mut old = old_container();
        let config = old.config.as_mut().unwrap();
        config.entrypoint = Some(vec!["/bin/sh".into(), "-c".into()]);
        config.cmd = Some(vec!["/bin/sh".into()]);
        let replacement = replacement(&old, Some(&old_image()), "sha256:new");
        assert_eq!(
            replacement.body.entrypoint,
            Some(vec!["/bin/sh".to_string(), "-c".to_string()])
        );
        assert_eq!(
            replacement.body.cmd,
            Some(vec!["/bin/sh".to_string()]),
            "with its own entrypoint the command is the service's even when it equals the image's"
        );
    }

    #[test]
    fn replacement_keeps_anonymous_volume_data() {
        let replacement = replacement(&old_container(), Some(&old_image()), "sha256:new");
        let host = replacement.body.host_config.as_ref().unwrap();
        assert_eq!(host.binds, Some(vec!["shop_data:/data:rw".to_string()]));
        let mounts = host.mounts.as_ref().expect("the anonymous volume is mounted again");
        assert_eq!(mounts.len(), 1, "{mounts:?}");
        assert_eq!(mounts[0].target.as_deref(), Some("/cache"));
        assert_eq!(mounts[0].source.as_deref(), Some("f00d"));
        assert_eq!(mounts[0].read_only, Some(false));
        assert_eq!(
            replacement.body.volumes,
            Some(vec!["/data".to_string()]),
            "/cache came from the image and is mounted explicitly now"
        );
    }

    #[test]
    fn replacement_fills_sourceless_volume_mount() {
        let mut old = old_container();
        old.host_config.as_mut().unwrap().mounts = Some(vec![Mount {
            target: Some("/cache".into()),
            typ: Some(MountType::VOLUME),
            ..Default::default()
        }]);
        let replacement = replacement(&old, Some(&old_image()), "sha256:new");
        let mounts = replacement.body.host_config.unwrap().mounts.unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(mounts[0].source.as_deref(), Some("f00d"));
    }

    #[test]
    fn replacement_networks_without_runtime_values() {
        let replacement = replacement(&old_container(), Some(&old_image()), "sha256:new");
        let endpoints = replacement
            .body
            .networking_config
            .as_ref()
            .and_then(|config| config.endpoints_config.as_ref())
            .expect("the network mode's network is in the create request");
        let primary = &endpoints["shop_default"];
        assert_eq!(primary.aliases, Some(vec!["shop-web-1".to_string(), "web".to_string()]));
        assert_eq!(primary.ip_address, None);
        assert_eq!(primary.network_id, None);
        assert_eq!(primary.mac_address, None);

        assert_eq!(replacement.extra_networks.len(), 1);
        assert_eq!(replacement.extra_networks[0].0, "shop_back");
        assert_eq!(replacement.extra_networks[0].1.aliases, Some(vec!["web".to_string()]));
    }

    #[test]
    fn replacement_host_network_has_no_endpoints() {
        let mut old = old_container();
        old.host_config.as_mut().unwrap().network_mode = Some("host".into());
        let replacement = replacement(&old, None, "sha256:new");
        assert!(replacement.body.networking_config.is_none());
        assert!(replacement.extra_networks.is_empty());
        assert_eq!(
            replacement.body.env,
            Some(vec!["PATH=/bin".to_string(), "GREETING=hello".to_string()]),
            "without the old image every value is kept"
        );
    }
}
