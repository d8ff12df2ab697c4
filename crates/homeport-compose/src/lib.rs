//! The Compose file model behind Homeport's stacks: it reads Compose files the way Docker
//! Compose v2 does, reports every problem with its place and fix, prints the project as
//! `docker compose config` does, and edits a file without disturbing the rest of it.
//!
//! Loading ([`ComposeFile::load`]) runs these steps, collecting findings from all of them:
//!
//! 1. [`yaml`]: each file is parsed with saphyr-parser into a tree where every node has its
//!    file, line, column and byte range. Anchors, aliases and `<<` merge keys are resolved
//!    there, so no `<<` key reaches the model.
//! 2. [`interpolate`]: `${VAR}` and its forms are replaced in values (never in keys), looking
//!    variables up in the caller's values first and the project's `.env` ([`dotenv`]) second,
//!    as Compose prefers the process environment over `.env`.
//! 3. [`merge`]: override files are merged in order with the Compose Specification's rules.
//! 4. [`model`]: the merged tree becomes a [`Project`]: services with ports, volumes,
//!    environment, dependencies, health checks and resources, and the top-level networks,
//!    volumes, secrets and configs. `x-*` fields are kept in the YAML but not modelled.
//!
//! [`Project::to_config_json`] prints the result as `docker compose config --format json`
//! (tests compare with Compose v2.40 itself), and [`Project::start_order`] gives the order
//! services start in for a set of profiles.
//!
//! [`Document`] edits one file losslessly: it replaces or inserts text at node positions, so
//! comments, quoting and layout outside the edit stay byte for byte (its documentation lists
//! what it cannot do).
//!
//! Nothing here opens a connection or runs a program; only files are read.

pub mod builder;
pub mod config_json;
pub mod diagnostics;
pub mod dotenv;
pub mod edit;
pub mod interpolate;
pub mod load;
pub mod merge;
pub mod model;
pub mod risks;
pub mod yaml;

pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity};
pub use edit::{Document, EditError};
pub use load::{ComposeFile, Environment};
pub use model::order::OrderError;
pub use model::{Condition, Dependency, PortBinding, Project, Resource, Service, VolumeMount};
pub use risks::{Risk, RiskKind};
