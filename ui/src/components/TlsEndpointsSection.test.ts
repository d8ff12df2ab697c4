// @vitest-environment jsdom
import { render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { TlsEndpointView } from '../lib/ipc/types';
import TlsEndpointsSection from './TlsEndpointsSection.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const expiring: TlsEndpointView = {
  endpoint: { id: 'e1', address: '127.0.0.1', port: 8443, serverName: 'nas.lan', hostId: null, trustedCaPem: null },
  report: {
    checkedAt: '2026-12-05T07:00:00Z',
    error: null,
    daysLeft: 2,
    notBefore: '2026-12-04T07:00:00Z',
    notAfter: '2026-12-07T19:00:00Z',
    issuer: 'CN=Lab CA',
    subject: 'CN=other.lan',
    names: ['other.lan'],
    nameMismatch: true,
    expired: false,
    notYetValid: false,
    selfSigned: false,
    trusted: false,
    trustDetail: 'unknown issuer',
    chainLength: 1,
  },
};

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('TlsEndpointsSection', () => {
  it('shows days left, mismatch and trust', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'tls_endpoints' ? [expiring] : []),
    );
    render(TlsEndpointsSection);
    await waitFor(() => expect(screen.getAllByTestId('tls-endpoint')).toHaveLength(1));
    const row = screen.getByTestId('tls-endpoint');
    expect(row.textContent).toContain('nas.lan @ 127.0.0.1:8443');
    expect(screen.getByTestId('tls-days').textContent).toContain('2 days left');
    expect(row.textContent).toContain('Name mismatch');
    expect(row.textContent).toContain('Untrusted');
    expect(row.textContent).toContain('Issuer: CN=Lab CA');
  });

  it('shows a failed check', async () => {
    const failed: TlsEndpointView = {
      ...expiring,
      report: { ...expiring.report!, error: 'cannot connect to 127.0.0.1:8443', daysLeft: null },
    };
    invoke.mockImplementation((command: string) => Promise.resolve(command === 'tls_endpoints' ? [failed] : []));
    render(TlsEndpointsSection);
    await waitFor(() => expect(screen.getByTestId('tls-error').textContent).toContain('cannot connect'));
  });
});
