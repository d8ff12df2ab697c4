// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { ImportCandidateView, ImportPreview } from '../lib/ipc/types';
import ImportDialog from './ImportDialog.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

function candidate(alias: string, overrides: Partial<ImportCandidateView> = {}): ImportCandidateView {
  return {
    alias,
    name: alias,
    address: `${alias}.lan`,
    port: 22,
    user: 'admin',
    auth: 'key',
    keyPath: '/home/me/.ssh/id_ed25519',
    jumpAlias: null,
    action: 'new',
    hostId: null,
    hostKey: 'known',
    hostKeyFingerprint: `SHA256:${alias}`,
    problems: [],
    recommended: true,
    origin: 'sshConfig',
    context: null,
    current: false,
    kind: 'ssh',
    dockerSocket: null,
    tls: null,
    ...overrides,
  };
}

const preview: ImportPreview = {
  configFiles: ['/tmp/ssh/config'],
  knownHostsProblems: [],
  candidates: [
    candidate('bastion'),
    candidate('inner', { jumpAlias: 'bastion', hostKey: 'notFound', hostKeyFingerprint: null }),
    candidate('nas', {
      recommended: false,
      problems: [
        {
          kind: 'identityFileMissing',
          params: { path: '/home/me/.ssh/nas' },
          message: 'missing',
          blocking: false,
        },
      ],
    }),
    candidate('bad name', {
      recommended: false,
      problems: [
        {
          kind: 'invalid',
          params: { field: 'name', value: 'bad name', reason: 'use letters' },
          message: 'invalid',
          blocking: true,
        },
      ],
    }),
  ],
  revokedKeys: 0,
  digest: 'digest-1',
  dockerProblems: [],
};

function row(alias: string): HTMLElement {
  const found = screen
    .getAllByTestId('import-row')
    .find((element) => element.dataset.alias === alias);
  if (!found) {
    throw new Error(`no import row for ${alias}`);
  }
  return found;
}

function checkbox(alias: string): HTMLInputElement {
  return within(row(alias)).getByTestId('import-select') as HTMLInputElement;
}

async function openPreview() {
  await fireEvent.input(screen.getByTestId('import-config-path'), { target: { value: ' /tmp/ssh/config ' } });
  await fireEvent.input(screen.getByTestId('import-known-hosts'), {
    target: { value: '/tmp/ssh/known_hosts\n' },
  });
  await fireEvent.click(screen.getByTestId('import-preview'));
  await screen.findAllByTestId('import-row');
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

const dockerPreview: ImportPreview = {
  configFiles: ['/home/me/.ssh/config'],
  knownHostsProblems: [],
  candidates: [
    candidate('docker-context:builder', {
      name: 'builder',
      origin: 'dockerContext',
      context: 'builder',
      current: true,
      kind: 'tcp',
      address: '192.0.2.7',
      port: 2376,
      user: '',
      auth: 'none',
      keyPath: null,
      hostKey: 'notApplicable',
      hostKeyFingerprint: null,
      tls: { ca: '/home/me/.docker/contexts/tls/x/docker/ca.pem', cert: null, key: null },
    }),
    candidate('docker-context:lax', {
      name: 'lax',
      origin: 'dockerContext',
      context: 'lax',
      kind: 'tcp',
      address: '192.0.2.8',
      port: 2376,
      user: '',
      auth: 'none',
      keyPath: null,
      hostKey: 'notApplicable',
      hostKeyFingerprint: null,
      recommended: false,
      problems: [{ kind: 'tlsVerifyOff', params: {}, message: 'english', blocking: true }],
    }),
  ],
  revokedKeys: 0,
  digest: 'digest-docker',
  dockerProblems: ['cannot read /home/me/.docker/contexts/meta/abc/meta.json: denied'],
};

describe('ImportDialog', () => {
  it('previews Docker contexts and explains their engines', async () => {
    invoke.mockResolvedValueOnce(dockerPreview);
    render(ImportDialog, { props: { onimported: vi.fn(), onclose: vi.fn() } });

    await fireEvent.click(screen.getByTestId('import-source-docker'));
    await fireEvent.input(screen.getByTestId('import-docker-config'), {
      target: { value: '/home/me/.docker' },
    });
    await fireEvent.click(screen.getByTestId('import-preview'));
    await screen.findAllByTestId('import-row');

    expect(invoke).toHaveBeenCalledWith('ssh_import_preview', {
      files: { config: null, knownHosts: null, docker: true, dockerConfig: '/home/me/.docker' },
    });
    const builder = row('docker-context:builder');
    expect(within(builder).getByTestId('import-target').textContent?.trim()).toBe('tcp://192.0.2.7:2376');
    expect(within(builder).getByTestId('import-current')).toBeTruthy();
    expect(within(builder).getByTestId('import-auth').textContent).toContain('TLS');
    expect(checkbox('docker-context:builder').checked).toBe(true);
    expect(checkbox('docker-context:lax').disabled).toBe(true);
    expect(within(row('docker-context:lax')).getByTestId('import-problem').textContent).toContain(
      'turns off certificate checks',
    );
    expect(screen.getByTestId('import-docker-problems').textContent).toContain('meta.json');
  });

  it('clears the preview when the source changes', async () => {
    invoke.mockResolvedValueOnce(preview);
    render(ImportDialog, { props: { onimported: vi.fn(), onclose: vi.fn() } });
    await openPreview();

    await fireEvent.click(screen.getByTestId('import-source-docker'));
    expect(screen.queryAllByTestId('import-row')).toHaveLength(0);
    expect((screen.getByTestId('import-apply') as HTMLButtonElement).disabled).toBe(true);
  });

  it('previews the entered files only', async () => {
    invoke.mockResolvedValueOnce(preview);
    render(ImportDialog, { props: { onimported: vi.fn(), onclose: vi.fn() } });

    await openPreview();

    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenCalledWith('ssh_import_preview', {
      files: { config: '/tmp/ssh/config', knownHosts: ['/tmp/ssh/known_hosts'] },
    });
    expect(screen.getByTestId('import-files').textContent).toContain('/tmp/ssh/config');
  });

  it('ticks recommended hosts and disables blocked ones', async () => {
    invoke.mockResolvedValueOnce(preview);
    render(ImportDialog, { props: { onimported: vi.fn(), onclose: vi.fn() } });
    await openPreview();

    expect(checkbox('bastion').checked).toBe(true);
    expect(checkbox('inner').checked).toBe(true);
    expect(checkbox('nas').checked).toBe(false);
    expect(checkbox('nas').disabled).toBe(false);
    expect(checkbox('bad name').checked).toBe(false);
    expect(checkbox('bad name').disabled).toBe(true);
    expect(within(row('bad name')).getByTestId('import-blocked')).toBeTruthy();
  });

  it('renders problems, jump hosts and host keys', async () => {
    invoke.mockResolvedValueOnce(preview);
    render(ImportDialog, { props: { onimported: vi.fn(), onclose: vi.fn() } });
    await openPreview();

    const problem = within(row('nas')).getByTestId('import-problem');
    expect(problem.dataset.kind).toBe('identityFileMissing');
    expect(problem.textContent?.trim()).toBe('The identity file /home/me/.ssh/nas does not exist.');
    expect(within(row('inner')).getByTestId('import-jump').textContent?.trim()).toBe('bastion');
    expect(within(row('bastion')).getByTestId('import-jump').textContent?.trim()).toBe('Direct');
    expect(within(row('bastion')).getByTestId('import-fingerprint').textContent).toBe('SHA256:bastion');
    expect(within(row('inner')).getByTestId('import-hostkey').dataset.status).toBe('notFound');
    expect(within(row('bastion')).getByTestId('import-target').textContent?.trim()).toBe('admin@bastion.lan:22');
  });

  it('locks a jump host that a ticked host needs', async () => {
    invoke.mockResolvedValueOnce(preview);
    render(ImportDialog, { props: { onimported: vi.fn(), onclose: vi.fn() } });
    await openPreview();

    expect(checkbox('bastion').disabled).toBe(true);
    expect(within(row('bastion')).getByTestId('import-required-by').textContent).toContain('inner');

    await fireEvent.click(checkbox('inner'));
    expect(checkbox('bastion').disabled).toBe(false);
    expect(checkbox('bastion').checked).toBe(true);

    await fireEvent.click(checkbox('bastion'));
    expect(checkbox('bastion').checked).toBe(false);
    expect((screen.getByTestId('import-apply') as HTMLButtonElement).disabled).toBe(true);
  });

  it('imports the ticked aliases with the preview digest', async () => {
    invoke.mockResolvedValueOnce(preview).mockResolvedValueOnce({
      added: ['bastion', 'inner', 'nas'],
      updated: [],
      unchanged: [],
      revokedKeysRecorded: 0,
    });
    const onimported = vi.fn();
    render(ImportDialog, { props: { onimported, onclose: vi.fn() } });
    await openPreview();

    await fireEvent.click(checkbox('nas'));
    const apply = screen.getByTestId('import-apply');
    expect(apply.textContent?.trim()).toBe('Import 3 hosts');
    await fireEvent.click(apply);

    const result = await screen.findByTestId('import-result');
    expect(within(result).getByTestId('import-added').textContent).toContain('bastion, inner, nas');
    expect(invoke).toHaveBeenLastCalledWith('ssh_import_apply', {
      files: { config: '/tmp/ssh/config', knownHosts: ['/tmp/ssh/known_hosts'] },
      digest: 'digest-1',
      aliases: ['bastion', 'inner', 'nas'],
    });
    expect(onimported).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('import-apply')).toBeNull();
  });

  it('shows every line of ConfigInvalid', async () => {
    invoke.mockRejectedValueOnce({
      code: 'ConfigInvalid',
      message: 'x',
      params: {
        file: '/tmp/ssh/config.d/20.conf',
        line: '3',
        column: '3',
        detail: "/tmp/ssh/config.d/20.conf:3:3: unknown keyword 'Prot'\n/tmp/ssh/config:9:1: missing value",
      },
    });
    render(ImportDialog, { props: { onimported: vi.fn(), onclose: vi.fn() } });

    await fireEvent.click(screen.getByTestId('import-preview'));

    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('ConfigInvalid');
    expect(banner.textContent).toContain('/tmp/ssh/config.d/20.conf at line 3, column 3');
    expect(banner.textContent).toContain('/tmp/ssh/config:9:1: missing value');
    expect(invoke).toHaveBeenCalledWith('ssh_import_preview', { files: { config: null, knownHosts: null } });
    expect(screen.queryByTestId('import-row')).toBeNull();
  });

  it('explains a stale preview and previews again', async () => {
    invoke
      .mockResolvedValueOnce(preview)
      .mockRejectedValueOnce({
        code: 'InvalidInput',
        message: 'stale',
        params: { field: 'plan', value: 'digest-1', detail: 'changed' },
      })
      .mockResolvedValueOnce({ ...preview, digest: 'digest-2' });
    const onimported = vi.fn();
    render(ImportDialog, { props: { onimported, onclose: vi.fn() } });
    await openPreview();

    await fireEvent.click(screen.getByTestId('import-apply'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('changed since the preview');
    expect(onimported).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('import-preview-again'));
    await waitFor(() => expect(screen.queryByTestId('error-banner')).toBeNull());
    expect(invoke).toHaveBeenCalledTimes(3);
    expect(invoke).toHaveBeenLastCalledWith('ssh_import_preview', expect.anything());
  });
});
