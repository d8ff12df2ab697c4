// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { HostFactsView } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import FactsDialog from './FactsDialog.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const facts: HostFactsView = {
  osName: 'Debian GNU/Linux 12 (bookworm)',
  osVersion: '12',
  kernel: 'Linux 6.1.0',
  architecture: 'x86_64',
  cpuModel: 'Test CPU',
  cpuCores: 4,
  memoryTotalBytes: 8 * 1024 ** 3,
  memoryAvailableBytes: 2 * 1024 ** 3,
  filesystems: [
    {
      source: 'tank/data',
      fsType: 'zfs',
      mountPoint: '/tank',
      sizeBytes: 1024 ** 4,
      usedBytes: 0,
      availableBytes: 1024 ** 4,
      snapshots: true,
    },
  ],
  dockerVersion: '24.0.7',
  dockerStorageDriver: null,
  uptimeSeconds: 90_000,
  readAt: '2026-12-04T10:00:00Z',
};

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('FactsDialog', () => {
  it('opens with cached facts and reads again on request', async () => {
    invoke.mockResolvedValue(facts);
    render(FactsDialog, { props: { host: sshHost({ id: 'h1', name: 'nas' }), onclose: vi.fn() } });

    await waitFor(() => expect(screen.getByTestId('facts-os').textContent).toContain('Debian'));
    expect(invoke).toHaveBeenCalledWith('host_facts', { id: 'h1', refresh: false });
    expect(screen.getByTestId('facts-docker').textContent).toContain('storage driver unknown');
    expect(screen.getByTestId('facts-filesystem').textContent).toContain('snapshots');

    await fireEvent.click(screen.getByTestId('facts-refresh'));
    expect(invoke).toHaveBeenLastCalledWith('host_facts', { id: 'h1', refresh: true });
  });

  it('shows the error of a failed read', async () => {
    invoke.mockRejectedValue({
      code: 'HostUnreachable',
      message: 'cannot reach',
      params: { host: 'nas.lan', port: '22', detail: 'refused' },
    });
    render(FactsDialog, { props: { host: sshHost({ id: 'h1', name: 'nas' }), onclose: vi.fn() } });

    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('nas.lan'));
  });
});
