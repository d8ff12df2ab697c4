// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { LocalEngineView } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import FirstRunGuide from './FirstRunGuide.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

function engineAnswer(engine: LocalEngineView) {
  return (command: string, args?: Record<string, unknown>) => {
    if (command === 'local_engine') {
      return Promise.resolve(engine);
    }
    if (command === 'host_add_engine') {
      const input = args?.input as { name: string };
      return Promise.resolve(sshHost({ id: 'e1', name: input.name, kind: 'socket' }));
    }
    return Promise.reject(new Error(`unexpected ${command}`));
  };
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('FirstRunGuide', () => {
  it('walks the four steps and finishes on the fleet', async () => {
    invoke.mockImplementation(engineAnswer({ socket: '/var/run/docker.sock', present: false, savedAs: null }));
    const onnavigate = vi.fn();
    const onclose = vi.fn();
    render(FirstRunGuide, { onnavigate, onclose });
    expect(screen.getByTestId('first-run-step-hosts')).toBeTruthy();

    await fireEvent.click(screen.getByTestId('first-run-next'));
    await waitFor(() => expect(screen.getByTestId('first-run-step-engine').textContent).toContain('No Docker socket'));
    await fireEvent.click(screen.getByTestId('first-run-next'));
    expect(screen.getByTestId('first-run-step-monitoring')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('first-run-next'));
    expect(screen.getByTestId('first-run-step-backup')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('first-run-finish'));

    expect(onnavigate).toHaveBeenCalledWith({ name: 'fleet' });
    expect(onclose).toHaveBeenCalled();
  });

  it('adds the local engine when its socket exists', async () => {
    invoke.mockImplementation(engineAnswer({ socket: '/run/docker.sock', present: true, savedAs: null }));
    render(FirstRunGuide, { onnavigate: vi.fn(), onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId('first-run-next'));
    await waitFor(() => expect(screen.getByTestId('first-run-add-engine')).toBeTruthy());

    await fireEvent.click(screen.getByTestId('first-run-add-engine'));

    await waitFor(() => expect(screen.getByTestId('first-run-step-engine').textContent).toContain('Added as host local'));
    expect(invoke).toHaveBeenCalledWith('host_add_engine', {
      input: expect.objectContaining({ name: 'local', socket: '/run/docker.sock' }),
    });
  });

  it('names the host that already uses the socket', async () => {
    invoke.mockImplementation(engineAnswer({ socket: '/run/docker.sock', present: true, savedAs: 'laptop' }));
    render(FirstRunGuide, { onnavigate: vi.fn(), onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId('first-run-next'));

    await waitFor(() =>
      expect(screen.getByTestId('first-run-step-engine').textContent).toContain('The host laptop already uses'),
    );
    expect(screen.queryByTestId('first-run-add-engine')).toBeNull();
  });

  it('skips from any step', async () => {
    invoke.mockImplementation(engineAnswer({ socket: '/var/run/docker.sock', present: false, savedAs: null }));
    const onclose = vi.fn();
    render(FirstRunGuide, { onnavigate: vi.fn(), onclose });

    await fireEvent.click(screen.getByTestId('first-run-skip'));

    expect(onclose).toHaveBeenCalled();
  });

  it('shows the guide in Chinese', async () => {
    await locale.set('zh-CN');
    invoke.mockImplementation(engineAnswer({ socket: '/var/run/docker.sock', present: false, savedAs: null }));
    render(FirstRunGuide, { onnavigate: vi.fn(), onclose: vi.fn() });

    expect(screen.getByText('欢迎使用 Homeport')).toBeTruthy();
    await locale.set('en');
  });
});
