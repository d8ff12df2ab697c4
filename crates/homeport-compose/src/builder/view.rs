//! The builder canvas's view of a stack, read from the Compose text as written: values keep their
//! `${VAR}` references, so the canvas and the YAML editor show the same thing.

use crate::edit::Document;
use crate::yaml::Node;

use super::proxy::{is_lan_name, ProxyKind};

/// The extension key under a service that contains its reverse-proxy route.
pub const ROUTE_KEY: &str = "x-homeport";

/// One stack as the canvas draws it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BuilderView {
    pub services: Vec<ServiceCard>,
    /// Top-level networks, plus `default` when any service uses the default network.
    pub networks: Vec<String>,
    /// Top-level named volumes.
    pub volumes: Vec<String>,
    /// The first service that runs a reverse proxy the builder supports.
    pub proxy: Option<ProxyService>,
    pub routes: Vec<ProxyRoute>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProxyService {
    pub service: String,
    pub kind: ProxyKind,
}

/// One service on the canvas.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ServiceCard {
    pub name: String,
    pub image: Option<String>,
    /// Each `ports` item: short syntax as written, or a summary of a long-form entry.
    pub ports: Vec<String>,
    /// Each `volumes` item, summarised the same way.
    pub volumes: Vec<String>,
    pub environment: Vec<EnvEntry>,
    /// The networks the service joins; `default` when it names none.
    pub networks: Vec<String>,
    pub depends_on: Vec<String>,
    /// `deploy.resources.limits.cpus`, or the older `cpus`.
    pub cpus: Option<String>,
    /// `deploy.resources.limits.memory`, or the older `mem_limit`.
    pub memory: Option<String>,
    pub route: Option<ProxyRoute>,
    /// Set when the service is the stack's reverse proxy.
    pub proxy: Option<ProxyKind>,
    /// The 1-based line of the service's key, so the editor can jump there.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EnvEntry {
    pub key: String,
    /// `None` for a list entry without `=`, which passes the variable through from the host.
    pub value: Option<String>,
}

/// A hostname the proxy serves and the service port it forwards to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProxyRoute {
    pub service: String,
    pub hostname: String,
    pub port: String,
    /// True when the hostname is a LAN name, so Caddy issues its own certificate
    /// (`tls internal`) instead of asking a public certificate authority.
    pub internal_tls: bool,
}

/// Reads the stack from a parsed document. Entries written in unexpected shapes are skipped,
/// since the validation report already names them.
pub fn read_view(document: &Document) -> BuilderView {
    let mut view = BuilderView {
        networks: keys(document.node(&["networks"])),
        volumes: keys(document.node(&["volumes"])),
        ..BuilderView::default()
    };
    let services = document
        .node(&["services"])
        .and_then(Node::as_mapping)
        .unwrap_or_default();
    for entry in services {
        let Some(name) = entry.key.scalar_text() else {
            continue;
        };
        let card = read_service(name, &entry.value, entry.key.start.line);
        if view.proxy.is_none() {
            if let Some(kind) = card.proxy {
                view.proxy = Some(ProxyService {
                    service: name.to_string(),
                    kind,
                });
            }
        }
        if card.networks.iter().any(|network| network == "default") && !view.networks.iter().any(|n| n == "default") {
            view.networks.insert(0, "default".to_string());
        }
        view.routes.extend(card.route.clone());
        view.services.push(card);
    }
    view
}

fn read_service(name: &str, service: &Node, line: usize) -> ServiceCard {
    let image = scalar(service.get("image"));
    let limits = service
        .get("deploy")
        .and_then(|deploy| deploy.get("resources"))
        .and_then(|resources| resources.get("limits"));
    let networks = match service.get("networks") {
        Some(node) if node.as_mapping().is_some() => keys(Some(node)),
        Some(node) if node.as_sequence().is_some() => items(Some(node)),
        _ if service.get("network_mode").is_some() => Vec::new(),
        _ => vec!["default".to_string()],
    };
    let route = service
        .get(ROUTE_KEY)
        .and_then(|extension| extension.get("route"))
        .and_then(|route| {
            let hostname = scalar(route.get("hostname"))?;
            Some(ProxyRoute {
                service: name.to_string(),
                internal_tls: is_lan_name(&hostname),
                hostname,
                port: scalar(route.get("port")).unwrap_or_else(|| "80".to_string()),
            })
        });
    let depends_on = match service.get("depends_on") {
        Some(node) if node.as_mapping().is_some() => keys(Some(node)),
        other => items(other),
    };

    ServiceCard {
        name: name.to_string(),
        proxy: image.as_deref().and_then(ProxyKind::from_image),
        image,
        ports: summaries(service.get("ports"), &["published", "target", "protocol"]),
        volumes: summaries(service.get("volumes"), &["source", "target"]),
        environment: environment(service.get("environment")),
        networks,
        depends_on,
        cpus: scalar(limits.and_then(|limits| limits.get("cpus"))).or_else(|| scalar(service.get("cpus"))),
        memory: scalar(limits.and_then(|limits| limits.get("memory"))).or_else(|| scalar(service.get("mem_limit"))),
        route,
        line,
    }
}

fn scalar(node: Option<&Node>) -> Option<String> {
    let node = node?;
    if node.is_null() {
        return None;
    }
    node.scalar_text().map(str::to_string)
}

fn keys(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_mapping)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| entry.key.scalar_text().map(str::to_string))
        .collect()
}

fn items(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| item.scalar_text().map(str::to_string))
        .collect()
}

/// Returns each list item as written, or for a long-form mapping its `fields` joined by `:`.
fn summaries(node: Option<&Node>, fields: &[&str]) -> Vec<String> {
    node.and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .map(|item| match item.scalar_text() {
            Some(text) => text.to_string(),
            None => fields
                .iter()
                .filter_map(|field| scalar(item.get(field)))
                .collect::<Vec<_>>()
                .join(":"),
        })
        .collect()
}

fn environment(node: Option<&Node>) -> Vec<EnvEntry> {
    let Some(node) = node else {
        return Vec::new();
    };
    if let Some(entries) = node.as_mapping() {
        return entries
            .iter()
            .filter_map(|entry| {
                Some(EnvEntry {
                    key: entry.key.scalar_text()?.to_string(),
                    value: Some(scalar(Some(&entry.value)).unwrap_or_default()),
                })
            })
            .collect();
    }
    items(Some(node))
        .into_iter()
        .map(|item| match item.split_once('=') {
            Some((key, value)) => EnvEntry {
                key: key.to_string(),
                value: Some(value.to_string()),
            },
            None => EnvEntry { key: item, value: None },
        })
        .collect()
}
