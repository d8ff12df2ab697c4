//! Exports to other orchestrators: the files come from the pure `homeport-export` crate; this
//! module writes them to a folder without leaving half a result, and deploys a Swarm stack to
//! an engine that is a swarm manager.

pub mod swarm_deploy;
pub mod write;

pub use homeport_export::{export, routes_from_text, Export, ExportFile, ExportInput, Outcome, Target, Warning};
pub use swarm_deploy::{deploy_stack, SwarmDeployReport};
pub use write::write_files;
