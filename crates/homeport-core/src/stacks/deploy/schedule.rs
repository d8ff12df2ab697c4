//! Runs the per-service steps of a stage concurrently: each service as soon as the services it
//! depends on have finished, at most [`MAX_CONCURRENT`] at a time.
//!
//! The steps run on the calling task, so a step reports its lines through [`Progress`] and the
//! scheduler forwards them to the [`Reporter`]: the lines of one service keep their order, and
//! lines of different services interleave as they happen. After the first failure or a cancel
//! no further step starts, steps that wait are cancelled, and every step already sent to the
//! engine is awaited and recorded, so the cleanup removes everything the stage created.

use std::future::Future;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::events::Reporter;
use crate::error::{Error, Result};

/// The maximum number of steps of one stage in flight at once. Compose v2 sets no bound by
/// default. This one keeps a large stack from opening dozens of engine connections at once,
/// which over SSH are channels of one connection.
pub(super) const MAX_CONCURRENT: usize = 8;

/// Sends output lines of one step to the reporter, tagged with the step's service.
#[derive(Clone)]
pub(super) struct Progress {
    index: usize,
    sender: UnboundedSender<(usize, String)>,
}

impl Progress {
    pub fn line(&self, text: impl Into<String>) {
        // Steps run only inside `run_steps`, which keeps the receiver until the last one ends.
        let _ = self.sender.send((self.index, text.into()));
    }
}

/// One step to run: the service it is about and the services whose steps must finish first.
/// Dependencies that are not steps of this run are ignored.
pub(super) struct Step {
    pub service: String,
    pub after: Vec<String>,
}

/// Runs `run` for every step and hands each output to `finish`, in the order the steps end.
///
/// `run` receives the step's index, its [`Progress`] and a token that is cancelled when the
/// stage stops. `finish` records the output and returns an error when the step failed; the
/// first such error is returned once every started step has ended. Steps whose dependencies
/// did not finish never start.
pub(super) async fn run_steps<T, Run, Fut, Finish>(
    steps: &[Step],
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
    run: Run,
    mut finish: Finish,
) -> Result<()>
where
    Run: Fn(usize, Progress, CancellationToken) -> Fut,
    Fut: Future<Output = T>,
    Finish: FnMut(usize, T, &mut Reporter<'_>) -> Result<()>,
{
    let stage = cancel.child_token();
    let (sender, mut receiver) = unbounded_channel::<(usize, String)>();
    let mut started = vec![false; steps.len()];
    let mut done = vec![false; steps.len()];
    let mut running = FuturesUnordered::new();
    let mut first_error: Option<Error> = None;

    let is_ready = |index: usize, done: &[bool]| {
        steps[index].after.iter().all(|dependency| {
            steps
                .iter()
                .position(|step| &step.service == dependency)
                .is_none_or(|position| done[position])
        })
    };

    loop {
        if first_error.is_none() && !stage.is_cancelled() {
            for (index, launched) in started.iter_mut().enumerate() {
                if running.len() >= MAX_CONCURRENT {
                    break;
                }
                if *launched || !is_ready(index, &done) {
                    continue;
                }
                *launched = true;
                let progress = Progress {
                    index,
                    sender: sender.clone(),
                };
                let step = run(index, progress, stage.clone());
                running.push(async move { (index, step.await) });
            }
        }
        if running.is_empty() {
            break;
        }

        tokio::select! {
            Some((index, text)) = receiver.recv() => {
                reporter.line(Some(&steps[index].service), text);
            }
            Some((index, output)) = running.next() => {
                // Lines a step sent before it ended come before its result.
                while let Ok((line_index, text)) = receiver.try_recv() {
                    reporter.line(Some(&steps[line_index].service), text);
                }
                match finish(index, output, reporter) {
                    Ok(()) => done[index] = true,
                    Err(err) => {
                        if first_error.is_none() {
                            first_error = Some(err);
                        }
                        stage.cancel();
                    }
                }
            }
        }
    }
    while let Ok((index, text)) = receiver.try_recv() {
        reporter.line(Some(&steps[index].service), text);
    }

    match first_error {
        // A cancel by the caller wins over the errors it caused in the steps.
        Some(_) if cancel.is_cancelled() => Err(Error::Cancelled),
        Some(err) => Err(err),
        None if cancel.is_cancelled() => Err(Error::Cancelled),
        None => Ok(()),
    }
}
