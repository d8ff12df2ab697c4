//! Image updates of a deployed stack: whether the registry has a newer image for each service
//! than the one its container runs, and replacing only the containers whose image changed.
//!
//! [`check`] gets the registry's digest of each service's image reference from the engine
//! (`GET /distribution/{name}/json`). The engine sends that request from the host, through the
//! host's network, so Homeport itself contacts no registry. The digest is compared with the
//! `RepoDigests` of the image the service's container runs.
//!
//! [`update`] runs the deploy's stages that apply (validate, pull, create, start, wait healthy)
//! with the same events. It pulls the images that changed and replaces each affected container
//! with one made from the old container's own configuration and the new image, so it needs no
//! Compose files and works for projects made with `docker compose` too. A failure or a cancel
//! removes the new containers and puts the old ones back, as a failed deploy does.

mod check;
mod recreate;
mod reference;
mod run;

pub use check::check;
pub use reference::ImageReference;
pub use run::{update, UpdateRequest};

use std::time::Duration;

use super::deploy::StageRecord;

/// How long the engine may take to return one registry digest before the check reports a
/// registry error for that image.
pub const REGISTRY_TIMEOUT: Duration = Duration::from_secs(30);

/// The outcome of comparing one service's image with the registry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum UpdateStatus {
    /// The registry's digest is one of the image's `RepoDigests`.
    UpToDate,
    /// The registry has another digest for the reference: pulling it gives a newer image.
    UpdateAvailable,
    /// The image the container runs has no `RepoDigests` entry for the reference's repository:
    /// it was built, imported or tagged on the host, so there is no registry digest to compare.
    /// The registry is not asked.
    LocalOnly,
    /// The reference names a digest (`image@sha256:…`), so it always resolves to that image.
    Pinned,
    /// The engine could not get the registry's digest. `message` is what it reported.
    RegistryError { message: String },
}

/// One service's image compared with the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageCheck {
    pub service: String,
    /// The image reference the service's container was created with.
    pub image: String,
    /// The digest, in the reference's repository, of the image the container runs.
    pub local_digest: Option<String>,
    /// The digest the registry returns for the reference now.
    pub remote_digest: Option<String>,
    pub status: UpdateStatus,
}

/// The outcome of an update that finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateReport {
    /// The check of every service the update considered, made at its start.
    pub checks: Vec<ImageCheck>,
    pub stages: Vec<StageRecord>,
    /// Services whose containers were replaced with the new image.
    pub updated: Vec<String>,
    /// Services considered but left as they were, with the reason in `checks` and the stage
    /// lines.
    pub unchanged: Vec<String>,
    pub elapsed: Duration,
}
