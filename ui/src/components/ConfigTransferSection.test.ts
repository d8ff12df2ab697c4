// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { ConfigImportView } from '../lib/ipc/types';
import ConfigTransferSection from './ConfigTransferSection.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const preview: ConfigImportView = {
  applied: false,
  version: 1,
  items: [
    { section: 'host', name: 'nas', action: 'add' },
    { section: 'host', name: 'bastion', action: 'skip' },
    { section: 'alertRule', name: 'host_cpu_high', action: 'update' },
  ],
  secretsToEnter: [{ ownerKind: 'host', owner: 'nas', secret: 'password' }],
};

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('ConfigTransferSection', () => {
  it('exports and lists the secrets to enter again', async () => {
    invoke.mockResolvedValue({
      path: '/home/me/homeport-config.json',
      hosts: 2,
      secretsToEnter: [{ ownerKind: 'notifyChannel', owner: 'Phone', secret: 'token' }],
    });
    render(ConfigTransferSection);

    await fireEvent.click(screen.getByTestId('config-export'));

    await waitFor(() => expect(screen.getByTestId('config-exported')).toBeTruthy());
    expect(invoke).toHaveBeenCalledWith('config_export', { path: '~/homeport-config.json' });
    expect(screen.getByTestId('config-exported').textContent).toContain('Wrote 2 hosts to /home/me/homeport-config.json');
    expect(screen.getByTestId('config-secrets').textContent).toContain('Channel Phone: token');
  });

  it('previews before importing and imports on request', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'config_import_preview' ? preview : { ...preview, applied: true }),
    );
    render(ConfigTransferSection);
    await fireEvent.input(screen.getByTestId('config-import-path'), { target: { value: '/tmp/c.json' } });

    await fireEvent.click(screen.getByTestId('config-preview'));

    await waitFor(() => expect(screen.getByTestId('config-plan')).toBeTruthy());
    expect(invoke).toHaveBeenCalledWith('config_import_preview', { path: '/tmp/c.json' });
    expect(invoke).not.toHaveBeenCalledWith('config_import_apply', expect.anything());
    expect(screen.getByTestId('config-add').textContent).toContain('Host: nas');
    expect(screen.getByTestId('config-skip').textContent).toContain('Host: bastion');
    expect(screen.getByTestId('config-update').textContent).toContain('Alert rule: host_cpu_high');
    expect(screen.getByTestId('config-secrets').textContent).toContain('Host nas: password');

    await fireEvent.click(screen.getByTestId('config-apply'));

    await waitFor(() => expect(screen.getByTestId('config-plan').textContent).toContain('Imported.'));
    expect(invoke).toHaveBeenCalledWith('config_import_apply', { path: '/tmp/c.json' });
    expect(screen.queryByTestId('config-apply')).toBeNull();
  });

  it('shows a newer file as rejected with its reason', async () => {
    invoke.mockRejectedValue({
      code: 'ConfigFileTooNew',
      message: 'too new',
      params: { file: '/tmp/c.json', version: '7', supported: '1' },
    });
    render(ConfigTransferSection);

    await fireEvent.click(screen.getByTestId('config-preview'));

    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('format version 7'));
    expect(screen.queryByTestId('config-plan')).toBeNull();
  });

  it('disables import when everything is present', async () => {
    invoke.mockResolvedValue({ ...preview, items: [{ section: 'host', name: 'nas', action: 'skip' }] });
    render(ConfigTransferSection);

    await fireEvent.click(screen.getByTestId('config-preview'));

    await waitFor(() => expect(screen.getByTestId('config-apply')).toBeTruthy());
    expect((screen.getByTestId('config-apply') as HTMLButtonElement).disabled).toBe(true);
  });
});
