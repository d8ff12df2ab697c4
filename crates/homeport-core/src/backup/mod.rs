//! Backups with restic: plans, runs, snapshots, restores and restore drills.
//!
//! - [`plan`] is the plan model and its strict JSON form; [`store`] keeps plans, runs, stages
//!   and drills in SQLite (secrets stay in the keychain).
//! - [`shell`] runs commands on the plan's host (SSH, or this computer for the local engine)
//!   and streams their output; [`restic`] builds restic and rclone command lines and reads
//!   restic's JSON; [`classify`] turns failures into locked, wrong password, unreachable.
//! - [`run`] is one backup run with its stages; [`restore`] lists, previews and restores
//!   files; [`db_restore`] loads a database dump into a running or new container; [`drill`]
//!   restores a sample into a scratch folder and checks it, and loads each dump into a scratch
//!   container.

pub mod classify;
pub mod databases;
pub mod db_restore;
pub mod drill;
pub mod due;
pub mod plan;
pub mod restic;
pub mod restore;
pub mod rule321;
pub mod run;
pub mod schedule;
pub mod shell;
pub mod stack_restore;
pub mod stacks;
pub mod store;
