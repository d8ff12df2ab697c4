//! Settings that give a container power over its host, listed before a deploy with the reason
//! each one matters. None of them is wrong in itself (a reverse proxy may need the Docker
//! socket, a DNS server the host network), so they are reported, never rejected.

use serde::Serialize;

use crate::model::{Project, Service};

/// One risky setting of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub service: String,
    pub kind: RiskKind,
    /// The setting as it reads, such as `/var/run/docker.sock:/var/run/docker.sock`.
    pub value: String,
}

/// The kind of risk, from which the UI translates the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RiskKind {
    /// `privileged: true`: every device and capability of the host.
    Privileged,
    /// `network_mode: host`: the container's ports are the host's, with no isolation.
    HostNetwork,
    /// `pid: host`: the container can list and signal every process of the host.
    HostPid,
    /// The Docker socket mounted: control of the engine is control of the host.
    DockerSocket,
    /// The host's root folder mounted: every file of the host.
    RootBind,
    /// `cap_add: ALL` or `SYS_ADMIN`: nearly everything `privileged` allows.
    BroadCapability,
}

impl RiskKind {
    /// Returns the English reason, for the CLI and logs.
    pub fn reason(self) -> &'static str {
        match self {
            RiskKind::Privileged => "privileged containers get every device and capability of the host",
            RiskKind::HostNetwork => "the host network gives the container the host's ports, without isolation",
            RiskKind::HostPid => "the host PID namespace lets the container see and signal every host process",
            RiskKind::DockerSocket => "whoever controls the Docker socket controls the host",
            RiskKind::RootBind => "mounting / exposes every file of the host",
            RiskKind::BroadCapability => "this capability allows nearly everything privileged mode does",
        }
    }
}

const DOCKER_SOCKETS: [&str; 3] = ["/var/run/docker.sock", "/run/docker.sock", "/var/run/docker"];

impl Project {
    /// Lists the risky settings of the services active with `profiles`, in service order.
    pub fn risks(&self, profiles: &[&str]) -> Vec<Risk> {
        self.services
            .values()
            .filter(|service| service.is_active(profiles))
            .flat_map(service_risks)
            .collect()
    }
}

fn service_risks(service: &Service) -> Vec<Risk> {
    let mut risks = Vec::new();
    let mut add = |kind: RiskKind, value: String| {
        risks.push(Risk {
            service: service.name.clone(),
            kind,
            value,
        })
    };
    let other = |key: &str| service.other.get(key);

    if other("privileged").and_then(serde_json::Value::as_bool) == Some(true) {
        add(RiskKind::Privileged, "privileged: true".into());
    }
    if other("network_mode").and_then(serde_json::Value::as_str) == Some("host") {
        add(RiskKind::HostNetwork, "network_mode: host".into());
    }
    if other("pid").and_then(serde_json::Value::as_str) == Some("host") {
        add(RiskKind::HostPid, "pid: host".into());
    }
    for capability in other("cap_add")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
    {
        let bare = capability.trim_start_matches("CAP_");
        if bare.eq_ignore_ascii_case("ALL") || bare.eq_ignore_ascii_case("SYS_ADMIN") {
            add(RiskKind::BroadCapability, format!("cap_add: {capability}"));
        }
    }
    for mount in service.volumes.iter().filter(|mount| mount.kind == "bind") {
        let Some(source) = mount.source.as_deref() else {
            continue;
        };
        let value = format!("{source}:{}", mount.target);
        if DOCKER_SOCKETS.iter().any(|socket| source == *socket) || source.ends_with("/docker.sock") {
            add(RiskKind::DockerSocket, value);
        } else if source == "/" {
            add(RiskKind::RootBind, value);
        }
    }
    risks
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::{ComposeFile, Environment};

    fn project(text: &str) -> Project {
        ComposeFile::load_strs(
            &[(PathBuf::from("/stack/compose.yaml"), text.to_string())],
            &Environment::default(),
        )
        .expect("loads")
    }

    #[test]
    fn risky_settings_are_listed_with_their_service() {
        let project = project(
            "services:\n  proxy:\n    image: caddy\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock:ro\"]\n  dns:\n    image: adguard\n    network_mode: host\n    cap_add: [NET_ADMIN, SYS_ADMIN]\n  backup:\n    image: restic\n    privileged: true\n    pid: host\n    volumes: [\"/:/host:ro\", \"./data:/data\"]\n",
        );
        let risks: Vec<(String, RiskKind)> = project
            .risks(&[])
            .into_iter()
            .map(|risk| (risk.service, risk.kind))
            .collect();
        assert_eq!(
            risks,
            vec![
                ("backup".to_string(), RiskKind::Privileged),
                ("backup".to_string(), RiskKind::HostPid),
                ("backup".to_string(), RiskKind::RootBind),
                ("dns".to_string(), RiskKind::HostNetwork),
                ("dns".to_string(), RiskKind::BroadCapability),
                ("proxy".to_string(), RiskKind::DockerSocket),
            ]
        );
    }

    #[test]
    fn ordinary_service_has_no_risks() {
        let project = project("services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n    volumes: [\"./html:/usr/share/nginx/html:ro\"]\n");
        assert!(project.risks(&[]).is_empty());
    }

    #[test]
    fn inactive_profile_is_not_checked() {
        let project = project("services:\n  gpu:\n    image: x\n    privileged: true\n    profiles: [nvidia]\n");
        assert!(project.risks(&[]).is_empty());
        assert_eq!(project.risks(&["nvidia"]).len(), 1);
    }
}
