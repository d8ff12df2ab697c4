//! The stages of a deploy, the events reported while it runs, and the record kept of each stage.

use std::time::Instant;

/// One stage of a deploy, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    WriteFiles,
    Validate,
    Pull,
    Create,
    Start,
    WaitHealthy,
}

impl Stage {
    /// Returns the stage's name as messages and JSON output print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::WriteFiles => "write files",
            Stage::Validate => "validate",
            Stage::Pull => "pull",
            Stage::Create => "create",
            Stage::Start => "start",
            Stage::WaitHealthy => "wait healthy",
        }
    }
}

/// The outcome of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StageOutcome {
    Done,
    /// The stage had nothing to do, such as a pull with every image present.
    Skipped,
    /// The stage failed or was cancelled; the deploy stopped there.
    Failed,
}

/// A progress event of a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployEvent {
    StageStarted {
        stage: Stage,
    },
    /// One line of a stage's output, about one service when `service` is set.
    Line {
        stage: Stage,
        service: Option<String>,
        text: String,
    },
    /// Progress of one image layer while pulling. Sizes are in bytes, when the engine sends them.
    Layer {
        service: String,
        image: String,
        layer: String,
        status: String,
        current: Option<u64>,
        total: Option<u64>,
    },
    StageFinished {
        stage: Stage,
        outcome: StageOutcome,
        millis: u64,
    },
}

/// The record of one stage: its outcome, its output lines and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRecord {
    pub stage: Stage,
    pub outcome: StageOutcome,
    pub lines: Vec<String>,
    pub millis: u64,
}

/// Forwards events to the caller's callback and records each stage.
pub(crate) struct Reporter<'a> {
    callback: &'a mut (dyn FnMut(DeployEvent) + Send),
    records: Vec<StageRecord>,
    current: Option<(Stage, Instant, Vec<String>)>,
    last: Option<Stage>,
}

impl<'a> Reporter<'a> {
    pub fn new(callback: &'a mut (dyn FnMut(DeployEvent) + Send)) -> Self {
        Self {
            callback,
            records: Vec::new(),
            current: None,
            last: None,
        }
    }

    pub fn begin(&mut self, stage: Stage) {
        self.current = Some((stage, Instant::now(), Vec::new()));
        self.last = Some(stage);
        (self.callback)(DeployEvent::StageStarted { stage });
    }

    /// Reports one output line of the current stage, prefixed with the service in the record.
    pub fn line(&mut self, service: Option<&str>, text: impl Into<String>) {
        let text = text.into();
        let Some((stage, _, lines)) = &mut self.current else {
            return;
        };
        let stage = *stage;
        lines.push(match service {
            Some(service) => format!("{service}: {text}"),
            None => text.clone(),
        });
        (self.callback)(DeployEvent::Line {
            stage,
            service: service.map(str::to_string),
            text,
        });
    }

    pub fn layer(&mut self, event: DeployEvent) {
        (self.callback)(event);
    }

    pub fn finish(&mut self, outcome: StageOutcome) {
        let Some((stage, started, lines)) = self.current.take() else {
            return;
        };
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.records.push(StageRecord {
            stage,
            outcome,
            lines,
            millis,
        });
        (self.callback)(DeployEvent::StageFinished { stage, outcome, millis });
    }

    /// Ends the running stage, if any, as failed.
    pub fn fail_current(&mut self) {
        self.finish(StageOutcome::Failed);
    }

    /// Returns the stage that ran last, finished or not.
    pub fn last_stage(&self) -> Option<Stage> {
        self.last
    }

    pub fn into_records(self) -> Vec<StageRecord> {
        self.records
    }
}
