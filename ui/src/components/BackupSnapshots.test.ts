// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { BackupPlanView, IpcError, RestorePreview, RunEvent } from '../lib/ipc/types';
import BackupSnapshots from './BackupSnapshots.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    constructor(public onmessage: (event: RunEvent) => void) {}
  },
}));

const plan = {
  plan: { id: 'p1', hostId: 'h1', definition: { items: [{ kind: 'path', path: '/srv/data' }] } },
} as BackupPlanView;

const dbPlan = {
  plan: {
    id: 'p1',
    hostId: 'h1',
    definition: {
      items: [
        { kind: 'path', path: '/srv/data' },
        { kind: 'database', container: 'db', engine: 'postgres' },
        { kind: 'database', container: 'shop', engine: 'mysql' },
      ],
    },
  },
} as BackupPlanView;

let preview: RestorePreview;
/** Resolves the pending `backup_restore_database`, so a test can look at the dialog mid-run. */
let finishDatabaseRestore: (() => void) | null;
let databaseRestoreError: IpcError | null;

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  finishDatabaseRestore = null;
  databaseRestoreError = null;
  preview = {
    root: '/srv/restore',
    entries: [
      { path: '/srv/data/a.txt', destination: '/srv/restore/srv/data/a.txt', kind: 'file', action: 'overwrite' },
      { path: '/srv/data/b.txt', destination: '/srv/restore/srv/data/b.txt', kind: 'file', action: 'create' },
    ],
    createCount: 1,
    overwriteCount: 1,
    outsideCount: 0,
  };
  invoke.mockReset();
  invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
    switch (command) {
      case 'backup_snapshots':
        return [
          { id: 'abcdef01', short_id: 'abcdef01', time: '2026-12-05T03:00:00.123456789Z', paths: ['/srv/data'], hostname: 'nas', username: 'root', tags: null },
        ];
      case 'backup_files':
        return args.folder === '/'
          ? [{ name: 'srv', type: 'dir', path: '/srv', uid: 0, gid: 0, size: null, permissions: 'drwxr-xr-x', mtime: '' }]
          : [{ name: 'a.txt', type: 'file', path: '/srv/a.txt', uid: 0, gid: 0, size: 12, permissions: '-rw-r--r--', mtime: '' }];
      case 'backup_restore_preview':
        return preview;
      case 'backup_restore':
        return { id: 'r3', status: 'succeeded' };
      case 'backup_databases':
        return [
          {
            target: { container: 'db', engine: 'postgres', user: 'postgres', serverUid: 999 },
            containerId: 'c0ffee',
            image: 'postgres:16',
            evidence: [],
            passwordVariable: 'POSTGRES_PASSWORD',
          },
        ];
      case 'backup_restore_database': {
        const channel = args.onEvent as { onmessage: (event: RunEvent) => void };
        channel.onmessage({ type: 'started', runId: 'r4', planId: 'p1', kind: 'restore' });
        channel.onmessage({ type: 'stageStarted', position: 0, name: 'restore', repository: 'disk' });
        channel.onmessage({
          type: 'stageFinished',
          position: 0,
          name: 'restore',
          repository: 'disk',
          status: 'succeeded',
          durationMs: 800,
        });
        channel.onmessage({ type: 'stageStarted', position: 1, name: 'load', repository: 'disk' });
        await new Promise<void>((resolve) => (finishDatabaseRestore = resolve));
        if (databaseRestoreError) {
          throw databaseRestoreError;
        }
        return { id: 'r4', status: 'succeeded' };
      }
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
});

async function openPreview() {
  render(BackupSnapshots, { plan });
  await fireEvent.click(await screen.findByRole('button', { name: 'Browse' }));
  await fireEvent.click(await screen.findByRole('button', { name: 'srv/' }));
  await screen.findByText('a.txt', { exact: false });
  await fireEvent.input(screen.getByTestId('backup-restore-target'), { target: { value: '/srv/restore' } });
  await fireEvent.click(screen.getByTestId('backup-restore-preview'));
  return screen.findByTestId('backup-restore-counts');
}

describe('BackupSnapshots', () => {
  it('browses folders of a snapshot', async () => {
    render(BackupSnapshots, { plan });
    expect(await screen.findAllByTestId('backup-snapshot')).toHaveLength(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Browse' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'srv/' }));
    expect(invoke).toHaveBeenCalledWith('backup_files', { plan: 'p1', snapshot: 'abcdef01', folder: '/srv' });
    expect((await screen.findByTestId('backup-files')).textContent).toContain('a.txt');
  });

  it('confirms before overwriting', async () => {
    const counts = await openPreview();
    expect(counts.textContent).toBe('1 new, 1 overwritten, 0 outside the target');
    expect(invoke).toHaveBeenCalledWith('backup_restore_preview', {
      plan: 'p1',
      request: { snapshot: 'abcdef01', paths: [], target: '/srv/restore' },
    });

    await fireEvent.click(screen.getByTestId('backup-restore-start'));
    expect(screen.getByTestId('confirm-dialog')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalledWith('backup_restore', expect.anything());

    await fireEvent.click(screen.getByTestId('confirm-ok'));
    await screen.findByTestId('backup-restore-done');
    expect(invoke).toHaveBeenCalledWith(
      'backup_restore',
      expect.objectContaining({ plan: 'p1', overwriteConfirmed: true }),
    );
  });

  it('restores new files without confirmation', async () => {
    preview = { ...preview, entries: [preview.entries[1]], overwriteCount: 0 };
    await openPreview();
    await fireEvent.click(screen.getByTestId('backup-restore-start'));
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('backup_restore', expect.objectContaining({ overwriteConfirmed: false })),
    );
  });

  it('blocks a restore outside the target', async () => {
    preview = { ...preview, outsideCount: 1 };
    await openPreview();
    expect((screen.getByTestId('backup-restore-start') as HTMLButtonElement).disabled).toBe(true);
  });
});

async function openDatabaseRestore() {
  render(BackupSnapshots, { plan: dbPlan });
  await fireEvent.click(await screen.findByTestId('restore-database'));
  return screen.findByTestId('db-restore-dialog');
}

function startButton(): HTMLButtonElement {
  return screen.getByTestId('db-restore-start') as HTMLButtonElement;
}

describe('database restore', () => {
  it('is hidden without database items', async () => {
    render(BackupSnapshots, { plan });
    await screen.findAllByTestId('backup-snapshot');
    expect(screen.queryByTestId('restore-database')).toBeNull();
  });

  it('needs confirmation naming the container', async () => {
    await openDatabaseRestore();
    expect((screen.getByTestId('db-restore-container') as HTMLInputElement).value).toBe('db');
    expect((screen.getByTestId('db-restore-mode-running') as HTMLInputElement).checked).toBe(true);
    expect(startButton().disabled).toBe(true);

    const confirm = screen.getByTestId('db-restore-confirm') as HTMLInputElement;
    expect(confirm.closest('label')?.textContent).toContain('Replace the databases in container db');
    await fireEvent.click(confirm);
    expect(startButton().disabled).toBe(false);

    // A different container was not confirmed, so the box clears.
    await fireEvent.input(screen.getByTestId('db-restore-container'), { target: { value: 'db-old' } });
    expect(confirm.checked).toBe(false);
    expect(confirm.closest('label')?.textContent).toContain('Replace the databases in container db-old');
    expect(startButton().disabled).toBe(true);
  });

  it('restores into the running container', async () => {
    await openDatabaseRestore();
    await fireEvent.click(screen.getByTestId('db-restore-confirm'));
    await fireEvent.click(startButton());

    const stages = await screen.findAllByTestId('db-restore-stage');
    expect(stages).toHaveLength(2);
    expect(stages[0].textContent).toContain('Restore the dump from the snapshot: Succeeded');
    expect(stages[1].textContent).toContain('Load the dump: Running');
    expect(startButton().disabled).toBe(true);
    expect(invoke).toHaveBeenCalledWith(
      'backup_restore_database',
      expect.objectContaining({
        plan: 'p1',
        request: { snapshot: 'abcdef01', database: 'db', destination: { kind: 'running', container: 'db' } },
        confirmed: true,
      }),
    );

    finishDatabaseRestore?.();
    const result = await screen.findByTestId('db-restore-result');
    expect(result.textContent).toContain('The databases in db were replaced from the snapshot.');
  });

  it('restores into a new container', async () => {
    await openDatabaseRestore();
    await fireEvent.change(screen.getByTestId('db-restore-database'), { target: { value: 'shop' } });
    await fireEvent.change(screen.getByTestId('db-restore-database'), { target: { value: 'db' } });
    await fireEvent.click(screen.getByTestId('db-restore-mode-new'));
    expect((screen.getByTestId('db-restore-new-name') as HTMLInputElement).value).toBe('db-restored');
    await waitFor(() => expect((screen.getByTestId('db-restore-image') as HTMLInputElement).value).toBe('postgres:16'));
    expect((screen.getByTestId('db-restore-environment-from') as HTMLInputElement).value).toBe('db');
    expect(screen.queryByTestId('db-restore-confirm')).toBeNull();

    await fireEvent.click(startButton());
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith(
        'backup_restore_database',
        expect.objectContaining({
          request: {
            snapshot: 'abcdef01',
            database: 'db',
            destination: { kind: 'new', container: 'db-restored', image: 'postgres:16', environmentFrom: 'db' },
          },
          confirmed: false,
        }),
      ),
    );
    finishDatabaseRestore?.();
    expect((await screen.findByTestId('db-restore-result')).textContent).toContain(
      'The databases were loaded into the new container db-restored.',
    );
  });

  it('needs an image for a new container', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'backup_databases') {
        throw { code: 'DockerUnavailable', message: 'x', params: { host: 'nas', socket: '/var/run/docker.sock' } };
      }
      if (command === 'backup_snapshots') {
        return [{ id: 'abcdef01', short_id: 'abcdef01', time: '2026-12-05T03:00:00Z', paths: [], hostname: 'nas', username: 'root', tags: null }];
      }
      throw new Error(`unexpected command ${command}`);
    });
    await openDatabaseRestore();
    await fireEvent.click(screen.getByTestId('db-restore-mode-new'));
    expect((screen.getByTestId('db-restore-image') as HTMLInputElement).value).toBe('');
    expect(startButton().disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('db-restore-image'), { target: { value: 'postgres:16' } });
    expect(startButton().disabled).toBe(false);
  });

  it('shows a translated error', async () => {
    databaseRestoreError = {
      code: 'BackupFailed',
      message: 'failed',
      params: { plan: 'nas', stage: 'load', detail: 'psql: relation already exists' },
    };
    await openDatabaseRestore();
    await fireEvent.click(screen.getByTestId('db-restore-confirm'));
    await fireEvent.click(startButton());
    await screen.findAllByTestId('db-restore-stage');
    finishDatabaseRestore?.();
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('failed at the load stage: psql: relation already exists');
    expect(screen.queryByTestId('db-restore-result')).toBeNull();
    expect(startButton().disabled).toBe(false);
  });
});
