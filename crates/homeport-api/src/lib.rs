//! The operations both shells offer, as plain async functions over `homeport-core`.
//!
//! The Tauri commands in `src-tauri` and the `homeport` CLI call these and nothing below them,
//! so both behave the same. Every function returns [`IpcError`] on failure: a stable code for
//! the UI, the values for its translated message, and an English message for the CLI and logs.
//! Nothing here depends on Tauri, and streams report through plain callbacks.

pub mod about;
pub mod alertmanager;
pub mod alerts;
pub mod backup;
pub mod bindings;
pub mod builder;
pub mod compose;
pub mod config_transfer;
mod containers;
pub mod cost;
pub mod dto;
pub mod export;
pub mod facts;
pub mod files;
pub mod first_run;
pub mod fleet;
mod hosts;
pub mod import;
pub mod logging;
pub mod messages;
pub mod monitoring;
pub mod notify;
pub mod orchestrators;
pub mod prometheus;
mod settings;
pub mod stack_updates;
pub mod stacks;
mod subscriptions;
pub mod template_deploy;
pub mod template_sources;
pub mod templates;
pub mod terminal;
pub mod tls_checks;
mod user_path;

use homeport_core::hosts::HostService;
use homeport_core::paths::AppPaths;
use homeport_core::secrets::Keychain;
use homeport_core::store::Store;

pub use about::{AboutInfo, DesktopSettings, UpdateInfo};
pub use compose::{ComposeDiagnostic, ComposeInput, ComposeReport, ComposeRisk, RunConversionView, RunFlagView};
pub use dto::*;
pub use export::{ExportFileView, ExportView, ExportWarningView, SwarmDeployView};
pub use facts::{FilesystemView, HostFactsView};
pub use files::TransferEvent;
pub use fleet::{ContainerCountsView, FleetHost, HostState, OpenAlertView};
pub use import::{
    HostKeyStatus, ImportActionKind, ImportCandidateView, ImportFiles, ImportOriginKind, ImportPreview,
    ImportProblemView, ImportResult,
};
pub use orchestrators::{
    MatrixRowView, NoteView, PrefillView, ReasonView, RecommendationView, RolloutItemView, RolloutPhaseView,
    RolloutView, SavedChoiceView, UnreachableHostView, WizardOptionView, WizardQuestionView, WizardView,
};
pub use prometheus::{
    PrometheusPointView, PrometheusQueryView, PrometheusRangeView, PrometheusSampleView, PrometheusSeriesView,
    PrometheusSourceInput, PrometheusSourceOrigin, PrometheusSourceView, PrometheusSpecialValue, PrometheusTestView,
};
pub use stack_updates::{ImageUpdateStatus, ImageUpdateView, StackUpdateEvent, StackUpdateResult};
pub use stacks::{
    DeployEvent, DeployOutcome, DeployResult, DeployStage, DeployStageRecord, ServicePreviewView, StackActionKind,
    StackDeployInput, StackServiceView, StackStatus, StackView,
};
pub use subscriptions::{Sink, SubscriptionId, Subscriptions};
pub use template_deploy::{TemplateDeployEvent, TemplateDeployInput};
pub use template_sources::{TemplateLocationKind, TemplateSourceKind, TemplateSourceView};
pub use templates::{
    LocalizedText, RenderedTemplate, TemplateDeploymentView, TemplateOptionView, TemplateOriginView,
    TemplateParameterView, TemplateView,
};
pub use terminal::{TerminalEvent, TerminalExit, TerminalId, TerminalTarget, Terminals};

/// The result every API function returns.
pub type ApiResult<T> = Result<T, IpcError>;

/// Returns the text a unit enum serializes to, such as `dockerSocket`, for views that carry it
/// as a string.
pub(crate) fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Everything one process shares: the store, the keychain, the connection pool and the
/// running streams. Create one with [`Api::open`] and pass it by reference.
#[derive(Debug)]
pub struct Api {
    hosts: HostService,
    subscriptions: Subscriptions,
    terminals: Terminals,
    monitoring: monitoring::Monitoring,
    paths: AppPaths,
}

impl Api {
    /// Opens the database under `paths` (creating folders and schema as needed).
    pub async fn open(paths: AppPaths) -> ApiResult<Self> {
        paths.create()?;
        let store = Store::open(&paths.database_file()).await?;
        Ok(Self {
            hosts: HostService::new(store, Keychain),
            subscriptions: Subscriptions::default(),
            terminals: Terminals::default(),
            monitoring: monitoring::Monitoring::default(),
            paths,
        })
    }

    /// Opens the database under `paths` for a run that writes nothing, such as a preview: no
    /// folder or database is created, and an existing database is opened read-only (see
    /// [`Store::open_read_only`]).
    pub async fn open_read_only(paths: AppPaths) -> ApiResult<Self> {
        let store = Store::open_read_only(&paths.database_file()).await?;
        Ok(Self {
            hosts: HostService::new(store, Keychain),
            subscriptions: Subscriptions::default(),
            terminals: Terminals::default(),
            monitoring: monitoring::Monitoring::default(),
            paths,
        })
    }

    /// Returns the folders in use.
    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// Returns the host service, for integration tests that look underneath the API.
    pub fn host_service(&self) -> &HostService {
        &self.hosts
    }

    /// Cancels a running stream. Unknown or finished ids are ignored.
    pub fn subscription_cancel(&self, id: SubscriptionId) {
        self.subscriptions.cancel(id);
    }
}

/// Returns the version and commit this binary was built from.
pub fn version() -> (&'static str, &'static str) {
    (env!("CARGO_PKG_VERSION"), env!("HOMEPORT_COMMIT"))
}
