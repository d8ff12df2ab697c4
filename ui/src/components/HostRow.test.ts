// @vitest-environment jsdom
import { render, screen } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { HostView } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import HostRow from './HostRow.svelte';

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

function renderRow(host: HostView) {
  const noop = vi.fn();
  render(HostRow, {
    props: {
      host,
      jumpHostName: null,
      check: undefined,
      onopen: noop,
      onterminal: noop,
      onfacts: noop,
      onedit: noop,
      onremove: noop,
      oncheck: noop,
      onreviewkey: noop,
      ondismisscheck: noop,
    },
  });
}

const tcpEngine = sshHost({
  id: 'e1',
  name: 'builder',
  kind: 'tcp',
  address: '192.0.2.20',
  port: 2376,
  user: '',
  auth: 'none',
  dockerSocket: '',
  hostKeyFingerprint: null,
  tls: { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem' },
});

describe('HostRow', () => {
  it('shows an SSH host with its shell, facts and settings', () => {
    renderRow(sshHost({ id: 'h1', name: 'nas' }));
    expect(screen.getByTestId('host-terminal')).toBeTruthy();
    expect(screen.getByTestId('host-facts')).toBeTruthy();
    expect(screen.getByTestId('host-edit')).toBeTruthy();
  });

  it('shows a TLS engine by its endpoint and CA, without SSH actions', () => {
    renderRow(tcpEngine);
    expect(screen.getByText('Docker engine at tcp://192.0.2.20:2376')).toBeTruthy();
    expect(screen.getByTestId('host-tls-line').textContent).toContain('/certs/ca.pem');
    expect(screen.queryByTestId('host-terminal')).toBeNull();
    expect(screen.queryByTestId('host-facts')).toBeNull();
    expect(screen.queryByTestId('host-edit')).toBeNull();
    expect(screen.getByTestId('host-remove')).toBeTruthy();
  });

  it('warns about an engine reached over plain HTTP', () => {
    renderRow({ ...tcpEngine, tls: null });
    expect(screen.getByTestId('host-plain-http').textContent).toContain('anyone on the network');
  });
});
