//! The project as `docker compose config --format json` prints it (Compose v2.40): normalised,
//! interpolated and merged, with only the services active for the chosen profiles.
//!
//! Intentional differences, which the oracle tests account for:
//! - Object keys come out sorted, where Compose follows its Go struct order; JSON consumers and
//!   the tests compare values, not key order.
//! - A service whose `environment:` holds only comments (null) loads here as no environment;
//!   Compose v2.40 rejects the file ("environment must be a mapping"), so the load warns.
//! - Attributes the model does not interpret (`cap_add`, `logging`, and so on) are printed as
//!   written, where Compose normalises some of them (for example `extra_hosts` lists to maps).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value as Json};

use crate::model::units::format_duration;
use crate::model::{Build, Deploy, Healthcheck, PortBinding, Project, Resource, ResourceAmounts, Service, VolumeMount};

impl Project {
    /// Returns the `config` output for the services active with `profiles`.
    pub fn to_config_json(&self, profiles: &[&str]) -> Json {
        let mut root = Map::new();
        root.insert("name".to_string(), json!(self.name));

        let services: Map<String, Json> = self
            .active_services(profiles)
            .map(|service| (service.name.clone(), service_json(service)))
            .collect();
        root.insert("services".to_string(), Json::Object(services));

        // Like Compose, print only the resources that an active service uses.
        let used = self.used_resources(profiles);
        for (section, resources) in [
            ("networks", &self.networks),
            ("volumes", &self.volumes),
            ("secrets", &self.secrets),
            ("configs", &self.configs),
        ] {
            let object: Map<String, Json> = resources
                .iter()
                .filter(|(key, _)| used.contains(&(section, key.as_str())))
                .map(|(key, resource)| (key.clone(), resource_json(resource, section == "networks")))
                .collect();
            if !object.is_empty() {
                root.insert(section.to_string(), Json::Object(object));
            }
        }
        for (key, value) in &self.extensions {
            root.insert(key.clone(), value.clone());
        }
        // Compose writes a literal `$` as `$$`, so its output reads back as the same project.
        escape_dollars(Json::Object(root))
    }

    /// Returns (section, key) for every network, volume, secret and config an active service
    /// uses.
    fn used_resources<'a>(&'a self, profiles: &'a [&'a str]) -> BTreeSet<(&'static str, &'a str)> {
        let mut used = BTreeSet::new();
        for service in self.active_services(profiles) {
            for network in service.networks.keys() {
                used.insert(("networks", network.as_str()));
            }
            for mount in &service.volumes {
                if let (Some(source), "volume") = (&mount.source, mount.kind.as_str()) {
                    used.insert(("volumes", source.as_str()));
                }
            }
            for section in ["secrets", "configs"] {
                let Some(Json::Array(items)) = service.other.get(section) else {
                    continue;
                };
                for item in items {
                    let source = item.as_str().or_else(|| item.get("source").and_then(Json::as_str));
                    if let Some(source) = source {
                        used.insert((section, source));
                    }
                }
            }
        }
        used
    }
}

fn escape_dollars(value: Json) -> Json {
    match value {
        Json::String(text) => Json::String(text.replace('$', "$$")),
        Json::Array(items) => Json::Array(items.into_iter().map(escape_dollars).collect()),
        Json::Object(object) => Json::Object(
            object
                .into_iter()
                .map(|(key, value)| (key.replace('$', "$$"), escape_dollars(value)))
                .collect(),
        ),
        other => other,
    }
}

fn service_json(service: &Service) -> Json {
    let mut object: Map<String, Json> = service.other.clone().into_iter().collect();
    // Compose always prints these two, null when unset.
    object.insert("command".to_string(), json!(service.command));
    object.insert("entrypoint".to_string(), json!(service.entrypoint));

    insert_some(&mut object, "image", service.image.as_ref().map(|image| json!(image)));
    insert_some(&mut object, "build", service.build.as_ref().map(build_json));
    insert_some(
        &mut object,
        "restart",
        service.restart.as_ref().map(|restart| json!(restart)),
    );
    insert_some(
        &mut object,
        "healthcheck",
        service.healthcheck.as_ref().map(healthcheck_json),
    );
    insert_some(&mut object, "deploy", service.deploy.as_ref().map(deploy_json));
    if !service.profiles.is_empty() {
        object.insert("profiles".to_string(), json!(service.profiles));
    }
    if !service.environment.is_empty() {
        object.insert("environment".to_string(), json!(service.environment));
    }
    if !service.labels.is_empty() {
        object.insert("labels".to_string(), json!(service.labels));
    }
    if !service.ports.is_empty() {
        object.insert("ports".to_string(), service.ports.iter().map(port_json).collect());
    }
    if !service.volumes.is_empty() {
        object.insert("volumes".to_string(), service.volumes.iter().map(volume_json).collect());
    }
    if !service.depends_on.is_empty() {
        let dependencies: Map<String, Json> = service
            .depends_on
            .iter()
            .map(|(name, dependency)| {
                let mut entry = Map::new();
                entry.insert("condition".to_string(), json!(dependency.condition.as_str()));
                if dependency.restart {
                    entry.insert("restart".to_string(), json!(true));
                }
                entry.insert("required".to_string(), json!(dependency.required));
                (name.clone(), Json::Object(entry))
            })
            .collect();
        object.insert("depends_on".to_string(), Json::Object(dependencies));
    }
    if !service.networks.is_empty() {
        let networks: Map<String, Json> = service
            .networks
            .iter()
            .map(|(name, settings)| {
                let value = settings.as_ref().map_or(Json::Null, |settings| {
                    let mut entry: Map<String, Json> = settings.other.clone().into_iter().collect();
                    if !settings.aliases.is_empty() {
                        entry.insert("aliases".to_string(), json!(settings.aliases));
                    }
                    insert_some(
                        &mut entry,
                        "ipv4_address",
                        settings.ipv4_address.as_ref().map(|ip| json!(ip)),
                    );
                    insert_some(
                        &mut entry,
                        "ipv6_address",
                        settings.ipv6_address.as_ref().map(|ip| json!(ip)),
                    );
                    Json::Object(entry)
                });
                (name.clone(), value)
            })
            .collect();
        object.insert("networks".to_string(), Json::Object(networks));
    }
    Json::Object(object)
}

fn insert_some(object: &mut Map<String, Json>, key: &str, value: Option<Json>) {
    if let Some(value) = value {
        object.insert(key.to_string(), value);
    }
}

fn build_json(build: &Build) -> Json {
    let mut object: Map<String, Json> = build.other.clone().into_iter().collect();
    object.insert("context".to_string(), json!(build.context));
    insert_some(
        &mut object,
        "dockerfile",
        build.dockerfile.as_ref().map(|file| json!(file)),
    );
    insert_some(&mut object, "target", build.target.as_ref().map(|target| json!(target)));
    if !build.args.is_empty() {
        object.insert("args".to_string(), json!(build.args));
    }
    Json::Object(object)
}

fn healthcheck_json(check: &Healthcheck) -> Json {
    let mut object = Map::new();
    insert_some(&mut object, "test", check.test.as_ref().map(|test| json!(test)));
    for (key, duration) in [
        ("interval", check.interval),
        ("timeout", check.timeout),
        ("start_period", check.start_period),
        ("start_interval", check.start_interval),
    ] {
        insert_some(
            &mut object,
            key,
            duration.map(|duration| json!(format_duration(duration))),
        );
    }
    insert_some(&mut object, "retries", check.retries.map(|retries| json!(retries)));
    if check.disable {
        object.insert("disable".to_string(), json!(true));
    }
    Json::Object(object)
}

fn deploy_json(deploy: &Deploy) -> Json {
    let mut object: Map<String, Json> = deploy.other.clone().into_iter().collect();
    let mut resources = Map::new();
    insert_some(&mut resources, "limits", deploy.limits.as_ref().map(amounts_json));
    insert_some(
        &mut resources,
        "reservations",
        deploy.reservations.as_ref().map(amounts_json),
    );
    if !resources.is_empty() {
        object.insert("resources".to_string(), Json::Object(resources));
    }
    // Compose v2.40 prints an empty placement for every deploy section.
    object.entry("placement").or_insert_with(|| json!({}));
    Json::Object(object)
}

fn amounts_json(amounts: &ResourceAmounts) -> Json {
    let mut object = Map::new();
    insert_some(&mut object, "cpus", amounts.cpus.map(|cpus| json!(cpus)));
    // Compose prints memory in bytes, as a string.
    insert_some(
        &mut object,
        "memory",
        amounts.memory.map(|bytes| json!(bytes.to_string())),
    );
    insert_some(&mut object, "pids", amounts.pids.map(|pids| json!(pids)));
    Json::Object(object)
}

fn port_json(port: &PortBinding) -> Json {
    let mut object = Map::new();
    insert_some(&mut object, "name", port.name.as_ref().map(|name| json!(name)));
    object.insert("mode".to_string(), json!(port.mode));
    insert_some(&mut object, "host_ip", port.host_ip.as_ref().map(|ip| json!(ip)));
    object.insert("target".to_string(), json!(port.target));
    insert_some(
        &mut object,
        "published",
        port.published.as_ref().map(|published| json!(published)),
    );
    object.insert("protocol".to_string(), json!(port.protocol));
    insert_some(
        &mut object,
        "app_protocol",
        port.app_protocol.as_ref().map(|protocol| json!(protocol)),
    );
    Json::Object(object)
}

fn volume_json(mount: &VolumeMount) -> Json {
    let mut object = Map::new();
    object.insert("type".to_string(), json!(mount.kind));
    insert_some(&mut object, "source", mount.source.as_ref().map(|source| json!(source)));
    object.insert("target".to_string(), json!(mount.target));
    if mount.read_only {
        object.insert("read_only".to_string(), json!(true));
    }
    match mount.kind.as_str() {
        "bind" => {
            let mut bind = Map::new();
            insert_some(
                &mut bind,
                "propagation",
                mount.propagation.as_ref().map(|mode| json!(mode)),
            );
            insert_some(&mut bind, "selinux", mount.selinux.as_ref().map(|label| json!(label)));
            insert_some(
                &mut bind,
                "create_host_path",
                mount.create_host_path.map(|create| json!(create)),
            );
            if !bind.is_empty() {
                object.insert("bind".to_string(), Json::Object(bind));
            }
        }
        "volume" => {
            let mut volume = Map::new();
            if mount.nocopy {
                volume.insert("nocopy".to_string(), json!(true));
            }
            insert_some(&mut volume, "subpath", mount.subpath.as_ref().map(|path| json!(path)));
            object.insert("volume".to_string(), Json::Object(volume));
        }
        "tmpfs" if mount.tmpfs_size.is_some() || mount.tmpfs_mode.is_some() => {
            let mut tmpfs = Map::new();
            // Compose prints the size in bytes, as a string.
            insert_some(&mut tmpfs, "size", mount.tmpfs_size.map(|size| json!(size.to_string())));
            insert_some(&mut tmpfs, "mode", mount.tmpfs_mode.map(|mode| json!(mode)));
            object.insert("tmpfs".to_string(), Json::Object(tmpfs));
        }
        _ => {}
    }
    Json::Object(object)
}

fn resource_json(resource: &Resource, is_network: bool) -> Json {
    let mut object: Map<String, Json> = resource.other.clone().into_iter().collect();
    object.insert("name".to_string(), json!(resource.name));
    if resource.external {
        object.insert("external".to_string(), json!(true));
    }
    insert_some(
        &mut object,
        "driver",
        resource.driver.as_ref().map(|driver| json!(driver)),
    );
    insert_some(&mut object, "file", resource.file.as_ref().map(|file| json!(file)));
    insert_some(
        &mut object,
        "environment",
        resource.environment.as_ref().map(|name| json!(name)),
    );
    if !resource.labels.is_empty() {
        object.insert("labels".to_string(), json!(resource.labels));
    }
    // Compose v2.40 prints an empty IPAM block for every network, external ones too.
    if is_network {
        object.entry("ipam").or_insert_with(|| json!({}));
    }
    Json::Object(object)
}
