//! Stacks: Compose projects on a host's engine.
//!
//! A stack is whatever `docker compose` would call a project: the containers, networks and
//! volumes that carry the label `com.docker.compose.project`. Homeport reads and manages them
//! through those labels only, so a project made with `docker compose` (v2, or docker-compose 1.x)
//! outside Homeport is listed and managed the same way as one Homeport deployed.

pub mod deploy;
mod labels;
mod lifecycle;
mod projects;
pub mod source;
pub mod updates;

pub use labels::*;
pub use lifecycle::StackAction;
pub use projects::{Stack, StackService, StackStatus};
