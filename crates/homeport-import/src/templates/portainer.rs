//! Portainer App Templates, the JSON files Portainer's "App Templates" setting points at.
//!
//! Three layouts exist, and all are read:
//!
//! - version 1 (Portainer 1.x): a bare JSON list whose `type` is a string, `container` or
//!   `stack` (a Swarm stack);
//! - version 2: `{"version": "2", "templates": […]}` with `type` 1 (container), 2 (Swarm
//!   stack) or 3 (Compose stack), as Portainer's documentation of the format describes it;
//! - version 3: the same with an integer `id` on each template.
//!
//! Each `env` entry becomes a parameter: a dropdown when it has `select`, hidden when it is
//! `preset: true`, else text. A container template becomes one Compose service that refers to
//! each parameter as `${NAME}`. Stack templates keep their repository reference; nothing is
//! fetched.

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::{
    is_variable_name, make_ids_unique, sanitize_note, slug, AppTemplate, Deployment, LocalizedText, Orchestrator,
    ParameterKind, SelectOption, TemplateError, TemplateParameter, TemplateSource,
};
use crate::docker_run::service_entry_yaml;
use crate::docker_run::yaml::{to_yaml, Node};

/// Network modes that are not user-defined networks.
const NETWORK_MODES: &[&str] = &["host", "none", "bridge"];

/// Reads a Portainer template file of any version. `origin` is the URL or path it came from,
/// kept in each template's [`TemplateSource`].
///
/// Fails with the JSON line, column and field for syntax and type errors, and with the
/// template's position and title for a template that cannot be deployed as written (a
/// container without `image`, a stack without `repository`).
pub fn parse(json: &str, origin: &str) -> Result<Vec<AppTemplate>, TemplateError> {
    let raw_templates = if json.trim_start().starts_with('[') {
        deserialize::<Vec<RawTemplate>>(json)?
    } else {
        let document = deserialize::<RawDocument>(json)?;
        let version = document.version.text();
        if !["2", "3"].contains(&version.as_str()) {
            return Err(TemplateError::UnsupportedVersion { version });
        }
        document.templates
    };

    let mut templates = Vec::with_capacity(raw_templates.len());
    for (index, raw) in raw_templates.into_iter().enumerate() {
        templates.push(convert_template(index, raw, origin)?);
    }
    make_ids_unique(&mut templates);
    Ok(templates)
}

/// One template of a file with its JSON text, so a caller can keep the text and read the
/// template again with [`parse_entry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEntry {
    pub template: AppTemplate,
    /// The template's JSON object, printed compactly by serde_json.
    pub json: String,
}

/// Reads a Portainer template file as [`parse`] does, and returns each template with its own
/// JSON text.
pub fn parse_entries(json: &str, origin: &str) -> Result<Vec<ParsedEntry>, TemplateError> {
    let templates = parse(json, origin)?;
    let document: serde_json::Value =
        serde_json::from_str(json).map_err(|error| TemplateError::from_json_at(String::new(), error))?;
    let entries = match document {
        serde_json::Value::Array(entries) => entries,
        serde_json::Value::Object(mut fields) => match fields.remove("templates") {
            Some(serde_json::Value::Array(entries)) => entries,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    // `parse` succeeded, so the document has one entry per template.
    Ok(templates
        .into_iter()
        .zip(entries)
        .map(|(template, entry)| ParsedEntry {
            template,
            json: entry.to_string(),
        })
        .collect())
}

/// Reads one template from the JSON text [`parse_entries`] returned. Its id comes from the
/// text alone (the Portainer id, else the name or title), so a caller that made ids unique
/// across a file keeps its own id.
pub fn parse_entry(json: &str, origin: &str) -> Result<AppTemplate, TemplateError> {
    let raw = deserialize::<RawTemplate>(json)?;
    convert_template(0, raw, origin)
}

fn deserialize<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T, TemplateError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(TemplateError::from_json)?;
    deserializer
        .end()
        .map_err(|error| TemplateError::from_json_at(String::new(), error))?;
    Ok(value)
}

#[derive(Deserialize)]
struct RawDocument {
    version: Scalar,
    templates: Vec<RawTemplate>,
}

#[derive(Deserialize)]
struct RawTemplate {
    #[serde(default)]
    id: Option<u64>,
    #[serde(rename = "type")]
    kind: TemplateKind,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    logo: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    registry: Option<String>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    env: Vec<RawEnv>,
    #[serde(default)]
    ports: Vec<String>,
    #[serde(default)]
    volumes: Vec<RawVolume>,
    #[serde(default)]
    labels: Vec<RawLabel>,
    #[serde(default)]
    restart_policy: Option<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    privileged: bool,
    #[serde(default)]
    interactive: bool,
    #[serde(default)]
    repository: Option<RawRepository>,
}

#[derive(Deserialize)]
struct RawEnv {
    name: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    default: Option<Scalar>,
    #[serde(default)]
    preset: bool,
    #[serde(default)]
    select: Vec<RawSelect>,
}

#[derive(Deserialize)]
struct RawSelect {
    text: String,
    value: Scalar,
    #[serde(default)]
    default: bool,
}

/// A volume: an object in versions 2 and 3, and a bare container path in some version 1 files.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawVolume {
    Path(String),
    Mount {
        container: String,
        #[serde(default)]
        bind: Option<String>,
        #[serde(default)]
        readonly: bool,
    },
}

#[derive(Deserialize)]
struct RawLabel {
    name: String,
    value: Scalar,
}

#[derive(Deserialize)]
struct RawRepository {
    url: String,
    stackfile: String,
}

/// A JSON string, number or boolean read as text, because template authors write
/// `"default": 8080` as often as `"default": "8080"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Number(number) => number.to_string(),
            Scalar::Bool(value) => value.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TemplateKind {
    Container,
    SwarmStack,
    ComposeStack,
}

impl<'de> Deserialize<'de> for TemplateKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const EXPECTED: &str = "1 or \"container\", 2 or \"stack\" (Swarm stack), 3 or \"compose\" (Compose stack)";
        let kind = match Scalar::deserialize(deserializer)? {
            Scalar::Number(number) => match number.as_u64() {
                Some(1) => TemplateKind::Container,
                Some(2) => TemplateKind::SwarmStack,
                Some(3) => TemplateKind::ComposeStack,
                _ => {
                    return Err(de::Error::custom(format!(
                        "unknown template type {number}, expected {EXPECTED}"
                    )))
                }
            },
            Scalar::Text(text) => match text.as_str() {
                "container" | "1" => TemplateKind::Container,
                "stack" | "swarm" | "2" => TemplateKind::SwarmStack,
                "compose" | "3" => TemplateKind::ComposeStack,
                _ => {
                    return Err(de::Error::custom(format!(
                        "unknown template type \"{text}\", expected {EXPECTED}"
                    )))
                }
            },
            Scalar::Bool(_) => {
                return Err(de::Error::custom(format!(
                    "template type is a boolean, expected {EXPECTED}"
                )))
            }
        };
        Ok(kind)
    }
}

fn convert_template(index: usize, raw: RawTemplate, origin: &str) -> Result<AppTemplate, TemplateError> {
    let invalid = |field: &str, problem: &str, hint: &str| TemplateError::InvalidTemplate {
        index,
        title: raw.title.clone(),
        field: field.to_string(),
        problem: problem.to_string(),
        hint: hint.to_string(),
    };

    for (position, env) in raw.env.iter().enumerate() {
        if !is_variable_name(&env.name) {
            return Err(invalid(
                &format!("env[{position}].name"),
                &format!("'{}' is not a variable name", env.name),
                "Use letters, digits and '_', starting with a letter or '_', such as DB_PASSWORD",
            ));
        }
    }
    let parameters = raw.env.iter().map(parameter_from_env).collect();
    let deployment = match raw.kind {
        TemplateKind::Container => {
            let image = match raw.image.as_deref().map(str::trim) {
                Some(image) if !image.is_empty() => image,
                _ => {
                    return Err(invalid(
                        "image",
                        "a container template needs an image",
                        "Add \"image\": \"name:tag\" to the template",
                    ))
                }
            };
            container_deployment(&raw, image)
        }
        TemplateKind::SwarmStack | TemplateKind::ComposeStack => {
            let Some(repository) = &raw.repository else {
                return Err(invalid(
                    "repository",
                    "a stack template needs a repository",
                    "Add \"repository\": {\"url\": \"https://…\", \"stackfile\": \"path/to/compose.yml\"}",
                ));
            };
            Deployment::Repository {
                orchestrator: if raw.kind == TemplateKind::SwarmStack {
                    Orchestrator::Swarm
                } else {
                    Orchestrator::Compose
                },
                url: repository.url.clone(),
                stack_file: repository.stackfile.clone(),
            }
        }
    };

    let id = match raw.id {
        Some(id) => id.to_string(),
        None => slug(raw.name.as_deref().unwrap_or(&raw.title)),
    };
    Ok(AppTemplate {
        id,
        source: TemplateSource::Portainer {
            origin: origin.to_string(),
        },
        title: LocalizedText::plain(raw.title.clone()),
        description: LocalizedText::plain(raw.description.clone()),
        tagline: LocalizedText::default(),
        categories: raw.categories.clone(),
        logo_url: raw.logo.clone().filter(|logo| !logo.trim().is_empty()),
        parameters,
        note: raw
            .note
            .as_deref()
            .filter(|note| !note.trim().is_empty())
            .map(sanitize_note),
        web_ui: None,
        described_ports: Vec::new(),
        described_volumes: Vec::new(),
        deployment,
    })
}

fn parameter_from_env(env: &RawEnv) -> TemplateParameter {
    let options: Vec<SelectOption> = env
        .select
        .iter()
        .map(|option| SelectOption {
            label: option.text.clone(),
            value: option.value.text(),
        })
        .collect();
    let selected = env
        .select
        .iter()
        .find(|option| option.default)
        .map(|option| option.value.text());

    let kind = if env.preset {
        ParameterKind::Hidden
    } else if !options.is_empty() {
        ParameterKind::Select { options }
    } else {
        ParameterKind::Text
    };
    TemplateParameter {
        name: env.name.clone(),
        label: LocalizedText::plain(env.label.clone().unwrap_or_else(|| env.name.clone())),
        description: LocalizedText::plain(env.description.clone().unwrap_or_default()),
        default: selected.or_else(|| env.default.as_ref().map(Scalar::text)),
        kind,
    }
}

/// Builds the Compose service Portainer would create from a container template.
fn container_deployment(raw: &RawTemplate, image: &str) -> Deployment {
    let service_name = slug(raw.name.as_deref().unwrap_or(&raw.title));
    let mut service = Node::map();
    let image = match raw.registry.as_deref().map(|registry| registry.trim_end_matches('/')) {
        Some(registry) if !registry.is_empty() => format!("{registry}/{image}"),
        _ => image.to_string(),
    };
    service.set("image", Node::str(escape_dollars(&image)));

    if let Some(command) = raw.command.as_deref().filter(|command| !command.trim().is_empty()) {
        // A string command is split into words by Compose, as Portainer splits it.
        service.set("command", Node::str(escape_dollars(command)));
    }
    if let Some(hostname) = &raw.hostname {
        service.set("hostname", Node::str(escape_dollars(hostname)));
    }
    if let Some(restart) = &raw.restart_policy {
        service.set("restart", Node::str(restart.clone()));
    }
    if raw.privileged {
        service.set("privileged", Node::Bool(true));
    }
    if raw.interactive {
        // Portainer's "interactive" is docker run -i -t.
        service.set("stdin_open", Node::Bool(true));
        service.set("tty", Node::Bool(true));
    }
    for env in &raw.env {
        service
            .entry("environment", Node::map())
            .set(&env.name, Node::str(format!("${{{}}}", env.name)));
    }
    for port in &raw.ports {
        service.push("ports", Node::str(port.clone()));
    }

    let mut named_volumes = Vec::new();
    for volume in &raw.volumes {
        let entry = match volume {
            RawVolume::Path(container) => container.clone(),
            RawVolume::Mount {
                container,
                bind: Some(bind),
                readonly,
            } if !bind.is_empty() => {
                if !bind.contains('/') && !named_volumes.contains(bind) {
                    named_volumes.push(bind.clone());
                }
                let mode = if *readonly { ":ro" } else { "" };
                format!("{bind}:{container}{mode}")
            }
            RawVolume::Mount { container, .. } => container.clone(),
        };
        service.push("volumes", Node::str(escape_dollars(&entry)));
    }
    for label in &raw.labels {
        service
            .entry("labels", Node::map())
            .set(&label.name, Node::str(escape_dollars(&label.value.text())));
    }

    let mut external_networks = Vec::new();
    if let Some(network) = raw.network.as_deref().filter(|network| !network.is_empty()) {
        if NETWORK_MODES.contains(&network) {
            service.set("network_mode", Node::str(network));
        } else {
            service.entry("networks", Node::map()).entry(network, Node::map());
            external_networks.push(network.to_string());
        }
    }

    let service_yaml = service_entry_yaml(&service_name, &service);
    let mut compose_file = String::from("services:\n");
    for line in service_yaml.lines() {
        compose_file.push_str("  ");
        compose_file.push_str(line);
        compose_file.push('\n');
    }
    if !named_volumes.is_empty() {
        let mut volumes = Node::map();
        for name in &named_volumes {
            volumes.entry(name, Node::map());
        }
        compose_file.push_str("volumes:\n");
        compose_file.push_str(&to_yaml(&volumes, 2));
    }
    if !external_networks.is_empty() {
        let mut networks = Node::map();
        for name in &external_networks {
            networks.entry(name, Node::map()).set("external", Node::Bool(true));
        }
        compose_file.push_str("networks:\n");
        compose_file.push_str(&to_yaml(&networks, 2));
    }

    Deployment::Container {
        service_name,
        service_yaml,
        compose_file,
    }
}

/// Escapes `$` so Compose keeps it literally, because Portainer does not interpolate
/// template values.
fn escape_dollars(text: &str) -> String {
    text.replace('$', "$$")
}
