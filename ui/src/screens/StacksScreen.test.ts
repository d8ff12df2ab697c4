// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { HostView, ImageUpdateView, StackUpdateEvent, StackView } from '../lib/ipc/types';
import { rememberStackHost } from '../lib/stacks';
import { sshHost } from '../lib/testHosts';
import StacksScreen from './StacksScreen.svelte';

const invoke = vi.fn();
let channelHandler: ((event: StackUpdateEvent) => void) | null = null;

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    constructor(handler: (event: StackUpdateEvent) => void) {
      channelHandler = handler;
    }
  },
}));

const nas = sshHost({ id: 'n', name: 'nas' });
const pi = sshHost({ id: 'p', name: 'pi' });
const hosts: HostView[] = [nas, pi];

function counts(running: number, total: number) {
  return { running, paused: 0, restarting: 0, exited: total - running, created: 0, dead: 0, total };
}

const media: StackView = {
  name: 'media',
  status: 'partial',
  workingDir: '/srv/stacks/media',
  configFiles: ['/srv/stacks/media/compose.yaml'],
  composeVersion: '1.29.2',
  services: [
    { name: 'jellyfin', image: 'jellyfin/jellyfin:10.9', containers: counts(1, 1) },
    { name: 'sonarr', image: 'lscr.io/linuxserver/sonarr', containers: counts(0, 1) },
  ],
  containers: counts(1, 2),
};

const proxy: StackView = {
  name: 'proxy',
  status: 'stopped',
  workingDir: null,
  configFiles: [],
  composeVersion: null,
  services: [{ name: 'caddy', image: 'caddy:2', containers: counts(0, 1) }],
  containers: counts(0, 1),
};

const stacksByHost: Record<string, StackView[]> = { n: [media, proxy], p: [] };

const mediaUpdates: ImageUpdateView[] = [
  {
    service: 'jellyfin',
    image: 'jellyfin/jellyfin:10.9',
    localDigest: `sha256:${'1'.repeat(64)}`,
    remoteDigest: `sha256:${'2'.repeat(64)}`,
    status: 'updateAvailable',
    error: null,
  },
  {
    service: 'sonarr',
    image: 'lscr.io/linuxserver/sonarr',
    localDigest: `sha256:${'3'.repeat(64)}`,
    remoteDigest: null,
    status: 'registryError',
    error: 'toomanyrequests: rate limit',
  },
];

function backend(command: string, args?: Record<string, unknown>): Promise<unknown> {
  switch (command) {
    case 'host_list':
      return Promise.resolve(hosts);
    case 'stack_list':
      return Promise.resolve(stacksByHost[args?.hostId as string] ?? []);
    case 'stack_update_check':
      return Promise.resolve(args?.name === 'media' ? mediaUpdates : []);
    case 'stack_update':
      return Promise.resolve(9);
    default:
      return Promise.resolve(null);
  }
}

function row(name: string): HTMLElement {
  const found = screen
    .getAllByTestId('stack-row')
    .find((element) => element.dataset.stackName === name);
  if (!found) {
    throw new Error(`no stack row for ${name}`);
  }
  return found;
}

function calls(command: string): unknown[][] {
  return invoke.mock.calls.filter((call) => call[0] === command);
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
  channelHandler = null;
  invoke.mockImplementation(backend);
  rememberStackHost(null);
});

describe('StacksScreen', () => {
  it('lists stacks with status, services and Compose version', async () => {
    render(StacksScreen);

    await screen.findAllByTestId('stack-row');
    expect(calls('stack_list')[0][1]).toEqual({ hostId: 'n' });

    const mediaRow = row('media');
    expect(within(mediaRow).getByTestId('stack-status').dataset.status).toBe('partial');
    expect(within(mediaRow).getByTestId('stack-status').textContent?.trim()).toBe('partly running');
    expect(within(mediaRow).getByTestId('stack-counts').textContent?.trim()).toBe('1/2 running');
    expect(within(mediaRow).getByTestId('stack-working-dir').textContent).toBe('/srv/stacks/media');
    expect(within(mediaRow).getByTestId('stack-compose-version').textContent).toBe('1.29.2');
    const services = within(mediaRow).getAllByTestId('stack-service');
    expect(services.map((service) => service.dataset.serviceName)).toEqual(['jellyfin', 'sonarr']);
    expect(services[1].textContent).toContain('lscr.io/linuxserver/sonarr');
    expect(services[1].textContent).toContain('0/1 running');

    const proxyRow = row('proxy');
    expect(within(proxyRow).getByTestId('stack-status').dataset.status).toBe('stopped');
    expect(within(proxyRow).getByTestId('stack-compose-version').textContent).toBe('unknown');
    expect((within(proxyRow).getByTestId('stack-stop') as HTMLButtonElement).disabled).toBe(true);
    expect((within(proxyRow).getByTestId('stack-start') as HTMLButtonElement).disabled).toBe(false);
  });

  it('remembers the chosen host for the next visit', async () => {
    const first = render(StacksScreen);
    await screen.findAllByTestId('stack-row');

    await fireEvent.change(screen.getByTestId('stacks-host-select'), { target: { value: 'p' } });
    await screen.findByTestId('stacks-empty');
    expect(screen.getByTestId('stacks-empty').textContent).toContain('pi');
    first.unmount();

    invoke.mockClear();
    render(StacksScreen);
    await screen.findByTestId('stacks-empty');
    expect((screen.getByTestId('stacks-host-select') as HTMLSelectElement).value).toBe('p');
    expect(calls('stack_list').map((call) => call[1])).toEqual([{ hostId: 'p' }]);
  });

  it('stops a stack and reloads the list', async () => {
    render(StacksScreen);
    await screen.findAllByTestId('stack-row');

    await fireEvent.click(within(row('media')).getByTestId('stack-stop'));

    await waitFor(() => expect(calls('stack_list')).toHaveLength(2));
    expect(calls('stack_action')[0][1]).toEqual({
      hostId: 'n',
      name: 'media',
      action: 'stop',
      removeVolumes: false,
    });
  });

  it('asks before down and keeps volumes by default', async () => {
    render(StacksScreen);
    await screen.findAllByTestId('stack-row');

    await fireEvent.click(within(row('media')).getByTestId('stack-down'));
    const volumes = screen.getByTestId('stack-down-volumes') as HTMLInputElement;
    expect(volumes.checked).toBe(false);
    expect(calls('stack_action')).toHaveLength(0);

    await fireEvent.click(screen.getByTestId('stack-down-confirm'));
    await waitFor(() => expect(calls('stack_action')).toHaveLength(1));
    expect(calls('stack_action')[0][1]).toEqual({
      hostId: 'n',
      name: 'media',
      action: 'down',
      removeVolumes: false,
    });
    expect(screen.queryByTestId('stack-down-dialog')).toBeNull();
  });

  it('passes the volumes choice to down', async () => {
    render(StacksScreen);
    await screen.findAllByTestId('stack-row');

    await fireEvent.click(within(row('proxy')).getByTestId('stack-down'));
    await fireEvent.click(screen.getByTestId('stack-down-volumes'));
    await fireEvent.click(screen.getByTestId('stack-down-confirm'));

    await waitFor(() => expect(calls('stack_action')).toHaveLength(1));
    expect(calls('stack_action')[0][1]).toMatchObject({ action: 'down', removeVolumes: true });
  });

  it('cancelling down does nothing', async () => {
    render(StacksScreen);
    await screen.findAllByTestId('stack-row');

    await fireEvent.click(within(row('media')).getByTestId('stack-down'));
    await fireEvent.click(screen.getByTestId('stack-down-cancel'));

    expect(screen.queryByTestId('stack-down-dialog')).toBeNull();
    expect(calls('stack_action')).toHaveLength(0);
  });

  it('shows a failed action as a translated error', async () => {
    invoke.mockImplementation((command: string, args?: Record<string, unknown>) => {
      if (command === 'stack_action') {
        return Promise.reject({
          code: 'StackNotFound',
          message: 'x',
          params: { host: 'nas', stack: 'media' },
        });
      }
      return backend(command, args);
    });
    render(StacksScreen);
    await screen.findAllByTestId('stack-row');

    await fireEvent.click(within(row('media')).getByTestId('stack-restart'));

    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('StackNotFound');
    expect(banner.textContent).toContain('There is no stack media on nas');
  });

  it('shows a list error with retry', async () => {
    let fail = true;
    invoke.mockImplementation((command: string, args?: Record<string, unknown>) => {
      if (command === 'stack_list' && fail) {
        return Promise.reject({
          code: 'DockerUnavailable',
          message: 'x',
          params: { host: 'nas', socket: '/var/run/docker.sock' },
        });
      }
      return backend(command, args);
    });
    render(StacksScreen);

    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('DockerUnavailable');
    expect(screen.queryByTestId('stacks-empty')).toBeNull();

    fail = false;
    await fireEvent.click(within(banner).getByText('Retry'));
    await screen.findAllByTestId('stack-row');
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('checks for image updates and updates the services that have one', async () => {
    render(StacksScreen);
    await screen.findAllByTestId('stack-row');
    expect(within(row('media')).queryByTestId('stack-update')).toBeNull();

    await fireEvent.click(within(row('media')).getByTestId('stack-check-updates'));
    await waitFor(() => expect(within(row('media')).getAllByTestId('stack-service-update')).toHaveLength(2));
    expect(calls('stack_update_check')[0][1]).toEqual({ hostId: 'n', name: 'media' });
    const [jellyfin, sonarr] = within(row('media')).getAllByTestId('stack-service-update');
    expect(jellyfin.dataset.status).toBe('updateAvailable');
    expect(jellyfin.textContent).toContain('newer image');
    expect(sonarr.dataset.status).toBe('registryError');
    expect(sonarr.textContent).toContain('toomanyrequests: rate limit');
    expect(within(row('media')).getByTestId('stack-update-summary').textContent).toContain(
      '1 service has a newer image',
    );
    expect(within(row('proxy')).queryByTestId('stack-update-summary')).toBeNull();

    await fireEvent.click(within(row('media')).getByTestId('stack-update'));
    const listed = screen.getAllByTestId('stack-update-service').map((element) => element.dataset.service);
    expect(listed).toEqual(['jellyfin']);

    await fireEvent.click(screen.getByTestId('stack-update-start'));
    await waitFor(() => expect(calls('stack_update')).toHaveLength(1));
    expect(calls('stack_update')[0][1]).toMatchObject({ hostId: 'n', name: 'media', services: ['jellyfin'] });

    channelHandler?.({
      kind: 'done',
      result: { name: 'media', checks: [], stages: [], updated: ['jellyfin'], unchanged: [], millis: 5 },
    });
    await screen.findByTestId('stack-update-done');
    await waitFor(() => expect(calls('stack_update_check')).toHaveLength(2));
    expect(calls('stack_list')).toHaveLength(2);

    await fireEvent.click(screen.getByTestId('stack-update-close'));
    expect(screen.queryByTestId('stack-update-dialog')).toBeNull();
  });

  it('shows a failed update check as a translated error', async () => {
    invoke.mockImplementation((command: string, args?: Record<string, unknown>) => {
      if (command === 'stack_update_check') {
        return Promise.reject({ code: 'StackNotFound', message: 'x', params: { host: 'nas', stack: 'proxy' } });
      }
      return backend(command, args);
    });
    render(StacksScreen);
    await screen.findAllByTestId('stack-row');

    await fireEvent.click(within(row('proxy')).getByTestId('stack-check-updates'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('StackNotFound');
    expect(within(row('proxy')).queryByTestId('stack-update-summary')).toBeNull();
    expect((within(row('proxy')).getByTestId('stack-check-updates') as HTMLButtonElement).disabled).toBe(false);
  });

  it('says so when there are no hosts', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'host_list' ? [] : null),
    );
    render(StacksScreen);

    await screen.findByTestId('stacks-no-hosts');
    expect(calls('stack_list')).toHaveLength(0);
  });

  it('shows Chinese labels', async () => {
    await locale.set('zh-CN');
    try {
      render(StacksScreen);
      await screen.findAllByTestId('stack-row');
      expect(within(row('media')).getByTestId('stack-status').textContent?.trim()).toBe('部分运行');
      expect(within(row('media')).getByTestId('stack-down').textContent?.trim()).toBe('移除');
    } finally {
      await locale.set('en');
    }
  });
});
