//! Importing hosts a person already describes elsewhere: `~/.ssh/config` with the keys of
//! `known_hosts`, and Docker contexts with `DOCKER_HOST`.
//!
//! Import runs in two steps so nothing is written until the user confirms: [`plan`] reads
//! the files and returns what would change, and [`apply`] writes the hosts the user selected.
//! `apply` reads the files again and refuses to go on when the result differs from the plan
//! the user saw (compared through [`ImportPlan::digest`]).
//!
//! Imported hosts are saved without connecting. Keys found in known_hosts are trusted, since
//! the user trusted them in OpenSSH already; the other hosts ask for their key on first use.

mod candidate;
mod docker;
mod plan;

pub use candidate::{HostKeyFinding, ImportAction, ImportCandidate, ImportOrigin, ImportProblem};
pub use docker::DockerEnvironment;
pub use plan::{apply, plan, ImportPlan, ImportReport, ImportSource};
