// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { BackupPlanInput, BackupPlanView, IpcError, Rule321Report, RunEvent, RunRecord } from '../lib/ipc/types';
import BackupsScreen from './BackupsScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  // Keeps the handler, so a mocked command can send run events like the real channel.
  Channel: class {
    constructor(public onmessage: (event: RunEvent) => void) {}
  },
}));

function record(overrides: Partial<RunRecord>): RunRecord {
  return {
    id: 'r1',
    planId: 'p1',
    kind: 'backup',
    trigger: 'manual',
    status: 'succeeded',
    startedAt: '2026-12-05T03:00:00Z',
    finishedAt: '2026-12-05T03:01:00Z',
    errorCode: null,
    errorMessage: null,
    snapshotIds: ['abc'],
    filesTotal: 10,
    bytesTotal: 1000,
    remotePids: [],
    stages: [
      {
        position: 0,
        name: 'backup',
        repository: 'disk',
        status: 'succeeded',
        startedAt: '2026-12-05T03:00:00Z',
        durationMs: 4200,
        exitStatus: 0,
        output: 'snapshot abc saved',
      },
      {
        position: 1,
        name: 'check',
        repository: 'disk',
        status: 'succeeded',
        startedAt: '2026-12-05T03:00:05Z',
        durationMs: 900,
        exitStatus: 0,
        output: 'no errors were found',
      },
    ],
    ...overrides,
  };
}

/** One local repository on the live data's disk: the report of a plan that just ran. */
const oneLocalCopy: Rule321Report = {
  copies: 2,
  media: 1,
  offsite_copies: 0,
  findings: [
    { code: 'too_few_copies', copies: 2, required: 3 },
    { code: 'too_few_media', media: 1, required: 2 },
    { code: 'no_offsite_copy', min_distance_km: 50 },
    { code: 'same_disk_as_source', repository: 'disk' },
  ],
};

const nasPlan: BackupPlanView = {
  plan: {
    id: 'p1',
    hostId: 'h1',
    createdAt: '2026-12-01T00:00:00Z',
    updatedAt: '2026-12-01T00:00:00Z',
    definition: {
      name: 'nas',
      host: 'h1',
      items: [{ kind: 'path', path: '/srv/data' }],
      repositories: [{ name: 'disk', location: '/mnt/backup', copyFrom: null }],
      schedule: '0 3 * * *',
      retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
      rpoHours: 24,
      rtoHours: 4,
      drill: { schedule: '0 4 * * 0', files: 5, random: true, scratchDir: '/tmp' },
      enabled: true,
    },
  },
  hostName: 'nas-host',
  scheduleEn: 'every day at 03:00',
  scheduleZhCn: '每天 03:00',
  nextRunAt: '2026-12-06T03:00:00Z',
  lastRun: record({}),
  lastSuccessAt: '2026-12-05T03:01:00Z',
  lastSuccessAgeSeconds: 30 * 3600,
  rpoMet: false,
  lastDrill: null,
  s3KeysSet: [],
  rule321: oneLocalCopy,
  rule321Planned: oneLocalCopy,
};

/** A plan whose offsite repository has no snapshot yet, so it meets the rule only once it has run. */
const pendingOffsitePlan: BackupPlanView = {
  ...nasPlan,
  rule321: {
    copies: 2,
    media: 2,
    offsite_copies: 0,
    findings: [
      { code: 'too_few_copies', copies: 2, required: 3 },
      { code: 'no_offsite_copy', min_distance_km: 50 },
      { code: 'no_good_snapshot', repository: 'cloud' },
    ],
  },
  rule321Planned: {
    copies: 3,
    media: 3,
    offsite_copies: 1,
    findings: [{ code: 'offsite_distance_unknown', repository: 'cloud', min_distance_km: 50 }],
  },
};

let plans: BackupPlanView[];

const locked: IpcError = {
  code: 'BackupRepositoryLocked',
  message: 'locked',
  params: {
    repository: 'disk',
    holderHost: 'nas-host',
    pid: '4242',
    user: 'root',
    age: '9h0m0s',
    storageId: 'f00d',
    unlockOffered: 'true',
  },
};

/** Resolves the pending `backup_run`, so a test can look at the screen mid-run first. */
let finishRun: (() => void) | null;
let runError: IpcError | null;
/** The input of the last `backup_plan_save`. */
let savedInput: BackupPlanInput | null;

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  plans = [nasPlan];
  finishRun = null;
  runError = null;
  savedInput = null;
  invoke.mockReset();
  invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
    switch (command) {
      case 'backup_plans':
        return plans;
      case 'backup_runs':
        return [record({})];
      case 'backup_cancel':
        return true;
      case 'backup_plan_remove':
        return null;
      case 'host_list':
        return [{ id: 'h1', name: 'nas-host' }];
      case 'backup_tools':
        return { host: 'nas-host', restic: 'restic 0.17.3', rclone: null, resticInstall: '', rcloneInstall: '' };
      case 'stack_list':
        return [];
      case 'backup_rule321_preview':
        return oneLocalCopy;
      case 'backup_schedule_preview':
        return { en: 'every day at 03:00', zhCn: '每天 03:00', nextRuns: [] };
      case 'backup_plan_save':
        savedInput = args.input as BackupPlanInput;
        return nasPlan;
      case 'backup_plan_init':
        return record({ kind: 'init', stages: [] });
      case 'backup_unlock':
        return record({ kind: 'unlock', stages: [] });
      case 'backup_run': {
        if (runError) {
          throw runError;
        }
        const channel = args.onEvent as { onmessage: (event: RunEvent) => void };
        channel.onmessage({ type: 'started', runId: 'r2', planId: 'p1', kind: 'backup' });
        channel.onmessage({ type: 'stageStarted', position: 0, name: 'backup', repository: 'disk' });
        channel.onmessage({
          type: 'progress',
          repository: 'disk',
          status: {
            percent_done: 0.42,
            total_files: 100,
            files_done: 42,
            total_bytes: 2048,
            bytes_done: 1024,
            seconds_remaining: 75,
            current_files: [],
          },
        });
        await new Promise<void>((resolve) => (finishRun = resolve));
        return record({ id: 'r2' });
      }
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
});

describe('BackupsScreen', () => {
  it('lists a plan with schedule, RPO and 3-2-1 findings', async () => {
    render(BackupsScreen);
    const plan = await screen.findByTestId('backup-plan');
    expect(plan.dataset.planName).toBe('nas');
    expect(within(plan).getByTestId('backup-schedule').textContent).toContain('every day at 03:00');
    expect(within(plan).getByTestId('backup-last-status').textContent).toBe('Succeeded · Backup');
    expect(within(plan).getByTestId('backup-rpo').textContent).toContain('30h 0m ago, older than the RPO of 24 h');
    const rule = within(plan).getByTestId('backup-rule321');
    expect(rule.textContent).toContain('Breaks the 3-2-1 rule: 2 copies counting the live data, on 1 kind of media, 0 offsite.');
    const findings = within(rule).getAllByTestId('rule321-finding');
    expect(findings.map((finding) => finding.dataset.code)).toEqual([
      'too_few_copies',
      'too_few_media',
      'no_offsite_copy',
      'same_disk_as_source',
    ]);
    expect(findings[0].textContent).toContain('Fewer than 3 copies (2 counting the live data)');
    expect(findings[2].textContent).toContain('at least 50 km away');
    expect(findings[3].textContent).toContain('Advice:');
    expect(findings[3].textContent).toContain('disk is on the same disk as the live data');
    expect(within(plan).queryByTestId('backup-rule321-planned')).toBeNull();
  });

  it('shows the planned 3-2-1 report when it differs', async () => {
    plans = [pendingOffsitePlan];
    render(BackupsScreen);
    const now = await screen.findByTestId('backup-rule321-now');
    expect(now.textContent).toContain('Breaks the 3-2-1 rule');
    expect(now.textContent).toContain('cloud has no good snapshot yet');
    const planned = screen.getByTestId('backup-rule321-planned');
    expect(planned.textContent).toContain('Once every repository holds a good snapshot');
    expect(planned.textContent).toContain('Meets the 3-2-1 rule: 3 copies');
    expect(planned.textContent).toContain('The distance of cloud is unknown');
  });

  it('shows 3-2-1 findings in Chinese', async () => {
    await locale.set('zh-CN');
    try {
      render(BackupsScreen);
      const rule = await screen.findByTestId('backup-rule321');
      expect(rule.textContent).toContain('不符合 3-2-1 规则');
      expect(rule.textContent).toContain('副本少于 3 份');
      expect(rule.textContent).toContain('至少 50 公里');
    } finally {
      await locale.set('en');
    }
  });

  it('shows the schedule in Chinese', async () => {
    await locale.set('zh-CN');
    try {
      render(BackupsScreen);
      const schedule = await screen.findByTestId('backup-schedule');
      expect(schedule.textContent).toContain('每天 03:00');
    } finally {
      await locale.set('en');
    }
  });

  it('shows live progress and cancels a run', async () => {
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-run-now'));
    const numbers = await screen.findByTestId('backup-progress-numbers');
    expect(numbers.textContent).toContain('42%');
    expect(numbers.textContent).toContain('42 of 100 files');
    expect(numbers.textContent).toContain('about 1m 15s left');

    await fireEvent.click(screen.getByTestId('backup-cancel'));
    expect(invoke).toHaveBeenCalledWith('backup_cancel', { plan: 'p1' });

    finishRun?.();
    await waitFor(() => expect(screen.queryByTestId('backup-progress')).toBeNull());
    expect(screen.getByTestId('backup-run-now')).toBeTruthy();
  });

  it('shows run history with stage output', async () => {
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-tab-history'));
    const stages = await screen.findAllByTestId('backup-stage');
    expect(stages).toHaveLength(2);
    expect(stages[0].textContent).toContain('backup');
    expect(stages[1].textContent).toContain('check');
    expect(screen.getByTestId('backup-history').textContent).toContain('no errors were found');
    expect(invoke).toHaveBeenCalledWith('backup_runs', { plan: 'p1', limit: 20 });
  });

  it('offers unlock for a stale lock', async () => {
    runError = locked;
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-run-now'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('BackupRepositoryLocked');
    expect(banner.textContent).toContain('PID 4242 on nas-host');
    expect(banner.textContent).toContain('9h0m0s');

    await fireEvent.click(screen.getByTestId('backup-unlock'));
    expect(invoke).toHaveBeenCalledWith('backup_unlock', { plan: 'p1', removeAll: false, confirmed: false });
    await waitFor(() => expect(screen.queryByTestId('error-banner')).toBeNull());
  });

  it('hides unlock when the lock is live', async () => {
    runError = { ...locked, params: { ...locked.params, unlockOffered: 'false' } };
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-run-now'));
    await screen.findByTestId('error-banner');
    expect(screen.queryByTestId('backup-unlock')).toBeNull();
    expect(screen.getByTestId('backup-unlock-all')).toBeTruthy();
  });

  it('confirms before removing all locks', async () => {
    runError = locked;
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-run-now'));
    await fireEvent.click(await screen.findByTestId('backup-unlock-all'));
    expect(screen.getByTestId('confirm-dialog')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalledWith('backup_unlock', expect.anything());

    await fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(invoke).not.toHaveBeenCalledWith('backup_unlock', expect.anything());

    await fireEvent.click(screen.getByTestId('backup-unlock-all'));
    await fireEvent.click(screen.getByTestId('confirm-ok'));
    expect(invoke).toHaveBeenCalledWith('backup_unlock', { plan: 'p1', removeAll: true, confirmed: true });
  });

  it('shows an empty list', async () => {
    invoke.mockImplementation(async () => []);
    render(BackupsScreen);
    expect(await screen.findByTestId('backups-empty')).toBeTruthy();
  });

  it('confirms before removing a plan', async () => {
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-remove'));
    expect(screen.getByTestId('confirm-dialog').textContent).toContain('Remove the plan nas?');
    expect(invoke).not.toHaveBeenCalledWith('backup_plan_remove', expect.anything());

    await fireEvent.click(screen.getByTestId('confirm-ok'));
    expect(invoke).toHaveBeenCalledWith('backup_plan_remove', { plan: 'p1' });
  });

  it('edits a plan in the wizard', async () => {
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-plan-edit'));
    const wizard = screen.getByTestId('backup-wizard');
    expect(wizard.textContent).toContain('Edit backup plan nas');
    expect((within(wizard).getByTestId('backup-wizard-name') as HTMLInputElement).value).toBe('nas');

    await fireEvent.input(within(wizard).getByTestId('backup-wizard-name'), { target: { value: 'nas daily' } });
    for (let step = 0; step < 3; step += 1) {
      await fireEvent.click(within(wizard).getByTestId('backup-wizard-next'));
    }
    await fireEvent.click(within(wizard).getByTestId('backup-wizard-save'));

    await waitFor(() => expect(screen.queryByTestId('backup-wizard')).toBeNull());
    expect(savedInput?.id).toBe('p1');
    expect(savedInput?.password).toBeNull();
    expect(savedInput?.definition.name).toBe('nas daily');
    expect(savedInput?.definition.items).toEqual([{ kind: 'path', path: '/srv/data' }]);
    expect(invoke.mock.calls.filter(([command]) => command === 'backup_plans')).toHaveLength(2);
  });

  it('closes the edit wizard without saving', async () => {
    render(BackupsScreen);
    await fireEvent.click(await screen.findByTestId('backup-plan-edit'));
    await fireEvent.click(within(screen.getByTestId('backup-wizard')).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('backup-wizard')).toBeNull();
    expect(invoke).not.toHaveBeenCalledWith('backup_plan_save', expect.anything());
  });
});
