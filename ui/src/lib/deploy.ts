// The progress of a deploy as the deploy dialog shows it: one entry per stage, in the order
// the backend runs them, with the output lines each stage printed.

import type { DeployEvent, DeployOutcome, DeployStage } from './ipc/types';

export const DEPLOY_STAGES: readonly DeployStage[] = [
  'writeFiles',
  'validate',
  'pull',
  'create',
  'start',
  'waitHealthy',
];

export type StageState = 'waiting' | 'running' | DeployOutcome;

export interface StageProgress {
  stage: DeployStage;
  state: StageState;
  lines: string[];
  millis: number | null;
}

/**
 * Returns the progress before the first event: every stage waiting. An image update runs only
 * some of the deploy's stages and passes those.
 */
export function initialProgress(stages: readonly DeployStage[] = DEPLOY_STAGES): StageProgress[] {
  return stages.map((stage) => ({ stage, state: 'waiting', lines: [], millis: null }));
}

/** The maximum number of output lines kept per stage, so a long pull cannot grow the dialog without end. */
const MAX_LINES = 200;

/** Returns `progress` with `event` applied. */
export function applyDeployEvent(progress: StageProgress[], event: DeployEvent): StageProgress[] {
  const stage = event.kind === 'layer' ? 'pull' : event.stage;
  return progress.map((entry) => {
    if (entry.stage !== stage) {
      return entry;
    }
    switch (event.kind) {
      case 'stageStarted':
        return { ...entry, state: 'running' };
      case 'stageFinished':
        return { ...entry, state: event.outcome, millis: event.millis };
      case 'line': {
        const text = event.service ? `${event.service}: ${event.text}` : event.text;
        return { ...entry, lines: [...entry.lines, text].slice(-MAX_LINES) };
      }
      case 'layer': {
        const text = `${event.service} ${event.layer}: ${event.status}`;
        return { ...entry, lines: [...entry.lines, text].slice(-MAX_LINES) };
      }
    }
  });
}

/** Accepts what the backend accepts as a Compose project name. */
export function isValidStackName(name: string): boolean {
  return /^[a-z0-9][a-z0-9_-]{0,62}$/.test(name.trim());
}
