//! Exports a stack to Docker Swarm, Kubernetes, K3s or Nomad: from Compose files on this
//! machine (the CLI) or from the builder's draft (the app, including a deployed stack opened
//! with `builder_open_stack`). The files are returned for display, or written into a folder
//! atomically; secret values are never part of either.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use homeport_compose::builder::COMPOSE_FILE;
use homeport_compose::{ComposeFile, Environment, Project};
use homeport_core::export::{self as core_export, ExportInput, Target};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::builder::BuilderDraft;
use crate::compose::{invalid, ComposeInput};
use crate::{Api, ApiResult};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportFileView {
    /// Relative to the output folder.
    pub path: String,
    pub content: String,
}

/// A setting the target took differently, or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportWarningView {
    /// The Compose service, or `null` for top-level sections.
    pub service: Option<String>,
    /// The Compose field, such as `privileged`.
    pub field: String,
    /// `dropped`, `changed` or `action` (written, but the user must do something first).
    pub outcome: String,
    /// English; the UI shows it as it is, since it names fields and commands.
    pub message: String,
}

/// The result of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportView {
    /// `swarm`, `kubernetes`, `k3s` or `nomad`.
    pub target: String,
    pub files: Vec<ExportFileView>,
    pub warnings: Vec<ExportWarningView>,
    /// Absolute paths written, when the export was saved to a folder.
    pub written: Vec<String>,
}

/// What a deploy to a swarm created and updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SwarmDeployView {
    pub stack: String,
    pub networks_created: Vec<String>,
    pub services_created: Vec<String>,
    pub services_updated: Vec<String>,
    pub warnings: Vec<ExportWarningView>,
}

impl Api {
    /// Deploys the draft as the Swarm stack `stack` to a host whose engine is a swarm manager,
    /// through the Docker API, so `docker stack ls/ps/rm` on the host see it. Secret values
    /// go to the engine only; nothing is written to a file.
    pub async fn stack_export_swarm_deploy(
        &self,
        host_id: &str,
        draft: &BuilderDraft,
        stack: &str,
    ) -> ApiResult<SwarmDeployView> {
        let (project, input) = load_draft(draft)?;
        let engine = self.hosts.engine(host_id).await?;
        let report = core_export::deploy_stack(&engine, &project, &input, stack).await?;
        tracing::info!(
            host_id,
            stack,
            created = report.services_created.len(),
            updated = report.services_updated.len(),
            "swarm stack deployed"
        );
        Ok(SwarmDeployView {
            stack: report.stack,
            networks_created: report.networks_created,
            services_created: report.services_created,
            services_updated: report.services_updated,
            warnings: report.warnings.into_iter().map(warning_view).collect(),
        })
    }

    /// Exports Compose files on this machine; `--env-file` works as in `compose_validate`.
    pub fn stack_export(&self, input: &ComposeInput, target: &str) -> ApiResult<ExportView> {
        let target = parse_target(target)?;
        let environment = input.environment()?;
        let paths = input.paths()?;
        let project = ComposeFile::load(&paths, &environment).map_err(invalid)?;
        let text = std::fs::read_to_string(&paths[0]).unwrap_or_default();
        let export_input = ExportInput {
            routes: core_export::routes_from_text(&text),
            secret_values: environment
                .values
                .iter()
                .filter(|(name, value)| homeport_export::secrets::looks_secret(name) || looks_generated(value))
                .map(|(_, value)| value.clone())
                .collect(),
            ..ExportInput::default()
        };
        run(&project, &export_input, target)
    }

    /// Exports the builder's draft: compose.yaml with its `.env`.
    pub fn stack_export_draft(&self, draft: &BuilderDraft, target: &str) -> ApiResult<ExportView> {
        let target = parse_target(target)?;
        let (project, input) = load_draft(draft)?;
        run(&project, &input, target)
    }

    /// Exports the draft and writes the files into `folder` (created when missing): all of
    /// them, or none when a write fails.
    pub fn stack_export_save(&self, draft: &BuilderDraft, target: &str, folder: &str) -> ApiResult<ExportView> {
        if !Path::new(folder.trim()).is_absolute() {
            return Err(Error::invalid(
                "folder",
                folder,
                "type the folder's full path, such as /home/me/exports/shop",
            )
            .into());
        }
        let mut view = self.stack_export_draft(draft, target)?;
        view.written = write(&view, folder)?;
        Ok(view)
    }

    /// Writes an export of files on this machine into `folder`, for the CLI's `--out`.
    pub fn stack_export_to(&self, input: &ComposeInput, target: &str, folder: &str) -> ApiResult<ExportView> {
        let mut view = self.stack_export(input, target)?;
        view.written = write(&view, folder)?;
        Ok(view)
    }
}

fn write(view: &ExportView, folder: &str) -> ApiResult<Vec<String>> {
    let folder = folder.trim();
    if folder.is_empty() {
        return Err(Error::invalid("folder", folder, "type a folder path, such as /home/me/exports/shop").into());
    }
    let files: Vec<core_export::ExportFile> = view
        .files
        .iter()
        .map(|file| core_export::ExportFile {
            path: file.path.clone(),
            content: file.content.clone(),
        })
        .collect();
    let written = core_export::write_files(Path::new(folder), &files)?;
    Ok(written.iter().map(|path| path.display().to_string()).collect())
}

fn parse_target(target: &str) -> ApiResult<Target> {
    Target::parse(target)
        .ok_or_else(|| Error::invalid("target", target, "choose swarm, kubernetes, k3s or nomad").into())
}

fn run(project: &Project, input: &ExportInput, target: Target) -> ApiResult<ExportView> {
    let export = core_export::export(project, input, target)
        .map_err(|err| Error::invalid("stack", project.name.clone(), err.to_string()))?;
    tracing::info!(
        target = target.as_str(),
        project = %project.name,
        files = export.files.len(),
        warnings = export.warnings.len(),
        "stack exported"
    );
    Ok(ExportView {
        target: target.as_str().to_string(),
        files: export
            .files
            .into_iter()
            .map(|file| ExportFileView {
                path: file.path,
                content: file.content,
            })
            .collect(),
        warnings: export.warnings.into_iter().map(warning_view).collect(),
        written: Vec::new(),
    })
}

fn warning_view(warning: core_export::Warning) -> ExportWarningView {
    ExportWarningView {
        service: warning.service,
        field: warning.field,
        outcome: crate::enum_text(&warning.outcome),
        message: warning.message,
    }
}

/// Loads the draft as the builder does: compose.yaml interpolated with the draft's `.env`.
/// The values of `.env` entries whose names look secret are marked, so a variable that
/// embeds one (a database URL with its password) is not written either.
pub(crate) fn load_draft(draft: &BuilderDraft) -> ApiResult<(Project, ExportInput)> {
    let values: BTreeMap<String, String> = homeport_compose::dotenv::parse_dotenv(&draft.env, &|_| None)
        .map_err(|errors| {
            Error::invalid(
                "env",
                ".env",
                errors
                    .first()
                    .map(|error| format!("line {}: {}", error.line, error.message))
                    .unwrap_or_default(),
            )
        })?
        .into_iter()
        .collect();
    let secret_values = values
        .iter()
        .filter(|(name, value)| homeport_export::secrets::looks_secret(name) || looks_generated(value))
        .map(|(_, value)| value.clone())
        .collect();
    let environment = Environment {
        values,
        ignore_dotenv: true,
    };
    let files = [(PathBuf::from(COMPOSE_FILE), draft.compose.clone())];
    let project = ComposeFile::load_strs(&files, &environment).map_err(invalid)?;
    let input = ExportInput {
        routes: core_export::routes_from_text(&draft.compose),
        secret_values,
        ..ExportInput::default()
    };
    Ok((project, input))
}

/// Homeport's generated passwords are long runs of letters and digits; a value of 24 or more
/// such characters is treated as one, so it is never written whatever its name.
fn looks_generated(value: &str) -> bool {
    value.len() >= 24 && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
