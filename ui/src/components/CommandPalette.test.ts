// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { ContainerView, HostView } from '../lib/ipc/types';
import type { PaletteEntry } from '../lib/palette';
import { clearPaletteData } from '../lib/paletteData';
import { sshHost } from '../lib/testHosts';
import CommandPalette from './CommandPalette.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const nas: HostView = sshHost({ id: 'h1', name: 'nas' });
const proxy: ContainerView = {
  id: 'c1',
  name: 'nginx-proxy',
  image: 'nginx:1.27',
  state: 'running',
  status: 'Up 2 hours',
  ports: [],
  created: 0,
};

const fixed: PaletteEntry[] = [
  { id: 'screen:hosts', kind: 'screen', label: 'Hosts' },
  { id: 'action:add-host', kind: 'action', label: 'Add host' },
];

function answer(command: string) {
  switch (command) {
    case 'host_list':
      return Promise.resolve([nas]);
    case 'container_list':
      return Promise.resolve([proxy]);
    case 'stack_list':
      return Promise.reject({ code: 'DockerUnavailable', message: 'no engine', params: {} });
    default:
      return Promise.reject(new Error(`unexpected ${command}`));
  }
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
  invoke.mockImplementation(answer);
  clearPaletteData();
});

describe('CommandPalette', () => {
  it('has combobox and listbox roles', async () => {
    render(CommandPalette, { fixed, onselect: vi.fn(), onclose: vi.fn() });
    const input = screen.getByRole('combobox');
    expect(input.getAttribute('aria-controls')).toBe('palette-results');
    expect(screen.getByRole('listbox')).toBeTruthy();
    await waitFor(() => expect(screen.getAllByRole('option').length).toBeGreaterThan(2));
    expect(input.getAttribute('aria-activedescendant')).toBe(screen.getAllByRole('option')[0].id);
  });

  it('finds a container and opens it with Enter', async () => {
    const onselect = vi.fn();
    render(CommandPalette, { fixed, onselect, onclose: vi.fn() });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
    const input = screen.getByRole('combobox');

    await fireEvent.input(input, { target: { value: 'ngx' } });
    await fireEvent.keyDown(input, { key: 'Enter' });

    expect(onselect).toHaveBeenCalledWith({ kind: 'container', host: nas, container: proxy });
  });

  it('moves the selection with the arrow keys and wraps', async () => {
    const onselect = vi.fn();
    render(CommandPalette, { fixed, onselect, onclose: vi.fn() });
    const input = screen.getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'host' } });
    const options = screen.getAllByRole('option');
    expect(options[0].getAttribute('aria-selected')).toBe('true');

    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(screen.getAllByRole('option')[1].getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    const wrapped = screen.getAllByRole('option');
    expect(wrapped[wrapped.length - 1].getAttribute('aria-selected')).toBe('true');
  });

  it('closes on Escape', async () => {
    const onclose = vi.fn();
    render(CommandPalette, { fixed, onselect: vi.fn(), onclose });
    await fireEvent.keyDown(screen.getByRole('combobox'), { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
  });

  it('reads the lists once while the cache is fresh', async () => {
    const first = render(CommandPalette, { fixed, onselect: vi.fn(), onclose: vi.fn() });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
    first.unmount();
    render(CommandPalette, { fixed, onselect: vi.fn(), onclose: vi.fn() });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
    expect(invoke.mock.calls.filter(([command]) => command === 'host_list')).toHaveLength(1);
  });

  it('still offers screens when the hosts cannot be read', async () => {
    invoke.mockImplementation(() => Promise.reject({ code: 'Storage', message: 'locked', params: {} }));
    render(CommandPalette, { fixed, onselect: vi.fn(), onclose: vi.fn() });
    await waitFor(() => expect(screen.queryByText('Reading hosts, containers and stacks…')).toBeNull());
    expect(screen.getAllByRole('option')).toHaveLength(2);
  });
});
