//! Resolves an OpenSSH client configuration (`~/.ssh/config` and the files it includes) for one
//! alias with the rules of OpenSSH 9.x. The reference is `ssh -G -F FILE ALIAS` of OpenSSH
//! 9.2p1: `tests/ssh_config_oracle.rs` compares [`SshConfig::resolve`] with it.
//!
//! [`SshConfig::load`] reads the main file and every included file, in active blocks or not,
//! and reports every syntax error of every file at once. [`SshConfig::resolve`] then applies
//! the blocks for one alias without reading configuration files again and without running
//! anything: `Match exec` and the other criteria it cannot evaluate make their block inactive
//! and add a [`ResolveWarning`].
//!
//! ```no_run
//! use homeport_import::ssh_config::{Environment, SshConfig};
//!
//! let environment = Environment::from_os()?;
//! let config = SshConfig::load(&environment.ssh_dir.join("config"), &environment)?;
//! for alias in config.aliases() {
//!     let host = config.resolve(&alias);
//!     println!("{alias}: {}@{}:{}", host.user, host.host_name, host.port);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod blocks;
mod criteria;
mod environment;
mod error;
mod hostname;
mod jump;
mod keywords;
mod lexer;
mod loader;
mod parser;
mod patterns;
mod resolve;
mod tokens;
mod values;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use environment::Environment;
pub use error::{ConfigError, ConfigErrorKind, ConfigErrors, ForeignReason};
pub use jump::{JumpHop, JumpHopError};
pub use resolve::{ResolveWarning, ResolvedHost, WarningKind};

use blocks::BlockIndex;
use loader::{Loader, ParsedFile};
use parser::Directive;

/// A parsed configuration: the main file and every file it includes, in reading order.
#[derive(Debug, Clone)]
pub struct SshConfig {
    /// Index 0 is the main file. A file included twice appears twice.
    files: Vec<ParsedFile>,
    /// The blocks of each file in `files`, at the same index.
    blocks: Vec<BlockIndex>,
    /// Each path read, once, in reading order.
    paths: Vec<PathBuf>,
    environment: Environment,
}

impl SshConfig {
    /// Reads the configuration at `path` and every file it includes.
    ///
    /// Fails with every error found in any of the files, or with one `ReadFailed` error (line
    /// 0) when `path` itself cannot be read.
    pub fn load(path: &Path, environment: &Environment) -> Result<SshConfig, ConfigErrors> {
        let text = loader::read_config_text(path).map_err(|error| {
            let kind = ConfigErrorKind::ReadFailed {
                path: path.to_path_buf(),
                message: error.to_string(),
            };
            ConfigErrors(vec![
                error::LineError::new(0, path.display().to_string(), kind).at(path, 0)
            ])
        })?;
        SshConfig::parse_str(&text, path, environment)
    }

    /// Parses `text` as if it were the file at `origin`, which names it in errors and need not
    /// exist. `Include` lines still read files from disk.
    pub fn parse_str(text: &str, origin: &Path, environment: &Environment) -> Result<SshConfig, ConfigErrors> {
        let mut loader = Loader::new(environment);
        loader.load_text(origin, text);
        if !loader.errors.is_empty() {
            return Err(ConfigErrors(loader.errors));
        }

        let mut paths: Vec<PathBuf> = Vec::new();
        for file in &loader.files {
            if !paths.contains(&file.path) {
                paths.push(file.path.clone());
            }
        }
        Ok(SshConfig {
            blocks: loader.files.iter().map(BlockIndex::build).collect(),
            files: loader.files,
            paths,
            environment: environment.clone(),
        })
    }

    /// Lists the aliases to offer for import: every `Host` pattern without `*`, `?` or `!`, in
    /// all files, once each, in order of first appearance.
    pub fn aliases(&self) -> Vec<String> {
        let mut aliases: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        if !self.files.is_empty() {
            self.collect_aliases(0, &mut aliases, &mut seen);
        }
        aliases
    }

    /// Follows includes in reading order, so aliases come out in the order OpenSSH reads them.
    fn collect_aliases(&self, index: usize, aliases: &mut Vec<String>, seen: &mut HashSet<String>) {
        for entry in &self.files[index].entries {
            match &entry.directive {
                Directive::Host(host_patterns) => {
                    for pattern in host_patterns.iter().filter(|pattern| pattern.is_literal()) {
                        if seen.insert(pattern.text.clone()) {
                            aliases.push(pattern.text.clone());
                        }
                    }
                }
                Directive::Include(children) => {
                    for &child in children {
                        self.collect_aliases(child, aliases, seen);
                    }
                }
                Directive::Match(_) | Directive::Setting(_) => {}
            }
        }
    }

    /// Returns the settings OpenSSH would use for `alias`, as `ssh -G alias` prints them.
    pub fn resolve(&self, alias: &str) -> ResolvedHost {
        resolve::resolve(&self.files, &self.blocks, &self.environment, alias)
    }

    /// Lists every file read, the main file first, each once.
    pub fn files(&self) -> &[PathBuf] {
        &self.paths
    }
}
