// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import { sshHost } from '../lib/testHosts';
import EngineForm from './EngineForm.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

async function fillTls() {
  await fireEvent.input(screen.getByTestId('engine-name'), { target: { value: 'builder' } });
  await fireEvent.input(screen.getByTestId('engine-address'), { target: { value: '192.0.2.20' } });
  await fireEvent.input(screen.getByTestId('engine-ca'), { target: { value: '/certs/ca.pem' } });
}

describe('EngineForm', () => {
  it('sends a TLS engine and reports the saved host', async () => {
    const saved = sshHost({ id: 'e1', name: 'builder', kind: 'tcp' });
    invoke.mockResolvedValueOnce(saved);
    const onsaved = vi.fn();
    render(EngineForm, { props: { onsaved, oncancel: vi.fn() } });

    await fillTls();
    await fireEvent.click(screen.getByTestId('engine-save'));

    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledWith(saved));
    expect(invoke).toHaveBeenCalledWith('host_add_engine', {
      input: {
        name: 'builder',
        socket: null,
        address: '192.0.2.20',
        port: 2376,
        tls: { ca: '/certs/ca.pem', cert: null, key: null },
        group: null,
        tags: [],
      },
    });
  });

  it('checks fields before sending anything', async () => {
    render(EngineForm, { props: { onsaved: vi.fn(), oncancel: vi.fn() } });
    await fireEvent.click(screen.getByTestId('engine-save'));
    expect(invoke).not.toHaveBeenCalled();
    expect(screen.getByTestId('engine-name').getAttribute('aria-invalid')).toBe('true');
  });

  it('warns when TLS is turned off', async () => {
    render(EngineForm, { props: { onsaved: vi.fn(), oncancel: vi.fn() } });
    await fireEvent.click(screen.getByTestId('engine-tls'));
    expect(screen.getByTestId('engine-plain-warning').textContent).toContain('Plain HTTP');
    expect(screen.queryByTestId('engine-ca')).toBeNull();
  });

  it('shows a refused certificate with its translated message', async () => {
    invoke.mockRejectedValueOnce({
      code: 'EngineTls',
      message: 'english',
      params: { host: 'builder', detail: 'invalid peer certificate: UnknownIssuer' },
    });
    render(EngineForm, { props: { onsaved: vi.fn(), oncancel: vi.fn() } });
    await fillTls();
    await fireEvent.click(screen.getByTestId('engine-save'));

    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('UnknownIssuer');
    expect(banner.textContent).toContain('CA certificate');
  });
});
