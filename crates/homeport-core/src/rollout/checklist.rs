//! The rollout checklist file, compiled into the binary.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::catalog::Localized;
use crate::error::{Error, Result};

const CHECKLIST_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/rollout/checklist.yaml"
));

/// The kind of evidence that ticks an item without the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detect {
    /// A host whose Docker engine responds or whose facts report a Docker version.
    ContainerRuntime,
    /// A Caddy, Nginx Proxy Manager or Traefik container on any host.
    ReverseProxy,
    /// A running Prometheus or Grafana container on any host.
    Monitoring,
    /// A Caddy or Nginx Proxy Manager container, both of which renew certificates.
    Certificates,
    /// An orchestrator saved from the wizard.
    OrchestratorChosen,
}

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub title: Localized,
    pub detail: Localized,
    /// `None` for items only the user can tick.
    #[serde(default)]
    pub detect: Option<Detect>,
}

/// One phase of the rollout.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: String,
    pub title: Localized,
    /// How long the phase usually takes, such as "1-2 weeks".
    pub duration: Localized,
    pub items: Vec<Item>,
}

/// The whole checklist, in rollout order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub phases: Vec<Phase>,
}

impl Checklist {
    /// Returns the checklist compiled into this build, parsed once per process.
    pub fn embedded() -> Result<&'static Checklist> {
        static CHECKLIST: OnceLock<std::result::Result<Checklist, String>> = OnceLock::new();
        CHECKLIST
            .get_or_init(|| Checklist::load(CHECKLIST_YAML).map_err(|err| err.to_string()))
            .as_ref()
            .map_err(|detail| Error::Internal(format!("the built-in rollout checklist is invalid: {detail}")))
    }

    /// Parses a checklist and checks that item ids are unique, since ticks are stored by id.
    pub fn load(yaml: &str) -> Result<Checklist> {
        let checklist: Checklist = serde_norway::from_str(yaml)
            .map_err(|err| Error::Internal(format!("cannot parse the rollout checklist: {err}")))?;
        let mut seen = std::collections::BTreeSet::new();
        for item in checklist.phases.iter().flat_map(|phase| &phase.items) {
            if !seen.insert(item.id.as_str()) {
                return Err(Error::Internal(format!("rollout item '{}' is listed twice", item.id)));
            }
        }
        Ok(checklist)
    }

    /// Tells whether an item with this id exists.
    pub fn contains(&self, item: &str) -> bool {
        self.phases
            .iter()
            .flat_map(|phase| &phase.items)
            .any(|found| found.id == item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_checklist_has_four_phases() {
        let checklist = Checklist::embedded().unwrap();
        let phases: Vec<&str> = checklist.phases.iter().map(|phase| phase.id.as_str()).collect();
        assert_eq!(phases, ["foundation", "core", "applications", "operations"]);
        for phase in &checklist.phases {
            assert_eq!(phase.items.len(), 5, "phase '{}'", phase.id);
        }
    }

    #[test]
    fn every_detection_is_used_once() {
        let checklist = Checklist::embedded().unwrap();
        let detections: Vec<Detect> = checklist
            .phases
            .iter()
            .flat_map(|phase| &phase.items)
            .filter_map(|item| item.detect)
            .collect();
        for detect in [
            Detect::ContainerRuntime,
            Detect::ReverseProxy,
            Detect::Monitoring,
            Detect::Certificates,
            Detect::OrchestratorChosen,
        ] {
            assert_eq!(
                detections.iter().filter(|found| **found == detect).count(),
                1,
                "{detect:?}"
            );
        }
    }

    #[test]
    fn duplicate_item_is_rejected() {
        let yaml = CHECKLIST_YAML.replacen("- id: performance", "- id: media", 1);
        assert_ne!(yaml, CHECKLIST_YAML, "the test edit must apply");
        let err = Checklist::load(&yaml).unwrap_err().to_string();
        assert!(err.contains("'media' is listed twice"), "got: {err}");
    }
}
