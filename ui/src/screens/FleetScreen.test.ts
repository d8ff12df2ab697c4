// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { FleetHost, HostView } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import FleetScreen from './FleetScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const bastion = sshHost({ id: 'b', name: 'bastion', group: 'Lab', tags: ['edge'] });
const inner = sshHost({ id: 'i', name: 'inner', group: 'Lab', jumpHostId: 'b' });
const nas = sshHost({ id: 'n', name: 'nas', address: '192.0.2.10', tags: ['storage'] });
const hosts: HostView[] = [bastion, inner, nas];

const fleet: FleetHost[] = [
  {
    host: bastion,
    state: 'online',
    containers: { running: 2, paused: 0, restarting: 0, exited: 1, created: 1, dead: 0, total: 4 },
    error: null,
    elapsedMs: 120,
    openAlerts: [],
  },
  {
    host: inner,
    state: 'dockerUnavailable',
    containers: null,
    error: {
      code: 'DockerUnavailable',
      message: 'x',
      params: { host: 'inner.lan', socket: '/var/run/docker.sock' },
    },
    elapsedMs: 1500,
    openAlerts: [],
  },
  {
    host: nas,
    state: 'unreachable',
    containers: null,
    error: {
      code: 'HostUnreachable',
      message: 'x',
      params: { host: '192.0.2.10', port: '22', detail: 'no answer within 5 s' },
    },
    elapsedMs: 5000,
    openAlerts: [],
  },
];

function card(name: string): HTMLElement {
  const found = screen.getAllByTestId('fleet-host').find((element) => element.dataset.hostName === name);
  if (!found) {
    throw new Error(`no fleet card for ${name}`);
  }
  return found;
}

function cardNames(): string[] {
  return screen.queryAllByTestId('fleet-host').map((element) => element.dataset.hostName ?? '');
}

/** Resolves `fleet_status` only when the test calls the returned function. */
function holdFleetStatus(result: FleetHost[]): () => void {
  let release = () => {};
  invoke.mockImplementation((command: string) => {
    if (command === 'host_list') {
      return Promise.resolve(hosts);
    }
    if (command === 'fleet_status') {
      return new Promise((resolve) => {
        release = () => resolve(result);
      });
    }
    return Promise.resolve(null);
  });
  return () => release();
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

function backend(command: string): Promise<unknown> {
  switch (command) {
    case 'host_list':
      return Promise.resolve(hosts);
    case 'fleet_status':
      return Promise.resolve(fleet);
    default:
      return Promise.resolve(null);
  }
}

beforeEach(() => {
  invoke.mockReset();
  invoke.mockImplementation(backend);
});

describe('FleetScreen', () => {
  it('lists open alerts on their host and counts them', async () => {
    const withAlert = fleet.map((entry) =>
      entry.host.name === 'nas'
        ? {
            ...entry,
            openAlerts: [
              {
                id: 'a1',
                rule: 'host_unreachable',
                severity: 'P0',
                acknowledged: false,
                params: { host: 'nas', detail: 'no answer' },
                count: 3,
                firstSeen: '2026-12-05T01:00:00Z',
              },
            ],
          }
        : entry,
    );
    invoke.mockImplementation((command: string) =>
      command === 'fleet_status' ? Promise.resolve(withAlert) : backend(command),
    );
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });

    await waitFor(() => expect(cardNames()).toHaveLength(3));
    const alert = await waitFor(() => within(card('nas')).getByTestId('fleet-alert'));
    expect(alert.dataset.severity).toBe('P0');
    expect(alert.textContent).toContain('Host unreachable');
    expect(alert.textContent).toContain('seen 3 times');
    expect(screen.getByTestId('fleet-alert-count').textContent?.trim()).toBe('1 open alert');
    expect(within(card('bastion')).queryByTestId('fleet-alerts')).toBeNull();
  });

  it('shows hosts as checking before the status', async () => {
    const release = holdFleetStatus(fleet);
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });

    await waitFor(() => expect(cardNames()).toHaveLength(3));
    expect(within(card('nas')).getByTestId('fleet-state').dataset.state).toBe('checking');
    expect(screen.getByTestId('fleet-refreshing')).toBeTruthy();
    expect((screen.getByTestId('fleet-refresh') as HTMLButtonElement).disabled).toBe(true);

    release();
    await waitFor(() => expect(within(card('nas')).getByTestId('fleet-state').dataset.state).toBe('unreachable'));
    expect(screen.queryByTestId('fleet-refreshing')).toBeNull();
    expect((screen.getByTestId('fleet-refresh') as HTMLButtonElement).disabled).toBe(false);
  });

  it('renders state, counts, error and elapsed time', async () => {
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });
    await waitFor(() => expect(within(card('bastion')).getByTestId('fleet-state').dataset.state).toBe('online'));

    expect(within(card('bastion')).getByTestId('fleet-state').textContent?.trim()).toBe('Online');
    expect(within(card('bastion')).getByTestId('fleet-containers').textContent?.trim()).toBe(
      '2 running · 2 stopped · 4 total',
    );
    expect(within(card('bastion')).getByTestId('fleet-elapsed').textContent?.trim()).toBe('Checked in 120ms');
    expect(within(card('inner')).getByTestId('fleet-state').textContent?.trim()).toBe('Docker unavailable');
    expect(within(card('inner')).getByText('via bastion')).toBeTruthy();
    const error = within(card('nas')).getByTestId('fleet-error');
    expect(error.dataset.errorCode).toBe('HostUnreachable');
    expect(error.textContent).toContain('Could not connect to 192.0.2.10 on port 22: no answer within 5 s');
    expect(screen.getByTestId('fleet-summary').textContent?.trim()).toBe('1 of 3 hosts online');
  });

  it('groups hosts with the ungrouped ones last', async () => {
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });
    await waitFor(() => expect(cardNames()).toHaveLength(3));

    const groups = screen.getAllByTestId('fleet-group');
    expect(groups.map((group) => group.dataset.group)).toEqual(['Lab', '']);
    expect(within(groups[1]).getByRole('heading').textContent).toContain('Ungrouped');
    expect(cardNames()).toEqual(['bastion', 'inner', 'nas']);
  });

  it('filters by tag and shows when nothing matches', async () => {
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });
    await waitFor(() => expect(cardNames()).toHaveLength(3));

    await fireEvent.input(screen.getByTestId('fleet-search'), { target: { value: 'STORAGE' } });
    expect(cardNames()).toEqual(['nas']);

    await fireEvent.input(screen.getByTestId('fleet-search'), { target: { value: 'nothing-like-this' } });
    expect(cardNames()).toEqual([]);
    expect(screen.getByTestId('fleet-no-match').textContent).toContain('nothing-like-this');
  });

  it('refreshes all hosts again on request', async () => {
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });
    await waitFor(() => expect(within(card('nas')).getByTestId('fleet-state').dataset.state).toBe('unreachable'));

    const recovered = fleet.map((entry) =>
      entry.host.id === 'n' ? { ...entry, state: 'online' as const, error: null } : entry,
    );
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'fleet_status' ? recovered : hosts),
    );
    await fireEvent.click(screen.getByTestId('fleet-refresh'));

    await waitFor(() => expect(within(card('nas')).getByTestId('fleet-state').dataset.state).toBe('online'));
    expect(invoke.mock.calls.filter(([command]) => command === 'fleet_status')).toHaveLength(2);
  });

  it('opens the containers of a clicked host', async () => {
    const onopen = vi.fn();
    render(FleetScreen, { props: { onopen, onhostschanged: vi.fn() } });
    await waitFor(() => expect(cardNames()).toHaveLength(3));

    await fireEvent.click(within(card('inner')).getByTestId('fleet-open'));
    expect(onopen).toHaveBeenCalledWith(expect.objectContaining({ id: 'i', name: 'inner' }));
  });

  it('offers add and import without SSH hosts', async () => {
    invoke.mockImplementation((command: string) => Promise.resolve(command === 'host_list' || command === 'fleet_status' ? [] : null));
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });

    await screen.findByTestId('fleet-empty');
    await fireEvent.click(screen.getByTestId('fleet-import'));
    expect(screen.getByTestId('import-dialog')).toBeTruthy();
  });

  it('keeps the hosts when refresh fails', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'fleet_status'
        ? Promise.reject({ code: 'Storage', message: 'x', params: { detail: 'disk full' } })
        : Promise.resolve(hosts),
    );
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });

    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('Storage');
    expect(cardNames()).toHaveLength(3);
  });

  it('skips the status after a list failure', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'host_list'
        ? Promise.reject({ code: 'Storage', message: 'x', params: { detail: 'locked' } })
        : Promise.resolve(fleet),
    );
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });

    expect((await screen.findByTestId('error-banner')).dataset.errorCode).toBe('Storage');
    expect(invoke.mock.calls.filter(([command]) => command === 'fleet_status')).toEqual([]);
    expect(screen.queryByTestId('fleet-empty')).toBeNull();
  });

  it('explains how to trust an unknown key', async () => {
    const unknown: FleetHost = {
      host: nas,
      state: 'keyUnknown',
      containers: null,
      error: {
        code: 'HostKeyUnknown',
        message: 'x',
        params: { host: '192.0.2.10', port: '22', algorithm: 'ssh-ed25519', fingerprint: 'SHA256:n' },
      },
      elapsedMs: 80,
      openAlerts: [],
    };
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'fleet_status' ? [unknown] : [nas]),
    );
    render(FleetScreen, { props: { onopen: vi.fn(), onhostschanged: vi.fn() } });

    await waitFor(() => expect(within(card('nas')).getByTestId('fleet-state').dataset.state).toBe('keyUnknown'));
    expect(card('nas').textContent).toContain('Edit this host under Hosts and save it');
    expect(within(card('nas')).getByTestId('fleet-error').textContent).toContain('SHA256:n');
  });
});
