//! The visual stack builder's model. The Compose text is the only state: the canvas is a
//! [`BuilderView`] read from it, each canvas change is a [`BuilderEdit`] applied to it through
//! the lossless editor, and the Caddyfile is written from the routes it holds. So an edit on
//! either side (canvas or YAML editor) reaches the other by reading the text again.
//!
//! Routes live in the Compose file itself, as a service-level extension that Compose ignores:
//!
//! ```yaml
//! services:
//!   jellyfin:
//!     x-homeport:
//!       route:
//!         hostname: jellyfin.home.arpa
//!         port: 8096
//! ```

pub mod edits;
pub mod fragment;
pub mod proxy;
pub mod view;

use std::path::PathBuf;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Severity};
use crate::edit::Document;
use crate::load::{ComposeFile, Environment};
use crate::risks::Risk;

pub use edits::{apply, BuilderEdit, BuilderError};
pub use fragment::insert_fragment;
pub use proxy::{caddyfile, ProxyKind, CADDYFILE};
pub use view::{read_view, BuilderView, EnvEntry, ProxyRoute, ProxyService, ServiceCard};

/// The file name the builder's Compose text is checked and deployed under.
pub const COMPOSE_FILE: &str = "compose.yaml";

/// The builder's reading of one version of the text.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// `None` when the text is not a YAML mapping, so the canvas keeps its last drawing.
    pub view: Option<BuilderView>,
    /// Every error and warning of the text, with line and column in `compose.yaml`.
    pub diagnostics: Diagnostics,
    pub risks: Vec<Risk>,
    /// The Caddyfile for the routes, when the stack's proxy is Caddy.
    pub caddyfile: Option<String>,
}

/// Reads `text` as the stack's `compose.yaml`, with `environment` (the stack's `.env`
/// values) for interpolation.
pub fn snapshot(text: &str, environment: &Environment) -> Snapshot {
    let document = Document::parse(text);
    let view = document.as_ref().ok().map(read_view);

    let files = [(PathBuf::from(COMPOSE_FILE), text.to_string())];
    let (mut diagnostics, risks) = match ComposeFile::load_strs(&files, environment) {
        Ok(project) => {
            let risks = project.risks(&[]);
            (Diagnostics(project.warnings), risks)
        }
        Err(diagnostics) => (diagnostics, Vec::new()),
    };
    if let (Ok(document), Some(view)) = (&document, &view) {
        check_routes(document, view, &mut diagnostics);
    }

    let caddyfile = view
        .as_ref()
        .filter(|view| view.proxy.as_ref().is_some_and(|proxy| proxy.kind == ProxyKind::Caddy))
        .map(|view| caddyfile(&view.routes));
    Snapshot {
        view,
        diagnostics,
        risks,
        caddyfile,
    }
}

/// Adds a warning for each route the proxy cannot serve as written.
fn check_routes(document: &Document, view: &BuilderView, diagnostics: &mut Diagnostics) {
    let proxy_networks = view
        .proxy
        .as_ref()
        .and_then(|proxy| view.services.iter().find(|card| card.name == proxy.service))
        .map(|card| card.networks.clone());
    for route in &view.routes {
        let node = document.node(&["services", route.service.as_str(), view::ROUTE_KEY, "route", "hostname"]);
        let (line, column) = node.map_or((0, 0), |node| (node.start.line, node.start.column));
        // A bad hostname or port would be written into the Caddyfile, so it is an error that
        // blocks the deploy; a route the proxy cannot reach is a warning.
        let mut report = |severity: Severity, message: String, value: &str, hint: &str| {
            diagnostics.push(Diagnostic {
                file: PathBuf::from(COMPOSE_FILE),
                line,
                column,
                severity,
                code: Code::InvalidRoute,
                message,
                value: value.to_string(),
                hint: hint.to_string(),
            });
        };
        if let Err(reason) = proxy::check_hostname(&route.hostname) {
            report(
                Severity::Error,
                format!("the route of '{}' has an invalid hostname: {reason}", route.service),
                &route.hostname,
                "use a DNS name such as app.home.arpa",
            );
        }
        if route.port.parse::<u16>().map_or(true, |port| port == 0) {
            report(
                Severity::Error,
                format!("the route of '{}' has an invalid port", route.service),
                &route.port,
                "set the container port the app listens on, 1 to 65535",
            );
        }
        match &proxy_networks {
            None => report(
                Severity::Warning,
                format!(
                    "the service '{}' has a route but the stack has no reverse proxy",
                    route.service
                ),
                &route.hostname,
                "add Caddy or Nginx Proxy Manager to the stack",
            ),
            Some(networks) => {
                let card = view.services.iter().find(|card| card.name == route.service);
                let shares = card.is_some_and(|card| card.networks.iter().any(|network| networks.contains(network)));
                if !shares {
                    report(
                        Severity::Warning,
                        format!("the proxy cannot reach '{}': they share no network", route.service),
                        &route.service,
                        "connect the service to a network the proxy is on",
                    );
                }
            }
        }
    }
}
