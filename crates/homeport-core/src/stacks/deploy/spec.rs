//! Maps one Compose service to the body of a create-container request, listing every
//! attribute it does not apply instead of dropping it silently.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    ContainerCreateBody, DeviceMapping, EndpointIpamConfig, EndpointSettings, HealthConfig, HostConfig, Mount,
    MountType, MountVolumeOptions, NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
};
use homeport_compose::model::{Healthcheck, ServiceNetwork};
use homeport_compose::{Service, VolumeMount};
use serde_json::Value;

use super::hash::extra_hosts;

/// Names the service's objects on the engine.
pub(super) struct SpecContext<'a> {
    /// Engine names of the project's networks, by key.
    pub networks: &'a BTreeMap<String, String>,
    /// Engine names of the project's volumes, by key.
    pub volumes: &'a BTreeMap<String, String>,
    pub container_name: &'a str,
    /// Maps a bind source resolved on this machine to the path on the host.
    pub map_bind: &'a dyn Fn(&str) -> String,
}

/// A container's create body and the networks it joins after creation (the engine's API before
/// 1.44 accepts only one network in the create request).
pub(super) struct ContainerSpec {
    pub body: ContainerCreateBody,
    pub extra_networks: Vec<(String, EndpointSettings)>,
    /// Bind sources on the host, with whether the engine may create a missing one.
    pub binds: Vec<(String, bool)>,
    pub unsupported: Vec<String>,
    /// False when an attribute that changes the container was not applied. `build` does not
    /// count, because Compose also runs the named image when it exists.
    pub complete: bool,
}

/// Attributes of `Service::other` that [`container_spec`] applies.
const APPLIED: &[&str] = &[
    "user",
    "working_dir",
    "hostname",
    "domainname",
    "cap_add",
    "cap_drop",
    "devices",
    "privileged",
    "read_only",
    "tty",
    "stdin_open",
    "init",
    "extra_hosts",
    "dns",
    "dns_search",
    "dns_opt",
    "tmpfs",
    "security_opt",
    "stop_signal",
    "stop_grace_period",
    "expose",
    "group_add",
    "sysctls",
    "shm_size",
    "mem_limit",
    "mem_reservation",
    "cpus",
    "pids_limit",
];

/// Attributes that only matter to Compose itself, so ignoring them changes nothing.
const IGNORED: &[&str] = &["pull_policy"];

/// Builds the create body of `service`.
pub(super) fn container_spec(service: &Service, context: &SpecContext<'_>) -> ContainerSpec {
    let mut unsupported = Vec::new();
    let mut host = HostConfig::default();
    let mut body = ContainerCreateBody {
        image: service.image.clone(),
        cmd: service.command.clone(),
        entrypoint: service.entrypoint.clone(),
        env: Some(
            service
                .environment
                .iter()
                // Compose leaves out a variable named without a value that nothing defines.
                .filter_map(|(key, value)| value.as_ref().map(|value| format!("{key}={value}")))
                .collect(),
        ),
        labels: Some(service.labels.clone().into_iter().collect()),
        ..Default::default()
    };
    if service.build.is_some() {
        unsupported.push("build (images are not built; the image must exist or be pullable)".to_string());
    }

    apply_ports(service, &mut body, &mut host);
    let binds = apply_volumes(service, context, &mut host, &mut unsupported);
    if let Some(policy) = &service.restart {
        host.restart_policy = Some(restart_policy(policy));
    }
    if let Some(check) = &service.healthcheck {
        body.healthcheck = Some(health_config(check));
    }
    if let Some(deploy) = &service.deploy {
        if let Some(limits) = &deploy.limits {
            host.memory = limits.memory.and_then(|bytes| i64::try_from(bytes).ok());
            host.nano_cpus = limits.cpus.map(|cpus| (cpus * 1e9).round() as i64);
            host.pids_limit = limits.pids;
        }
        if let Some(reservations) = &deploy.reservations {
            host.memory_reservation = reservations.memory.and_then(|bytes| i64::try_from(bytes).ok());
            if reservations.cpus.is_some() || reservations.pids.is_some() {
                unsupported.push("deploy.resources.reservations (only memory is applied)".to_string());
            }
        }
        for key in deploy.other.keys() {
            unsupported.push(format!("deploy.{key}"));
        }
    }

    for (key, value) in &service.other {
        if IGNORED.contains(&key.as_str()) {
            continue;
        }
        if !APPLIED.contains(&key.as_str()) {
            unsupported.push(key.clone());
            continue;
        }
        apply_other(key, value, &mut body, &mut host, &mut unsupported);
    }

    let (endpoints, extra_networks) = networks(service, context, &mut unsupported);
    let first = endpoints.keys().next().cloned();
    host.network_mode = first.clone();
    body.networking_config = first.map(|_| NetworkingConfig {
        endpoints_config: Some(endpoints.into_iter().collect()),
    });
    body.host_config = Some(host);
    // The build note, when there is one, is the first entry.
    let complete = unsupported.len() == usize::from(service.build.is_some());
    ContainerSpec {
        body,
        extra_networks,
        binds,
        unsupported,
        complete,
    }
}

fn apply_ports(service: &Service, body: &mut ContainerCreateBody, host: &mut HostConfig) {
    if service.ports.is_empty() {
        return;
    }
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    let mut exposed = Vec::new();
    for port in &service.ports {
        let key = format!("{}/{}", port.target, port.protocol);
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        let binding = PortBinding {
            host_ip: port.host_ip.clone(),
            host_port: Some(port.published.clone().unwrap_or_default()),
        };
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
    }
    body.exposed_ports = Some(exposed);
    host.port_bindings = Some(bindings);
}

/// Adds binds, volumes and tmpfs mounts, and returns the bind sources on the host.
fn apply_volumes(
    service: &Service,
    context: &SpecContext<'_>,
    host: &mut HostConfig,
    unsupported: &mut Vec<String>,
) -> Vec<(String, bool)> {
    let mut binds = Vec::new();
    let mut bind_specs = Vec::new();
    let mut mounts = Vec::new();
    for mount in &service.volumes {
        if mount.subpath.is_some() {
            unsupported.push(format!("volumes.subpath of {}", mount.target));
        }
        match mount.kind.as_str() {
            "bind" => {
                let Some(source) = &mount.source else { continue };
                let source = (context.map_bind)(source);
                let create = mount.create_host_path.unwrap_or(false);
                binds.push((source.clone(), create));
                // The short syntax goes through `Binds`, whose missing sources the engine
                // creates, as Compose does for `create_host_path: true`.
                if create {
                    bind_specs.push(bind_spec(&source, mount));
                } else {
                    mounts.push(Mount {
                        target: Some(mount.target.clone()),
                        source: Some(source),
                        typ: Some(MountType::BIND),
                        read_only: Some(mount.read_only),
                        ..Default::default()
                    });
                }
            }
            "volume" => {
                let source = mount
                    .source
                    .as_ref()
                    .map(|key| context.volumes.get(key).cloned().unwrap_or_else(|| key.clone()));
                mounts.push(Mount {
                    target: Some(mount.target.clone()),
                    source,
                    typ: Some(MountType::VOLUME),
                    read_only: Some(mount.read_only),
                    volume_options: mount.nocopy.then(|| MountVolumeOptions {
                        no_copy: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
            }
            "tmpfs" => {
                let mut options = Vec::new();
                if let Some(size) = mount.tmpfs_size {
                    options.push(format!("size={size}"));
                }
                if let Some(mode) = mount.tmpfs_mode {
                    options.push(format!("mode={mode:o}"));
                }
                host.tmpfs
                    .get_or_insert_with(HashMap::new)
                    .insert(mount.target.clone(), options.join(","));
            }
            other => unsupported.push(format!("volumes of type {other} ({})", mount.target)),
        }
    }
    if !bind_specs.is_empty() {
        host.binds = Some(bind_specs);
    }
    if !mounts.is_empty() {
        host.mounts = Some(mounts);
    }
    binds
}

fn bind_spec(source: &str, mount: &VolumeMount) -> String {
    let mut options = vec![if mount.read_only { "ro" } else { "rw" }.to_string()];
    if let Some(selinux) = &mount.selinux {
        options.push(selinux.clone());
    }
    if let Some(propagation) = &mount.propagation {
        options.push(propagation.clone());
    }
    format!("{source}:{}:{}", mount.target, options.join(","))
}

fn restart_policy(policy: &str) -> RestartPolicy {
    let (name, count) = match policy.split_once(':') {
        Some((name, count)) => (name, count.parse::<i64>().ok()),
        None => (policy, None),
    };
    let name = match name {
        "always" => RestartPolicyNameEnum::ALWAYS,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        _ => RestartPolicyNameEnum::NO,
    };
    RestartPolicy {
        name: Some(name),
        maximum_retry_count: count,
    }
}

fn health_config(check: &Healthcheck) -> HealthConfig {
    let nanos = |duration: Option<std::time::Duration>| duration.map(|value| value.as_nanos() as i64);
    if check.disable {
        return HealthConfig {
            test: Some(vec!["NONE".to_string()]),
            ..Default::default()
        };
    }
    HealthConfig {
        test: check.test.clone(),
        interval: nanos(check.interval),
        timeout: nanos(check.timeout),
        retries: check.retries.and_then(|retries| i64::try_from(retries).ok()),
        start_period: nanos(check.start_period),
        start_interval: nanos(check.start_interval),
    }
}

/// Applies one attribute of [`APPLIED`]; a value of an unexpected form is listed as unsupported.
fn apply_other(
    key: &str,
    value: &Value,
    body: &mut ContainerCreateBody,
    host: &mut HostConfig,
    unsupported: &mut Vec<String>,
) {
    let text = || scalar_text(value);
    let list = || string_list(value);
    let applied = match key {
        "user" => text().map(|user| body.user = Some(user)),
        "working_dir" => text().map(|dir| body.working_dir = Some(dir)),
        "hostname" => text().map(|name| body.hostname = Some(name)),
        "domainname" => text().map(|name| body.domainname = Some(name)),
        "cap_add" => list().map(|caps| host.cap_add = Some(caps)),
        "cap_drop" => list().map(|caps| host.cap_drop = Some(caps)),
        "devices" => {
            list().map(|devices| host.devices = Some(devices.iter().map(|device| device_mapping(device)).collect()))
        }
        "privileged" => value.as_bool().map(|flag| host.privileged = Some(flag)),
        "read_only" => value.as_bool().map(|flag| host.readonly_rootfs = Some(flag)),
        "tty" => value.as_bool().map(|flag| body.tty = Some(flag)),
        "stdin_open" => value.as_bool().map(|flag| body.open_stdin = Some(flag)),
        "init" => value.as_bool().map(|flag| host.init = Some(flag)),
        // The engine takes `host:address`, but Compose files may also write `host=address` or a map.
        "extra_hosts" => {
            let hosts = extra_hosts(value)
                .into_iter()
                .map(|(name, address)| format!("{name}:{address}"))
                .collect();
            host.extra_hosts = Some(hosts);
            Some(())
        }
        "dns" => list().map(|servers| host.dns = Some(servers)),
        "dns_search" => list().map(|domains| host.dns_search = Some(domains)),
        "dns_opt" => list().map(|options| host.dns_options = Some(options)),
        "tmpfs" => list().map(|paths| {
            let tmpfs = host.tmpfs.get_or_insert_with(HashMap::new);
            for path in paths {
                let (target, options) = path.split_once(':').unwrap_or((path.as_str(), ""));
                tmpfs.insert(target.to_string(), options.to_string());
            }
        }),
        "security_opt" => list().map(|options| host.security_opt = Some(options)),
        "stop_signal" => text().map(|signal| body.stop_signal = Some(signal)),
        "stop_grace_period" => text()
            .and_then(|period| homeport_compose::model::units::parse_duration(&period))
            .map(|period| body.stop_timeout = Some(period.as_secs() as i64)),
        "expose" => list().map(|ports| {
            let exposed = body.exposed_ports.get_or_insert_with(Vec::new);
            for port in ports {
                let key = if port.contains('/') {
                    port
                } else {
                    format!("{port}/tcp")
                };
                if !exposed.contains(&key) {
                    exposed.push(key);
                }
            }
        }),
        "group_add" => list().map(|groups| host.group_add = Some(groups)),
        "sysctls" => pairs(value, '=').map(|settings| {
            host.sysctls = Some(
                settings
                    .into_iter()
                    .filter_map(|pair| {
                        pair.split_once('=')
                            .map(|(key, value)| (key.to_string(), value.to_string()))
                    })
                    .collect(),
            )
        }),
        "shm_size" => bytes(value).map(|size| host.shm_size = Some(size)),
        "mem_limit" => bytes(value).map(|size| host.memory = Some(size)),
        "mem_reservation" => bytes(value).map(|size| host.memory_reservation = Some(size)),
        "cpus" => text()
            .and_then(|cpus| cpus.parse::<f64>().ok())
            .map(|cpus| host.nano_cpus = Some((cpus * 1e9).round() as i64)),
        "pids_limit" => value.as_i64().map(|limit| host.pids_limit = Some(limit)),
        _ => None,
    };
    if applied.is_none() {
        unsupported.push(format!("{key} (value not understood: {value})"));
    }
}

/// Splits `HOST:CONTAINER[:PERMISSIONS]`, as `docker run --device` does.
fn device_mapping(device: &str) -> DeviceMapping {
    let parts: Vec<&str> = device.split(':').collect();
    let on_host = parts.first().copied().unwrap_or_default().to_string();
    DeviceMapping {
        path_in_container: Some(parts.get(1).map_or_else(|| on_host.clone(), |path| path.to_string())),
        path_on_host: Some(on_host),
        cgroup_permissions: Some(parts.get(2).copied().unwrap_or("rwm").to_string()),
    }
}

fn networks(
    service: &Service,
    context: &SpecContext<'_>,
    unsupported: &mut Vec<String>,
) -> (BTreeMap<String, EndpointSettings>, Vec<(String, EndpointSettings)>) {
    let mut attached: Vec<(&str, Option<&ServiceNetwork>)> = service
        .networks
        .iter()
        .map(|(key, settings)| (key.as_str(), settings.as_ref()))
        .collect();
    if attached.is_empty() {
        attached.push(("default", None));
    }
    let mut endpoints = BTreeMap::new();
    for (key, settings) in attached {
        let name = context.networks.get(key).cloned().unwrap_or_else(|| key.to_string());
        // Compose makes the service name and the container name resolvable on every network.
        let mut aliases = vec![context.container_name.to_string(), service.name.clone()];
        let mut endpoint = EndpointSettings::default();
        if let Some(settings) = settings {
            aliases.extend(settings.aliases.iter().cloned());
            if settings.ipv4_address.is_some() || settings.ipv6_address.is_some() {
                endpoint.ipam_config = Some(EndpointIpamConfig {
                    ipv4_address: settings.ipv4_address.clone(),
                    ipv6_address: settings.ipv6_address.clone(),
                    ..Default::default()
                });
            }
            for other in settings.other.keys() {
                unsupported.push(format!("networks.{key}.{other}"));
            }
        }
        endpoint.aliases = Some(aliases);
        endpoints.insert(name, endpoint);
    }
    let first = endpoints.keys().next().cloned();
    let mut extra = Vec::new();
    endpoints.retain(|name, endpoint| {
        if Some(name) == first.as_ref() {
            true
        } else {
            extra.push((name.clone(), endpoint.clone()));
            false
        }
    });
    (endpoints, extra)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Returns a string or a list of scalars as a list of strings.
fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => scalar_text(other).map(|text| vec![text]),
    }
}

/// Returns a list of `KEY<separator>VALUE` strings, or a mapping turned into one.
fn pairs(value: &Value, separator: char) -> Option<Vec<String>> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| scalar_text(value).map(|value| format!("{key}{separator}{value}")))
            .collect(),
        other => string_list(other),
    }
}

fn bytes(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => {
            homeport_compose::model::units::parse_bytes(text).and_then(|size| i64::try_from(size).ok())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeport_compose::model::ports::parse_short;

    fn context<'a>(networks: &'a BTreeMap<String, String>, volumes: &'a BTreeMap<String, String>) -> SpecContext<'a> {
        SpecContext {
            networks,
            volumes,
            container_name: "app-web-1",
            map_bind: &|source| source.replace("/local", "/opt/stacks/app"),
        }
    }

    #[test]
    fn spec_maps_ports_binds_and_networks() {
        let networks = BTreeMap::from([
            ("default".to_string(), "app_default".to_string()),
            ("back".to_string(), "app_back".to_string()),
        ]);
        let volumes = BTreeMap::from([("data".to_string(), "app_data".to_string())]);
        let mut service = Service {
            name: "web".into(),
            image: Some("busybox".into()),
            ports: parse_short("127.0.0.1:8080:80/udp").unwrap(),
            restart: Some("on-failure:3".into()),
            ..Service::default()
        };
        service.volumes = vec![
            homeport_compose::model::volumes::parse_short("/local/conf:/conf:ro", std::path::Path::new("/local"))
                .unwrap(),
            homeport_compose::model::volumes::parse_short("data:/data", std::path::Path::new("/local")).unwrap(),
        ];
        service.networks.insert("default".into(), None);
        service.networks.insert("back".into(), None);
        service.other.insert("cap_add".into(), serde_json::json!(["NET_ADMIN"]));
        service.other.insert("secrets".into(), serde_json::json!(["token"]));

        let spec = container_spec(&service, &context(&networks, &volumes));
        let host = spec.body.host_config.as_ref().unwrap();
        let binding = &host.port_bindings.as_ref().unwrap()["80/udp"].as_ref().unwrap()[0];
        assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(binding.host_port.as_deref(), Some("8080"));
        assert_eq!(
            host.binds.as_ref().unwrap(),
            &vec!["/opt/stacks/app/conf:/conf:ro".to_string()]
        );
        assert_eq!(host.mounts.as_ref().unwrap()[0].source.as_deref(), Some("app_data"));
        assert_eq!(host.restart_policy.as_ref().unwrap().maximum_retry_count, Some(3));
        assert_eq!(host.cap_add.as_ref().unwrap(), &vec!["NET_ADMIN".to_string()]);
        assert_eq!(host.network_mode.as_deref(), Some("app_back"));
        assert_eq!(spec.extra_networks.len(), 1);
        assert_eq!(spec.extra_networks[0].0, "app_default");
        let aliases = spec.extra_networks[0].1.aliases.as_ref().unwrap();
        assert!(aliases.contains(&"web".to_string()), "{aliases:?}");
        assert_eq!(spec.unsupported, vec!["secrets".to_string()]);
        assert_eq!(spec.binds, vec![("/opt/stacks/app/conf".to_string(), true)]);
    }

    #[test]
    fn spec_writes_extra_hosts_for_engine() {
        let mut service = Service {
            name: "web".into(),
            image: Some("busybox".into()),
            ..Service::default()
        };
        service.other.insert(
            "extra_hosts".into(),
            serde_json::json!(["gw=10.0.0.1", "six:[::1]", "multi=1.1.1.1,2.2.2.2"]),
        );
        let empty = BTreeMap::new();
        let spec = container_spec(&service, &context(&empty, &empty));
        let host = spec.body.host_config.unwrap();
        assert_eq!(
            host.extra_hosts.unwrap(),
            vec!["gw:10.0.0.1", "multi:1.1.1.1", "multi:2.2.2.2", "six:::1"]
        );
        assert!(spec.unsupported.is_empty(), "{:?}", spec.unsupported);
        assert!(spec.complete);
    }

    #[test]
    fn spec_leaves_out_unset_variables() {
        let mut service = Service {
            name: "web".into(),
            image: Some("busybox".into()),
            ..Service::default()
        };
        service.environment.insert("SET".into(), Some("1".into()));
        service.environment.insert("UNSET".into(), None);
        let empty = BTreeMap::new();
        let spec = container_spec(&service, &context(&empty, &empty));
        assert_eq!(spec.body.env, Some(vec!["SET=1".to_string()]));
    }
}
