// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { BackupPlanView, DrillRecord, RunEvent } from '../lib/ipc/types';
import BackupDrills from './BackupDrills.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    constructor(public onmessage: (event: RunEvent) => void) {}
  },
}));

const plan = { plan: { id: 'p1' } } as BackupPlanView;

function drill(overrides: Partial<DrillRecord>): DrillRecord {
  return {
    id: 'd1',
    planId: 'p1',
    runId: 'r1',
    startedAt: '2026-12-05T04:00:00Z',
    passed: true,
    snapshotId: 'abc',
    filesChecked: 5,
    bytesChecked: 500,
    durationMs: 42_000,
    rtoTargetSeconds: 14_400,
    failure: '',
    files: [],
    databases: [],
    ...overrides,
  };
}

let drills: DrillRecord[];

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  drills = [drill({})];
  invoke.mockReset();
  invoke.mockImplementation(async (command: string) => {
    switch (command) {
      case 'backup_drills':
        return drills;
      case 'backup_drill':
        drills = [drill({ id: 'd2', passed: false, failure: 'checksum differs', durationMs: 20_000_000 }), ...drills];
        return drills[0];
      case 'backup_drill_report':
        return { format: 'csv', fileName: 'nas-drills.csv', text: 'started_at,passed\n' };
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
});

describe('BackupDrills', () => {
  it('shows measured RTO against the target', async () => {
    render(BackupDrills, { plan });
    const rows = await screen.findAllByTestId('backup-drill');
    expect(rows[0].textContent).toContain('Passed');
    expect(rows[0].textContent).toContain('42s / 4h 0m');
  });

  it('runs a drill and lists the failure', async () => {
    render(BackupDrills, { plan });
    await screen.findAllByTestId('backup-drill');
    await fireEvent.click(screen.getByTestId('backup-drill-run'));
    await waitFor(() => expect(screen.getAllByTestId('backup-drill')).toHaveLength(2));
    const failed = screen.getAllByTestId('backup-drill')[0];
    expect(failed.textContent).toContain('Failed');
    expect(failed.textContent).toContain('checksum differs');
    expect(failed.textContent).toContain('5h 33m / 4h 0m');
  });

  it('shows database results', async () => {
    drills = [
      drill({
        passed: false,
        failure: 'database shop failed to load',
        databases: [
          { container: 'db', engine: 'postgres', expected: ['app', 'auth'], missing: [], durationMs: 3_000, ok: true, failure: '' },
          {
            container: 'shop',
            engine: 'mysql',
            expected: ['shop', 'stats'],
            missing: ['stats'],
            durationMs: 65_000,
            ok: false,
            failure: 'ERROR 1049: Unknown database',
          },
        ],
      }),
    ];
    render(BackupDrills, { plan });
    const results = await screen.findAllByTestId('drill-database');
    expect(results).toHaveLength(2);
    expect(results[0].dataset.ok).toBe('true');
    expect(results[0].textContent).toContain('db (postgres): Passed, 2 of 2 databases found, 3s');
    expect(results[1].dataset.ok).toBe('false');
    expect(results[1].textContent).toContain('shop (mysql): Failed, 1 of 2 databases found, 1m 5s');
    expect(results[1].textContent).toContain('Missing: stats');
    expect(results[1].textContent).toContain('ERROR 1049: Unknown database');
  });

  it('shows a dash without databases', async () => {
    render(BackupDrills, { plan });
    await screen.findAllByTestId('backup-drill');
    expect(screen.queryByTestId('drill-database')).toBeNull();
  });

  it('exports the report', async () => {
    render(BackupDrills, { plan });
    await screen.findAllByTestId('backup-drill');
    await fireEvent.change(screen.getByRole('combobox'), { target: { value: 'csv' } });
    await fireEvent.click(screen.getByTestId('backup-drill-export'));
    const report = (await screen.findByTestId('backup-drill-report')) as HTMLTextAreaElement;
    expect(report.value).toContain('started_at,passed');
    expect(invoke).toHaveBeenCalledWith('backup_drill_report', { plan: 'p1', format: 'csv' });
    expect(screen.getByText('Suggested file name: nas-drills.csv')).toBeTruthy();
  });
});
