// Pure helpers of the Backups screen: progress from run events, durations, the plan draft of
// the plan wizard and the requests of database and stack restores.

import { definitionToRow, rowsToDefinitions, type RepositoryRow } from './backupRepositories';
import type {
  BackupItem,
  BackupStatus,
  DatabaseRestoreRequest,
  DatabaseTarget,
  DrillSettings,
  PlanDefinition,
  RunEvent,
  RunStatus,
  S3KeyInput,
  StackRestoreRequest,
  StoredPlan,
} from './ipc/types';

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

/** The form fields of the plan wizard. Text lists are one entry per line. */
export interface PlanDraft {
  name: string;
  /** The host's id. */
  host: string;
  paths: string;
  /** The Compose projects on the host that the user checked. */
  stacks: string[];
  /**
   * The Docker volume items of an edited plan. The wizard has no input for them and saves
   * them unchanged.
   */
  volumes: string[];
  /** The database servers found on the host that the user checked. */
  foundDatabases: DatabaseTarget[];
  /** Databases added by hand, as `container engine [user]` lines. */
  databases: string;
  repositories: RepositoryRow[];
  schedule: string;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  rpoHours: number;
  rtoHours: number;
  /** The wizard has no inputs for these two, so an edited plan keeps its own values. */
  drill: DrillSettings;
  enabled: boolean;
}

export function emptyDraft(host: string): PlanDraft {
  return {
    name: '',
    host,
    paths: '',
    stacks: [],
    volumes: [],
    foundDatabases: [],
    databases: '',
    repositories: [],
    schedule: '0 3 * * *',
    keepDaily: 7,
    keepWeekly: 4,
    keepMonthly: 6,
    rpoHours: 24,
    rtoHours: 4,
    drill: { schedule: '0 4 * * 0', files: 5, random: true, scratchDir: '/tmp' },
    enabled: true,
  };
}

/**
 * Fills the wizard's fields from a saved plan, so saving them unchanged stores the same
 * items, repositories and settings. Every database item becomes a typed line, because the
 * servers found on the host are only known after the user looks for them again.
 */
export function planToDraft(plan: StoredPlan): PlanDraft {
  const definition = plan.definition;
  const paths: string[] = [];
  const stacks: string[] = [];
  const volumes: string[] = [];
  const databases: string[] = [];
  for (const item of definition.items) {
    switch (item.kind) {
      case 'path':
        paths.push(item.path);
        break;
      case 'stack':
        stacks.push(item.project);
        break;
      case 'volume':
        volumes.push(item.volume);
        break;
      case 'database':
        databases.push(item.user ? `${item.container} ${item.engine} ${item.user}` : `${item.container} ${item.engine}`);
        break;
    }
  }
  return {
    name: definition.name,
    host: plan.hostId,
    paths: paths.join('\n'),
    stacks,
    volumes,
    foundDatabases: [],
    databases: databases.join('\n'),
    repositories: definition.repositories.map(definitionToRow),
    schedule: definition.schedule,
    keepDaily: definition.retention.keepDaily,
    keepWeekly: definition.retention.keepWeekly,
    keepMonthly: definition.retention.keepMonthly,
    rpoHours: definition.rpoHours,
    rtoHours: definition.rtoHours,
    drill: { ...definition.drill },
    enabled: definition.enabled,
  };
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * Builds the database items: the checked servers first, with the user their discovery found,
 * then the `container engine [user]` lines typed by hand. A typed line for a container that
 * is already checked is skipped, so the plan has one item per container.
 */
export function databaseItems(found: readonly DatabaseTarget[], typed: string): BackupItem[] {
  const items: BackupItem[] = found.map((target) => ({
    kind: 'database',
    container: target.container,
    engine: target.engine,
    user: target.user,
  }));
  const containers = new Set(found.map((target) => target.container));
  for (const line of lines(typed)) {
    // A missing engine stays empty, so the API rejects the line and names the field.
    const [container, engine = '', user] = line.split(/\s+/);
    if (!containers.has(container)) {
      containers.add(container);
      items.push(user ? { kind: 'database', container, engine, user } : { kind: 'database', container, engine });
    }
  }
  return items;
}

/** Builds the plan definition from the wizard's fields. The API checks the values. */
export function draftToDefinition(draft: PlanDraft): PlanDefinition {
  const items: BackupItem[] = lines(draft.paths).map((path) => ({ kind: 'path', path }));
  items.push(...draft.volumes.map((volume): BackupItem => ({ kind: 'volume', volume })));
  items.push(...draft.stacks.map((project): BackupItem => ({ kind: 'stack', project })));
  items.push(...databaseItems(draft.foundDatabases, draft.databases));
  return {
    name: draft.name.trim(),
    host: draft.host,
    items,
    repositories: rowsToDefinitions(draft.repositories),
    schedule: draft.schedule.trim(),
    retention: { keepDaily: draft.keepDaily, keepWeekly: draft.keepWeekly, keepMonthly: draft.keepMonthly },
    rpoHours: draft.rpoHours,
    rtoHours: draft.rtoHours,
    drill: { ...draft.drill },
    enabled: draft.enabled,
  };
}

/**
 * Builds the S3 keys to save: the typed pair for each S3 repository of the plan. A repository
 * whose keys are already stored is left out while both fields are empty, so its stored keys
 * stay. Any other S3 repository gets the pair even when a field is empty, so the API names it.
 */
export function s3KeyInputs(
  definition: PlanDefinition,
  accessKeyId: string,
  secretAccessKey: string,
  storedKeys: readonly string[],
): S3KeyInput[] {
  const typed = accessKeyId !== '' || secretAccessKey !== '';
  return definition.repositories
    .filter((repository) => repository.location.startsWith('s3:'))
    .filter((repository) => typed || !storedKeys.includes(repository.name))
    .map((repository) => ({ repository: repository.name, accessKeyId, secretAccessKey }));
}

/** Lists the Compose projects of the plan's stack items, the ones a stack restore can pick. */
export function planStacks(definition: PlanDefinition): string[] {
  return definition.items.flatMap((item) => (item.kind === 'stack' ? [item.project] : []));
}

/** Lists the plan's database items, the ones a database restore can pick. */
export function planDatabases(definition: PlanDefinition): Extract<BackupItem, { kind: 'database' }>[] {
  return definition.items.filter((item): item is Extract<BackupItem, { kind: 'database' }> => item.kind === 'database');
}

/** One stage of a run as its channel events reported it. */
export interface StageProgress {
  position: number;
  name: string;
  repository: string;
  status: RunStatus;
  /** Set when the stage finished. */
  durationMs: number | null;
}

/** Applies one run event to the list of stages. Returns a new list, unchanged for events that are not stage events. */
export function applyStageEvent(stages: readonly StageProgress[], event: RunEvent): StageProgress[] {
  switch (event.type) {
    case 'stageStarted':
      return [
        ...stages,
        { position: event.position, name: event.name, repository: event.repository, status: 'running', durationMs: null },
      ];
    case 'stageFinished':
      return stages.map((stage) =>
        stage.position === event.position ? { ...stage, status: event.status, durationMs: event.durationMs } : stage,
      );
    default:
      return [...stages];
  }
}

/** The fields of the database restore dialog. */
export interface DatabaseRestoreForm {
  /** The plan's database item, by its container name. */
  database: string;
  mode: 'running' | 'new';
  /** The running container to load into, or the name of the new container. */
  container: string;
  /** The image of the new container, which must already be on the host. */
  image: string;
  /** The container whose database variables the new container copies. Empty copies none. */
  environmentFrom: string;
}

/** Builds the API request from the dialog's fields, trimmed. */
export function databaseRestoreRequest(snapshot: string, form: DatabaseRestoreForm): DatabaseRestoreRequest {
  const container = form.container.trim();
  const destination: DatabaseRestoreRequest['destination'] =
    form.mode === 'running'
      ? { kind: 'running', container }
      : {
          kind: 'new',
          container,
          image: form.image.trim(),
          environmentFrom: form.environmentFrom.trim() === '' ? null : form.environmentFrom.trim(),
        };
  return { snapshot, database: form.database, destination };
}

/** The fields of the stack restore dialog. Empty text fields keep the original value. */
export interface StackRestoreForm {
  project: string;
  /** The target host's id. */
  host: string;
  name: string;
  directory: string;
}

/**
 * Builds the API request from the dialog's fields, trimmed. The plan's own host is sent as
 * `null`, which the API reads as the plan's host.
 */
export function stackRestoreRequest(snapshot: string, planHost: string, form: StackRestoreForm): StackRestoreRequest {
  const name = form.name.trim();
  const directory = form.directory.trim();
  return {
    snapshot,
    project: form.project,
    host: form.host === '' || form.host === planHost ? null : form.host,
    name: name === '' ? null : name,
    directory: directory === '' ? null : directory,
  };
}
