// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { HostView, StackView } from '../lib/ipc/types';
import { rememberStackHost } from '../lib/stacks';
import { sshHost } from '../lib/testHosts';
import StacksScreen from './StacksScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
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

function backend(command: string, args?: Record<string, unknown>): Promise<unknown> {
  switch (command) {
    case 'host_list':
      return Promise.resolve(hosts);
    case 'stack_list':
      return Promise.resolve(stacksByHost[args?.hostId as string] ?? []);
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
