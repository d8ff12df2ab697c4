//! Maps parsed `docker run` flags to the keys of a Compose service (Compose specification, as
//! `docker compose` v2 and docker-compose 1.29 read it).

use super::yaml::{to_yaml, Node};
use super::{
    service_entry_yaml, service_name_from, DockerRunConversion, DockerRunError, DockerRunErrorKind, FlagFate,
    FlagReport, ParsedFlag, ParsedRun,
};

/// Network modes `--network` takes that are not user-defined networks.
const NETWORK_MODES: &[&str] = &["host", "none", "bridge", "default"];

struct Builder {
    service: Node,
    named_volumes: Vec<String>,
    external_networks: Vec<String>,
    /// The first user-defined network, which `--ip` and `--network-alias` apply to.
    main_network: Option<String>,
    network_mode_set: bool,
}

pub(crate) fn build(parsed: ParsedRun) -> Result<DockerRunConversion, DockerRunError> {
    let container_name = parsed
        .flags
        .iter()
        .rev()
        .find(|flag| flag.name == "name" && flag.spec.is_some())
        .and_then(|flag| flag.value.as_ref())
        .map(|value| value.text.clone());
    let service_name = service_name_from(container_name.as_deref(), &parsed.image.text);

    let mut builder = Builder {
        service: Node::map(),
        named_volumes: Vec::new(),
        external_networks: Vec::new(),
        main_network: parsed
            .flags
            .iter()
            .filter(|flag| flag.name == "network")
            .filter_map(|flag| flag.value.as_ref())
            .map(|value| value.text.clone())
            .find(|network| is_user_network(network)),
        network_mode_set: false,
    };
    builder.service.set("image", Node::str(parsed.image.text.clone()));

    let mut variables = parsed.image.variables.clone();
    let mut reports = Vec::with_capacity(parsed.flags.len());
    for flag in &parsed.flags {
        let fate = builder.apply(flag)?;
        let value_variables = flag
            .value
            .as_ref()
            .map(|value| value.variables.clone())
            .unwrap_or_default();
        let note = variables_note(&value_variables);
        for variable in value_variables {
            if !variables.contains(&variable) {
                variables.push(variable);
            }
        }
        reports.push(FlagReport {
            flag: flag.written.clone(),
            name: flag.name.clone(),
            value: flag.value.as_ref().map(|value| value.text.clone()),
            line: flag.line,
            column: flag.column,
            fate,
            note,
        });
    }

    if !parsed.command.is_empty() {
        let words: Vec<Node> = parsed.command.iter().map(|word| Node::str(word.text.clone())).collect();
        builder.service.set("command", Node::List(words));
        for word in &parsed.command {
            for variable in &word.variables {
                if !variables.contains(variable) {
                    variables.push(variable.clone());
                }
            }
        }
    }

    let service_yaml = service_entry_yaml(&service_name, &builder.service);
    let compose_file = compose_file_text(&service_yaml, &builder);
    Ok(DockerRunConversion {
        service_name,
        image: parsed.image.text,
        service_yaml,
        compose_file,
        flags: reports,
        named_volumes: builder.named_volumes,
        external_networks: builder.external_networks,
        variables,
    })
}

fn compose_file_text(service_yaml: &str, builder: &Builder) -> String {
    let mut text = String::from("services:\n");
    for line in service_yaml.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }

    if !builder.named_volumes.is_empty() {
        let mut volumes = Node::map();
        for name in &builder.named_volumes {
            // `name` keeps the volume docker run used, instead of a new `<project>_<name>`.
            volumes.entry(name, Node::map()).set("name", Node::str(name.clone()));
        }
        text.push_str("volumes:\n");
        text.push_str(&to_yaml(&volumes, 2));
    }
    if !builder.external_networks.is_empty() {
        let mut networks = Node::map();
        for name in &builder.external_networks {
            networks.entry(name, Node::map()).set("external", Node::Bool(true));
        }
        text.push_str("networks:\n");
        text.push_str(&to_yaml(&networks, 2));
    }
    text
}

fn variables_note(variables: &[String]) -> Option<String> {
    if variables.is_empty() {
        return None;
    }
    let names: Vec<String> = variables.iter().map(|name| format!("${name}")).collect();
    Some(format!(
        "Compose takes {} from its own environment or the .env file beside the Compose file, not from your shell",
        names.join(", ")
    ))
}

fn mapped(key: &str) -> FlagFate {
    FlagFate::Mapped { key: key.to_string() }
}

fn not_applicable(reason: &str) -> FlagFate {
    FlagFate::NotApplicable {
        reason: reason.to_string(),
    }
}

fn unmapped(reason: &str) -> FlagFate {
    FlagFate::Unmapped {
        reason: reason.to_string(),
    }
}

fn is_user_network(network: &str) -> bool {
    !NETWORK_MODES.contains(&network) && !network.starts_with("container:") && !network.contains('=')
}

fn invalid(flag: &ParsedFlag, reason: impl Into<String>) -> DockerRunError {
    let (line, column, value) = match &flag.value {
        Some(value) => (value.line, value.column, value.text.clone()),
        None => (flag.line, flag.column, String::new()),
    };
    DockerRunError::new(
        line,
        column,
        DockerRunErrorKind::InvalidValue {
            flag: flag.written.clone(),
            value,
            reason: reason.into(),
        },
    )
}

/// Returns the value of a boolean flag: true when written alone, else its `=value`.
fn switch_value(flag: &ParsedFlag) -> Result<bool, DockerRunError> {
    match flag.value.as_ref().map(|value| value.text.as_str()) {
        None => Ok(true),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(true),
        Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(false),
        Some(_) => Err(invalid(flag, "expected true or false")),
    }
}

/// Returns an integer, or the text itself when it contains a variable that Compose fills in later.
fn integer(flag: &ParsedFlag, text: &str) -> Result<Node, DockerRunError> {
    if text.contains('$') {
        return Ok(Node::str(text));
    }
    text.parse::<i64>()
        .map(Node::Int)
        .map_err(|_| invalid(flag, "expected a whole number"))
}

fn split_pair<'a>(
    flag: &ParsedFlag,
    text: &'a str,
    separator: char,
    form: &str,
) -> Result<(&'a str, &'a str), DockerRunError> {
    match text.split_once(separator) {
        Some((key, value)) if !key.is_empty() => Ok((key, value)),
        _ => Err(invalid(flag, format!("expected {form}"))),
    }
}

impl Builder {
    fn apply(&mut self, flag: &ParsedFlag) -> Result<FlagFate, DockerRunError> {
        if flag.spec.is_none() {
            let reason = if flag.value.is_some() {
                "docker run (Docker CLI 28) has no such flag"
            } else {
                "docker run (Docker CLI 28) has no such flag. It was read as a flag without a value, so if it takes one, that value was read as the image"
            };
            return Ok(unmapped(reason));
        }
        let text = flag.value.as_ref().map(|value| value.text.clone()).unwrap_or_default();
        let service = &mut self.service;

        let fate = match flag.name.as_str() {
            "name" => {
                service.set("container_name", Node::str(text));
                mapped("container_name")
            }
            "env" => self.push_string("environment", text),
            "env-file" => self.push_string("env_file", text),
            "publish" => self.push_string("ports", text),
            "expose" => self.push_string("expose", text),
            "volume" => self.map_volume(&text),
            "mount" => self.map_mount(flag, &text)?,
            "tmpfs" => self.push_string("tmpfs", text),
            "restart" => {
                check_restart(flag, &text)?;
                self.set_string("restart", text)
            }
            "network" => self.map_network(&text),
            "network-alias" => self.map_network_setting(flag, "aliases", &text, true),
            "ip" => self.map_network_setting(flag, "ipv4_address", &text, false),
            "ip6" => self.map_network_setting(flag, "ipv6_address", &text, false),
            "link-local-ip" => self.map_network_setting(flag, "link_local_ips", &text, true),
            "link" => self.push_string("links", text),
            "cap-add" => self.push_string("cap_add", text),
            "cap-drop" => self.push_string("cap_drop", text),
            "sysctl" => {
                let (key, value) = split_pair(flag, &text, '=', "NAME=VALUE")?;
                service.entry("sysctls", Node::map()).set(key, Node::str(value));
                mapped("sysctls")
            }
            "device" => self.push_string("devices", text),
            "device-cgroup-rule" => self.push_string("device_cgroup_rules", text),
            "gpus" => self.map_gpus(flag, &text)?,
            "privileged" => self.set_switch(flag, "privileged")?,
            "init" => self.set_switch(flag, "init")?,
            "read-only" => self.set_switch(flag, "read_only")?,
            "oom-kill-disable" => self.set_switch(flag, "oom_kill_disable")?,
            "user" => self.set_string("user", text),
            "workdir" => self.set_string("working_dir", text),
            "entrypoint" => {
                // The exec form keeps the program as one word, as docker run does. An empty
                // value clears the image's entrypoint in both.
                let words = if text.is_empty() { Vec::new() } else { vec![Node::str(text)] };
                service.set("entrypoint", Node::List(words));
                mapped("entrypoint")
            }
            "label" => self.push_string("labels", text),
            "annotation" => {
                let (key, value) = split_pair(flag, &text, '=', "KEY=VALUE")?;
                service.entry("annotations", Node::map()).set(key, Node::str(value));
                mapped("annotations")
            }
            "health-cmd" => {
                // docker run runs --health-cmd with the container's shell.
                let test = Node::List(vec![Node::str("CMD-SHELL"), Node::str(text)]);
                service.entry("healthcheck", Node::map()).set("test", test);
                mapped("healthcheck.test")
            }
            "health-interval" => self.set_healthcheck("interval", Node::str(text)),
            "health-timeout" => self.set_healthcheck("timeout", Node::str(text)),
            "health-start-period" => self.set_healthcheck("start_period", Node::str(text)),
            "health-start-interval" => self.set_healthcheck("start_interval", Node::str(text)),
            "health-retries" => {
                let retries = integer(flag, &text)?;
                self.set_healthcheck("retries", retries)
            }
            "no-healthcheck" => {
                let disable = switch_value(flag)?;
                self.set_healthcheck("disable", Node::Bool(disable))
            }
            "memory" => self.set_string("mem_limit", text),
            "memory-reservation" => self.set_string("mem_reservation", text),
            "memory-swap" => self.set_string("memswap_limit", text),
            "memory-swappiness" => self.set_integer(flag, "mem_swappiness", &text)?,
            "cpus" => self.set_string("cpus", text),
            "cpu-shares" => self.set_integer(flag, "cpu_shares", &text)?,
            "cpu-period" => self.set_integer(flag, "cpu_period", &text)?,
            "cpu-quota" => self.set_integer(flag, "cpu_quota", &text)?,
            "cpu-rt-period" => self.set_string("cpu_rt_period", text),
            "cpu-rt-runtime" => self.set_string("cpu_rt_runtime", text),
            "cpu-count" => self.set_integer(flag, "cpu_count", &text)?,
            "cpu-percent" => self.set_integer(flag, "cpu_percent", &text)?,
            "cpuset-cpus" => self.set_string("cpuset", text),
            "pids-limit" => self.set_integer(flag, "pids_limit", &text)?,
            "oom-score-adj" => self.set_integer(flag, "oom_score_adj", &text)?,
            "blkio-weight" => {
                let weight = integer(flag, &text)?;
                service.entry("blkio_config", Node::map()).set("weight", weight);
                mapped("blkio_config.weight")
            }
            "blkio-weight-device" => self.map_blkio_device(flag, "weight_device", "weight", &text, true)?,
            "device-read-bps" => self.map_blkio_device(flag, "device_read_bps", "rate", &text, false)?,
            "device-write-bps" => self.map_blkio_device(flag, "device_write_bps", "rate", &text, false)?,
            "device-read-iops" => self.map_blkio_device(flag, "device_read_iops", "rate", &text, true)?,
            "device-write-iops" => self.map_blkio_device(flag, "device_write_iops", "rate", &text, true)?,
            "ulimit" => self.map_ulimit(flag, &text)?,
            "log-driver" => {
                service.entry("logging", Node::map()).set("driver", Node::str(text));
                mapped("logging.driver")
            }
            "log-opt" => {
                let (key, value) = split_pair(flag, &text, '=', "KEY=VALUE")?;
                let logging = service.entry("logging", Node::map());
                logging.entry("options", Node::map()).set(key, Node::str(value));
                mapped("logging.options")
            }
            "add-host" => self.push_string("extra_hosts", text),
            "dns" => self.push_string("dns", text),
            "dns-search" => self.push_string("dns_search", text),
            "dns-option" => self.push_string("dns_opt", text),
            "hostname" => self.set_string("hostname", text),
            "domainname" => self.set_string("domainname", text),
            "mac-address" => self.set_string("mac_address", text),
            "shm-size" => self.set_string("shm_size", text),
            "security-opt" => self.push_string("security_opt", text),
            "storage-opt" => {
                let (key, value) = split_pair(flag, &text, '=', "KEY=VALUE")?;
                service.entry("storage_opt", Node::map()).set(key, Node::str(value));
                mapped("storage_opt")
            }
            "pid" => self.set_string("pid", text),
            "ipc" => self.set_string("ipc", text),
            "uts" => self.set_string("uts", text),
            "userns" => self.set_string("userns_mode", text),
            "cgroupns" => self.set_string("cgroup", text),
            "cgroup-parent" => self.set_string("cgroup_parent", text),
            "group-add" => self.push_string("group_add", text),
            "isolation" => self.set_string("isolation", text),
            "runtime" => self.set_string("runtime", text),
            "platform" => self.set_string("platform", text),
            "volume-driver" => self.set_string("volume_driver", text),
            "volumes-from" => self.push_string("volumes_from", format!("container:{text}")),
            "stop-signal" => self.set_string("stop_signal", text),
            "stop-timeout" => {
                if !text.chars().all(|character| character.is_ascii_digit()) || text.is_empty() {
                    return Err(invalid(flag, "expected a number of seconds"));
                }
                self.set_string("stop_grace_period", format!("{text}s"))
            }
            "pull" => {
                if !["always", "missing", "never"].contains(&text.as_str()) {
                    return Err(invalid(flag, "expected always, missing or never"));
                }
                self.set_string("pull_policy", text)
            }
            "detach" => not_applicable("Compose starts services in the background with 'docker compose up -d'"),
            "rm" => not_applicable("a Compose service keeps its container until 'docker compose down' removes it"),
            "interactive" => not_applicable(
                "only for typing into a one-off container; set stdin_open: true if the program needs its input kept open",
            ),
            "tty" => not_applicable("only for a terminal on a one-off container; set tty: true if the program needs a terminal"),
            "attach" | "detach-keys" | "sig-proxy" => {
                not_applicable("only changes how the docker run client attaches to the container")
            }
            "quiet" => not_applicable("only hides the image pull output of docker run"),
            "help" => not_applicable("only prints docker run's help"),
            "disable-content-trust" => not_applicable("only affects image signature checks by the docker client"),
            "publish-all" => unmapped(
                "Compose has no key that publishes every exposed port to a random host port; list the ports under 'ports'",
            ),
            "cidfile" => unmapped("Compose does not write container ID files"),
            "cpuset-mems" => unmapped("the Compose specification has no key for memory nodes"),
            "kernel-memory" => unmapped("Docker 20.10 and later ignore kernel memory limits"),
            "io-maxbandwidth" | "io-maxiops" => unmapped("a Windows-only limit that the Compose specification has no key for"),
            "label-file" => unmapped("docker-compose 1.29 has no key for a label file; copy its labels into 'labels'"),
            "use-api-socket" => unmapped(
                "docker-compose 1.29 has no key for it; mount /var/run/docker.sock under 'volumes' if the program needs the Docker API",
            ),
            other => unmapped(&format!("no Compose key is known for --{other}")),
        };
        Ok(fate)
    }

    fn set_string(&mut self, key: &str, text: String) -> FlagFate {
        self.service.set(key, Node::str(text));
        mapped(key)
    }

    fn push_string(&mut self, key: &str, text: String) -> FlagFate {
        self.service.push(key, Node::str(text));
        mapped(key)
    }

    fn set_integer(&mut self, flag: &ParsedFlag, key: &str, text: &str) -> Result<FlagFate, DockerRunError> {
        self.service.set(key, integer(flag, text)?);
        Ok(mapped(key))
    }

    fn set_switch(&mut self, flag: &ParsedFlag, key: &str) -> Result<FlagFate, DockerRunError> {
        self.service.set(key, Node::Bool(switch_value(flag)?));
        Ok(mapped(key))
    }

    fn set_healthcheck(&mut self, key: &str, value: Node) -> FlagFate {
        self.service.entry("healthcheck", Node::map()).set(key, value);
        mapped(&format!("healthcheck.{key}"))
    }

    fn remember_volume(&mut self, name: &str) {
        if !self.named_volumes.iter().any(|known| known == name) {
            self.named_volumes.push(name.to_string());
        }
    }

    fn map_volume(&mut self, text: &str) -> FlagFate {
        // `NAME:/path[:mode]` mounts a named volume, while a source with a slash, a dot, a
        // tilde or a variable is a host path. A single field is an anonymous volume.
        if let Some((source, _)) = text.split_once(':') {
            let is_path = source.is_empty()
                || source.contains('/')
                || source.contains('\\')
                || source.starts_with(['.', '~', '$'])
                || (source.len() == 1 && source.chars().all(|letter| letter.is_ascii_alphabetic()));
            if !is_path {
                self.remember_volume(source);
            }
        }
        self.push_string("volumes", text.to_string())
    }

    fn map_mount(&mut self, flag: &ParsedFlag, text: &str) -> Result<FlagFate, DockerRunError> {
        let mut mount = Node::map();
        let mut kind = "volume".to_string();
        let mut source = None;
        let mut options = Vec::new();

        // NOTE: docker reads --mount as CSV, so a quoted field may contain a comma. Such
        // fields are split here, which gives a wrong path or an unknown-option error.
        for field in text.split(',').filter(|field| !field.is_empty()) {
            let (key, value) = match field.split_once('=') {
                Some((key, value)) => (key.trim(), Some(value.trim())),
                None => (field.trim(), None),
            };
            options.push((key.to_string(), value.map(str::to_string)));
            match key {
                "type" => kind = value.unwrap_or_default().to_string(),
                "source" | "src" => source = value.map(str::to_string),
                _ => {}
            }
        }
        if !["bind", "volume", "tmpfs", "image", "npipe", "cluster"].contains(&kind.as_str()) {
            return Err(invalid(flag, "type must be bind, volume, tmpfs, image or npipe"));
        }
        mount.set("type", Node::str(kind.clone()));
        if let Some(source) = &source {
            mount.set("source", Node::str(source.clone()));
            if kind == "volume" {
                self.remember_volume(source);
            }
        }

        for (key, value) in options {
            let value_text = value.clone().unwrap_or_default();
            let enabled = match value.as_deref() {
                None | Some("1" | "true" | "TRUE" | "True") => true,
                Some("0" | "false" | "FALSE" | "False") => false,
                Some(_) => true,
            };
            match key.as_str() {
                "type" | "source" | "src" => {}
                "target" | "destination" | "dst" => mount.set("target", Node::str(value_text)),
                "readonly" | "ro" => mount.set("read_only", Node::Bool(enabled)),
                "consistency" => mount.set("consistency", Node::str(value_text)),
                "bind-propagation" => mount
                    .entry("bind", Node::map())
                    .set("propagation", Node::str(value_text)),
                "bind-recursive" => mount.entry("bind", Node::map()).set("recursive", Node::str(value_text)),
                "volume-nocopy" => mount.entry("volume", Node::map()).set("nocopy", Node::Bool(enabled)),
                "volume-subpath" => mount.entry("volume", Node::map()).set("subpath", Node::str(value_text)),
                "image-subpath" => mount.entry("image", Node::map()).set("subpath", Node::str(value_text)),
                "tmpfs-size" => {
                    let size = value_text
                        .parse::<i64>()
                        .map(Node::Int)
                        .unwrap_or_else(|_| Node::str(value_text.clone()));
                    mount.entry("tmpfs", Node::map()).set("size", size);
                }
                "tmpfs-mode" => {
                    // docker run reads the mode as octal, Compose as a number.
                    let mode = i64::from_str_radix(&value_text, 8)
                        .map_err(|_| invalid(flag, "tmpfs-mode must be an octal number such as 1777"))?;
                    mount.entry("tmpfs", Node::map()).set("mode", Node::Int(mode));
                }
                "volume-driver" | "volume-opt" | "volume-label" => {
                    return Ok(unmapped(
                        "a Compose service cannot set volume driver options on a mount; declare the volume under the top-level 'volumes' with driver and driver_opts",
                    ));
                }
                other => return Err(invalid(flag, format!("unknown mount option '{other}'"))),
            }
        }
        if !matches!(&mount, Node::Map(entries) if entries.iter().any(|(key, _)| key == "target")) {
            return Err(invalid(flag, "missing target=PATH"));
        }
        self.service.push("volumes", mount);
        Ok(mapped("volumes"))
    }

    fn map_network(&mut self, text: &str) -> FlagFate {
        if text.contains('=') {
            return unmapped(
                "the name=...,alias=... form is not converted; write --network NAME with --network-alias and --ip",
            );
        }
        if !is_user_network(text) {
            if self.network_mode_set || !self.external_networks.is_empty() {
                return unmapped("Compose takes one network mode, and it cannot be combined with other networks");
            }
            self.network_mode_set = true;
            // docker run's `default` network is the bridge network.
            let mode = if text == "default" { "bridge" } else { text };
            return self.set_string("network_mode", mode.to_string());
        }
        if self.network_mode_set {
            return unmapped("Compose cannot combine a network mode with user-defined networks");
        }
        self.service.entry("networks", Node::map()).entry(text, Node::map());
        if !self.external_networks.iter().any(|known| known == text) {
            self.external_networks.push(text.to_string());
        }
        mapped("networks")
    }

    fn map_network_setting(&mut self, flag: &ParsedFlag, key: &str, text: &str, list: bool) -> FlagFate {
        let Some(network) = self.main_network.clone() else {
            return unmapped(&format!(
                "{} applies only to a user-defined network; add --network NAME",
                flag.written
            ));
        };
        let settings = self.service.entry("networks", Node::map()).entry(&network, Node::map());
        if list {
            settings.push(key, Node::str(text));
        } else {
            settings.set(key, Node::str(text));
        }
        mapped(&format!("networks.{network}.{key}"))
    }

    fn map_gpus(&mut self, flag: &ParsedFlag, text: &str) -> Result<FlagFate, DockerRunError> {
        let mut request = Node::map();
        let mut capabilities = vec![Node::str("gpu")];

        // The value is `all`, a count, or key=value pairs (count, device, driver,
        // capabilities), and `device=1,2` lists several ids after one key.
        let text = text.trim_matches('"');
        let mut current_key = String::new();
        for field in text.split(',') {
            let (key, value) = match field.split_once('=') {
                Some((key, value)) => {
                    current_key = key.to_string();
                    (key.to_string(), value.to_string())
                }
                None if current_key.is_empty() => ("count".to_string(), field.to_string()),
                None => (current_key.clone(), field.to_string()),
            };
            match key.as_str() {
                "count" if value == "all" => request.set("count", Node::str("all")),
                "count" => {
                    let count = value
                        .parse::<i64>()
                        .map_err(|_| invalid(flag, "expected all, a number of GPUs, or device=ID[,ID…]"))?;
                    request.set("count", Node::Int(count));
                }
                "device" => request.push("device_ids", Node::str(value)),
                "driver" => request.set("driver", Node::str(value)),
                "capabilities" => capabilities.push(Node::str(value)),
                other => return Err(invalid(flag, format!("unknown GPU option '{other}'"))),
            }
        }
        request.set("capabilities", Node::List(capabilities));

        let deploy = self.service.entry("deploy", Node::map());
        let reservations = deploy
            .entry("resources", Node::map())
            .entry("reservations", Node::map());
        reservations.push("devices", request);
        Ok(mapped("deploy.resources.reservations.devices"))
    }

    fn map_blkio_device(
        &mut self,
        flag: &ParsedFlag,
        key: &str,
        value_key: &str,
        text: &str,
        whole_number: bool,
    ) -> Result<FlagFate, DockerRunError> {
        // The device path cannot contain the separator, so the last colon splits.
        let Some((path, value)) = text.rsplit_once(':') else {
            return Err(invalid(flag, "expected DEVICE_PATH:VALUE"));
        };
        let value = if whole_number {
            integer(flag, value)?
        } else {
            Node::str(value)
        };
        let mut entry = Node::map();
        entry.set("path", Node::str(path));
        entry.set(value_key, value);
        self.service.entry("blkio_config", Node::map()).push(key, entry);
        Ok(mapped(&format!("blkio_config.{key}")))
    }

    fn map_ulimit(&mut self, flag: &ParsedFlag, text: &str) -> Result<FlagFate, DockerRunError> {
        let (name, limits) = split_pair(flag, text, '=', "NAME=SOFT[:HARD]")?;
        let value = match limits.split_once(':') {
            Some((soft, hard)) => {
                let mut pair = Node::map();
                pair.set("soft", integer(flag, soft)?);
                pair.set("hard", integer(flag, hard)?);
                pair
            }
            None => integer(flag, limits)?,
        };
        self.service.entry("ulimits", Node::map()).set(name, value);
        Ok(mapped("ulimits"))
    }
}

fn check_restart(flag: &ParsedFlag, text: &str) -> Result<(), DockerRunError> {
    let valid = match text.split_once(':') {
        Some(("on-failure", retries)) => retries.parse::<u32>().is_ok(),
        Some(_) => false,
        None => ["no", "always", "unless-stopped", "on-failure"].contains(&text),
    };
    if valid {
        Ok(())
    } else {
        Err(invalid(
            flag,
            "expected no, always, unless-stopped or on-failure[:MAX_RETRIES]",
        ))
    }
}
