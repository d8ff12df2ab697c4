// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { BackupPlanView, RestorePreview, RunEvent } from '../lib/ipc/types';
import BackupSnapshots from './BackupSnapshots.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    constructor(public onmessage: (event: RunEvent) => void) {}
  },
}));

const plan = { plan: { id: 'p1' } } as BackupPlanView;

let preview: RestorePreview;

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
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
