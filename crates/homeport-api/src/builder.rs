//! The visual stack builder: a draft (compose.yaml, .env and other files) that the canvas and
//! the YAML editor both change. Each call takes the whole draft and returns the new one with
//! what the canvas draws and every problem found, so the window keeps no model of its own.

use std::collections::BTreeMap;

use homeport_compose::builder::{self, BuilderError, BuilderView, CADDYFILE, COMPOSE_FILE};
pub use homeport_compose::builder::{BuilderEdit, ProxyKind};
use homeport_compose::{Document, EditError, Environment};
use homeport_core::catalog::StackFile;
use homeport_core::inventory::HostKind;
use homeport_core::secrets::{Keychain, Secret, SecretKey};
use homeport_core::stacks::deploy::FileAccess;
use homeport_core::stacks::source::read_source;
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::compose::{diagnostic_view, risk_view, ComposeDiagnostic, ComposeRisk};
use crate::stacks::{deploy_stack, ServicePreviewView, StackDeployInput};
use crate::template_deploy::{validate_stack_name, write_stack_folder, TemplateDeployEvent};
use crate::templates::catalog;
use crate::{Api, ApiResult, Sink, SubscriptionId};

/// The stack being built, as the files a deploy writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuilderDraft {
    /// The text of `compose.yaml`.
    pub compose: String,
    /// The text of `.env`, which contains template parameters and generated passwords.
    pub env: String,
    /// Other files beside compose.yaml, such as the generated Caddyfile.
    pub files: Vec<DraftFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DraftFile {
    /// Relative to the stack folder, with `/` separators.
    pub path: String,
    pub contents: String,
}

/// The draft after a change, with what the canvas shows and every problem in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuilderState {
    pub draft: BuilderDraft,
    /// `null` while compose.yaml is not a YAML mapping; the canvas then keeps its last view.
    pub view: Option<BuilderView>,
    /// Errors and warnings with their line and column in compose.yaml or `.env`.
    pub diagnostics: Vec<ComposeDiagnostic>,
    pub risks: Vec<ComposeRisk>,
    /// Services of an added template that were renamed because the name was taken, as
    /// `[old, new]` pairs.
    pub renamed: Vec<(String, String)>,
}

/// A deploy of the draft to a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuilderDeployInput {
    pub host_id: String,
    pub name: String,
    pub draft: BuilderDraft,
    /// The folder on SSH hosts under which `<name>/` is made; `/opt/stacks` when unset.
    #[serde(default)]
    pub base_dir: Option<String>,
}

/// A deployed stack opened in the builder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StackDraft {
    pub state: BuilderState,
    /// The main Compose file's path on the host.
    pub compose_path: String,
    /// Override files the stack also uses; the builder edits the main file only.
    pub overrides: Vec<String>,
    /// The base folder a redeploy writes `<name>/` under, when it can be derived from the folder name.
    pub base_dir: Option<String>,
}

impl Api {
    /// Reads a stack's main Compose file, `.env` and Caddyfile from its host into a draft.
    pub async fn builder_open_stack(&self, host_id: &str, name: &str) -> ApiResult<StackDraft> {
        let host = self.hosts.get(host_id).await?;
        let engine = self.hosts.engine(&host.id).await?;
        let stack = engine
            .stacks()
            .await?
            .into_iter()
            .find(|stack| stack.name == name)
            .ok_or_else(|| {
                Error::invalid(
                    "stack",
                    name,
                    "no stack with this name runs on the host; refresh the list",
                )
            })?;
        let session = match host.kind {
            HostKind::Ssh => Some(self.hosts.session(&host).await?),
            HostKind::Socket | HostKind::Tcp => None,
        };
        let access = match (&session, host.kind) {
            (Some(session), _) => FileAccess::Sftp(session),
            (None, HostKind::Socket) => FileAccess::Local,
            (None, _) => FileAccess::None,
        };
        let source = read_source(&access, &stack).await;
        if let Some(session) = session {
            session.close().await;
        }
        let source = source?;
        tracing::info!(host_id = %host.id, stack = name, path = %source.compose_path, "stack opened in the builder");

        let draft = BuilderDraft {
            compose: source.compose,
            env: source.env.unwrap_or_default(),
            files: source
                .extra
                .into_iter()
                .map(|(path, contents)| DraftFile { path, contents })
                .collect(),
        };
        Ok(StackDraft {
            state: state(draft, Vec::new()),
            compose_path: source.compose_path,
            overrides: source.overrides,
            base_dir: source.base_dir,
        })
    }

    /// Keeps the draft's `.env` text in the OS keychain, so it survives a restart without
    /// being written to a file. An empty text deletes the entry.
    pub async fn builder_env_save(&self, env: String) -> ApiResult<()> {
        let key = self.builder_env_key();
        tokio::task::spawn_blocking(move || {
            let keychain = Keychain;
            if env.is_empty() {
                keychain.delete(&key)
            } else {
                keychain.store(&key, &Secret::new(env))
            }
        })
        .await
        .map_err(|err| Error::Internal(format!("keychain task failed: {err}")))??;
        Ok(())
    }

    /// Returns the draft's `.env` text kept by [`Api::builder_env_save`], or an empty text.
    pub async fn builder_env_load(&self) -> ApiResult<String> {
        let key = self.builder_env_key();
        let secret = tokio::task::spawn_blocking(move || Keychain.load(&key))
            .await
            .map_err(|err| Error::Internal(format!("keychain task failed: {err}")))??;
        Ok(secret.map(|secret| secret.expose().to_string()).unwrap_or_default())
    }

    /// The keychain entry of this installation's draft `.env`: named after a hash of the data
    /// folder, so two data folders never share one draft.
    fn builder_env_key(&self) -> SecretKey {
        // FNV-1a over the path's bytes: stable across runs and Rust versions, unlike
        // `DefaultHasher`.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.paths.data_dir.to_string_lossy().as_bytes() {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        SecretKey::builder_env(&format!("{hash:016x}"))
    }

    /// Reads a draft: its view, problems and, when the proxy is Caddy, its Caddyfile.
    pub fn builder_open(&self, draft: BuilderDraft) -> ApiResult<BuilderState> {
        Ok(state(draft, Vec::new()))
    }

    /// Applies one canvas change to compose.yaml. On an error the draft is unchanged and the
    /// error names the value and the fix.
    pub fn builder_edit(&self, draft: BuilderDraft, edit: &BuilderEdit) -> ApiResult<BuilderState> {
        let mut document = parse(&draft.compose)?;
        builder::apply(&mut document, edit).map_err(builder_error)?;
        tracing::debug!(edit = ?std::mem::discriminant(edit), "builder edit applied");
        let draft = BuilderDraft {
            compose: document.to_string(),
            ..draft
        };
        Ok(state(draft, Vec::new()))
    }

    /// Adds the services of a catalog template with its default values. Parameters become
    /// `.env` entries named `<TEMPLATE>_<PARAMETER>`, passwords are generated, and the
    /// template's other files join the draft.
    pub fn builder_add_template(&self, draft: BuilderDraft, template_id: &str) -> ApiResult<BuilderState> {
        let template = catalog()?.get(template_id).map_err(Error::from)?;
        let in_use = |prefix: &str| draft.env.lines().any(|line| line.starts_with(prefix));
        let fragment = homeport_core::catalog::fragment(template, in_use).map_err(Error::from)?;
        let mut document = parse(&draft.compose)?;
        let renamed = builder::insert_fragment(&mut document, &fragment.compose, template_id).map_err(builder_error)?;

        let mut env = draft.env;
        if !env.is_empty() && !env.ends_with('\n') {
            env.push('\n');
        }
        for line in fragment.env.expose().lines() {
            let name = line.split_once('=').map_or(line, |(name, _)| name);
            let defined = env.lines().any(|existing| existing.starts_with(&format!("{name}=")));
            if !defined {
                env.push_str(line);
                env.push('\n');
            }
        }
        let mut files = draft.files;
        for file in fragment.files {
            if !files.iter().any(|existing| existing.path == file.path) {
                files.push(DraftFile {
                    path: file.path,
                    contents: file.contents,
                });
            }
        }
        tracing::info!(
            template = template_id,
            services = fragment.services.len(),
            "template added to the builder"
        );
        Ok(state(
            BuilderDraft {
                compose: document.to_string(),
                env,
                files,
            },
            renamed,
        ))
    }

    /// Shows which services a deploy of the draft would create, change or keep.
    pub async fn builder_deploy_preview(&self, input: &BuilderDeployInput) -> ApiResult<Vec<ServicePreviewView>> {
        let (name, folder, deploy_input) = prepare(input)?;
        let preview = self
            .stack_deploy_preview(&input.host_id, &deploy_input, Some(&name), &[])
            .await;
        drop(folder);
        preview
    }

    /// Deploys the draft as the stack `name`, reporting progress like a template deploy.
    pub async fn builder_deploy(
        &self,
        input: BuilderDeployInput,
        mut sink: Sink<TemplateDeployEvent>,
    ) -> ApiResult<SubscriptionId> {
        let (name, folder, deploy_input) = prepare(&input)?;
        let host_id = self.hosts.get(&input.host_id).await?.id;
        tracing::info!(host_id = %host_id, stack = %name, "builder deploy started");

        let hosts = self.hosts.clone();
        Ok(self.subscriptions.spawn(move |cancel: CancellationToken| {
            let task = tokio::spawn(async move {
                let forward = |event| {
                    let _ = sink(TemplateDeployEvent::Progress { event });
                };
                let result = deploy_stack(&hosts, &host_id, &deploy_input, Some(&name), &[], forward, cancel).await;
                drop(folder);
                let event = match result {
                    Ok(result) => TemplateDeployEvent::Done { result },
                    Err(error) => TemplateDeployEvent::Error { error },
                };
                let _ = sink(event);
            });
            async move {
                let _ = task.await;
            }
        }))
    }
}

/// Builds the state of `draft`: the view, the problems of compose.yaml and `.env`, and the
/// Caddyfile written into the draft's files when the proxy is Caddy.
fn state(mut draft: BuilderDraft, renamed: Vec<(String, String)>) -> BuilderState {
    let mut diagnostics = Vec::new();
    let (values, errors) = lenient_dotenv(&draft.env);
    diagnostics.extend(errors.iter().map(|error| ComposeDiagnostic {
        file: ".env".to_string(),
        line: u32::try_from(error.line).unwrap_or(u32::MAX),
        column: u32::try_from(error.column).unwrap_or(u32::MAX),
        severity: "error".to_string(),
        code: "invalid_value".to_string(),
        message: error.message.clone(),
        value: String::new(),
        hint: "write one NAME=value per line".to_string(),
    }));
    let environment = Environment {
        values,
        ignore_dotenv: true,
    };

    let snapshot = builder::snapshot(&draft.compose, &environment);
    diagnostics.extend(snapshot.diagnostics.0.iter().map(diagnostic_view));
    if let Some(caddyfile) = snapshot.caddyfile {
        match draft.files.iter_mut().find(|file| file.path == CADDYFILE) {
            Some(file) => file.contents = caddyfile,
            None => draft.files.push(DraftFile {
                path: CADDYFILE.to_string(),
                contents: caddyfile,
            }),
        }
    }
    BuilderState {
        draft,
        view: snapshot.view,
        diagnostics,
        risks: snapshot.risks.into_iter().map(risk_view).collect(),
        renamed,
    }
}

/// Parses `.env` text, keeping the values of the valid lines when others are invalid, so one
/// typo does not make every `${NAME}` in compose.yaml look unset. Returns the values and the
/// errors of the invalid lines.
fn lenient_dotenv(text: &str) -> (BTreeMap<String, String>, Vec<homeport_compose::dotenv::DotenvError>) {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut errors = Vec::new();
    // Each pass blanks the lines named by the errors; a pass without errors ends it. The
    // bound keeps a parser that reports a line it cannot place from looping.
    for _ in 0..8 {
        match homeport_compose::dotenv::parse_dotenv(&lines.join("\n"), &|_| None) {
            Ok(pairs) => return (pairs.into_iter().collect(), errors),
            Err(found) => {
                let mut blanked = false;
                for error in &found {
                    if let Some(line) = error.line.checked_sub(1).and_then(|index| lines.get_mut(index)) {
                        blanked |= !line.is_empty();
                        *line = "";
                    }
                }
                errors.extend(found);
                if !blanked {
                    break;
                }
            }
        }
    }
    (BTreeMap::new(), errors)
}

fn parse(compose: &str) -> ApiResult<Document> {
    Document::parse(compose).map_err(|diagnostics| {
        let first = diagnostics.errors().next();
        Error::ComposeInvalid {
            file: COMPOSE_FILE.to_string(),
            line: first.map_or(0, |error| error.line),
            column: first.map_or(0, |error| error.column),
            count: diagnostics.errors().count(),
            detail: diagnostics.to_string(),
        }
        .into()
    })
}

fn builder_error(error: BuilderError) -> crate::IpcError {
    match error {
        BuilderError::Invalid { field, value, reason } => Error::invalid(field, value, reason).into(),
        BuilderError::Edit(EditError::NotFound { path }) => Error::invalid(
            "path",
            path,
            "it is not in compose.yaml; it may have been removed in the editor",
        )
        .into(),
        BuilderError::Edit(other) => Error::invalid("compose", "compose.yaml", other.to_string()).into(),
    }
}

/// Checks the stack name and the draft's file paths, then writes the draft to a private
/// temporary folder for the deploy to read.
fn prepare(input: &BuilderDeployInput) -> ApiResult<(String, tempfile::TempDir, StackDeployInput)> {
    let name = validate_stack_name(&input.name)?;
    let mut files = Vec::new();
    for file in &input.draft.files {
        check_relative(&file.path)?;
        files.push(StackFile {
            path: file.path.clone(),
            contents: file.contents.clone(),
        });
    }
    let folder = write_stack_folder(&input.draft.compose, &input.draft.env, &files)?;
    let deploy_input = StackDeployInput {
        files: vec![folder.path().join(COMPOSE_FILE).display().to_string()],
        env_file: Some(folder.path().join(".env").display().to_string()),
        extra_files: files.iter().map(|file| file.path.clone()).collect(),
        base_dir: input.base_dir.clone().filter(|dir| !dir.trim().is_empty()),
    };
    Ok((name, folder, deploy_input))
}

/// Rejects paths that would leave the stack folder or replace its own files.
fn check_relative(path: &str) -> ApiResult<()> {
    let escapes = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if escapes || path == COMPOSE_FILE || path == ".env" {
        return Err(Error::invalid(
            "file",
            path,
            "use a relative path inside the stack folder, such as config/app.yml, other than compose.yaml and .env",
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_keeps_valid_lines() {
        let (values, errors) = lenient_dotenv("IMG=nginx\nthis is not env\nPORT=8080\n");
        assert_eq!(values.get("IMG").map(String::as_str), Some("nginx"));
        assert_eq!(values.get("PORT").map(String::as_str), Some("8080"));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
    }

    #[test]
    fn draft_paths_stay_inside_the_folder() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            ".env",
            "compose.yaml",
            "a\\b",
        ] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
        for good in ["Caddyfile", "prometheus/prometheus.yml", "rules/alerts.yml"] {
            assert!(check_relative(good).is_ok(), "{good}");
        }
    }
}
