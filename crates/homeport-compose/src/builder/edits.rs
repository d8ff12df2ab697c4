//! The canvas's edits, each applied to the Compose text through the lossless [`Document`]
//! editor, so whatever the user wrote outside the edited lines stays as it was.

use crate::edit::{format_scalar, Document, EditError};
use crate::yaml::{Node, Style};

use super::proxy::{check_hostname, ProxyKind};
use super::view::{read_view, ROUTE_KEY};

/// One change made on the canvas.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum BuilderEdit {
    AddService {
        name: String,
        image: String,
    },
    RemoveService {
        name: String,
    },
    RenameService {
        name: String,
        new_name: String,
    },
    SetImage {
        service: String,
        image: String,
    },
    SetEnv {
        service: String,
        key: String,
        value: String,
    },
    RemoveEnv {
        service: String,
        key: String,
    },
    AddPort {
        service: String,
        spec: String,
    },
    RemovePort {
        service: String,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        index: usize,
    },
    AddVolume {
        service: String,
        spec: String,
    },
    RemoveVolume {
        service: String,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        index: usize,
    },
    AddNetwork {
        name: String,
    },
    Connect {
        service: String,
        network: String,
    },
    Disconnect {
        service: String,
        network: String,
    },
    /// Sets or clears (`None`) the CPU and memory limits.
    SetLimits {
        service: String,
        cpus: Option<String>,
        memory: Option<String>,
    },
    AddProxy {
        kind: ProxyKind,
    },
    SetRoute {
        service: String,
        hostname: String,
        port: String,
    },
    RemoveRoute {
        service: String,
    },
}

/// The reason an edit was not made; the text is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuilderError {
    #[error("{field} '{value}' is invalid: {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error(transparent)]
    Edit(#[from] EditError),
}

fn invalid(field: &'static str, value: &str, reason: impl Into<String>) -> BuilderError {
    BuilderError::Invalid {
        field,
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Applies `edit` to `document`. On an error the document is unchanged.
pub fn apply(document: &mut Document, edit: &BuilderEdit) -> Result<(), BuilderError> {
    let mut draft = document.clone();
    apply_to(&mut draft, edit)?;
    *document = draft;
    Ok(())
}

fn apply_to(document: &mut Document, edit: &BuilderEdit) -> Result<(), BuilderError> {
    match edit {
        BuilderEdit::AddService { name, image } => {
            check_service_name(document, name)?;
            check_not_blank("image", image)?;
            let lines = vec![format!("image: {}", format_scalar(image, Style::Plain))];
            document.insert_block(&["services"], name, lines)?;
        }
        BuilderEdit::RemoveService { name } => remove_service(document, name)?,
        BuilderEdit::RenameService { name, new_name } => rename_service(document, name, new_name)?,
        BuilderEdit::SetImage { service, image } => {
            check_not_blank("image", image)?;
            document.set_service_image(service, image)?;
        }
        BuilderEdit::SetEnv { service, key, value } => {
            check_variable_name(key)?;
            document.set_environment(service, key, value)?;
        }
        BuilderEdit::RemoveEnv { service, key } => remove_env(document, service, key)?,
        BuilderEdit::AddPort { service, spec } => {
            check_not_blank("port", spec)?;
            document.add_port(service, spec)?;
        }
        BuilderEdit::RemovePort { service, index } => {
            document.remove_list_item(&["services", service, "ports"], *index)?;
        }
        BuilderEdit::AddVolume { service, spec } => add_volume(document, service, spec)?,
        BuilderEdit::RemoveVolume { service, index } => {
            document.remove_list_item(&["services", service, "volumes"], *index)?;
        }
        BuilderEdit::AddNetwork { name } => {
            check_resource_name("network", name)?;
            ensure_top_level(document, "networks", name)?;
        }
        BuilderEdit::Connect { service, network } => connect(document, service, network)?,
        BuilderEdit::Disconnect { service, network } => disconnect(document, service, network)?,
        BuilderEdit::SetLimits { service, cpus, memory } => set_limits(document, service, cpus, memory)?,
        BuilderEdit::AddProxy { kind } => add_proxy(document, *kind)?,
        BuilderEdit::SetRoute {
            service,
            hostname,
            port,
        } => set_route(document, service, hostname, port)?,
        BuilderEdit::RemoveRoute { service } => {
            document.remove_path(&["services", service, ROUTE_KEY, "route"])?;
        }
    }
    Ok(())
}

fn check_not_blank(field: &'static str, value: &str) -> Result<(), BuilderError> {
    if value.trim().is_empty() {
        return Err(invalid(field, value, "it is empty"));
    }
    Ok(())
}

/// Compose accepts service names of lowercase letters, digits, `_`, `-` and `.`, starting
/// with a letter or digit.
fn check_resource_name(field: &'static str, name: &str) -> Result<(), BuilderError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
    if !first_ok || !rest_ok {
        return Err(invalid(
            field,
            name,
            "use lowercase letters, digits, '_', '-' and '.', starting with a letter or digit",
        ));
    }
    Ok(())
}

fn check_service_name(document: &Document, name: &str) -> Result<(), BuilderError> {
    check_resource_name("service", name)?;
    if document.node(&["services", name]).is_some() {
        return Err(invalid(
            "service",
            name,
            "a service with this name exists; choose another name",
        ));
    }
    Ok(())
}

fn check_variable_name(key: &str) -> Result<(), BuilderError> {
    let valid = !key.is_empty() && !key.contains('=') && !key.chars().any(char::is_whitespace);
    if !valid {
        return Err(invalid("variable", key, "a name without spaces or '='"));
    }
    Ok(())
}

/// Removes a service and the references other services make to it (`depends_on`, `links`,
/// `volumes_from` and `network_mode: service:<name>`), so the rest stays valid.
fn remove_service(document: &mut Document, name: &str) -> Result<(), BuilderError> {
    document.remove_service(name)?;
    for other in service_names(document) {
        let path = ["services", other.as_str(), "depends_on"];
        if let Some(depends_on) = document.node(&path) {
            if depends_on.get(name).is_some() {
                document.remove_path(&["services", other.as_str(), "depends_on", name])?;
            } else if let Some(index) = item_index(depends_on, name) {
                document.remove_list_item(&path, index)?;
            }
        }
        for key in ["links", "volumes_from"] {
            let path = ["services", other.as_str(), key];
            // Removing shifts the later items, so each pass removes one and looks again.
            for _ in 0..100 {
                let Some(index) = document.node(&path).and_then(|list| reference_index(list, name)) else {
                    break;
                };
                document.remove_list_item(&path, index)?;
            }
        }
        let mode = ["services", other.as_str(), "network_mode"];
        if document.node(&mode).and_then(Node::scalar_text) == Some(&format!("service:{name}")) {
            document.remove_path(&mode)?;
        }
    }
    Ok(())
}

/// Returns the index of the first item of `list` that names `service`, alone or before a
/// `:` (`db`, `db:database`, `db:ro`).
fn reference_index(list: &Node, service: &str) -> Option<usize> {
    list.as_sequence()?.iter().position(|item| {
        item.scalar_text()
            .is_some_and(|text| text.split(':').next() == Some(service))
    })
}

/// Renames a service and the references other services make to it: `depends_on`,
/// `network_mode: service:<name>` and `volumes_from`.
fn rename_service(document: &mut Document, name: &str, new_name: &str) -> Result<(), BuilderError> {
    check_service_name(document, new_name)?;
    document.rename_key(&["services", name], new_name)?;
    for other in service_names(document) {
        let service = ["services", other.as_str()];
        if let Some(depends_on) = document.node(&[service.as_slice(), &["depends_on"]].concat()) {
            if depends_on.get(name).is_some() {
                document.rename_key(&["services", other.as_str(), "depends_on", name], new_name)?;
            } else if let Some(index) = item_index(depends_on, name) {
                let item = depends_on.as_sequence().unwrap_or_default()[index].clone();
                document.replace_node_scalar(&item, new_name)?;
            }
        }
        let mode = document.node(&["services", other.as_str(), "network_mode"]).cloned();
        if mode.as_ref().and_then(Node::scalar_text) == Some(&format!("service:{name}")) {
            document.set_path(
                &["services", other.as_str(), "network_mode"],
                &format!("service:{new_name}"),
            )?;
        }
        for key in ["volumes_from", "links"] {
            let path = ["services", other.as_str(), key];
            // Each replace parses the text again, so items are looked up anew every pass.
            for _ in 0..100 {
                let Some(index) = document.node(&path).and_then(|list| reference_index(list, name)) else {
                    break;
                };
                let item = document
                    .node(&path)
                    .and_then(Node::as_sequence)
                    .and_then(|items| items.get(index))
                    .cloned();
                let Some(item) = item else { break };
                let text = item.scalar_text().unwrap_or_default();
                let renamed = match text.split_once(':') {
                    Some((_, rest)) => format!("{new_name}:{rest}"),
                    None => new_name.to_string(),
                };
                document.replace_node_scalar(&item, &renamed)?;
            }
        }
        let extends = ["services", other.as_str(), "extends", "service"];
        let extends_file = document
            .node(&["services", other.as_str(), "extends", "file"])
            .is_some();
        if !extends_file && document.node(&extends).and_then(Node::scalar_text) == Some(name) {
            document.set_path(&extends, new_name)?;
        }
    }
    Ok(())
}

fn remove_env(document: &mut Document, service: &str, key: &str) -> Result<(), BuilderError> {
    let path = ["services", service, "environment"];
    let environment = document.node(&path).ok_or_else(|| not_found(&path, key))?;
    if environment.get(key).is_some() {
        document.remove_path(&["services", service, "environment", key])?;
        return Ok(());
    }
    let prefix = format!("{key}=");
    let index = environment
        .as_sequence()
        .unwrap_or_default()
        .iter()
        .position(|item| {
            item.scalar_text()
                .is_some_and(|text| text == key || text.starts_with(&prefix))
        })
        .ok_or_else(|| not_found(&path, key))?;
    document.remove_list_item(&path, index)?;
    Ok(())
}

/// Adds a volume entry; a named volume (`data:/path`) is also declared at the top level.
fn add_volume(document: &mut Document, service: &str, spec: &str) -> Result<(), BuilderError> {
    let Some((source, rest)) = spec.split_once(':') else {
        return Err(invalid(
            "volume",
            spec,
            "write SOURCE:TARGET, such as ./data:/data or media:/media",
        ));
    };
    if rest.is_empty() || !rest.starts_with('/') {
        return Err(invalid(
            "volume",
            spec,
            "the target is an absolute path inside the container",
        ));
    }
    document.append_to_list(&["services", service, "volumes"], &format_scalar(spec, Style::Plain))?;
    let is_named = !source.is_empty() && !source.starts_with(['.', '/', '~', '$']);
    if is_named {
        ensure_top_level(document, "volumes", source)?;
    }
    Ok(())
}

/// Declares `name` under the top-level `section` unless it is there already.
fn ensure_top_level(document: &mut Document, section: &str, name: &str) -> Result<(), BuilderError> {
    if document.node(&[section, name]).is_some() {
        return Ok(());
    }
    match document.node(&[section]) {
        Some(node) if node.as_mapping().is_some() => document.insert_empty_mapping(&[section], name)?,
        _ => document.insert_block(&[], section, vec![format!("{name}: {{}}")])?,
    }
    Ok(())
}

fn connect(document: &mut Document, service: &str, network: &str) -> Result<(), BuilderError> {
    if network != "default" {
        ensure_top_level(document, "networks", network)?;
    }
    let path = ["services", service, "networks"];
    match document.node(&path) {
        Some(node) if node.get(network).is_some() || item_index(node, network).is_some() => {}
        Some(node) if node.as_mapping().is_some() => {
            document.insert_empty_mapping(&path, network)?;
        }
        Some(_) => document.append_to_list(&path, &format_scalar(network, Style::Plain))?,
        None => {
            if document.node(&["services", service]).is_none() {
                return Err(not_found(&["services"], service));
            }
            // A service without `networks` is on `default`; naming a network would take it
            // off `default`, so `default` is written too.
            document.append_to_list(&path, "default")?;
            if network != "default" {
                document.append_to_list(&path, &format_scalar(network, Style::Plain))?;
            }
        }
    }
    Ok(())
}

fn disconnect(document: &mut Document, service: &str, network: &str) -> Result<(), BuilderError> {
    let path = ["services", service, "networks"];
    let Some(node) = document.node(&path) else {
        if network == "default" {
            return Err(invalid(
                "network",
                network,
                "a service without networks is on 'default'; connect it to another network first",
            ));
        }
        return Err(not_found(&path, network));
    };
    if node.get(network).is_some() {
        document.remove_path(&["services", service, "networks", network])?;
    } else if let Some(index) = item_index(node, network) {
        document.remove_list_item(&path, index)?;
    } else {
        return Err(not_found(&path, network));
    }
    Ok(())
}

/// Writes the limits where the file keeps them: `cpus`/`mem_limit` when the service uses
/// those keys, otherwise `deploy.resources.limits`.
fn set_limits(
    document: &mut Document,
    service: &str,
    cpus: &Option<String>,
    memory: &Option<String>,
) -> Result<(), BuilderError> {
    if let Some(cpus) = cpus {
        let valid = cpus.parse::<f64>().is_ok_and(|value| value > 0.0);
        if !valid {
            return Err(invalid("cpus", cpus, "a number of CPUs above 0, such as 0.5 or 2"));
        }
    }
    if let Some(memory) = memory {
        if crate::model::units::parse_bytes(memory).is_none() {
            return Err(invalid("memory", memory, "a size such as 512m or 2g"));
        }
    }
    set_limit(document, service, "cpus", "cpus", cpus)?;
    set_limit(document, service, "mem_limit", "memory", memory)
}

fn set_limit(
    document: &mut Document,
    service: &str,
    legacy_key: &str,
    deploy_key: &str,
    value: &Option<String>,
) -> Result<(), BuilderError> {
    let legacy = ["services", service, legacy_key];
    let deploy = ["services", service, "deploy", "resources", "limits", deploy_key];
    let path: &[&str] = if document.node(&legacy).is_some() {
        &legacy
    } else {
        &deploy
    };
    match value {
        Some(value) => document.set_path(path, value)?,
        None if document.node(path).is_some() => document.remove_path(path)?,
        None => {}
    }
    Ok(())
}

fn add_proxy(document: &mut Document, kind: ProxyKind) -> Result<(), BuilderError> {
    if let Some(existing) = read_view(document).proxy {
        return Err(invalid(
            "proxy",
            &existing.service,
            "the stack already has a reverse proxy; route services through it",
        ));
    }
    let (lines, volumes) = kind.service_lines();
    document.insert_block(&["services"], kind.service_name(), lines)?;
    for volume in volumes {
        ensure_top_level(document, "volumes", volume)?;
    }
    Ok(())
}

/// Routes `hostname` to the service's `port` through the stack's proxy, and connects the
/// service to a network the proxy is on when they share none.
fn set_route(document: &mut Document, service: &str, hostname: &str, port: &str) -> Result<(), BuilderError> {
    check_hostname(hostname).map_err(|reason| invalid("hostname", hostname, reason))?;
    let port_ok = port.parse::<u16>().is_ok_and(|port| port > 0);
    if !port_ok {
        return Err(invalid(
            "port",
            port,
            "the container port the app listens on, 1 to 65535",
        ));
    }
    let view = read_view(document);
    let Some(proxy) = view.proxy else {
        return Err(invalid(
            "proxy",
            "",
            "add a reverse proxy (Caddy or Nginx Proxy Manager) first",
        ));
    };
    let card = view
        .services
        .iter()
        .find(|card| card.name == service)
        .ok_or_else(|| not_found(&["services"], service))?;
    if let Some(taken) = view
        .routes
        .iter()
        .find(|route| route.hostname.eq_ignore_ascii_case(hostname) && route.service != service)
    {
        return Err(invalid(
            "hostname",
            hostname,
            format!("the service '{}' uses it already", taken.service),
        ));
    }

    let proxy_networks = view
        .services
        .iter()
        .find(|candidate| candidate.name == proxy.service)
        .map(|proxy| proxy.networks.clone())
        .unwrap_or_default();
    let shares_network = card.networks.iter().any(|network| proxy_networks.contains(network));
    if !shares_network {
        if let Some(network) = proxy_networks.first() {
            connect(document, service, network)?;
        }
    }

    document.set_path(&["services", service, ROUTE_KEY, "route", "hostname"], hostname)?;
    document.set_path(&["services", service, ROUTE_KEY, "route", "port"], port)?;
    Ok(())
}

fn service_names(document: &Document) -> Vec<String> {
    document
        .node(&["services"])
        .and_then(Node::as_mapping)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| entry.key.scalar_text().map(str::to_string))
        .collect()
}

fn item_index(list: &Node, text: &str) -> Option<usize> {
    list.as_sequence()?
        .iter()
        .position(|item| item.scalar_text() == Some(text))
}

fn not_found(path: &[&str], key: &str) -> BuilderError {
    BuilderError::Edit(EditError::NotFound {
        path: format!("{}.{key}", path.join(".")),
    })
}
