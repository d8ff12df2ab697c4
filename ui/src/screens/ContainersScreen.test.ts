// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { ContainerEvent, ContainerView, HostView, LogEvent } from '../lib/ipc/types';
import ContainersScreen from './ContainersScreen.svelte';

type Handler = (message: unknown) => void;

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    onmessage: Handler;
    constructor(onmessage: Handler) {
      this.onmessage = onmessage;
    }
  },
}));

const host: HostView = {
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

const web: ContainerView = {
  id: 'c1',
  name: 'web',
  image: 'nginx:1.27',
  state: 'running',
  status: 'Up 2 hours',
  ports: [{ ip: '0.0.0.0', publicPort: 8080, privatePort: 80, protocol: 'tcp' }],
  created: Math.floor(Date.now() / 1000) - 7200,
};

/** Channels the screen passed to the backend, by command name. */
let channels: Record<string, { onmessage: Handler }>;

function backend(command: string, args: Record<string, unknown>): Promise<unknown> {
  switch (command) {
    case 'container_list':
      return Promise.resolve([web]);
    case 'container_memory':
      return Promise.resolve([{ containerId: 'c1', usedBytes: 256 * 1024 ** 2, limitBytes: 1024 ** 3 }]);
    case 'container_events':
      channels.container_events = args.onEvent as { onmessage: Handler };
      return Promise.resolve(41);
    case 'container_logs':
      channels.container_logs = args.onEvent as { onmessage: Handler };
      return Promise.resolve(42);
    default:
      return Promise.resolve(null);
  }
}

function callsOf(command: string): unknown[][] {
  return invoke.mock.calls.filter(([name]) => name === command);
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  channels = {};
  invoke.mockReset();
  invoke.mockImplementation(backend);
});

describe('ContainersScreen', () => {
  it('renders rows with state, ports and memory', async () => {
    render(ContainersScreen, { props: { host } });

    const row = await screen.findByTestId('container-row');
    expect(row.dataset.containerName).toBe('web');
    const state = screen.getByTestId('container-state');
    expect(state.dataset.state).toBe('running');
    expect(state.textContent?.trim()).toBe('running');
    expect(row.textContent).toContain('0.0.0.0:8080->80/tcp');
    expect(row.textContent).toContain('256 MiB / 1 GiB');
    expect(row.textContent).toContain('2 hours ago');
  });

  it('re-fetches once after a burst of events', async () => {
    render(ContainersScreen, { props: { host } });
    await screen.findByTestId('container-row');
    await waitFor(() => expect(channels.container_events).toBeDefined());
    const before = callsOf('container_list').length;

    const changed: ContainerEvent = { kind: 'changed', containerId: 'c1', action: 'stop' };
    channels.container_events.onmessage(changed);
    channels.container_events.onmessage(changed);
    channels.container_events.onmessage(changed);

    await waitFor(() => expect(callsOf('container_list').length).toBe(before + 1));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(callsOf('container_list').length).toBe(before + 1);
  });

  it('cancels the event subscription on unmount', async () => {
    const { unmount } = render(ContainersScreen, { props: { host } });
    await screen.findByTestId('container-row');
    await waitFor(() => expect(screen.getByTestId('containers-live').textContent?.trim()).toBe('Live updates on'));

    unmount();
    expect(invoke).toHaveBeenCalledWith('subscription_cancel', { id: 41 });
  });

  it('shows a list error in the banner', async () => {
    invoke.mockImplementation((command: string, args: Record<string, unknown>) =>
      command === 'container_list'
        ? Promise.reject({ code: 'DockerUnavailable', message: 'x', params: { host: 'nas', socket: '/s' } })
        : backend(command, args),
    );
    render(ContainersScreen, { props: { host } });

    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('DockerUnavailable');
  });

  it('confirms before removing a container', async () => {
    render(ContainersScreen, { props: { host } });
    await fireEvent.click(await screen.findByTestId('container-remove'));
    expect(screen.getByTestId('confirm-dialog')).toBeTruthy();
    expect(callsOf('container_action')).toEqual([]);

    await fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('container_action', {
        hostId: 'h1',
        containerId: 'c1',
        action: 'remove',
      }),
    );
  });

  it('streams logs and restarts the stream on option change', async () => {
    render(ContainersScreen, { props: { host } });
    await fireEvent.click(await screen.findByTestId('container-logs'));
    await waitFor(() => expect(channels.container_logs).toBeDefined());
    expect(callsOf('container_logs')[0][1]).toMatchObject({ tail: 100, follow: true });

    const line: LogEvent = { kind: 'line', stream: 'stdout', text: 'hello\n' };
    channels.container_logs.onmessage(line);
    await waitFor(() => expect(screen.getByTestId('logs-output').textContent).toContain('hello'));

    await fireEvent.click(screen.getByTestId('logs-follow'));
    await waitFor(() => expect(callsOf('container_logs').length).toBe(2));
    expect(invoke).toHaveBeenCalledWith('subscription_cancel', { id: 42 });
    expect(callsOf('container_logs')[1][1]).toMatchObject({ follow: false });
    expect(screen.getByTestId('logs-output').textContent).not.toContain('hello');

    channels.container_logs.onmessage({ kind: 'end' } satisfies LogEvent);
    await waitFor(() => expect(screen.getByTestId('logs-status').textContent).toContain('ended'));
  });
});
