//! TypeScript declarations for every type that crosses IPC, written to `ui/src/lib/ipc/types.ts`.
//!
//! `make bindings` (or `UPDATE_BINDINGS=1 cargo test -p homeport-api bindings`) rewrites the
//! file; the test below fails when the committed file differs from what the Rust types produce.

use ts_rs::TS;

use crate::about::{AboutInfo, DesktopSettings, UpdateInfo};
use crate::alertmanager::AlertmanagerSyncView;
use crate::alerts::*;
use crate::backup::dto::{
    BackupPlanInput, BackupPlanView, BackupToolsView, DrillReportView, DueRun, S3KeyInput, SchedulePreviewView,
};
use crate::builder::*;
use crate::compose::*;
use crate::config_transfer::*;
use crate::cost::*;
use crate::dto::*;
use crate::export::*;
use crate::facts::*;
use crate::files::*;
use crate::first_run::LocalEngineView;
use crate::fleet::*;
use crate::import::*;
use crate::monitoring::*;
use crate::notify::{NotifyChannelInput, NotifyChannelView, NotifySecretInput, NotifyTestView};
use crate::orchestrators::*;
use crate::prometheus::*;
use crate::stack_updates::*;
use crate::stacks::*;
use crate::template_deploy::*;
use crate::template_sources::*;
use crate::templates::*;
use crate::terminal::*;
use crate::tls_checks::TlsEndpointView;
use homeport_compose::builder::{BuilderEdit, BuilderView, EnvEntry, ProxyKind, ProxyRoute, ProxyService, ServiceCard};
use homeport_core::alerts::alertmanager::{AlertmanagerSource, Matcher, NewSilence, Silence};
use homeport_core::alerts::notify::{ChannelKind, ChannelSettings, QuietHours, SecretField, SmtpSecurity};
use homeport_core::alerts::tls::{TlsEndpoint, TlsReport};
use homeport_core::backup::classify::LockHolder;
use homeport_core::backup::databases::{DatabaseEngine, DatabaseTarget, DiscoveredDatabase, Evidence};
use homeport_core::backup::db_restore::{DatabaseDestination, DatabaseRestoreRequest};
use homeport_core::backup::plan::{
    BackupItem, DrillSettings, PlanDefinition, RepositoryDefinition, RepositoryPlace, Retention,
};
use homeport_core::backup::restic::{BackupStatus, Node, Snapshot};
use homeport_core::backup::restore::{RestoreAction, RestorePreview, RestorePreviewEntry, RestoreRequest};
use homeport_core::backup::rule321::{Finding, Rule321Report};
use homeport_core::backup::run::RunEvent;
use homeport_core::backup::stack_restore::StackRestoreRequest;
use homeport_core::backup::stacks::{StackDatabase, StackManifest, StackMount, StackVolume};
use homeport_core::backup::store::{
    DrillDatabase, DrillFile, DrillRecord, RunKind, RunRecord, RunStatus, RunTrigger, StageRecord, StoredPlan,
};
use homeport_core::orchestrators::rules::{Answers, Ops, Platform, QuestionId, Scale, Team, Workloads};
use homeport_core::ErrorCode;

/// The committed file, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/ipc/types.ts";

/// Renders the whole bindings file.
pub fn render() -> String {
    let declarations = [
        AuthMethod::decl(),
        HostKind::decl(),
        HostView::decl(),
        HostInput::decl(),
        EngineTlsView::decl(),
        EngineInput::decl(),
        ErrorCode::decl(),
        IpcError::decl(),
        DockerInfo::decl(),
        PortView::decl(),
        ContainerView::decl(),
        ContainerAction::decl(),
        MemoryUsage::decl(),
        LogStreamKind::decl(),
        LogEvent::decl(),
        ContainerEvent::decl(),
        Language::decl(),
        Theme::decl(),
        SecretToEnterView::decl(),
        ConfigExportView::decl(),
        ConfigImportItemView::decl(),
        ConfigImportView::decl(),
        LocalEngineView::decl(),
        AboutInfo::decl(),
        DesktopSettings::decl(),
        UpdateInfo::decl(),
        Settings::decl(),
        AppInfo::decl(),
        FilesystemView::decl(),
        HostFactsView::decl(),
        HostState::decl(),
        ContainerCountsView::decl(),
        OpenAlertView::decl(),
        FleetHost::decl(),
        ImportFiles::decl(),
        ImportActionKind::decl(),
        HostKeyStatus::decl(),
        ImportOriginKind::decl(),
        ImportProblemView::decl(),
        ImportCandidateView::decl(),
        ImportPreview::decl(),
        ImportResult::decl(),
        ComposeDiagnostic::decl(),
        ProxyKind::decl(),
        ProxyRoute::decl(),
        ProxyService::decl(),
        EnvEntry::decl(),
        ServiceCard::decl(),
        BuilderView::decl(),
        BuilderEdit::decl(),
        DraftFile::decl(),
        BuilderDraft::decl(),
        BuilderState::decl(),
        BuilderDeployInput::decl(),
        StackDraft::decl(),
        ComposeRisk::decl(),
        ComposeReport::decl(),
        ComposeInput::decl(),
        RunFlagView::decl(),
        RunConversionView::decl(),
        ExportFileView::decl(),
        ExportWarningView::decl(),
        ExportView::decl(),
        SwarmDeployView::decl(),
        LocalizedText::decl(),
        TemplateOptionView::decl(),
        TemplateParameterView::decl(),
        TemplateSourceKind::decl(),
        TemplateLocationKind::decl(),
        TemplateSourceView::decl(),
        TemplateOriginView::decl(),
        TemplateDeploymentView::decl(),
        TemplateView::decl(),
        RenderedTemplate::decl(),
        TemplateDeployInput::decl(),
        TemplateDeployEvent::decl(),
        StackStatus::decl(),
        StackServiceView::decl(),
        StackView::decl(),
        StackActionKind::decl(),
        ServicePreviewView::decl(),
        StackDeployInput::decl(),
        DeployStage::decl(),
        DeployOutcome::decl(),
        DeployEvent::decl(),
        DeployStageRecord::decl(),
        DeployResult::decl(),
        ImageUpdateStatus::decl(),
        ImageUpdateView::decl(),
        StackUpdateResult::decl(),
        StackUpdateEvent::decl(),
        TransferEvent::decl(),
        TerminalTarget::decl(),
        TerminalExit::decl(),
        TerminalEvent::decl(),
        Team::decl(),
        Workloads::decl(),
        Scale::decl(),
        Ops::decl(),
        Platform::decl(),
        QuestionId::decl(),
        Answers::decl(),
        WizardOptionView::decl(),
        WizardQuestionView::decl(),
        MatrixRowView::decl(),
        WizardView::decl(),
        ReasonView::decl(),
        NoteView::decl(),
        RecommendationView::decl(),
        PrefillView::decl(),
        SavedChoiceView::decl(),
        RolloutItemView::decl(),
        RolloutPhaseView::decl(),
        UnreachableHostView::decl(),
        RolloutView::decl(),
        PrometheusSourceInput::decl(),
        PrometheusSourceOrigin::decl(),
        PrometheusSourceView::decl(),
        PrometheusTestView::decl(),
        PrometheusSpecialValue::decl(),
        PrometheusPointView::decl(),
        PrometheusSeriesView::decl(),
        PrometheusSampleView::decl(),
        PrometheusQueryView::decl(),
        PrometheusRangeView::decl(),
        MetricsPanel::decl(),
        ChartTheme::decl(),
        ChartFormat::decl(),
        ChartRequest::decl(),
        PromChartRequest::decl(),
        PlotAreaView::decl(),
        ChartPointView::decl(),
        ChartSeriesView::decl(),
        ChartView::decl(),
        CollectReportView::decl(),
        MetricsSettingsView::decl(),
        SeriesView::decl(),
        PowerMode::decl(),
        Period::decl(),
        HardwareItem::decl(),
        Device::decl(),
        RunningCost::decl(),
        Upkeep::decl(),
        Subscription::decl(),
        Scenario::decl(),
        ProblemKind::decl(),
        Problem::decl(),
        NeverReason::decl(),
        NetPosition::decl(),
        Outcome::decl(),
        Breakdown::decl(),
        SensitivityCase::decl(),
        SensitivityRow::decl(),
        Analysis::decl(),
        DetectedApp::decl(),
        Prefill::decl(),
        CostCurrencyView::decl(),
        CostCatalogEntryView::decl(),
        CostPresetView::decl(),
        CostReferenceView::decl(),
        CostCalculationView::decl(),
        CostTheme::decl(),
        CostExportFormat::decl(),
        CostExportView::decl(),
        SavedCostScenarioView::decl(),
        CostPrefillView::decl(),
        AlertCommentView::decl(),
        AlertView::decl(),
        AlertFilterInput::decl(),
        AlertRuleView::decl(),
        AlertRuleUpdate::decl(),
        FlapSetting::decl(),
        NewRuleInput::decl(),
        RuleImportView::decl(),
        RuleExportView::decl(),
        ChannelKind::decl(),
        SecretField::decl(),
        SmtpSecurity::decl(),
        ChannelSettings::decl(),
        QuietHours::decl(),
        NotifyChannelView::decl(),
        NotifySecretInput::decl(),
        NotifyChannelInput::decl(),
        NotifyTestView::decl(),
        TlsEndpoint::decl(),
        TlsReport::decl(),
        TlsEndpointView::decl(),
        AlertmanagerSource::decl(),
        Matcher::decl(),
        Silence::decl(),
        NewSilence::decl(),
        AlertmanagerSyncView::decl(),
        PlanDefinition::decl(),
        BackupItem::decl(),
        RepositoryDefinition::decl(),
        RepositoryPlace::decl(),
        Finding::decl(),
        Rule321Report::decl(),
        Retention::decl(),
        DrillSettings::decl(),
        StoredPlan::decl(),
        RunKind::decl(),
        RunTrigger::decl(),
        RunStatus::decl(),
        StageRecord::decl(),
        RunRecord::decl(),
        DrillFile::decl(),
        DrillDatabase::decl(),
        DrillRecord::decl(),
        BackupStatus::decl(),
        RunEvent::decl(),
        Snapshot::decl(),
        Node::decl(),
        LockHolder::decl(),
        RestoreRequest::decl(),
        RestoreAction::decl(),
        RestorePreviewEntry::decl(),
        RestorePreview::decl(),
        DatabaseEngine::decl(),
        Evidence::decl(),
        DatabaseTarget::decl(),
        DiscoveredDatabase::decl(),
        DatabaseDestination::decl(),
        DatabaseRestoreRequest::decl(),
        StackMount::decl(),
        StackVolume::decl(),
        StackDatabase::decl(),
        StackManifest::decl(),
        StackRestoreRequest::decl(),
        BackupPlanInput::decl(),
        S3KeyInput::decl(),
        BackupPlanView::decl(),
        SchedulePreviewView::decl(),
        BackupToolsView::decl(),
        DueRun::decl(),
        DrillReportView::decl(),
    ];

    let mut out = String::from(
        "// Generated from the Rust types in crates/homeport-api by ts-rs. Do not edit.\n\
         // Regenerate with `make bindings`; `cargo test -p homeport-api` fails when this file is stale.\n",
    );
    for declaration in declarations {
        out.push('\n');
        out.push_str("export ");
        out.push_str(declaration.trim());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn bindings_file_is_current() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(BINDINGS_PATH);
        let expected = render();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "{} is stale: run `make bindings` and commit the result",
            BINDINGS_PATH
        );
    }
}
