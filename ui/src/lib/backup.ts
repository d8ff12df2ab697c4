// Pure helpers of the Backups screen: progress from run events, durations, 3-2-1 findings and
// the plan draft of the new-plan wizard.

import type { BackupStatus, PlanDefinition, RepositoryDefinition, RunEvent } from './ipc/types';

/** The live state of one run, folded from its channel events. */
export interface RunProgress {
  runId: string | null;
  /** The stage running now, such as `backup` or `check`. It is empty before the first stage. */
  stage: string;
  repository: string;
  status: BackupStatus | null;
  finished: boolean;
}

export function emptyProgress(): RunProgress {
  return { runId: null, stage: '', repository: '', status: null, finished: false };
}

/** Applies one run event to the progress. Returns a new object, so assigning it triggers Svelte's update. */
export function applyRunEvent(progress: RunProgress, event: RunEvent): RunProgress {
  switch (event.type) {
    case 'started':
      return { ...progress, runId: event.runId };
    case 'stageStarted':
      return { ...progress, stage: event.name, repository: event.repository, status: null };
    case 'progress':
      return { ...progress, repository: event.repository, status: event.status };
    case 'stageFinished':
      return progress;
    case 'finished':
      return { ...progress, finished: true };
  }
}

/** Converts restic's `percent_done`, a fraction from 0 to 1, to a whole percent. */
export function percentOf(status: BackupStatus): number {
  return Math.max(0, Math.min(100, Math.round(status.percent_done * 100)));
}

/** Formats a duration in seconds as `1h 5m`, `4m 10s` or `12s`. */
export function formatSeconds(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) {
    return `${hours}h ${minutes}m`;
  }
  if (minutes > 0) {
    return `${minutes}m ${rest}s`;
  }
  return `${rest}s`;
}

/** The kind of media a repository location is on, as the 3-2-1 rule counts media. */
export type MediaKind = 'disk' | 'sftp' | 'cloud';

export function mediaKind(location: string): MediaKind {
  if (location.startsWith('sftp:')) {
    return 'sftp';
  }
  if (location.startsWith('rclone:') || location.startsWith('s3:')) {
    return 'cloud';
  }
  return 'disk';
}

/** A 3-2-1 finding code, spelled as in the core rule check. */
export type RuleFinding = 'too_few_copies' | 'too_few_media' | 'no_offsite_copy';

/**
 * Checks the plan's repositories against the 3-2-1 rule: the live data plus two copies, a
 * second kind of media, one copy off this host's disk.
 * NOTE: this reads only the plan's configured repositories and counts any SFTP, S3 or rclone
 * repository as offsite. The core check in `homeport-core/src/backup/rule321.rs` also needs a
 * good snapshot in each repository and the offsite distance, which the API does not return yet.
 */
export function ruleFindings(repositories: readonly RepositoryDefinition[]): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const kinds = new Set<MediaKind>(repositories.map((repository) => mediaKind(repository.location)));
  if (repositories.length + 1 < 3) {
    findings.push('too_few_copies');
  }
  // The live data is on a local disk, so a second kind means any repository not on a disk.
  if (!kinds.has('sftp') && !kinds.has('cloud')) {
    findings.push('too_few_media');
    findings.push('no_offsite_copy');
  }
  return findings;
}

/** The form fields of the new-plan wizard. Lists are one entry per line. */
export interface PlanDraft {
  name: string;
  host: string;
  paths: string;
  databases: string;
  repositories: string;
  schedule: string;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  rpoHours: number;
  rtoHours: number;
}

export function emptyDraft(host: string): PlanDraft {
  return {
    name: '',
    host,
    paths: '',
    databases: '',
    repositories: '',
    schedule: '0 3 * * *',
    keepDaily: 7,
    keepWeekly: 4,
    keepMonthly: 6,
    rpoHours: 24,
    rtoHours: 4,
  };
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * Builds the plan definition from the wizard's fields. Databases are `container engine` lines,
 * such as `db postgres`. Repositories are `name location` lines, with a third word naming the
 * local repository that rclone copies from. The API checks the values.
 */
export function draftToDefinition(draft: PlanDraft): PlanDefinition {
  const items: PlanDefinition['items'] = lines(draft.paths).map((path) => ({ kind: 'path', path }));
  for (const line of lines(draft.databases)) {
    // A missing engine stays empty, so the API rejects the line and names the field.
    const [container, engine = ''] = line.split(/\s+/);
    items.push({ kind: 'database', container, engine });
  }
  const repositories = lines(draft.repositories).map((line) => {
    const [name, location = '', copyFrom] = line.split(/\s+/);
    return { name, location, copyFrom: copyFrom ?? null };
  });
  return {
    name: draft.name.trim(),
    host: draft.host,
    items,
    repositories,
    schedule: draft.schedule.trim(),
    retention: { keepDaily: draft.keepDaily, keepWeekly: draft.keepWeekly, keepMonthly: draft.keepMonthly },
    rpoHours: draft.rpoHours,
    rtoHours: draft.rtoHours,
    drill: { schedule: '0 4 * * 0', files: 5, random: true, scratchDir: '/tmp' },
    enabled: true,
  };
}
