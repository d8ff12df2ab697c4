// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { HostView } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import HostForm from './HostForm.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const savedHost: HostView = {
  id: 'h1',
  name: 'nas',
  kind: 'ssh',
  address: 'nas.lan',
  port: 22,
  user: 'admin',
  auth: 'agent',
  keyPath: null,
  dockerSocket: '/var/run/docker.sock',
  hasSecret: false,
  hostKeyFingerprint: 'SHA256:abc',
  createdAt: '2025-01-01T00:00:00Z',
  jumpHostId: null,
  group: '',
  tags: [],
  source: null,
  tls: null,
};

async function type(testId: string, value: string) {
  await fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

async function fillValidForm() {
  await type('host-name', 'nas');
  await type('host-address', 'nas.lan');
  await type('host-user', 'admin');
  await fireEvent.change(screen.getByTestId('host-auth'), { target: { value: 'agent' } });
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('HostForm', () => {
  it('shows validation messages without calling the backend', async () => {
    render(HostForm, { props: { host: null, onsaved: vi.fn(), oncancel: vi.fn() } });
    await type('host-port', '70000');
    await fireEvent.click(screen.getByTestId('host-save'));

    expect(screen.getByText('Enter a name for the host.')).toBeTruthy();
    expect(screen.getByText('Enter the host name or IP address.')).toBeTruthy();
    expect(screen.getByText('Enter a port number from 1 to 65535.')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalled();
  });

  it('prompts to trust an unknown key', async () => {
    invoke
      .mockRejectedValueOnce({
        code: 'HostKeyUnknown',
        message: 'unknown',
        params: { host: 'nas.lan', port: '22', algorithm: 'ssh-ed25519', fingerprint: 'SHA256:abc' },
      })
      .mockResolvedValueOnce(savedHost);
    const onsaved = vi.fn();
    render(HostForm, { props: { host: null, onsaved, oncancel: vi.fn() } });

    await fillValidForm();
    await fireEvent.click(screen.getByTestId('host-save'));

    const fingerprint = await screen.findByTestId('hostkey-fingerprint');
    expect(fingerprint.textContent).toBe('SHA256:abc');
    expect(invoke).toHaveBeenLastCalledWith('host_add', expect.objectContaining({ trustedKey: null }));

    await fireEvent.click(screen.getByTestId('hostkey-trust'));

    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(savedHost));
    expect(invoke).toHaveBeenLastCalledWith(
      'host_add',
      expect.objectContaining({
        trustedKey: 'SHA256:abc',
        input: expect.objectContaining({ name: 'nas', address: 'nas.lan', port: 22, auth: 'agent' }),
      }),
    );
  });

  it('shows other errors in the banner', async () => {
    invoke.mockRejectedValueOnce({ code: 'HostNameTaken', message: 'taken', params: { host: 'nas' } });
    const onsaved = vi.fn();
    render(HostForm, { props: { host: null, onsaved, oncancel: vi.fn() } });

    await fillValidForm();
    await fireEvent.click(screen.getByTestId('host-save'));

    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('HostNameTaken');
    expect(onsaved).not.toHaveBeenCalled();
  });

  it('offers no key replacement for an unsaved host', async () => {
    invoke.mockRejectedValueOnce({
      code: 'HostKeyChanged',
      message: 'changed',
      params: {
        host: 'nas.lan',
        port: '22',
        algorithm: 'ssh-ed25519',
        fingerprint: 'SHA256:new',
        oldFingerprint: 'SHA256:old',
      },
    });
    render(HostForm, { props: { host: null, onsaved: vi.fn(), oncancel: vi.fn() } });

    await fillValidForm();
    await fireEvent.click(screen.getByTestId('host-save'));

    expect((await screen.findByTestId('hostkey-old-fingerprint')).textContent?.trim()).toBe('SHA256:old');
    expect(screen.getByTestId('hostkey-new-fingerprint').textContent?.trim()).toBe('SHA256:new');
    expect(screen.queryByTestId('hostkey-replace')).toBeNull();
  });

  it('replaces a changed key only after confirmation', async () => {
    invoke
      .mockRejectedValueOnce({
        code: 'HostKeyChanged',
        message: 'changed',
        params: {
          host: 'nas.lan',
          port: '22',
          algorithm: 'ssh-ed25519',
          fingerprint: 'SHA256:new',
          oldFingerprint: 'SHA256:old',
        },
      })
      .mockResolvedValueOnce(savedHost)
      .mockResolvedValueOnce(savedHost);
    const onsaved = vi.fn();
    render(HostForm, { props: { host: savedHost, onsaved, oncancel: vi.fn() } });

    await fireEvent.click(screen.getByTestId('host-save'));
    const replace = (await screen.findByTestId('hostkey-replace')) as HTMLButtonElement;
    expect(replace.disabled).toBe(true);

    await fireEvent.click(screen.getByTestId('hostkey-replace-confirm'));
    expect(replace.disabled).toBe(false);
    await fireEvent.click(replace);

    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(invoke).toHaveBeenCalledWith('host_replace_key', { id: 'h1', fingerprint: 'SHA256:new' });
    expect(invoke).toHaveBeenLastCalledWith('host_update', expect.objectContaining({ id: 'h1', trustedKey: null }));
  });

  it('sends the jump host, group and tags', async () => {
    const bastion = sshHost({ id: 'b1', name: 'bastion' });
    const local = sshHost({ id: 'local', name: 'local', kind: 'local' });
    invoke.mockResolvedValueOnce(savedHost);
    const onsaved = vi.fn();
    render(HostForm, { props: { host: null, hosts: [local, bastion], onsaved, oncancel: vi.fn() } });

    const select = screen.getByTestId('host-jump') as HTMLSelectElement;
    expect([...select.options].map((option) => option.value)).toEqual(['', 'b1']);

    await fillValidForm();
    await fireEvent.change(select, { target: { value: 'b1' } });
    await type('host-group', ' Lab ');
    await type('host-tags', 'media, backup, media');
    await fireEvent.click(screen.getByTestId('host-save'));

    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(invoke).toHaveBeenLastCalledWith(
      'host_add',
      expect.objectContaining({
        input: expect.objectContaining({ jumpHost: 'b1', group: 'Lab', tags: ['media', 'backup'] }),
      }),
    );
  });

  it('offers neither the edited host nor the hosts behind it as jump host', async () => {
    const inner = sshHost({ id: 'i1', name: 'inner', jumpHostId: 'h1' });
    const other = sshHost({ id: 'o1', name: 'other' });
    render(HostForm, {
      props: { host: savedHost, hosts: [savedHost, inner, other], onsaved: vi.fn(), oncancel: vi.fn() },
    });

    const select = screen.getByTestId('host-jump') as HTMLSelectElement;
    expect([...select.options].map((option) => option.value)).toEqual(['', 'o1']);
  });

  it('rejects too long a tag before calling the backend', async () => {
    render(HostForm, { props: { host: null, onsaved: vi.fn(), oncancel: vi.fn() } });
    await fillValidForm();
    await type('host-tags', 'x'.repeat(33));
    await fireEvent.click(screen.getByTestId('host-save'));

    expect(screen.getByText('Use at most 32 characters per tag.')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalled();
  });
});
