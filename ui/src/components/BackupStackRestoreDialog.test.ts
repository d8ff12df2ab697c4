// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { BackupPlanView, IpcError, RunEvent, StackManifest } from '../lib/ipc/types';
import BackupSnapshots from './BackupSnapshots.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    constructor(public onmessage: (event: RunEvent) => void) {}
  },
}));

const pathPlan = {
  plan: { id: 'p1', hostId: 'h1', definition: { items: [{ kind: 'path', path: '/srv/data' }] } },
  hostName: 'nas',
} as BackupPlanView;

const stackPlan = {
  plan: {
    id: 'p1',
    hostId: 'h1',
    definition: {
      items: [
        { kind: 'path', path: '/srv/data' },
        { kind: 'stack', project: 'wiki' },
        { kind: 'stack', project: 'blog' },
      ],
    },
  },
  hostName: 'nas',
} as BackupPlanView;

const wikiManifest: StackManifest = {
  project: 'wiki',
  workingDir: '/opt/stacks/wiki',
  configFiles: ['/opt/stacks/wiki/compose.yaml'],
  volumes: [
    { name: 'wiki_uploads', mountpoint: '/var/lib/docker/volumes/wiki_uploads/_data', mounts: [{ service: 'app', destination: '/uploads' }], database: false },
    { name: 'wiki_db', mountpoint: '/var/lib/docker/volumes/wiki_db/_data', mounts: [{ service: 'db', destination: '/var/lib/postgresql/data' }], database: true },
  ],
  binds: ['/srv/wiki-config'],
  databaseBinds: [],
  databases: [{ service: 'db', container: 'wiki-db-1', engine: 'postgres', user: 'wiki' }],
};

const blogManifest: StackManifest = {
  project: 'blog',
  workingDir: '/home/me/blog',
  configFiles: ['/home/me/blog/docker-compose.yml'],
  volumes: [],
  binds: [],
  databaseBinds: [],
  databases: [],
};

/** Resolves the pending `backup_restore_stack`, so a test can look at the dialog mid-run. */
let finishRestore: (() => void) | null;
let restoreError: IpcError | null;
let manifestError: IpcError | null;

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  finishRestore = null;
  restoreError = null;
  manifestError = null;
  invoke.mockReset();
  invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
    switch (command) {
      case 'backup_snapshots':
        return [
          { id: 'abcdef01', short_id: 'abcdef01', time: '2026-12-05T03:00:00Z', paths: ['/srv/data'], hostname: 'nas', username: 'root', tags: null },
        ];
      case 'host_list':
        return [
          { id: 'h1', name: 'nas' },
          { id: 'h2', name: 'pi' },
        ];
      case 'backup_stack_manifest':
        if (manifestError) {
          throw manifestError;
        }
        return args.project === 'wiki' ? wikiManifest : blogManifest;
      case 'backup_cancel':
        return true;
      case 'backup_restore_stack': {
        const channel = args.onEvent as { onmessage: (event: RunEvent) => void };
        channel.onmessage({ type: 'started', runId: 'r5', planId: 'p1', kind: 'restore' });
        channel.onmessage({ type: 'stageStarted', position: 0, name: 'restore', repository: 'disk' });
        channel.onmessage({
          type: 'stageFinished',
          position: 0,
          name: 'restore',
          repository: 'disk',
          status: 'succeeded',
          durationMs: 900,
        });
        channel.onmessage({ type: 'stageStarted', position: 1, name: 'volumes', repository: 'wiki_uploads' });
        await new Promise<void>((resolve) => (finishRestore = resolve));
        if (restoreError) {
          throw restoreError;
        }
        return { id: 'r5', status: 'succeeded' };
      }
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
});

async function openStackRestore() {
  render(BackupSnapshots, { plan: stackPlan });
  await fireEvent.click(await screen.findByTestId('restore-stack'));
  const dialog = await screen.findByTestId('stack-restore-dialog');
  await within(dialog).findByTestId('stack-restore-folder');
  return dialog;
}

/** Lets every settled promise run its callbacks, so a late response has reached the component. */
function flushPromises(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function field(testid: string): HTMLInputElement {
  return screen.getByTestId(testid) as HTMLInputElement;
}

function startButton(): HTMLButtonElement {
  return screen.getByTestId('stack-restore-start') as HTMLButtonElement;
}

describe('stack restore', () => {
  it('is offered only for plans with stacks', async () => {
    render(BackupSnapshots, { plan: pathPlan });
    await screen.findAllByTestId('backup-snapshot');
    expect(screen.queryByTestId('restore-stack')).toBeNull();
  });

  it('shows the stack manifest', async () => {
    const dialog = await openStackRestore();
    expect(invoke).toHaveBeenCalledWith('backup_stack_manifest', { plan: 'p1', snapshot: 'abcdef01', project: 'wiki' });
    expect(dialog.textContent).toContain('Restore a stack from snapshot abcdef01');
    expect(field('stack-restore-project').value).toBe('wiki');
    expect(screen.getByTestId('stack-restore-folder').textContent).toBe('/opt/stacks/wiki');
    const volumes = screen.getAllByTestId('stack-restore-volume');
    expect(volumes.map((volume) => volume.dataset.volume)).toEqual(['wiki_uploads', 'wiki_db']);
    expect(volumes[0].textContent).not.toContain('restored from the dump');
    expect(volumes[1].textContent).toContain('restored from the dump');
    expect(screen.getByTestId('stack-restore-databases').textContent).toContain('db (postgres)');
    expect(dialog.textContent).toContain('/srv/wiki-config');
    expect(field('stack-restore-name').placeholder).toBe('wiki');
    expect(field('stack-restore-directory').placeholder).toBe('/opt/stacks/wiki');
    await waitFor(() => expect((screen.getByTestId('stack-restore-host') as HTMLSelectElement).options).toHaveLength(2));
    expect(field('stack-restore-host').value).toBe('h1');
    expect(screen.getByTestId('stack-restore-note').textContent).toContain('needs restic installed and must reach the repository');

    await fireEvent.change(screen.getByTestId('stack-restore-project'), { target: { value: 'blog' } });
    await waitFor(() => expect(screen.getByTestId('stack-restore-folder').textContent).toBe('/home/me/blog'));
    expect(screen.queryByTestId('stack-restore-volume')).toBeNull();
    expect(screen.getByTestId('stack-restore-databases').textContent).toContain('None');
    expect(field('stack-restore-name').placeholder).toBe('blog');
    expect(field('stack-restore-directory').placeholder).toBe('/home/me/blog');
  });

  it('drops the manifest of a stack the user left', async () => {
    let finishWiki: () => void = () => {};
    const fallback = invoke.getMockImplementation();
    invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
      if (command === 'backup_stack_manifest' && args.project === 'wiki') {
        await new Promise<void>((resolve) => (finishWiki = resolve));
      }
      return fallback?.(command, args);
    });
    render(BackupSnapshots, { plan: stackPlan });
    await fireEvent.click(await screen.findByTestId('restore-stack'));
    await screen.findByTestId('stack-restore-dialog');
    await fireEvent.change(screen.getByTestId('stack-restore-project'), { target: { value: 'blog' } });
    await waitFor(() => expect(screen.getByTestId('stack-restore-folder').textContent).toBe('/home/me/blog'));

    finishWiki();
    await flushPromises();
    expect(screen.getByTestId('stack-restore-folder').textContent).toBe('/home/me/blog');
  });

  it('restores to another host with live stages', async () => {
    await openStackRestore();
    await waitFor(() => expect((screen.getByTestId('stack-restore-host') as HTMLSelectElement).options).toHaveLength(2));
    await fireEvent.change(screen.getByTestId('stack-restore-host'), { target: { value: 'h2' } });
    await fireEvent.input(screen.getByTestId('stack-restore-name'), { target: { value: 'wiki2' } });
    await fireEvent.input(screen.getByTestId('stack-restore-directory'), { target: { value: '/srv/wiki2' } });
    const confirm = field('stack-restore-confirm');
    expect(confirm.closest('label')?.textContent).toContain('Replace the stack wiki2 on pi and the files in its folders, if they exist');
    await fireEvent.click(confirm);
    await fireEvent.click(startButton());

    const stages = await screen.findAllByTestId('stack-restore-stage');
    expect(stages.map((stage) => stage.dataset.stage)).toEqual(['restore', 'volumes']);
    expect(stages[0].textContent).toContain('Restore the files from the snapshot (disk): Succeeded');
    expect(stages[1].textContent).toContain("Copy the volume's files (wiki_uploads): Running");
    expect(startButton().disabled).toBe(true);
    expect(invoke).toHaveBeenCalledWith(
      'backup_restore_stack',
      expect.objectContaining({
        plan: 'p1',
        request: { snapshot: 'abcdef01', project: 'wiki', host: 'h2', name: 'wiki2', directory: '/srv/wiki2' },
        confirmed: true,
      }),
    );

    finishRestore?.();
    const result = await screen.findByTestId('stack-restore-result');
    expect(result.dataset.status).toBe('succeeded');
    expect(result.textContent).toContain('The stack wiki2 was restored on pi and started.');
  });

  it('keeps the originals when the fields are empty', async () => {
    await openStackRestore();
    await fireEvent.click(startButton());
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith(
        'backup_restore_stack',
        expect.objectContaining({
          request: { snapshot: 'abcdef01', project: 'wiki', host: null, name: null, directory: null },
          confirmed: false,
        }),
      ),
    );
    finishRestore?.();
    expect((await screen.findByTestId('stack-restore-result')).textContent).toContain(
      'The stack wiki was restored on nas and started.',
    );
  });

  it('clears the confirmation when the target changes', async () => {
    await openStackRestore();
    await waitFor(() => expect((screen.getByTestId('stack-restore-host') as HTMLSelectElement).options).toHaveLength(2));
    const confirm = field('stack-restore-confirm');
    expect(confirm.closest('label')?.textContent).toContain('Replace the stack wiki on nas and the files in its folders, if they exist');
    await fireEvent.click(confirm);
    expect(confirm.checked).toBe(true);

    await fireEvent.input(screen.getByTestId('stack-restore-name'), { target: { value: 'wiki-old' } });
    expect(confirm.checked).toBe(false);
    expect(confirm.closest('label')?.textContent).toContain('Replace the stack wiki-old on nas and the files in its folders, if they exist');

    await fireEvent.click(confirm);
    await fireEvent.change(screen.getByTestId('stack-restore-host'), { target: { value: 'h2' } });
    expect(confirm.checked).toBe(false);
    expect(confirm.closest('label')?.textContent).toContain('Replace the stack wiki-old on pi and the files in its folders, if they exist');
  });

  it('shows the rejection of an existing stack', async () => {
    restoreError = {
      code: 'InvalidInput',
      message: 'name',
      params: {
        field: 'name',
        value: 'wiki',
        detail: 'a stack of this name runs on nas (2 container(s)); confirm to replace it: its containers and volumes are removed first',
      },
    };
    await openStackRestore();
    await fireEvent.click(startButton());
    await screen.findAllByTestId('stack-restore-stage');
    finishRestore?.();
    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('InvalidInput');
    expect(banner.textContent).toContain('a stack of this name runs on nas');
    expect(screen.queryByTestId('stack-restore-result')).toBeNull();
    expect(startButton().disabled).toBe(false);
  });

  it('shows a snapshot without a manifest', async () => {
    manifestError = {
      code: 'BackupFailed',
      message: 'manifest',
      params: { plan: 'nas', stage: 'manifest', detail: 'snapshot abcdef01 has no manifest of stack wiki' },
    };
    render(BackupSnapshots, { plan: stackPlan });
    await fireEvent.click(await screen.findByTestId('restore-stack'));
    const manifest = await screen.findByTestId('stack-restore-manifest');
    const banner = await within(manifest).findByTestId('error-banner');
    expect(banner.textContent).toContain('failed at the manifest stage: snapshot abcdef01 has no manifest of stack wiki');
    expect(screen.queryByTestId('stack-restore-folder')).toBeNull();
  });

  it('cancels a running restore', async () => {
    await openStackRestore();
    await fireEvent.click(startButton());
    await screen.findAllByTestId('stack-restore-stage');
    await fireEvent.click(screen.getByTestId('stack-restore-cancel'));
    expect(invoke).toHaveBeenCalledWith('backup_cancel', { plan: 'p1' });
    finishRestore?.();
    await screen.findByTestId('stack-restore-result');
    expect(screen.queryByTestId('stack-restore-cancel')).toBeNull();
  });

  it('shows the dialog in Chinese', async () => {
    await locale.set('zh-CN');
    try {
      const dialog = await openStackRestore();
      expect(dialog.textContent).toContain('从快照 abcdef01 恢复应用栈');
      expect(screen.getByTestId('stack-restore-note').textContent).toContain('目标主机需要安装 restic');
      expect(field('stack-restore-confirm').closest('label')?.textContent).toContain('如果 nas 上已有应用栈 wiki 或其文件夹中已有文件，则替换它们');
    } finally {
      await locale.set('en');
    }
  });
});
