//! Applies a loaded configuration to one alias: the first value obtained for a keyword wins,
//! `IdentityFile` lines add up, and blocks apply as `Host` and `Match` decide.

use std::fmt;
use std::path::{Path, PathBuf};

use super::blocks::BlockIndex;
use super::criteria::{self, Condition, MatchInput, Outcome, Unevaluated};
use super::environment::Environment;
use super::hostname;
use super::jump::JumpHop;
use super::loader::ParsedFile;
use super::parser::{Directive, Setting};
use super::patterns;
use super::tokens::{self, TokenError, TokenSet, TokenValues};

/// OpenSSH 9.2 stops with an error after this many `IdentityFile` entries for one host.
const MAX_IDENTITY_FILES: usize = 100;

/// The connection settings OpenSSH would use for one alias.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedHost {
    /// The alias as given to [`super::SshConfig::resolve`].
    pub alias: String,
    /// `HostName` with tokens expanded, else the alias, in the form `ssh -G` prints: names
    /// lowercased, numeric addresses canonical.
    pub host_name: String,
    /// `User`, else the local user.
    pub user: String,
    /// `Port`, else 22.
    pub port: u16,
    /// `IdentityFile` entries in order of appearance, duplicates dropped, with `~`, tokens and
    /// `${NAME}` expanded. Empty when none applies; `ssh -G` then lists OpenSSH's default key
    /// names instead.
    pub identity_files: Vec<PathBuf>,
    pub identities_only: bool,
    /// Hops in connection order; empty for a direct connection or `ProxyJump none`.
    // NOTE: tokens such as `%h` inside a hop are kept as written, not expanded.
    pub proxy_jump: Vec<JumpHop>,
    /// `ProxyCommand` as written, tokens unexpanded; `None` when unset or `none`.
    pub proxy_command: Option<String>,
    /// Lines that may make this result differ from what OpenSSH would use.
    pub warnings: Vec<ResolveWarning>,
}

/// A line that Homeport could not apply as OpenSSH would, for the host being resolved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolveWarning {
    pub file: PathBuf,
    pub line: usize,
    pub kind: WarningKind,
}

/// Reason a line could not be applied as OpenSSH would.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WarningKind {
    /// A `Match` criterion that Homeport does not evaluate (`exec`, `canonical`, `final`,
    /// `localuser`, `localnetwork`, `tagged` or one it does not know). It decided the block,
    /// because the other criteria matched, and the block was treated as not matching.
    UnsupportedMatch {
        criterion: String,
        argument: Option<String>,
    },
    /// An unknown keyword that an `IgnoreUnknown` line allows in some blocks, but not in one that
    /// applies to this host; OpenSSH would stop with "Bad configuration option".
    UnknownKeyword { keyword: String },
    /// An `IdentityFile` that could not be expanded and was left out; OpenSSH would stop.
    IdentityFileSkipped { path: String, reason: String },
    /// More `IdentityFile` entries than OpenSSH accepts; the extra ones were left out.
    TooManyIdentityFiles { max: usize },
}

/// Writes `FILE:LINE: message`.
impl fmt::Display for ResolveWarning {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}:{}: {}",
            self.file.display(),
            self.line,
            self.kind.message()
        )
    }
}

impl WarningKind {
    /// Returns the English sentence for logs and the command line.
    pub fn message(&self) -> String {
        match self {
            WarningKind::UnsupportedMatch { criterion, argument } => {
                let argument = argument.as_deref().map(|text| format!(" {text}")).unwrap_or_default();
                format!("Match {criterion}{argument} was not evaluated, so the block was skipped")
            }
            WarningKind::UnknownKeyword { keyword } => format!(
                "no IgnoreUnknown in effect for this host covers the unknown keyword '{keyword}', so OpenSSH would reject it"
            ),
            WarningKind::IdentityFileSkipped { path, reason } => {
                format!("IdentityFile '{path}' was left out because {reason}")
            }
            WarningKind::TooManyIdentityFiles { max } => {
                format!("more than {max} IdentityFile entries, so the rest were left out")
            }
        }
    }
}

/// A value and the line it came from.
struct Located<T> {
    value: T,
    file: PathBuf,
    line: usize,
}

/// The first value obtained for each keyword; `None` until a line sets it.
#[derive(Default)]
struct Obtained {
    host_name: Option<String>,
    user: Option<String>,
    port: Option<u16>,
    identity_files: Vec<Located<String>>,
    identities_only: Option<bool>,
    proxy_jump: Option<Vec<JumpHop>>,
    proxy_command: Option<String>,
    host_key_alias: Option<String>,
    ignore_unknown: Option<String>,
}

/// Resolves `alias` against `files`, where index 0 is the main file. `blocks[i]` indexes
/// `files[i]`.
pub(crate) fn resolve(
    files: &[ParsedFile],
    blocks: &[BlockIndex],
    environment: &Environment,
    alias: &str,
) -> ResolvedHost {
    resolve_counting(files, blocks, environment, alias).0
}

/// Resolves like [`resolve`] and also returns the number of entries applied.
pub(crate) fn resolve_counting(
    files: &[ParsedFile],
    blocks: &[BlockIndex],
    environment: &Environment,
    alias: &str,
) -> (ResolvedHost, usize) {
    let mut walk = Walk {
        files,
        blocks,
        environment,
        alias,
        obtained: Obtained::default(),
        warnings: Vec::new(),
        entries_read: 0,
    };
    if !files.is_empty() {
        walk.visit_file(0, true);
    }
    let entries_read = walk.entries_read;
    (walk.finish(), entries_read)
}

struct Walk<'a> {
    files: &'a [ParsedFile],
    blocks: &'a [BlockIndex],
    environment: &'a Environment,
    alias: &'a str,
    obtained: Obtained,
    warnings: Vec<ResolveWarning>,
    /// The number of entries applied, so tests can check that other hosts' blocks are skipped.
    entries_read: usize,
}

impl Walk<'_> {
    /// Applies one file. `enclosing_active` is true when the block containing its `Include`
    /// applies, and always for the main file. Lines before the file's first `Host` or `Match`
    /// inherit it, and no block inside the file can apply when it is false.
    fn visit_file(&mut self, index: usize, enclosing_active: bool) {
        let file = &self.files[index];
        let mut active = enclosing_active;
        // Every block read starts with its own `Host` or `Match` line, except block 0, so
        // `active` never carries over from a block that was skipped.
        for entry in self.blocks[index]
            .blocks_for(self.alias)
            .flat_map(|range| &file.entries[range])
        {
            self.entries_read += 1;
            match &entry.directive {
                Directive::Host(host_patterns) => {
                    active = enclosing_active && patterns::host_line_matches(host_patterns, self.alias);
                }
                Directive::Match(conditions) => {
                    active = enclosing_active && self.match_applies(conditions, &file.path, entry.line);
                }
                Directive::Include(children) => {
                    for &child in children {
                        self.visit_file(child, active);
                    }
                }
                Directive::Setting(setting) => self.apply(setting, active, &file.path, entry.line),
            }
        }
    }

    fn match_applies(&mut self, conditions: &[Condition], file: &Path, line: usize) -> bool {
        let host = self.host_so_far();
        let user = self.obtained.user.as_deref().unwrap_or(&self.environment.local_user);
        let input = MatchInput {
            alias: self.alias,
            host: &host,
            user,
        };

        match criteria::evaluate(conditions, &input) {
            Outcome::Matches => true,
            Outcome::DoesNotMatch => false,
            Outcome::Undecided(unevaluated) => {
                for Unevaluated { criterion, argument } in unevaluated {
                    self.warn(file, line, WarningKind::UnsupportedMatch { criterion, argument });
                }
                false
            }
        }
    }

    /// Returns the host name that `Match host` compares against: `HostName` obtained so far
    /// with `%h` expanded, else the alias.
    fn host_so_far(&self) -> String {
        match &self.obtained.host_name {
            Some(template) => expand_host_name(template, self.alias),
            None => self.alias.to_string(),
        }
    }

    fn apply(&mut self, setting: &Setting, active: bool, file: &Path, line: usize) {
        // OpenSSH checks keywords on every line it reads, in active blocks or not, against the
        // IgnoreUnknown obtained so far.
        if let Setting::Unknown(keyword) = setting {
            self.check_ignored(keyword, file, line);
        }
        if !active {
            return;
        }

        let obtained = &mut self.obtained;
        match setting {
            Setting::HostName(value) => set_once(&mut obtained.host_name, value.clone()),
            Setting::User(value) => set_once(&mut obtained.user, value.clone()),
            Setting::Port(port) => set_once(&mut obtained.port, *port),
            Setting::IdentitiesOnly(flag) => set_once(&mut obtained.identities_only, *flag),
            Setting::HostKeyAlias(value) => set_once(&mut obtained.host_key_alias, value.clone()),
            Setting::IgnoreUnknown(value) => set_once(&mut obtained.ignore_unknown, value.clone()),
            Setting::ProxyCommand(command) => set_once(&mut obtained.proxy_command, command.clone()),
            Setting::ProxyJump(hops) => apply_proxy_jump(obtained, hops),
            Setting::IdentityFile(path) => self.add_identity_file(path, file, line),
            // NOTE: CanonicalizeHostname is ignored, so where it is enabled ssh may connect to a
            // different (canonicalized) host name than `host_name`.
            Setting::Unknown(_) | Setting::Other => {}
        }
    }

    fn check_ignored(&mut self, keyword: &str, file: &Path, line: usize) {
        let ignored = self
            .obtained
            .ignore_unknown
            .as_deref()
            .is_some_and(|list| patterns::list_matches(list, keyword, true));
        if !ignored {
            self.warn(
                file,
                line,
                WarningKind::UnknownKeyword {
                    keyword: keyword.to_string(),
                },
            );
        }
    }

    /// Adds an identity file unless the same text was added before, as OpenSSH does.
    fn add_identity_file(&mut self, path: &str, file: &Path, line: usize) {
        let identity_files = &self.obtained.identity_files;
        if identity_files.iter().any(|known| known.value == path) {
            return;
        }
        if identity_files.len() == MAX_IDENTITY_FILES {
            self.warn(
                file,
                line,
                WarningKind::TooManyIdentityFiles {
                    max: MAX_IDENTITY_FILES,
                },
            );
            return;
        }
        let entry = Located {
            value: path.to_string(),
            file: file.to_path_buf(),
            line,
        };
        self.obtained.identity_files.push(entry);
    }

    fn warn(&mut self, file: &Path, line: usize, kind: WarningKind) {
        let warning = ResolveWarning {
            file: file.to_path_buf(),
            line,
            kind,
        };
        // A file included twice gives the same warning twice; report it once.
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    fn finish(mut self) -> ResolvedHost {
        let host_name = hostname::canonical_host_name(&self.host_so_far());
        let user = self
            .obtained
            .user
            .take()
            .unwrap_or_else(|| self.environment.local_user.clone());
        let port = self.obtained.port.unwrap_or(22);
        let identity_files = self.expand_identity_files(&host_name, &user, port);
        let proxy_command = self
            .obtained
            .proxy_command
            .take()
            .filter(|command| !command.eq_ignore_ascii_case("none"));

        ResolvedHost {
            alias: self.alias.to_string(),
            host_name,
            user,
            port,
            identity_files,
            identities_only: self.obtained.identities_only.unwrap_or(false),
            proxy_jump: self.obtained.proxy_jump.take().unwrap_or_default(),
            proxy_command,
            warnings: self.warnings,
        }
    }

    fn expand_identity_files(&mut self, host_name: &str, user: &str, port: u16) -> Vec<PathBuf> {
        let entries = std::mem::take(&mut self.obtained.identity_files);
        let host_key_alias = self.obtained.host_key_alias.clone();
        let values = TokenValues {
            alias: self.alias,
            host_name,
            port,
            remote_user: user,
            host_key_alias: host_key_alias.as_deref(),
            environment: self.environment,
        };

        let mut expanded = Vec::new();
        for entry in entries {
            match expand_identity_file(&entry.value, &values) {
                Ok(path) => expanded.push(path),
                Err(reason) => {
                    let kind = WarningKind::IdentityFileSkipped {
                        path: entry.value,
                        reason,
                    };
                    self.warn(&entry.file, entry.line, kind);
                }
            }
        }
        expanded
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

/// Applies `ProxyJump` as OpenSSH 9.2 does. A jump host counts only if neither `ProxyJump` nor
/// `ProxyCommand` was obtained before, and it blocks any later `ProxyCommand`. `ProxyJump none`
/// blocks later `ProxyJump` lines but not a later `ProxyCommand`.
fn apply_proxy_jump(obtained: &mut Obtained, hops: &[JumpHop]) {
    if hops.is_empty() {
        set_once(&mut obtained.proxy_jump, Vec::new());
        return;
    }
    if obtained.proxy_jump.is_none() && obtained.proxy_command.is_none() {
        obtained.proxy_jump = Some(hops.to_vec());
        obtained.proxy_command = Some("none".to_string());
    }
}

/// Expands `%h` and `%%` in a `HostName` value; the loader has rejected other tokens.
fn expand_host_name(template: &str, alias: &str) -> String {
    let no_variables = Default::default();
    tokens::expand(template, TokenSet::HostName, |_| alias.to_string(), &no_variables)
        .unwrap_or_else(|_| template.to_string())
}

/// Expands `~` first and then tokens and variables, in OpenSSH's order. The error is the reason
/// for the warning.
fn expand_identity_file(path: &str, values: &TokenValues<'_>) -> Result<PathBuf, String> {
    let after_tilde = tokens::expand_tilde(path, values.environment)
        .map_err(|user| format!("there is no local account named '{user}'"))?;
    let expanded = tokens::expand(
        &after_tilde,
        TokenSet::Path,
        |letter| values.value(letter),
        &values.environment.variables,
    );
    match expanded {
        Ok(text) => Ok(PathBuf::from(text)),
        Err(TokenError::UnsetVariable { name }) => Err(format!("environment variable '{name}' is not set")),
        Err(TokenError::UnknownToken { token, .. }) => Err(format!(
            "the expanded home directory contains the unknown token '{token}'"
        )),
        Err(TokenError::UnterminatedVariable { .. }) => {
            Err("the expanded home directory contains an unterminated '${'".to_string())
        }
    }
}
