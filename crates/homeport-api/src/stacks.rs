//! Stacks: the Compose projects on a host, whole-project start, stop and down, and deploying a
//! Compose project to a host.

use std::path::{Path, PathBuf};

use homeport_compose::{ComposeFile, Environment};
use homeport_core::inventory::HostKind;
use homeport_core::stacks::deploy::{self as core_deploy, DeployRequest, FileAccess, StackFiles};
use homeport_core::stacks::{Stack, StackAction, StackService, StackStatus as CoreStatus};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::{Api, ApiResult, ContainerCountsView};

/// Whether a stack's containers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StackStatus {
    Running,
    Partial,
    Stopped,
}

/// One service of a stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StackServiceView {
    pub name: String,
    pub image: String,
    pub containers: ContainerCountsView,
}

/// A Compose project on a host, made by Homeport or by `docker compose`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StackView {
    pub name: String,
    pub status: StackStatus,
    pub working_dir: Option<String>,
    pub config_files: Vec<String>,
    pub compose_version: Option<String>,
    pub services: Vec<StackServiceView>,
    pub containers: ContainerCountsView,
}

/// An action on every container of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StackActionKind {
    Start,
    Stop,
    Restart,
    /// Stop and remove containers and networks; volumes only with `removeVolumes`.
    Down,
}

impl From<Stack> for StackView {
    fn from(stack: Stack) -> Self {
        Self {
            name: stack.name,
            status: match stack.status {
                CoreStatus::Running => StackStatus::Running,
                CoreStatus::Partial => StackStatus::Partial,
                CoreStatus::Stopped => StackStatus::Stopped,
            },
            working_dir: stack.working_dir,
            config_files: stack.config_files,
            compose_version: stack.compose_version,
            services: stack.services.into_iter().map(service_view).collect(),
            containers: stack.containers.into(),
        }
    }
}

fn service_view(service: StackService) -> StackServiceView {
    StackServiceView {
        name: service.name,
        image: service.image,
        containers: service.containers.into(),
    }
}

impl Api {
    /// Lists the Compose projects on a host, including ones made outside Homeport.
    pub async fn stack_list(&self, host_id: &str) -> ApiResult<Vec<StackView>> {
        let engine = self.hosts.engine(host_id).await?;
        let stacks = self.evict_on_error(host_id, engine.stacks().await).await?;
        Ok(stacks.into_iter().map(StackView::from).collect())
    }

    /// Starts, stops, restarts or takes down a whole stack. `remove_volumes` applies to `Down`.
    pub async fn stack_action(
        &self,
        host_id: &str,
        name: &str,
        action: StackActionKind,
        remove_volumes: bool,
    ) -> ApiResult<()> {
        let action = match action {
            StackActionKind::Start => StackAction::Start,
            StackActionKind::Stop => StackAction::Stop,
            StackActionKind::Restart => StackAction::Restart,
            StackActionKind::Down => StackAction::Down { remove_volumes },
        };
        let engine = self.hosts.engine(host_id).await?;
        self.evict_on_error(host_id, engine.stack_act(name, action).await).await
    }
}

/// The files of a stack to deploy, as paths on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StackDeployInput {
    /// The main Compose file first, then override files. Each is written under its file name.
    pub files: Vec<String>,
    /// Read for interpolation and written as the stack's `.env`. Without it, the `.env` beside
    /// the main file is used when there is one.
    #[serde(default)]
    pub env_file: Option<String>,
    /// Other files the services need, relative to the main file's folder, written to the same
    /// place under the stack's folder.
    #[serde(default)]
    pub extra_files: Vec<String>,
    /// The folder on SSH hosts under which `<name>/` is made; `/opt/stacks` when unset.
    #[serde(default)]
    pub base_dir: Option<String>,
}

/// A stage of a deploy, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DeployStage {
    WriteFiles,
    Validate,
    Pull,
    Create,
    Start,
    WaitHealthy,
}

/// The outcome of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DeployOutcome {
    Done,
    Skipped,
    Failed,
}

/// One progress event of a deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DeployEvent {
    StageStarted {
        stage: DeployStage,
    },
    /// One output line of a stage, about `service` when set.
    Line {
        stage: DeployStage,
        service: Option<String>,
        text: String,
    },
    /// Pull progress of one image layer, in bytes when the engine sends sizes.
    Layer {
        service: String,
        image: String,
        layer: String,
        status: String,
        #[ts(type = "number | null")]
        current: Option<u64>,
        #[ts(type = "number | null")]
        total: Option<u64>,
    },
    StageFinished {
        stage: DeployStage,
        outcome: DeployOutcome,
        #[ts(type = "number")]
        millis: u64,
    },
}

/// The record of one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeployStageRecord {
    pub stage: DeployStage,
    pub outcome: DeployOutcome,
    pub lines: Vec<String>,
    #[ts(type = "number")]
    pub millis: u64,
}

/// The outcome of a deploy that finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeployResult {
    pub name: String,
    pub stages: Vec<DeployStageRecord>,
    /// Attributes that were not applied, as `service: attribute`.
    pub unsupported: Vec<String>,
    /// Services whose container was created or replaced.
    pub changed: Vec<String>,
    /// Services whose container was kept because nothing changed.
    pub unchanged: Vec<String>,
    #[ts(type = "number")]
    pub millis: u64,
}

impl From<core_deploy::Stage> for DeployStage {
    fn from(stage: core_deploy::Stage) -> Self {
        match stage {
            core_deploy::Stage::WriteFiles => DeployStage::WriteFiles,
            core_deploy::Stage::Validate => DeployStage::Validate,
            core_deploy::Stage::Pull => DeployStage::Pull,
            core_deploy::Stage::Create => DeployStage::Create,
            core_deploy::Stage::Start => DeployStage::Start,
            core_deploy::Stage::WaitHealthy => DeployStage::WaitHealthy,
        }
    }
}

impl From<core_deploy::StageOutcome> for DeployOutcome {
    fn from(outcome: core_deploy::StageOutcome) -> Self {
        match outcome {
            core_deploy::StageOutcome::Done => DeployOutcome::Done,
            core_deploy::StageOutcome::Skipped => DeployOutcome::Skipped,
            core_deploy::StageOutcome::Failed => DeployOutcome::Failed,
        }
    }
}

impl From<core_deploy::DeployEvent> for DeployEvent {
    fn from(event: core_deploy::DeployEvent) -> Self {
        match event {
            core_deploy::DeployEvent::StageStarted { stage } => DeployEvent::StageStarted { stage: stage.into() },
            core_deploy::DeployEvent::Line { stage, service, text } => DeployEvent::Line {
                stage: stage.into(),
                service,
                text,
            },
            core_deploy::DeployEvent::Layer {
                service,
                image,
                layer,
                status,
                current,
                total,
            } => DeployEvent::Layer {
                service,
                image,
                layer,
                status,
                current,
                total,
            },
            core_deploy::DeployEvent::StageFinished { stage, outcome, millis } => DeployEvent::StageFinished {
                stage: stage.into(),
                outcome: outcome.into(),
                millis,
            },
        }
    }
}

impl Api {
    /// Deploys a Compose project to a host so that `docker compose` lists and manages it. `name`
    /// defaults to the project's name. Every stage reports through `on_progress`; cancelling
    /// `cancel` stops the deploy, removes what it created and returns the `Cancelled` error.
    pub async fn stack_deploy(
        &self,
        host_id: &str,
        input: &StackDeployInput,
        name: Option<&str>,
        profiles: &[String],
        on_progress: impl FnMut(DeployEvent) + Send,
        cancel: CancellationToken,
    ) -> ApiResult<DeployResult> {
        deploy_stack(&self.hosts, host_id, input, name, profiles, on_progress, cancel).await
    }
}

/// The change a deploy would make to one service; see [`Api::stack_deploy_preview`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServicePreviewView {
    pub service: String,
    /// `new`, `config` (configuration changed), `image` (another image id), `unchanged`, or
    /// `removed` (a container whose service the files no longer have; deploys leave it alone).
    pub change: String,
}

impl Api {
    /// Compares the files with what runs on the host and returns, per service, what a deploy
    /// would create, replace or keep. Nothing is changed.
    pub async fn stack_deploy_preview(
        &self,
        host_id: &str,
        input: &StackDeployInput,
        name: Option<&str>,
        profiles: &[String],
    ) -> ApiResult<Vec<ServicePreviewView>> {
        let request = deploy_request(input, name, profiles)?;
        let name = request.name.clone();
        let host = self.hosts.get(host_id).await?;
        let engine = self.hosts.engine(&host.id).await?;
        let stack_dir =
            (host.kind == HostKind::Ssh).then(|| format!("{}/{}", request.base_dir.trim_end_matches('/'), name));
        let previews = self
            .evict_on_error(
                &host.id,
                core_deploy::preview(&engine, &request, stack_dir.as_deref()).await,
            )
            .await?;
        Ok(previews
            .into_iter()
            .map(|preview| ServicePreviewView {
                service: preview.service,
                change: crate::enum_text(&preview.change),
            })
            .collect())
    }
}

/// Runs a deploy with the host service alone, so a deploy started in the background can own
/// what it uses; see [`Api::stack_deploy`].
pub(crate) async fn deploy_stack(
    hosts: &homeport_core::hosts::HostService,
    host_id: &str,
    input: &StackDeployInput,
    name: Option<&str>,
    profiles: &[String],
    mut on_progress: impl FnMut(DeployEvent) + Send,
    cancel: CancellationToken,
) -> ApiResult<DeployResult> {
    let request = deploy_request(input, name, profiles)?;
    let name = request.name.clone();

    let host = hosts.get(host_id).await?;
    let engine = hosts.engine(&host.id).await?;
    let session = match host.kind {
        HostKind::Ssh => Some(hosts.session(&host).await?),
        HostKind::Socket | HostKind::Tcp => None,
    };
    let access = match (&session, host.kind) {
        (Some(session), _) => FileAccess::Sftp(session),
        (None, HostKind::Socket) => FileAccess::Local,
        (None, _) => FileAccess::None,
    };
    tracing::info!(host_id = %host.id, stack = %name, "stack deploy started");
    let mut forward = |event: core_deploy::DeployEvent| on_progress(event.into());
    let result = core_deploy::deploy(&engine, access, &request, &mut forward, &cancel).await;
    if let Some(session) = session {
        session.close().await;
    }
    // A broken connection is dropped from the pool, so the next call connects again.
    if matches!(
        result,
        Err(Error::DockerConnection { .. } | Error::HostUnreachable { .. })
    ) {
        hosts.drop_connection(&host.id).await;
    }
    let report = result?;
    Ok(DeployResult {
        name,
        stages: report
            .stages
            .into_iter()
            .map(|record| DeployStageRecord {
                stage: record.stage.into(),
                outcome: record.outcome.into(),
                lines: record.lines,
                millis: record.millis,
            })
            .collect(),
        unsupported: report.unsupported,
        changed: report.changed,
        unchanged: report.unchanged,
        millis: u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX),
    })
}

/// Rejects a base folder that is relative or climbs with `..`, which would put the stack
/// somewhere other than the path shown.
fn check_base_dir(base_dir: &str) -> ApiResult<()> {
    let climbs = base_dir.split('/').any(|part| part == "..");
    if !base_dir.starts_with('/') || climbs {
        return Err(Error::invalid(
            "baseDir",
            base_dir,
            "use an absolute path without '..', such as /opt/stacks or /home/me/stacks",
        )
        .into());
    }
    Ok(())
}

/// Builds the deploy request of `input`; `name` defaults to the project's name.
fn deploy_request(input: &StackDeployInput, name: Option<&str>, profiles: &[String]) -> ApiResult<DeployRequest> {
    let (project, files) = load_stack(input)?;
    let name = name.map(str::to_string).unwrap_or_else(|| project.name.clone());
    let mut request = DeployRequest::new(project, name, profiles.to_vec(), files);
    if let Some(base_dir) = &input.base_dir {
        check_base_dir(base_dir)?;
        request.base_dir = base_dir.clone();
    }
    Ok(request)
}

/// Loads the project and reads the texts of every file to write.
fn load_stack(input: &StackDeployInput) -> ApiResult<(homeport_compose::Project, StackFiles)> {
    let Some(main) = input.files.first() else {
        return Err(Error::invalid("files", "", "name at least one Compose file, such as compose.yaml").into());
    };
    let project_dir = Path::new(main).parent().map(Path::to_path_buf).unwrap_or_default();
    let env_path = input
        .env_file
        .as_ref()
        .map(PathBuf::from)
        .or_else(|| Some(project_dir.join(".env")).filter(|path| path.is_file()));
    let env_text = env_path.as_ref().map(|path| read_text("envFile", path)).transpose()?;

    let mut environment = Environment::default();
    if let (Some(text), Some(_)) = (&env_text, &input.env_file) {
        let pairs = homeport_compose::dotenv::parse_dotenv(text, &|_| None).map_err(|errors| {
            let detail = errors
                .iter()
                .map(|error| format!("line {}: {}", error.line, error.message))
                .collect::<Vec<_>>();
            Error::invalid("envFile", input.env_file.clone().unwrap_or_default(), detail.join("; "))
        })?;
        environment.values = pairs.into_iter().collect();
        environment.ignore_dotenv = true;
    }

    let paths: Vec<PathBuf> = input.files.iter().map(PathBuf::from).collect();
    let project = ComposeFile::load(&paths, &environment).map_err(crate::compose::invalid)?;

    let mut files = StackFiles {
        env: env_text,
        ..StackFiles::default()
    };
    for path in &paths {
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if files.compose.iter().any(|(existing, _)| existing == &file_name) {
            return Err(Error::invalid(
                "files",
                path.display().to_string(),
                "two Compose files have the same file name, but the stack's folder holds one of each; rename one",
            )
            .into());
        }
        files.compose.push((file_name, read_text("files", path)?));
    }
    for extra in &input.extra_files {
        files
            .extra
            .push((extra.clone(), read_text("extraFiles", &project_dir.join(extra))?));
    }
    Ok((project, files))
}

fn read_text(field: &'static str, path: &Path) -> ApiResult<String> {
    std::fs::read_to_string(path).map_err(|err| {
        Error::invalid(
            field,
            path.display().to_string(),
            format!("the file cannot be read ({err}); check the path"),
        )
        .into()
    })
}
