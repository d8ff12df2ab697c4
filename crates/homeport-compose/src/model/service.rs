//! Builds one [`Service`] from its merged YAML mapping, reporting every invalid attribute.

use std::collections::BTreeMap;
use std::path::Path;

use super::ports::{self, port_number, PortBinding};
use super::units::{parse_bytes, parse_duration};
use super::values::{key_value_map, scalar_string, shell_split, string, string_list};
use super::volumes::{self, VolumeMount};
use super::{Build, Condition, Dependency, Deploy, Healthcheck, ResourceAmounts, Service, ServiceNetwork};
use crate::diagnostics::{Code, Finding, Reporter, Severity};
use crate::dotenv::parse_dotenv;
use crate::yaml::json::to_json;
use crate::yaml::{Node, Pos, Typed, Value};

/// Inputs for building a service besides its node.
pub(crate) struct Context<'a> {
    pub reporter: &'a mut Reporter,
    pub working_dir: &'a Path,
    /// Looks variables up in the caller's values, then `.env`.
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
}

/// The service attributes of the Compose Specification that Docker Compose v2.40 accepts,
/// besides the ones this module reads itself. Compose rejects any other key without `x-`.
const SERVICE_ATTRIBUTES: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "driver_opts",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "hostname",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "post_start",
    "pre_stop",
    "privileged",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes_from",
    "working_dir",
];

pub(crate) fn build_service(name: &str, node: &Node, context: &mut Context<'_>) -> Service {
    let mut service = Service {
        name: name.to_string(),
        ..Service::default()
    };
    let Some(entries) = node.as_mapping() else {
        if !node.is_null() {
            context
                .reporter
                .wrong_type(node, &format!("services.{name}"), "a mapping");
        }
        return service;
    };

    let mut environment_from_files = BTreeMap::new();
    let mut environment = BTreeMap::new();
    for entry in entries {
        let Some(key) = entry.key.scalar_text() else {
            continue;
        };
        let value = &entry.value;
        let reporter = &mut *context.reporter;
        match key {
            _ if key.starts_with("x-") => {}
            "image" => service.image = string(value, "image", reporter),
            "build" => service.build = build_section(value, context.working_dir, reporter),
            "command" => service.command = command(value, "command", reporter),
            "entrypoint" => service.entrypoint = command(value, "entrypoint", reporter),
            "ports" => service.ports = ports_list(value, reporter),
            "volumes" => service.volumes = volume_list(value, context.working_dir, reporter),
            "environment" => {
                if value.is_null() {
                    reporter.warning(
                        value,
                        Code::EmptySection,
                        "'environment' is empty, which Docker Compose v2.40 rejects ('must be a mapping')",
                        "",
                        "remove the 'environment:' line or write 'environment: {}'",
                    );
                }
                environment = key_value_map(value, "environment", reporter)
            }
            "env_file" => environment_from_files = env_files(value, context),
            "depends_on" => service.depends_on = depends_on(value, reporter),
            "healthcheck" => service.healthcheck = healthcheck(value, reporter),
            "profiles" => service.profiles = string_list(value, "profiles", false, reporter),
            "restart" => service.restart = restart_policy(value, reporter),
            "deploy" => service.deploy = deploy(value, reporter),
            "labels" => {
                service.labels = key_value_map(value, "labels", reporter)
                    .into_iter()
                    .map(|(key, value)| (key, value.unwrap_or_default()))
                    .collect()
            }
            "networks" => service.networks = service_networks(value, reporter),
            _ => {
                if !SERVICE_ATTRIBUTES.contains(&key) {
                    reporter.error(
                        &entry.key,
                        Code::InvalidValue,
                        format!("unknown attribute '{key}' in service '{name}'"),
                        key,
                        "check the spelling, or prefix a custom attribute with 'x-'",
                    );
                }
                service.other.insert(key.to_string(), to_json(value));
            }
        }
    }

    // Compose needs something to run: an image, a build, a provider, or a base to extend.
    let runnable = ["image", "build", "provider", "extends"]
        .iter()
        .any(|key| node.get(key).is_some());
    if !runnable {
        context.reporter.error(
            node,
            Code::InvalidValue,
            format!("service '{name}' has neither an image nor a build context"),
            name,
            "add 'image:' with the image to run, or 'build:' with the folder to build",
        );
    }

    // `environment` wins over `env_file`, and a name without a value takes the caller's value.
    environment_from_files.extend(environment);
    service.environment = environment_from_files
        .into_iter()
        .map(|(key, value)| {
            let value = value.or_else(|| (context.lookup)(&key));
            (key, value)
        })
        .collect();
    service
}

fn build_section(node: &Node, working_dir: &Path, reporter: &mut Reporter) -> Option<Build> {
    let resolve_context = |context: &str| -> String {
        if context.contains("://") || context.starts_with("git@") {
            context.to_string()
        } else {
            volumes::absolute(context, working_dir)
        }
    };
    if let Value::Scalar { .. } = node.value {
        let context = scalar_string(node)?;
        return Some(Build {
            context: resolve_context(&context),
            dockerfile: Some("Dockerfile".to_string()),
            ..Build::default()
        });
    }
    let Some(entries) = node.as_mapping() else {
        reporter.wrong_type(node, "build", "a string or a mapping");
        return None;
    };
    let mut build = Build {
        context: resolve_context("."),
        ..Build::default()
    };
    for entry in entries {
        let key = entry.key.scalar_text().unwrap_or_default();
        match key {
            _ if key.starts_with("x-") => {}
            "context" => {
                build.context = resolve_context(&string(&entry.value, "build.context", reporter).unwrap_or_default())
            }
            "dockerfile" => build.dockerfile = string(&entry.value, "build.dockerfile", reporter),
            "target" => build.target = string(&entry.value, "build.target", reporter),
            "args" => build.args = key_value_map(&entry.value, "build.args", reporter),
            _ => {
                build.other.insert(key.to_string(), to_json(&entry.value));
            }
        }
    }
    if build.dockerfile.is_none() && !build.other.contains_key("dockerfile_inline") {
        build.dockerfile = Some("Dockerfile".to_string());
    }
    Some(build)
}

fn command(node: &Node, attribute: &str, reporter: &mut Reporter) -> Option<Vec<String>> {
    match &node.value {
        Value::Scalar { .. } if node.is_null() => None,
        Value::Scalar { text, .. } => match shell_split(text) {
            Ok(words) => Some(words),
            Err(problem) => {
                let message = format!("invalid '{attribute}': {problem}");
                reporter.error(
                    node,
                    Code::InvalidValue,
                    message,
                    text,
                    "close the quote, or write the command as a list",
                );
                None
            }
        },
        Value::Sequence(_) => Some(string_list(node, attribute, false, reporter)),
        Value::Mapping(_) => {
            reporter.wrong_type(node, attribute, "a string or a list of strings");
            None
        }
    }
}

fn ports_list(node: &Node, reporter: &mut Reporter) -> Vec<PortBinding> {
    let Some(items) = node.as_sequence() else {
        if !node.is_null() {
            reporter.wrong_type(node, "ports", "a list");
        }
        return Vec::new();
    };
    let mut bindings = Vec::new();
    for item in items {
        match &item.value {
            Value::Mapping(_) => bindings.extend(long_port(item, reporter)),
            Value::Scalar { .. } => {
                let spec = scalar_string(item).unwrap_or_default();
                match ports::parse_short(&spec) {
                    Ok(parsed) => bindings.extend(parsed),
                    Err(problem) => reporter.error(
                        item,
                        Code::InvalidValue,
                        format!("invalid port '{spec}': {problem}"),
                        &spec,
                        "write [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL], such as \"127.0.0.1:8080:80/tcp\"",
                    ),
                }
            }
            Value::Sequence(_) => reporter.wrong_type(item, "ports", "a string or a mapping"),
        }
    }
    bindings
}

fn long_port(node: &Node, reporter: &mut Reporter) -> Option<PortBinding> {
    let Some(target_node) = node.get("target") else {
        reporter.error(
            node,
            Code::InvalidValue,
            "a long-syntax port needs 'target'",
            "",
            "add 'target: PORT', the port inside the container",
        );
        return None;
    };
    let Some(target) = port_number(target_node) else {
        let value = target_node.scalar_text().unwrap_or_default();
        reporter.error(
            target_node,
            Code::InvalidValue,
            "invalid 'target' port",
            value,
            "use a port number from 0 to 65535",
        );
        return None;
    };
    let text = |key: &str| node.get(key).and_then(scalar_string);
    let published = match node.get("published") {
        Some(published) => {
            let published_text = scalar_string(published);
            if let Some(published_text) = &published_text {
                if ports::parse_short(&format!("{published_text}:{target}")).is_err() {
                    reporter.error(
                        published,
                        Code::InvalidValue,
                        "invalid 'published' port",
                        published_text,
                        "use a port number or a range such as 8000-8010",
                    );
                }
            }
            published_text
        }
        None => None,
    };
    let protocol = text("protocol").unwrap_or_else(|| "tcp".to_string());
    let mode = text("mode").unwrap_or_else(|| "ingress".to_string());
    if !matches!(mode.as_str(), "ingress" | "host") {
        if let Some(mode_node) = node.get("mode") {
            reporter.error(
                mode_node,
                Code::InvalidValue,
                "invalid port 'mode'",
                &mode,
                "use ingress or host",
            );
        }
    }
    Some(PortBinding {
        name: text("name"),
        mode,
        host_ip: text("host_ip"),
        target,
        published,
        protocol,
        app_protocol: text("app_protocol"),
    })
}

fn volume_list(node: &Node, working_dir: &Path, reporter: &mut Reporter) -> Vec<VolumeMount> {
    let Some(items) = node.as_sequence() else {
        if !node.is_null() {
            reporter.wrong_type(node, "volumes", "a list");
        }
        return Vec::new();
    };
    let mut mounts = Vec::new();
    for item in items {
        if let Value::Mapping(_) = item.value {
            mounts.extend(long_volume(item, working_dir, reporter));
            continue;
        }
        let spec = scalar_string(item).unwrap_or_default();
        match volumes::parse_short(&spec, working_dir) {
            Ok(mount) => mounts.push(mount),
            Err(problem) => reporter.error(
                item,
                Code::InvalidValue,
                format!("invalid volume '{spec}': {problem}"),
                &spec,
                "write [SOURCE:]TARGET[:ro|rw|z|Z], such as \"./data:/data:ro\"",
            ),
        }
    }
    mounts
}

fn long_volume(node: &Node, working_dir: &Path, reporter: &mut Reporter) -> Option<VolumeMount> {
    let text = |key: &str| node.get(key).and_then(scalar_string);
    let Some(target) = text("target") else {
        reporter.error(
            node,
            Code::InvalidValue,
            "a long-syntax volume needs 'target'",
            "",
            "add 'target: /path/in/container'",
        );
        return None;
    };
    let kind = text("type").unwrap_or_else(|| "volume".to_string());
    if !matches!(
        kind.as_str(),
        "bind" | "volume" | "tmpfs" | "image" | "npipe" | "cluster"
    ) {
        if let Some(kind_node) = node.get("type") {
            reporter.error(
                kind_node,
                Code::InvalidValue,
                "invalid volume 'type'",
                &kind,
                "use bind, volume, tmpfs, image, npipe or cluster",
            );
        }
    }
    let nested = |section: &str, key: &str| node.get(section).and_then(|section| section.get(key));
    let boolean = |value: Option<&Node>| matches!(value.map(Node::typed), Some(Typed::Bool(true)));
    let mut mount = VolumeMount {
        source: text("source"),
        target,
        read_only: boolean(node.get("read_only")),
        selinux: nested("bind", "selinux").and_then(scalar_string),
        propagation: nested("bind", "propagation").and_then(scalar_string),
        create_host_path: nested("bind", "create_host_path").map(|value| value.typed() == Typed::Bool(true)),
        nocopy: boolean(nested("volume", "nocopy")),
        subpath: nested("volume", "subpath").and_then(scalar_string),
        tmpfs_size: nested("tmpfs", "size")
            .and_then(scalar_string)
            .and_then(|size| parse_bytes(&size)),
        tmpfs_mode: nested("tmpfs", "mode").and_then(|mode| match mode.typed() {
            Typed::Int(number) => u32::try_from(number).ok(),
            _ => None,
        }),
        kind,
    };
    if mount.kind == "bind" {
        mount.source = mount.source.map(|source| volumes::absolute(&source, working_dir));
    }
    Some(mount)
}

/// Reads the `env_file` entries (a string, a list of strings, or mappings with `path` and
/// `required`) into one map, later files winning.
fn env_files(node: &Node, context: &mut Context<'_>) -> BTreeMap<String, Option<String>> {
    let items: Vec<&Node> = match &node.value {
        Value::Sequence(items) => items.iter().collect(),
        Value::Scalar { .. } if node.is_null() => Vec::new(),
        Value::Scalar { .. } => vec![node],
        Value::Mapping(_) => {
            context.reporter.wrong_type(node, "env_file", "a string or a list");
            return BTreeMap::new();
        }
    };
    let mut environment = BTreeMap::new();
    for item in items {
        let (path_node, required) = match &item.value {
            Value::Mapping(_) => {
                let required = !matches!(item.get("required").map(Node::typed), Some(Typed::Bool(false)));
                match item.get("path") {
                    Some(path) => (path, required),
                    None => {
                        context.reporter.error(
                            item,
                            Code::InvalidValue,
                            "an env_file entry needs 'path'",
                            "",
                            "add 'path: ./app.env'",
                        );
                        continue;
                    }
                }
            }
            _ => (item, true),
        };
        let Some(path_text) = scalar_string(path_node) else {
            context.reporter.wrong_type(path_node, "env_file", "a path");
            continue;
        };
        let path = Path::new(&volumes::absolute(&path_text, context.working_dir)).to_path_buf();
        let text = match crate::load::read_file(&path) {
            Ok(text) => text,
            Err(_) if !required => continue,
            Err(error) => {
                context.reporter.error(
                    path_node,
                    Code::EnvFileMissing,
                    format!("cannot read env_file: {error}"),
                    &path_text,
                    "create the file, fix the path, or mark the entry 'required: false'",
                );
                continue;
            }
        };
        match parse_dotenv(&text, context.lookup) {
            Ok(pairs) => environment.extend(pairs.into_iter().map(|(key, value)| (key, Some(value)))),
            Err(errors) => {
                let file = context.reporter.add_file(path.clone());
                for error in errors {
                    let pos = Pos {
                        line: error.line,
                        column: error.column,
                        offset: 0,
                    };
                    let finding = Finding {
                        code: Code::InvalidValue,
                        message: error.message,
                        value: &error.value,
                        hint: &error.hint,
                    };
                    context.reporter.report(file, pos, Severity::Error, finding);
                }
            }
        }
    }
    environment
}

fn depends_on(node: &Node, reporter: &mut Reporter) -> BTreeMap<String, Dependency> {
    let started = Dependency {
        condition: Condition::ServiceStarted,
        restart: false,
        required: true,
    };
    let mut dependencies = BTreeMap::new();
    match &node.value {
        Value::Sequence(_) => {
            for name in string_list(node, "depends_on", false, reporter) {
                dependencies.insert(name, started.clone());
            }
        }
        Value::Mapping(entries) => {
            for entry in entries {
                let name = entry.key.scalar_text().unwrap_or_default().to_string();
                let mut dependency = started.clone();
                if let Some(condition) = entry.value.get("condition") {
                    let text = scalar_string(condition).unwrap_or_default();
                    dependency.condition = match text.as_str() {
                        "service_started" => Condition::ServiceStarted,
                        "service_healthy" => Condition::ServiceHealthy,
                        "service_completed_successfully" => Condition::ServiceCompletedSuccessfully,
                        _ => {
                            reporter.error(
                                condition,
                                Code::InvalidValue,
                                "invalid depends_on 'condition'",
                                &text,
                                "use service_started, service_healthy or service_completed_successfully",
                            );
                            Condition::ServiceStarted
                        }
                    };
                }
                dependency.restart = entry.value.get("restart").map(Node::typed) == Some(Typed::Bool(true));
                dependency.required = entry.value.get("required").map(Node::typed) != Some(Typed::Bool(false));
                dependencies.insert(name, dependency);
            }
        }
        Value::Scalar { .. } if node.is_null() => {}
        Value::Scalar { .. } => reporter.wrong_type(node, "depends_on", "a list or a mapping"),
    }
    dependencies
}

fn healthcheck(node: &Node, reporter: &mut Reporter) -> Option<Healthcheck> {
    let entries = node.as_mapping()?;
    let mut check = Healthcheck::default();
    for entry in entries {
        let key = entry.key.scalar_text().unwrap_or_default();
        let value = &entry.value;
        match key {
            "test" => {
                check.test = match &value.value {
                    // A string is run by the container's shell, as `CMD-SHELL` does.
                    Value::Scalar { .. } => scalar_string(value).map(|text| {
                        if text == "NONE" {
                            vec![text]
                        } else {
                            vec!["CMD-SHELL".to_string(), text]
                        }
                    }),
                    _ => Some(string_list(value, "healthcheck.test", false, reporter)),
                }
            }
            "interval" | "timeout" | "start_period" | "start_interval" => {
                let text = scalar_string(value).unwrap_or_default();
                let Some(duration) = parse_duration(&text) else {
                    reporter.error(
                        value,
                        Code::InvalidValue,
                        format!("invalid duration in 'healthcheck.{key}'"),
                        &text,
                        "write a number with a unit, such as 30s, 1m30s or 500ms",
                    );
                    continue;
                };
                let field = match key {
                    "interval" => &mut check.interval,
                    "timeout" => &mut check.timeout,
                    "start_period" => &mut check.start_period,
                    _ => &mut check.start_interval,
                };
                *field = Some(duration);
            }
            "retries" => match value.typed() {
                Typed::Int(number) if number >= 0 => check.retries = Some(number as u64),
                _ => reporter.wrong_type(value, "healthcheck.retries", "a whole number"),
            },
            "disable" => check.disable = value.typed() == Typed::Bool(true),
            _ => {}
        }
    }
    Some(check)
}

fn restart_policy(node: &Node, reporter: &mut Reporter) -> Option<String> {
    let text = string(node, "restart", reporter)?;
    let valid = match text.split_once(':') {
        Some(("on-failure", count)) => count.parse::<u32>().is_ok(),
        Some(_) => false,
        None => matches!(text.as_str(), "no" | "always" | "on-failure" | "unless-stopped"),
    };
    if !valid {
        reporter.error(
            node,
            Code::InvalidValue,
            "invalid 'restart' policy",
            &text,
            "use no, always, on-failure, on-failure:N or unless-stopped (quote \"no\")",
        );
    }
    Some(text)
}

fn deploy(node: &Node, reporter: &mut Reporter) -> Option<Deploy> {
    let entries = node.as_mapping()?;
    let mut deploy = Deploy::default();
    for entry in entries {
        let key = entry.key.scalar_text().unwrap_or_default();
        if key == "resources" {
            deploy.limits = entry
                .value
                .get("limits")
                .map(|limits| amounts(limits, "limits", reporter));
            deploy.reservations = entry
                .value
                .get("reservations")
                .map(|reserved| amounts(reserved, "reservations", reporter));
        } else if !key.starts_with("x-") {
            deploy.other.insert(key.to_string(), to_json(&entry.value));
        }
    }
    Some(deploy)
}

fn amounts(node: &Node, section: &str, reporter: &mut Reporter) -> ResourceAmounts {
    let mut amounts = ResourceAmounts::default();
    if let Some(cpus) = node.get("cpus") {
        let text = scalar_string(cpus).unwrap_or_default();
        match text.parse::<f64>() {
            Ok(number) if number >= 0.0 => amounts.cpus = Some(number),
            _ => reporter.error(
                cpus,
                Code::InvalidValue,
                format!("invalid 'deploy.resources.{section}.cpus'"),
                &text,
                "write a number of CPUs, such as 0.5 or \"2\"",
            ),
        }
    }
    if let Some(memory) = node.get("memory") {
        let text = scalar_string(memory).unwrap_or_default();
        match parse_bytes(&text) {
            Some(bytes) => amounts.memory = Some(bytes),
            None => reporter.error(
                memory,
                Code::InvalidValue,
                format!("invalid 'deploy.resources.{section}.memory'"),
                &text,
                "write a size with a unit, such as 512m or 2g",
            ),
        }
    }
    if let Some(pids) = node.get("pids") {
        if let Typed::Int(number) = pids.typed() {
            amounts.pids = Some(number);
        }
    }
    amounts
}

fn service_networks(node: &Node, reporter: &mut Reporter) -> BTreeMap<String, Option<ServiceNetwork>> {
    let mut networks = BTreeMap::new();
    match &node.value {
        Value::Sequence(_) => {
            for name in string_list(node, "networks", false, reporter) {
                networks.insert(name, None);
            }
        }
        Value::Mapping(entries) => {
            for entry in entries {
                let name = entry.key.scalar_text().unwrap_or_default().to_string();
                let settings = entry.value.as_mapping().map(|_| {
                    let mut network = ServiceNetwork::default();
                    for setting in entry.value.as_mapping().unwrap_or_default() {
                        let key = setting.key.scalar_text().unwrap_or_default();
                        match key {
                            "aliases" => {
                                network.aliases = string_list(&setting.value, "networks.aliases", false, reporter)
                            }
                            "ipv4_address" => network.ipv4_address = scalar_string(&setting.value),
                            "ipv6_address" => network.ipv6_address = scalar_string(&setting.value),
                            _ => {
                                network.other.insert(key.to_string(), to_json(&setting.value));
                            }
                        }
                    }
                    network
                });
                networks.insert(name, settings);
            }
        }
        _ if node.is_null() => {}
        _ => reporter.wrong_type(node, "networks", "a list or a mapping"),
    }
    networks
}
