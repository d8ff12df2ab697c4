//! The orchestrator wizard and the rollout plan.
//!
//! The wizard's questions, platforms and matrix come from the rules file as they are, in both
//! languages, so the UI and the CLI show the same texts. Answers and platform ids cross IPC as
//! core's enums, which serialize to the ids the rules file uses.

use std::time::Duration;

use homeport_core::orchestrators::choice::{self, SavedChoice};
use homeport_core::orchestrators::prefill::{self, FleetSummary};
use homeport_core::orchestrators::recommend::{NoteText, Reason};
use homeport_core::orchestrators::rules::QuestionId;
use homeport_core::orchestrators::{self, Answers, Ops, Platform, Recommendation, Rules, Scale, Team, Workloads};
use homeport_core::rollout::{self, ItemStatus, PhaseStatus, RolloutStatus};
use homeport_core::ErrorCode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult, LocalizedText};

/// How long one host may take in the rollout scan when the caller gives no timeout.
pub const DEFAULT_ROLLOUT_TIMEOUT: Duration = Duration::from_secs(5);

/// One answer a wizard question offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WizardOptionView {
    /// The answer's id, such as `solo` or `edge`.
    pub id: String,
    pub label: LocalizedText,
    pub help: LocalizedText,
}

/// One wizard question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WizardQuestionView {
    pub id: QuestionId,
    pub title: LocalizedText,
    pub help: LocalizedText,
    pub options: Vec<WizardOptionView>,
}

/// One row of the capability matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MatrixRowView {
    pub id: Platform,
    pub name: LocalizedText,
    pub best_for: LocalizedText,
    pub strength: LocalizedText,
    pub learning_curve: LocalizedText,
    pub ops_overhead: LocalizedText,
}

/// Everything the wizard shows before it has answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WizardView {
    pub questions: Vec<WizardQuestionView>,
    pub matrix: Vec<MatrixRowView>,
    pub advice: Vec<LocalizedText>,
}

/// The reason one answer moved the recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReasonView {
    pub question: QuestionId,
    pub answer: String,
    pub text: LocalizedText,
}

/// A conflict between answers, or a tip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NoteView {
    pub id: String,
    pub text: LocalizedText,
}

/// The wizard's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationView {
    pub answers: Answers,
    pub primary: Platform,
    pub primary_name: LocalizedText,
    pub runner_up: Platform,
    pub runner_up_name: LocalizedText,
    /// The matrix row to highlight: `kubernetes` for a managed Kubernetes service.
    pub highlight: Platform,
    /// The id of the rule that decided, for support and tests.
    pub rule: String,
    pub summary: LocalizedText,
    /// The answers that led to the result, in question order.
    pub reasons: Vec<ReasonView>,
    /// Answers that pull in different directions, with the trade-off.
    pub conflicts: Vec<NoteView>,
    pub tips: Vec<NoteView>,
    pub advice: Vec<LocalizedText>,
}

/// Answers guessed from the fleet, each `null` when the fleet does not tell, with the facts
/// behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrefillView {
    pub team: Option<Team>,
    pub workloads: Option<Workloads>,
    pub scale: Option<Scale>,
    pub ops: Option<Ops>,
    pub hosts: u32,
    /// Hosts with cached facts; the CPU and memory totals cover only these.
    pub hosts_with_facts: u32,
    pub cpu_cores: u32,
    #[ts(type = "number")]
    pub memory_bytes: u64,
    /// Hosts with facts and less than 4 GiB of memory.
    pub small_hosts: u32,
    /// Hosts whose stacks were counted: only those with an open connection, so the guess never
    /// connects to a host.
    pub hosts_with_stacks_counted: u32,
    pub stacks: u32,
}

/// The orchestrator saved from the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedChoiceView {
    pub answers: Answers,
    pub platform: Platform,
    pub platform_name: LocalizedText,
    pub runner_up: Platform,
    /// RFC 3339.
    pub saved_at: String,
}

/// One rollout checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RolloutItemView {
    pub id: String,
    pub title: LocalizedText,
    pub detail: LocalizedText,
    /// Whether Homeport can tick this item by itself.
    pub detectable: bool,
    pub detected: bool,
    /// The evidence found, such as `nas: caddy:2`, or the saved platform's id.
    pub evidence: Vec<String>,
    /// Ticked by hand.
    pub checked: bool,
    /// Detected or ticked by hand.
    pub done: bool,
}

/// One rollout phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RolloutPhaseView {
    pub id: String,
    pub title: LocalizedText,
    pub duration: LocalizedText,
    pub items: Vec<RolloutItemView>,
    pub done: u32,
    pub total: u32,
}

/// A host the rollout scan could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnreachableHostView {
    pub host: String,
    pub code: ErrorCode,
}

/// The rollout plan with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RolloutView {
    pub phases: Vec<RolloutPhaseView>,
    pub choice: Option<SavedChoiceView>,
    /// Hosts scanned.
    pub hosts: u32,
    pub unreachable: Vec<UnreachableHostView>,
}

impl Api {
    /// Returns the wizard's questions, capability matrix and advice.
    pub fn orchestrator_wizard(&self) -> ApiResult<WizardView> {
        let rules = Rules::embedded()?;
        Ok(WizardView {
            questions: rules
                .questions
                .iter()
                .map(|question| WizardQuestionView {
                    id: question.id,
                    title: (&question.title).into(),
                    help: (&question.help).into(),
                    options: question
                        .options
                        .iter()
                        .map(|option| WizardOptionView {
                            id: option.id.clone(),
                            label: (&option.label).into(),
                            help: (&option.help).into(),
                        })
                        .collect(),
                })
                .collect(),
            matrix: rules
                .matrix
                .iter()
                .map(|row| MatrixRowView {
                    id: row.id,
                    name: (&row.name).into(),
                    best_for: (&row.best_for).into(),
                    strength: (&row.strength).into(),
                    learning_curve: (&row.learning_curve).into(),
                    ops_overhead: (&row.ops_overhead).into(),
                })
                .collect(),
            advice: rules.advice.iter().map(LocalizedText::from).collect(),
        })
    }

    /// Recommends a platform for a complete set of answers.
    pub fn orchestrator_recommend(&self, answers: Answers) -> ApiResult<RecommendationView> {
        let rules = Rules::embedded()?;
        let recommendation = orchestrators::recommend(answers)?;
        Ok(recommendation_view(rules, recommendation))
    }

    /// Guesses answers from the stored hosts and facts, without connecting to any host.
    pub async fn orchestrator_prefill(&self) -> ApiResult<PrefillView> {
        let summary = prefill::summarize(&self.hosts).await?;
        Ok(prefill_view(&summary))
    }

    /// Saves the recommendation for `answers` as the chosen orchestrator, which ticks the
    /// rollout plan's orchestrator item.
    pub async fn orchestrator_save(&self, answers: Answers) -> ApiResult<SavedChoiceView> {
        let recommendation = orchestrators::recommend(answers)?;
        let saved = choice::save(self.hosts.store(), &recommendation).await?;
        Ok(choice_view(Rules::embedded()?, saved))
    }

    /// Returns the saved orchestrator, or `None` when none was saved.
    pub async fn orchestrator_choice(&self) -> ApiResult<Option<SavedChoiceView>> {
        let rules = Rules::embedded()?;
        let saved = choice::load(self.hosts.store()).await?;
        Ok(saved.map(|saved| choice_view(rules, saved)))
    }

    /// Scans every host (each within `timeout`, default 5 s) and returns the rollout plan with
    /// what was detected and what was ticked by hand.
    pub async fn rollout_status(&self, timeout: Option<Duration>) -> ApiResult<RolloutView> {
        let status = rollout::status(&self.hosts, timeout.unwrap_or(DEFAULT_ROLLOUT_TIMEOUT)).await?;
        Ok(rollout_view(Rules::embedded()?, status))
    }

    /// Ticks or unticks a rollout item by hand.
    pub async fn rollout_check(&self, item: &str, checked: bool) -> ApiResult<()> {
        rollout::set_checked(self.hosts.store(), item, checked).await?;
        Ok(())
    }
}

fn platform_name(rules: &Rules, platform: Platform) -> LocalizedText {
    rules
        .platform(platform)
        .map(|info| LocalizedText::from(&info.name))
        .unwrap_or_else(|| LocalizedText {
            en: platform.id().to_string(),
            zh_cn: platform.id().to_string(),
        })
}

fn recommendation_view(rules: &Rules, recommendation: Recommendation) -> RecommendationView {
    let reason = |reason: Reason| ReasonView {
        question: reason.question,
        answer: reason.answer.to_string(),
        text: (&reason.text).into(),
    };
    let note = |note: NoteText| NoteView {
        id: note.id,
        text: (&note.text).into(),
    };
    RecommendationView {
        answers: recommendation.answers,
        primary: recommendation.primary,
        primary_name: platform_name(rules, recommendation.primary),
        runner_up: recommendation.runner_up,
        runner_up_name: platform_name(rules, recommendation.runner_up),
        highlight: recommendation.highlight,
        rule: recommendation.rule,
        summary: (&recommendation.summary).into(),
        reasons: recommendation.reasons.into_iter().map(reason).collect(),
        conflicts: recommendation.conflicts.into_iter().map(note).collect(),
        tips: recommendation.tips.into_iter().map(note).collect(),
        advice: rules.advice.iter().map(LocalizedText::from).collect(),
    }
}

fn prefill_view(summary: &FleetSummary) -> PrefillView {
    let guess = prefill::guess(summary);
    PrefillView {
        team: None,
        workloads: guess.workloads,
        scale: guess.scale,
        ops: None,
        hosts: summary.hosts,
        hosts_with_facts: summary.hosts_with_facts,
        cpu_cores: summary.cpu_cores,
        memory_bytes: summary.memory_bytes,
        small_hosts: summary.small_hosts,
        hosts_with_stacks_counted: summary.hosts_with_stacks_counted,
        stacks: summary.stacks,
    }
}

fn choice_view(rules: &Rules, saved: SavedChoice) -> SavedChoiceView {
    SavedChoiceView {
        answers: saved.answers,
        platform: saved.platform,
        platform_name: platform_name(rules, saved.platform),
        runner_up: saved.runner_up,
        saved_at: saved.saved_at,
    }
}

fn rollout_view(rules: &Rules, status: RolloutStatus) -> RolloutView {
    let item = |item: ItemStatus| RolloutItemView {
        id: item.id,
        title: (&item.title).into(),
        detail: (&item.detail).into(),
        detectable: item.detect.is_some(),
        detected: item.detection.as_ref().is_some_and(|detection| detection.detected),
        evidence: item.detection.map(|detection| detection.evidence).unwrap_or_default(),
        checked: item.checked,
        done: item.done,
    };
    let phase = |phase: PhaseStatus| RolloutPhaseView {
        id: phase.id,
        title: (&phase.title).into(),
        duration: (&phase.duration).into(),
        items: phase.items.into_iter().map(item).collect(),
        done: phase.done,
        total: phase.total,
    };
    RolloutView {
        phases: status.phases.into_iter().map(phase).collect(),
        choice: status.choice.map(|saved| choice_view(rules, saved)),
        hosts: status.hosts,
        unreachable: status
            .unreachable
            .into_iter()
            .map(|(host, code)| UnreachableHostView { host, code })
            .collect(),
    }
}
