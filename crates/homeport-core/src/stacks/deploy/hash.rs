//! The configuration hashes Docker Compose v2 stores in the label
//! `com.docker.compose.config-hash` of containers, networks and volumes.
//!
//! `docker compose up` recreates a container whose label differs from the hash of its service,
//! removes and recreates a network whose label differs, and prompts before it recreates a volume
//! whose label differs. Homeport therefore writes the hash Compose itself computes, so a later
//! `docker compose up -d` on the host keeps what Homeport deployed.
//!
//! Docker Compose v2 (`pkg/compose/hash.go`) hashes compose-go's model: the SHA-256, in lowercase
//! hex, of Go's `encoding/json` output for `types.ServiceConfig`, `NetworkConfig` or
//! `VolumeConfig`. That output has struct fields in declaration order, map keys sorted,
//! `omitempty` fields left out, and `<`, `>`, `&`, U+2028 and U+2029 escaped as `\uXXXX`.
//! Before hashing a service Compose clears `build`, `pull_policy`, `scale`, `deploy.replicas`,
//! `depends_on` and `profiles`. A volume without a driver is hashed with the driver `local`.
//!
//! The values are the ones `docker compose config --format json` prints, before it doubles
//! `$`. `Project::to_config_json` returns those values with sorted keys, but passes attributes
//! its model does not interpret through as written, so this module normalises them to the Go
//! types ([`SERVICE`] lists each field's), then writes the keys back in Go order.
//! The tests compare with hashes that Compose v2.40.3 wrote on the lab engine.

use std::fmt::Write as _;

use homeport_compose::model::units::{format_duration, parse_bytes, parse_duration};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The Go type of one value of compose-go's model, which decides how the value is normalised
/// and written.
#[derive(Clone, Copy)]
enum Kind {
    /// Kept as it is; objects are written with sorted keys, as Go writes maps.
    Plain,
    /// A Go struct: its fields in declaration order. Fields not listed are kept and written
    /// after the listed ones, sorted.
    Struct(&'static [(&'static str, Kind)]),
    /// A list whose items have the inner kind.
    List(&'static Kind),
    /// A map whose values have the inner kind.
    Map(&'static Kind),
    /// A `string` with `omitempty`: scalars become text, and empty text is left out.
    Text,
    /// A `bool` with `omitempty`: false is left out.
    Flag,
    /// An `int64` with `omitempty`: numeric text becomes a number, and 0 is left out.
    Integer,
    /// A `float32` with `omitempty`, written with float32 precision.
    Float,
    /// `UnitBytes`: a size such as `512m`, written as bytes in a string.
    Bytes,
    /// `Duration`: written as Go's `time.Duration.String` writes it.
    Duration,
    /// `[]string` or `StringList`: one text becomes a list, and scalars become text.
    Strings,
    /// `Mapping` and `map[string]string`: a list of `KEY=VALUE` or a map, with text values.
    Mapping,
    /// `HostsList`: `host=ip` entries, sorted, from either `host:ip`, `host=ip` or a map.
    ExtraHosts,
    /// `[]DeviceMapping`: the short form `source[:target[:permissions]]` becomes a struct.
    Devices,
    /// `[]ServiceSecretConfig`: a name becomes `{source, target: /run/secrets/<name>}`.
    Secrets,
    /// `[]ServiceConfigObjConfig`: a name becomes `{source}`.
    Configs,
}

const HEALTHCHECK: &[(&str, Kind)] = &[
    ("test", Kind::Plain),
    ("timeout", Kind::Duration),
    ("interval", Kind::Duration),
    ("retries", Kind::Integer),
    ("start_period", Kind::Duration),
    ("start_interval", Kind::Duration),
    ("disable", Kind::Flag),
];

const DEVICE_REQUEST: &[(&str, Kind)] = &[
    ("capabilities", Kind::Strings),
    ("driver", Kind::Text),
    ("count", Kind::Plain),
    ("device_ids", Kind::Strings),
    ("options", Kind::Mapping),
];

const RESOURCE_AMOUNTS: &[(&str, Kind)] = &[
    ("cpus", Kind::Float),
    ("memory", Kind::Bytes),
    ("pids", Kind::Integer),
    ("devices", Kind::List(&Kind::Struct(DEVICE_REQUEST))),
    ("generic_resources", Kind::Plain),
];

const UPDATE_CONFIG: &[(&str, Kind)] = &[
    ("parallelism", Kind::Integer),
    ("delay", Kind::Duration),
    ("failure_action", Kind::Text),
    ("monitor", Kind::Duration),
    ("max_failure_ratio", Kind::Float),
    ("order", Kind::Text),
];

const DEPLOY: &[(&str, Kind)] = &[
    ("mode", Kind::Text),
    ("replicas", Kind::Plain),
    ("labels", Kind::Mapping),
    ("update_config", Kind::Struct(UPDATE_CONFIG)),
    ("rollback_config", Kind::Struct(UPDATE_CONFIG)),
    (
        "resources",
        Kind::Struct(&[
            ("limits", Kind::Struct(RESOURCE_AMOUNTS)),
            ("reservations", Kind::Struct(RESOURCE_AMOUNTS)),
        ]),
    ),
    (
        "restart_policy",
        Kind::Struct(&[
            ("condition", Kind::Text),
            ("delay", Kind::Duration),
            ("max_attempts", Kind::Integer),
            ("window", Kind::Duration),
        ]),
    ),
    (
        "placement",
        Kind::Struct(&[
            ("constraints", Kind::Strings),
            ("preferences", Kind::List(&Kind::Struct(&[("spread", Kind::Text)]))),
            ("max_replicas_per_node", Kind::Integer),
        ]),
    ),
    ("endpoint_mode", Kind::Text),
];

const FILE_REFERENCE: &[(&str, Kind)] = &[
    ("source", Kind::Text),
    ("target", Kind::Text),
    ("uid", Kind::Text),
    ("gid", Kind::Text),
    ("mode", Kind::Plain),
];

const DEVICE_MAPPING: &[(&str, Kind)] = &[
    ("source", Kind::Text),
    ("target", Kind::Text),
    ("permissions", Kind::Text),
];

const SERVICE_NETWORK: &[(&str, Kind)] = &[
    ("aliases", Kind::Strings),
    ("driver_opts", Kind::Mapping),
    ("gw_priority", Kind::Integer),
    ("interface_name", Kind::Text),
    ("ipv4_address", Kind::Text),
    ("ipv6_address", Kind::Text),
    ("link_local_ips", Kind::Strings),
    ("mac_address", Kind::Text),
    ("priority", Kind::Integer),
];

const PORT: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("mode", Kind::Text),
    ("host_ip", Kind::Text),
    ("target", Kind::Plain),
    ("published", Kind::Text),
    ("protocol", Kind::Text),
    ("app_protocol", Kind::Text),
];

const SERVICE_VOLUME: &[(&str, Kind)] = &[
    ("type", Kind::Text),
    ("source", Kind::Text),
    ("target", Kind::Text),
    ("read_only", Kind::Flag),
    ("consistency", Kind::Text),
    (
        "bind",
        Kind::Struct(&[
            ("selinux", Kind::Text),
            ("propagation", Kind::Text),
            ("create_host_path", Kind::Plain),
            ("recursive", Kind::Text),
        ]),
    ),
    (
        "volume",
        Kind::Struct(&[
            ("labels", Kind::Mapping),
            ("nocopy", Kind::Flag),
            ("subpath", Kind::Text),
        ]),
    ),
    ("tmpfs", Kind::Struct(&[("size", Kind::Plain), ("mode", Kind::Plain)])),
    ("image", Kind::Struct(&[("subpath", Kind::Text)])),
];

const HOOK: &[(&str, Kind)] = &[
    ("command", Kind::Plain),
    ("user", Kind::Text),
    ("privileged", Kind::Flag),
    ("working_dir", Kind::Text),
    ("environment", Kind::Plain),
];

/// The fields of compose-go's `types.ServiceConfig` in declaration order (compose-go v2 as
/// Docker Compose v2.40 ships it).
///
/// NOTE: `blkio_config`, `develop`, `provider`, `models`, `gpus` and `deploy.resources.*.devices`
/// are kept as the compose crate prints them, which may differ from Compose's normalised form,
/// and the compose crate's model drops GPU reservations. A service using them can get another
/// hash than Compose's, so `docker compose up` would recreate its container once.
const SERVICE: &[(&str, Kind)] = &[
    ("profiles", Kind::Plain),
    ("annotations", Kind::Mapping),
    ("attach", Kind::Plain),
    ("build", Kind::Plain),
    ("develop", Kind::Plain),
    ("blkio_config", Kind::Plain),
    ("cap_add", Kind::Strings),
    ("cap_drop", Kind::Strings),
    ("cgroup_parent", Kind::Text),
    ("cgroup", Kind::Text),
    ("cpu_count", Kind::Integer),
    ("cpu_percent", Kind::Float),
    ("cpu_period", Kind::Integer),
    ("cpu_quota", Kind::Integer),
    ("cpu_rt_period", Kind::Integer),
    ("cpu_rt_runtime", Kind::Integer),
    ("cpus", Kind::Float),
    ("cpuset", Kind::Text),
    ("cpu_shares", Kind::Integer),
    ("command", Kind::Plain),
    ("configs", Kind::Configs),
    ("container_name", Kind::Text),
    (
        "credential_spec",
        Kind::Struct(&[("config", Kind::Text), ("file", Kind::Text), ("registry", Kind::Text)]),
    ),
    ("depends_on", Kind::Plain),
    ("deploy", Kind::Struct(DEPLOY)),
    ("device_cgroup_rules", Kind::Strings),
    ("devices", Kind::Devices),
    ("dns", Kind::Strings),
    ("dns_opt", Kind::Strings),
    ("dns_search", Kind::Strings),
    ("dockerfile", Kind::Text),
    ("domainname", Kind::Text),
    ("entrypoint", Kind::Plain),
    ("provider", Kind::Plain),
    ("environment", Kind::Plain),
    ("env_file", Kind::Plain),
    ("expose", Kind::Strings),
    ("extends", Kind::Plain),
    ("external_links", Kind::Strings),
    ("extra_hosts", Kind::ExtraHosts),
    ("group_add", Kind::Strings),
    ("gpus", Kind::Plain),
    ("hostname", Kind::Text),
    ("healthcheck", Kind::Struct(HEALTHCHECK)),
    ("image", Kind::Text),
    ("init", Kind::Plain),
    ("ipc", Kind::Text),
    ("isolation", Kind::Text),
    ("labels", Kind::Mapping),
    ("label_file", Kind::Strings),
    ("links", Kind::Strings),
    (
        "logging",
        Kind::Struct(&[("driver", Kind::Text), ("options", Kind::Mapping)]),
    ),
    ("log_driver", Kind::Text),
    ("log_opt", Kind::Mapping),
    ("mem_limit", Kind::Bytes),
    ("mem_reservation", Kind::Bytes),
    ("memswap_limit", Kind::Bytes),
    ("mem_swappiness", Kind::Bytes),
    ("mac_address", Kind::Text),
    ("models", Kind::Plain),
    ("net", Kind::Text),
    ("network_mode", Kind::Text),
    ("networks", Kind::Map(&Kind::Struct(SERVICE_NETWORK))),
    ("oom_kill_disable", Kind::Flag),
    ("oom_score_adj", Kind::Integer),
    ("pid", Kind::Text),
    ("pids_limit", Kind::Integer),
    ("platform", Kind::Text),
    ("ports", Kind::List(&Kind::Struct(PORT))),
    ("privileged", Kind::Flag),
    ("pull_policy", Kind::Plain),
    ("read_only", Kind::Flag),
    ("restart", Kind::Text),
    ("runtime", Kind::Text),
    ("scale", Kind::Plain),
    ("secrets", Kind::Secrets),
    ("security_opt", Kind::Strings),
    ("shm_size", Kind::Bytes),
    ("stdin_open", Kind::Flag),
    ("stop_grace_period", Kind::Duration),
    ("stop_signal", Kind::Text),
    ("storage_opt", Kind::Mapping),
    ("sysctls", Kind::Mapping),
    ("tmpfs", Kind::Strings),
    ("tty", Kind::Flag),
    (
        "ulimits",
        Kind::Map(&Kind::Struct(&[
            ("single", Kind::Integer),
            ("soft", Kind::Integer),
            ("hard", Kind::Integer),
        ])),
    ),
    ("use_api_socket", Kind::Flag),
    ("user", Kind::Text),
    ("userns_mode", Kind::Text),
    ("uts", Kind::Text),
    ("volume_driver", Kind::Text),
    ("volumes", Kind::List(&Kind::Struct(SERVICE_VOLUME))),
    ("volumes_from", Kind::Strings),
    ("working_dir", Kind::Text),
    ("post_start", Kind::List(&Kind::Struct(HOOK))),
    ("pre_stop", Kind::List(&Kind::Struct(HOOK))),
];

/// Service attributes Compose clears before hashing, because changing them alone must not
/// recreate the container.
const NOT_HASHED: &[&str] = &["build", "pull_policy", "scale", "depends_on", "profiles"];

/// compose-go's `types.NetworkConfig`.
const NETWORK: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("driver", Kind::Text),
    ("driver_opts", Kind::Mapping),
    (
        "ipam",
        Kind::Struct(&[
            ("driver", Kind::Text),
            (
                "config",
                Kind::List(&Kind::Struct(&[
                    ("subnet", Kind::Text),
                    ("gateway", Kind::Text),
                    ("ip_range", Kind::Text),
                    ("aux_addresses", Kind::Mapping),
                ])),
            ),
        ]),
    ),
    ("external", Kind::Flag),
    ("internal", Kind::Flag),
    ("attachable", Kind::Flag),
    ("labels", Kind::Mapping),
    ("enable_ipv4", Kind::Plain),
    ("enable_ipv6", Kind::Plain),
];

/// compose-go's `types.VolumeConfig`.
const VOLUME: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("driver", Kind::Text),
    ("driver_opts", Kind::Mapping),
    ("external", Kind::Flag),
    ("labels", Kind::Mapping),
];

/// Returns Compose's hash of one service. `config` is the service's entry in
/// `Project::to_config_json`, with `$$` turned back into `$` (see [`unescape_dollars`]) and
/// bind sources as paths on the host.
pub(super) fn service_hash(config: &Value) -> String {
    let mut config = config.clone();
    if let Value::Object(object) = &mut config {
        for key in NOT_HASHED {
            object.remove(*key);
        }
        if let Some(Value::Object(deploy)) = object.get_mut("deploy") {
            deploy.remove("replicas");
        }
    }
    let mut normalised = normalise(&config, Kind::Struct(SERVICE)).unwrap_or(Value::Null);
    // `resources` and `placement` are structs, not pointers, so Go writes them even when empty.
    if let Some(Value::Object(deploy)) = normalised.get_mut("deploy") {
        for key in ["resources", "placement"] {
            deploy.entry(key).or_insert_with(|| Value::Object(Map::new()));
        }
    }
    digest(&normalised, Kind::Struct(SERVICE))
}

/// Returns Compose's hash of a network. `config` has the network's attributes as the Compose
/// file names them, with `name` being the name on the engine.
pub(super) fn network_hash(config: &Value) -> String {
    let mut normalised = normalise(config, Kind::Struct(NETWORK)).unwrap_or(Value::Null);
    // `ipam` is a struct, not a pointer, so Go writes it even when empty.
    if let Value::Object(object) = &mut normalised {
        object.entry("ipam").or_insert_with(|| Value::Object(Map::new()));
    }
    digest(&normalised, Kind::Struct(NETWORK))
}

/// Returns Compose's hash of a volume; see [`network_hash`].
pub(super) fn volume_hash(config: &Value) -> String {
    let mut normalised = normalise(config, Kind::Struct(VOLUME)).unwrap_or(Value::Null);
    if let Value::Object(object) = &mut normalised {
        object
            .entry("driver")
            .or_insert_with(|| Value::String("local".to_string()));
    }
    digest(&normalised, Kind::Struct(VOLUME))
}

/// Returns a hash derived from a Compose hash that never equals one, for a container that
/// lacks attributes Compose would apply.
pub(super) fn partial_hash(compose_hash: &str) -> String {
    hex(&Sha256::digest(format!("homeport-partial:{compose_hash}").as_bytes()))
}

/// Turns the `$$` that `to_config_json` writes for a literal `$` back into `$`, in keys and
/// values, because Compose hashes the loaded value.
pub(super) fn unescape_dollars(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(text.replace("$$", "$")),
        Value::Array(items) => Value::Array(items.into_iter().map(unescape_dollars).collect()),
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(key, value)| (key.replace("$$", "$"), unescape_dollars(value)))
                .collect(),
        ),
        other => other,
    }
}

fn digest(value: &Value, kind: Kind) -> String {
    let mut json = String::new();
    write_go_json(value, kind, &mut json);
    hex(&Sha256::digest(json.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn field_kind(fields: &[(&str, Kind)], key: &str) -> Kind {
    fields
        .iter()
        .find(|(name, _)| *name == key)
        .map_or(Kind::Plain, |(_, kind)| *kind)
}

/// Converts `value` to the form compose-go's type has after loading. Returns `None` for a value
/// that `omitempty` leaves out.
fn normalise(value: &Value, kind: Kind) -> Option<Value> {
    match kind {
        Kind::Plain => Some(value.clone()),
        Kind::Struct(fields) => match value {
            Value::Object(object) => {
                let mut out = Map::new();
                for (key, item) in object {
                    if let Some(item) = normalise(item, field_kind(fields, key)) {
                        out.insert(key.clone(), item);
                    }
                }
                Some(Value::Object(out))
            }
            other => Some(other.clone()),
        },
        Kind::List(inner) => match value {
            Value::Array(items) => Some(Value::Array(
                items.iter().filter_map(|item| normalise(item, *inner)).collect(),
            )),
            other => Some(other.clone()),
        },
        Kind::Map(inner) => match value {
            Value::Object(object) => Some(Value::Object(
                object
                    .iter()
                    .map(|(key, item)| (key.clone(), normalise(item, *inner).unwrap_or(Value::Null)))
                    .collect(),
            )),
            other => Some(other.clone()),
        },
        Kind::Text => scalar_text(value).filter(|text| !text.is_empty()).map(Value::String),
        Kind::Flag => match value {
            Value::Bool(true) => Some(Value::Bool(true)),
            Value::String(text) if text == "true" => Some(Value::Bool(true)),
            _ => None,
        },
        Kind::Integer => integer(value).filter(|number| *number != 0).map(Value::from),
        Kind::Float => float(value)
            .filter(|number| *number != 0.0)
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Kind::Bytes => {
            let bytes = match value {
                Value::Number(number) => number.as_u64(),
                Value::String(text) => parse_bytes(text),
                _ => None,
            };
            bytes
                .filter(|bytes| *bytes != 0)
                .map(|bytes| Value::String(bytes.to_string()))
        }
        Kind::Duration => match value {
            Value::String(text) => Some(Value::String(
                parse_duration(text).map_or_else(|| text.clone(), format_duration),
            )),
            Value::Null => None,
            other => Some(other.clone()),
        },
        Kind::Strings => {
            let items: Vec<Value> = match value {
                Value::Array(items) => items.iter().filter_map(scalar_text).map(Value::String).collect(),
                Value::Null => Vec::new(),
                other => scalar_text(other).into_iter().map(Value::String).collect(),
            };
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Kind::Mapping => {
            let object = mapping(value);
            (!object.is_empty()).then_some(Value::Object(object))
        }
        Kind::ExtraHosts => {
            // Go sorts the `host=address` texts, which can differ from sorting the pairs.
            let mut hosts: Vec<String> = extra_hosts(value)
                .into_iter()
                .map(|(host, address)| format!("{host}={address}"))
                .collect();
            hosts.sort();
            (!hosts.is_empty()).then(|| Value::Array(hosts.into_iter().map(Value::String).collect()))
        }
        Kind::Devices => file_references(value, DEVICE_MAPPING, |device| {
            let parts: Vec<&str> = device.split(':').collect();
            let (source, target, permissions) = match parts.as_slice() {
                [source, target, permissions] => (*source, *target, *permissions),
                [source, target] => (*source, *target, "rwm"),
                _ => (device, device, "rwm"),
            };
            serde_json::json!({"source": source, "target": target, "permissions": permissions})
        }),
        Kind::Secrets => file_references(
            value,
            FILE_REFERENCE,
            |name| serde_json::json!({"source": name, "target": format!("/run/secrets/{name}")}),
        ),
        Kind::Configs => file_references(value, FILE_REFERENCE, |name| serde_json::json!({"source": name})),
    }
}

/// Normalises a list whose items are either a short text form, expanded by `expand`, or a
/// struct with `fields`.
fn file_references(
    value: &Value,
    fields: &'static [(&'static str, Kind)],
    expand: impl Fn(&str) -> Value,
) -> Option<Value> {
    let Value::Array(items) = value else {
        return Some(value.clone());
    };
    let items: Vec<Value> = items
        .iter()
        .filter_map(|item| match item {
            Value::String(text) => normalise(&expand(text), Kind::Struct(fields)),
            other => normalise(other, Kind::Struct(fields)),
        })
        .collect();
    (!items.is_empty()).then_some(Value::Array(items))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Converts a `KEY=VALUE` list or a map to a map of text values. A list entry without `=`
/// maps to an empty value.
fn mapping(value: &Value) -> Map<String, Value> {
    match value {
        Value::Object(object) => object
            .iter()
            .map(|(key, item)| (key.clone(), Value::String(scalar_text(item).unwrap_or_default())))
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(scalar_text)
            .map(|entry| {
                let (key, text) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
                (key.to_string(), Value::String(text.to_string()))
            })
            .collect(),
        _ => Map::new(),
    }
}

/// Returns `extra_hosts` as compose-go's `HostsList` contains it: (host, address) pairs,
/// sorted. A list entry splits at its first `=`, else at its first `:`. Several addresses may be
/// separated by commas, and brackets around an address are removed.
pub(super) fn extra_hosts(value: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    match value {
        Value::Array(items) => {
            for entry in items.iter().filter_map(scalar_text) {
                let split = entry.split_once('=').or_else(|| entry.split_once(':'));
                if let Some((host, addresses)) = split {
                    for address in addresses.split(',') {
                        pairs.push((host.to_string(), address.to_string()));
                    }
                }
            }
        }
        Value::Object(object) => {
            for (host, addresses) in object {
                match addresses {
                    Value::Array(items) => {
                        for address in items.iter().filter_map(scalar_text) {
                            pairs.push((host.clone(), address));
                        }
                    }
                    other => pairs.push((host.clone(), scalar_text(other).unwrap_or_default())),
                }
            }
        }
        _ => {}
    }
    for (_, address) in &mut pairs {
        if let Some(inner) = address.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            if !inner.is_empty() {
                *address = inner.to_string();
            }
        }
    }
    pairs.sort();
    pairs
}

impl Kind {
    /// Returns the layout of a normalised value of this kind.
    fn layout(self) -> Kind {
        match self {
            Kind::Devices => Kind::List(&Kind::Struct(DEVICE_MAPPING)),
            Kind::Secrets | Kind::Configs => Kind::List(&Kind::Struct(FILE_REFERENCE)),
            other => other,
        }
    }
}

/// Writes `value` as Go's `json.Marshal` writes the type `kind` describes.
fn write_go_json(value: &Value, kind: Kind, out: &mut String) {
    let kind = kind.layout();
    match (value, kind) {
        (Value::Object(object), Kind::Struct(fields)) => {
            out.push('{');
            let mut first = true;
            let mut write_field = |key: &str, item: &Value, kind: Kind, out: &mut String| {
                if !first {
                    out.push(',');
                }
                first = false;
                write_go_string(key, out);
                out.push(':');
                write_go_json(item, kind, out);
            };
            for (name, field) in fields {
                if let Some(item) = object.get(*name) {
                    write_field(name, item, *field, out);
                }
            }
            let mut unknown: Vec<&String> = object
                .keys()
                .filter(|key| !fields.iter().any(|(name, _)| name == key))
                .collect();
            unknown.sort();
            for key in unknown {
                write_field(key, &object[key], Kind::Plain, out);
            }
            out.push('}');
        }
        (Value::Object(object), _) => {
            let inner = match kind {
                Kind::Map(inner) => *inner,
                _ => Kind::Plain,
            };
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_go_string(key, out);
                out.push(':');
                write_go_json(&object[key], inner, out);
            }
            out.push('}');
        }
        (Value::Array(items), _) => {
            let inner = match kind {
                Kind::List(inner) => *inner,
                _ => Kind::Plain,
            };
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_go_json(item, inner, out);
            }
            out.push(']');
        }
        (Value::String(text), _) => write_go_string(text, out),
        (Value::Number(number), Kind::Float) => match number.as_f64() {
            // Rust prints the shortest text that reads back as the same f32, as Go does.
            Some(float) => {
                let _ = write!(out, "{}", float as f32);
            }
            None => out.push_str(&number.to_string()),
        },
        (Value::Number(number), _) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
            (Some(integer), _, _) => {
                let _ = write!(out, "{integer}");
            }
            (None, Some(integer), _) => {
                let _ = write!(out, "{integer}");
            }
            (None, None, Some(float)) => {
                let _ = write!(out, "{float}");
            }
            _ => out.push_str(&number.to_string()),
        },
        (Value::Bool(flag), _) => out.push_str(if *flag { "true" } else { "false" }),
        (Value::Null, _) => out.push_str("null"),
    }
}

/// Writes a JSON string as Go's `encoding/json` does, which escapes HTML characters and the
/// two Unicode line separators besides what JSON requires.
fn write_go_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(character));
            }
            control if u32::from(control) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn go_json(value: &Value, kind: Kind) -> String {
        let mut out = String::new();
        write_go_json(value, kind, &mut out);
        out
    }

    #[test]
    fn hash_writes_go_order_and_escapes() {
        let service = json!({
            "volumes": [{"target": "/data", "type": "volume", "source": "data", "volume": {}}],
            "image": "busybox",
            "environment": {"B": "<a&b>", "A": "1"},
            "command": null,
            "entrypoint": null,
        });
        assert_eq!(
            go_json(&service, Kind::Struct(SERVICE)),
            r#"{"command":null,"entrypoint":null,"environment":{"A":"1","B":"\u003ca\u0026b\u003e"},"image":"busybox","volumes":[{"type":"volume","source":"data","target":"/data","volume":{}}]}"#
        );
    }

    #[test]
    fn hash_normalises_attributes_written_freely() {
        let service = json!({
            "cpus": "2",
            "privileged": false,
            "init": false,
            "dns": "8.8.8.8",
            "group_add": [1000],
            "shm_size": "64m",
            "stop_grace_period": "90s",
            "extra_hosts": ["b:10.0.0.2", "a=[::1]", "c=1.1.1.1,2.2.2.2"],
            "sysctls": ["net.core.somaxconn=1024"],
            "devices": ["/dev/null:/dev/x", "/dev/zero"],
            "secrets": ["token"],
            "configs": ["app"],
        });
        let normalised = normalise(&service, Kind::Struct(SERVICE)).unwrap();
        assert_eq!(
            go_json(&normalised, Kind::Struct(SERVICE)),
            concat!(
                r#"{"cpus":2,"configs":[{"source":"app"}],"#,
                r#""devices":[{"source":"/dev/null","target":"/dev/x","permissions":"rwm"},{"source":"/dev/zero","target":"/dev/zero","permissions":"rwm"}],"#,
                r#""dns":["8.8.8.8"],"extra_hosts":["a=::1","b=10.0.0.2","c=1.1.1.1","c=2.2.2.2"],"group_add":["1000"],"#,
                r#""init":false,"secrets":[{"source":"token","target":"/run/secrets/token"}],"shm_size":"67108864","#,
                r#""stop_grace_period":"1m30s","sysctls":{"net.core.somaxconn":"1024"}}"#
            )
        );
    }

    #[test]
    fn hash_floats_use_float32_precision() {
        assert_eq!(go_json(&json!({"cpus": 0.1}), Kind::Struct(SERVICE)), r#"{"cpus":0.1}"#);
        assert_eq!(go_json(&json!({"cpus": 1.0}), Kind::Struct(SERVICE)), r#"{"cpus":1}"#);
    }

    /// Hashes Docker Compose v2.40.3 wrote on the lab engine for the same configuration
    /// (`docker compose -p perfexp1 up -d`, networks and volumes named `perfexp1_*`).
    #[test]
    fn hash_matches_compose_resources() {
        assert_eq!(
            network_hash(&json!({"name": "perfexp1_default"})),
            "15c8798e1282e885195fb6b0c23e6170eed2a4c6df1b675f7815b41f953bbffb"
        );
        assert_eq!(
            volume_hash(&json!({"name": "perfexp1_data"})),
            "17efd3d31a0ab7ac018d76cf98972d274402d2a24093b2d39f372f08234c98f5"
        );
        assert_eq!(
            network_hash(&json!({"name": "perfexp2_front", "driver": "bridge", "labels": {"x": "y"}})),
            "bef1c08dadc33724ada33e84488ff61b20804da0af3349a61b03488478fc93ed"
        );
    }

    #[test]
    fn hash_unescapes_dollars() {
        let value = unescape_dollars(json!({"A$$": ["5$$", "$$$$"]}));
        assert_eq!(value, json!({"A$": ["5$", "$$"]}));
    }
}
