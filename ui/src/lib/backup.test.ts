import { describe, expect, it } from 'vitest';
import {
  applyRunEvent,
  applyStageEvent,
  databaseItems,
  databaseRestoreRequest,
  draftToDefinition,
  emptyDraft,
  emptyProgress,
  formatSeconds,
  percentOf,
  planDatabases,
  planStacks,
  planToDraft,
  s3KeyInputs,
  stackRestoreRequest,
  type DatabaseRestoreForm,
  type StackRestoreForm,
} from './backup';
import { emptyRow } from './backupRepositories';
import type { DatabaseTarget, PlanDefinition, StoredPlan } from './ipc/types';

const status = {
  percent_done: 0.456,
  total_files: 10,
  files_done: 4,
  total_bytes: 100,
  bytes_done: 45,
  seconds_remaining: null,
  current_files: [],
};

describe('applyRunEvent', () => {
  it('tracks run id, stage and progress', () => {
    let progress = applyRunEvent(emptyProgress(), { type: 'started', runId: 'r1', planId: 'p1', kind: 'backup' });
    expect(progress.runId).toBe('r1');
    progress = applyRunEvent(progress, { type: 'progress', repository: 'disk', status });
    expect(progress.status).toEqual(status);
    progress = applyRunEvent(progress, { type: 'stageStarted', position: 1, name: 'check', repository: 'disk' });
    expect(progress.stage).toBe('check');
    expect(progress.status).toBeNull();
    progress = applyRunEvent(progress, { type: 'finished', runId: 'r1', status: 'succeeded' });
    expect(progress.finished).toBe(true);
  });
});

describe('percentOf and formatSeconds', () => {
  it('rounds the fraction to whole percent', () => {
    expect(percentOf(status)).toBe(46);
    expect(percentOf({ ...status, percent_done: 1.2 })).toBe(100);
  });

  it('formats hours, minutes and seconds', () => {
    expect(formatSeconds(12)).toBe('12s');
    expect(formatSeconds(250)).toBe('4m 10s');
    expect(formatSeconds(3900)).toBe('1h 5m');
    expect(formatSeconds(-3)).toBe('0s');
  });
});

const pg: DatabaseTarget = { container: 'db', engine: 'postgres', user: 'app', serverUid: 999 };

describe('databaseItems', () => {
  it('takes checked servers with their user', () => {
    expect(databaseItems([pg], '')).toEqual([{ kind: 'database', container: 'db', engine: 'postgres', user: 'app' }]);
  });

  it('adds typed lines and keeps a missing engine empty', () => {
    expect(databaseItems([], 'shop mysql\n\n legacy ')).toEqual([
      { kind: 'database', container: 'shop', engine: 'mysql' },
      { kind: 'database', container: 'legacy', engine: '' },
    ]);
  });

  it('skips a typed line for a checked container', () => {
    const items = databaseItems([pg], 'db mysql\nshop mariadb');
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({ kind: 'database', container: 'db', engine: 'postgres', user: 'app' });
    expect(items[1]).toEqual({ kind: 'database', container: 'shop', engine: 'mariadb' });
  });
});

describe('draftToDefinition', () => {
  it('builds items and repositories', () => {
    const draft = {
      ...emptyDraft('h1'),
      name: ' nas ',
      paths: '/srv/a\n\n /srv/b ',
      foundDatabases: [pg],
      databases: 'shop',
      repositories: [
        { ...emptyRow(), name: 'disk', location: '/mnt/b', place: 'otherDisk' as const },
        emptyRow(),
        { ...emptyRow(), name: 'offsite', location: 'rclone:b2:x', copyFrom: 'disk', place: 'offsite' as const, distanceKm: 300 },
      ],
    };
    const definition = draftToDefinition(draft);
    expect(definition.name).toBe('nas');
    expect(definition.host).toBe('h1');
    expect(definition.items).toEqual([
      { kind: 'path', path: '/srv/a' },
      { kind: 'path', path: '/srv/b' },
      { kind: 'database', container: 'db', engine: 'postgres', user: 'app' },
      { kind: 'database', container: 'shop', engine: '' },
    ]);
    expect(definition.repositories).toEqual([
      { name: 'disk', location: '/mnt/b', copyFrom: null, place: 'otherDisk', distanceKm: null },
      { name: 'offsite', location: 'rclone:b2:x', copyFrom: 'disk', place: 'offsite', distanceKm: 300 },
    ]);
    expect(definition.schedule).toBe('0 3 * * *');
    expect(definition.retention).toEqual({ keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
  });
});

describe('planDatabases', () => {
  it('lists only database items', () => {
    const definition = draftToDefinition({ ...emptyDraft('h1'), paths: '/srv', foundDatabases: [pg] });
    expect(planDatabases(definition).map((item) => item.container)).toEqual(['db']);
  });
});

describe('applyStageEvent', () => {
  it('adds started stages and finishes them', () => {
    let stages = applyStageEvent([], { type: 'started', runId: 'r1', planId: 'p1', kind: 'restore' });
    expect(stages).toEqual([]);
    stages = applyStageEvent(stages, { type: 'stageStarted', position: 0, name: 'restore', repository: 'disk' });
    stages = applyStageEvent(stages, { type: 'stageStarted', position: 1, name: 'load', repository: 'disk' });
    expect(stages.map((stage) => stage.status)).toEqual(['running', 'running']);

    stages = applyStageEvent(stages, {
      type: 'stageFinished',
      position: 0,
      name: 'restore',
      repository: 'disk',
      status: 'succeeded',
      durationMs: 1200,
    });
    expect(stages[0]).toEqual({ position: 0, name: 'restore', repository: 'disk', status: 'succeeded', durationMs: 1200 });
    expect(stages[1].status).toBe('running');
    expect(stages[1].durationMs).toBeNull();
  });
});

describe('databaseRestoreRequest', () => {
  const form: DatabaseRestoreForm = {
    database: 'db',
    mode: 'running',
    container: ' db ',
    image: ' postgres:16 ',
    environmentFrom: ' ',
  };

  it('targets the running container', () => {
    expect(databaseRestoreRequest('abc', form)).toEqual({
      snapshot: 'abc',
      database: 'db',
      destination: { kind: 'running', container: 'db' },
    });
  });

  it('builds a new container without copied settings', () => {
    const request = databaseRestoreRequest('abc', { ...form, mode: 'new', container: 'db-restored' });
    expect(request.destination).toEqual({ kind: 'new', container: 'db-restored', image: 'postgres:16', environmentFrom: null });
  });

  it('copies settings from the named container', () => {
    const request = databaseRestoreRequest('abc', { ...form, mode: 'new', container: 'db2', environmentFrom: 'db' });
    expect(request.destination).toEqual({ kind: 'new', container: 'db2', image: 'postgres:16', environmentFrom: 'db' });
  });
});

/** A saved plan with every kind of item and settings that differ from the wizard's defaults. */
const storedPlan: StoredPlan = {
  id: 'p1',
  hostId: 'h1',
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-02T00:00:00Z',
  definition: {
    name: 'nas',
    host: 'nas-host',
    items: [
      { kind: 'path', path: '/srv/a' },
      { kind: 'volume', volume: 'media' },
      { kind: 'stack', project: 'wiki' },
      { kind: 'path', path: '/srv/b' },
      { kind: 'database', container: 'db', engine: 'postgres', user: 'app' },
      { kind: 'database', container: 'shop', engine: 'mysql', user: null },
      { kind: 'stack', project: 'blog' },
    ],
    repositories: [
      { name: 'disk', location: '/mnt/b', copyFrom: null, place: 'otherDisk', distanceKm: null },
      { name: 'cloud', location: 'rclone:b2:x', copyFrom: 'disk', place: 'offsite', distanceKm: 300 },
      { name: 'bucket', location: 's3:https://s3.example/b', copyFrom: null, place: null, distanceKm: null },
    ],
    schedule: '30 1 * * 1-5',
    retention: { keepDaily: 3, keepWeekly: 2, keepMonthly: 12 },
    rpoHours: 48,
    rtoHours: 8,
    drill: { schedule: '0 5 1 * *', files: 9, random: false, scratchDir: '/var/tmp' },
    enabled: false,
  },
};

describe('planToDraft', () => {
  it('fills every field from the plan', () => {
    const draft = planToDraft(storedPlan);
    expect(draft.name).toBe('nas');
    expect(draft.host).toBe('h1');
    expect(draft.paths).toBe('/srv/a\n/srv/b');
    expect(draft.stacks).toEqual(['wiki', 'blog']);
    expect(draft.volumes).toEqual(['media']);
    expect(draft.foundDatabases).toEqual([]);
    expect(draft.databases).toBe('db postgres app\nshop mysql');
    expect(draft.repositories[1]).toEqual({
      name: 'cloud',
      location: 'rclone:b2:x',
      copyFrom: 'disk',
      place: 'offsite',
      distanceKm: 300,
    });
    expect(draft.schedule).toBe('30 1 * * 1-5');
    expect([draft.keepDaily, draft.keepWeekly, draft.keepMonthly]).toEqual([3, 2, 12]);
    expect([draft.rpoHours, draft.rtoHours]).toEqual([48, 8]);
    expect(draft.enabled).toBe(false);
  });

  it('saves an unchanged plan as it was', () => {
    const definition = draftToDefinition(planToDraft(storedPlan));
    const original = storedPlan.definition;
    expect(definition.host).toBe('h1');
    expect(definition.items).toHaveLength(original.items.length);
    // The user of `shop` was null, which the API reads as the engine's default user.
    expect(definition.items).toEqual(
      expect.arrayContaining([
        { kind: 'path', path: '/srv/a' },
        { kind: 'path', path: '/srv/b' },
        { kind: 'volume', volume: 'media' },
        { kind: 'stack', project: 'wiki' },
        { kind: 'stack', project: 'blog' },
        { kind: 'database', container: 'db', engine: 'postgres', user: 'app' },
        { kind: 'database', container: 'shop', engine: 'mysql' },
      ]),
    );
    expect(definition.repositories).toEqual(original.repositories);
    expect(definition.schedule).toBe(original.schedule);
    expect(definition.retention).toEqual(original.retention);
    expect(definition.rpoHours).toBe(original.rpoHours);
    expect(definition.rtoHours).toBe(original.rtoHours);
    expect(definition.drill).toEqual(original.drill);
    expect(definition.enabled).toBe(false);
  });

  it('copies the drill settings', () => {
    const draft = planToDraft(storedPlan);
    draft.drill.files = 1;
    expect(storedPlan.definition.drill.files).toBe(9);
  });
});

describe('draftToDefinition with stacks', () => {
  it('adds a stack item per checked project', () => {
    const definition = draftToDefinition({ ...emptyDraft('h1'), paths: '/srv', stacks: ['wiki', 'blog'] });
    expect(definition.items).toEqual([
      { kind: 'path', path: '/srv' },
      { kind: 'stack', project: 'wiki' },
      { kind: 'stack', project: 'blog' },
    ]);
    expect(planStacks(definition)).toEqual(['wiki', 'blog']);
  });

  it('keeps the default drill for a new plan', () => {
    const definition = draftToDefinition(emptyDraft('h1'));
    expect(definition.drill).toEqual({ schedule: '0 4 * * 0', files: 5, random: true, scratchDir: '/tmp' });
    expect(definition.enabled).toBe(true);
  });
});

describe('databaseItems with a typed user', () => {
  it('takes the third field as the user', () => {
    expect(databaseItems([], 'db postgres app')).toEqual([
      { kind: 'database', container: 'db', engine: 'postgres', user: 'app' },
    ]);
  });
});

describe('s3KeyInputs', () => {
  const definition: PlanDefinition = storedPlan.definition;

  it('sends the typed keys', () => {
    expect(s3KeyInputs(definition, 'AK', 'SK', ['bucket'])).toEqual([
      { repository: 'bucket', accessKeyId: 'AK', secretAccessKey: 'SK' },
    ]);
  });

  it('keeps stored keys when both fields are empty', () => {
    expect(s3KeyInputs(definition, '', '', ['bucket'])).toEqual([]);
  });

  it('sends empty keys of a repository without stored keys', () => {
    expect(s3KeyInputs(definition, '', '', [])).toEqual([{ repository: 'bucket', accessKeyId: '', secretAccessKey: '' }]);
  });

  it('sends nothing for a plan without S3', () => {
    expect(s3KeyInputs({ ...definition, repositories: [definition.repositories[0]] }, 'AK', 'SK', [])).toEqual([]);
  });
});

describe('stackRestoreRequest', () => {
  const form: StackRestoreForm = { project: 'wiki', host: 'h1', name: ' ', directory: '' };

  it('keeps the originals when the fields are empty', () => {
    expect(stackRestoreRequest('abc', 'h1', form)).toEqual({
      snapshot: 'abc',
      project: 'wiki',
      host: null,
      name: null,
      directory: null,
    });
  });

  it('sends another host, name and folder trimmed', () => {
    expect(stackRestoreRequest('abc', 'h1', { ...form, host: 'h2', name: ' wiki2 ', directory: ' /srv/wiki2 ' })).toEqual({
      snapshot: 'abc',
      project: 'wiki',
      host: 'h2',
      name: 'wiki2',
      directory: '/srv/wiki2',
    });
  });
});
