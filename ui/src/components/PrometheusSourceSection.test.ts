// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { IpcError, PrometheusSourceView, PrometheusTestView } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import PrometheusSourceSection from './PrometheusSourceSection.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const templateSource: PrometheusSourceView = {
  hostId: 'h1',
  url: 'http://127.0.0.1:9090',
  throughSsh: true,
  addedBy: 'template',
  addedAt: '2026-12-04T10:00:00Z',
};

const testResult: PrometheusTestView = { version: '2.42.0', targetsUp: 3, targetsTotal: 4, millis: 12 };

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

async function open(host = sshHost({ id: 'h1', name: 'nas' })) {
  render(PrometheusSourceSection, { props: { host } });
  const section = screen.getByTestId('prometheus-section') as HTMLDetailsElement;
  section.open = true;
  await fireEvent(section, new Event('toggle'));
  return section;
}

describe('PrometheusSourceSection', () => {
  it('loads nothing until opened', () => {
    render(PrometheusSourceSection, { props: { host: sshHost({ id: 'h1', name: 'nas' }) } });
    expect(invoke).not.toHaveBeenCalled();
  });

  it('shows a template source and tests the form', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'prometheus_source_get' ? templateSource : testResult),
    );
    await open();

    await waitFor(() => expect(screen.getByTestId('prometheus-current').textContent).toContain('monitoring stack'));
    expect(invoke).toHaveBeenCalledWith('prometheus_source_get', { host: 'h1' });
    expect((screen.getByTestId('prometheus-url') as HTMLInputElement).value).toBe('http://127.0.0.1:9090');
    expect((screen.getByTestId('prometheus-ssh') as HTMLInputElement).checked).toBe(true);

    await fireEvent.click(screen.getByTestId('prometheus-test'));
    await waitFor(() =>
      expect(screen.getByTestId('prometheus-test-result').textContent).toContain('3 of 4 targets up'),
    );
    expect(invoke).toHaveBeenCalledWith('prometheus_source_test', {
      host: 'h1',
      input: { url: 'http://127.0.0.1:9090', throughSsh: true },
    });
  });

  it('saves a new source and removes it', async () => {
    const saved: PrometheusSourceView = { ...templateSource, url: 'https://prom.lan', throughSsh: false, addedBy: 'user' };
    invoke.mockImplementation((command: string) => {
      switch (command) {
        case 'prometheus_source_get':
          return Promise.resolve(null);
        case 'prometheus_source_set':
          return Promise.resolve(saved);
        default:
          return Promise.resolve(true);
      }
    });
    await open();
    await waitFor(() => screen.getByTestId('prometheus-none'));
    expect(screen.queryByTestId('prometheus-remove')).toBeNull();

    await fireEvent.input(screen.getByTestId('prometheus-url'), { target: { value: ' https://prom.lan ' } });
    await fireEvent.click(screen.getByTestId('prometheus-ssh'));
    await fireEvent.click(screen.getByTestId('prometheus-save'));
    await waitFor(() => screen.getByTestId('prometheus-saved'));
    expect(invoke).toHaveBeenCalledWith('prometheus_source_set', {
      host: 'h1',
      input: { url: 'https://prom.lan', throughSsh: false },
    });
    expect(screen.getByTestId('prometheus-current').textContent).toContain('Set by you');

    await fireEvent.click(screen.getByTestId('prometheus-remove'));
    await waitFor(() => screen.getByTestId('prometheus-none'));
    expect(invoke).toHaveBeenCalledWith('prometheus_source_remove', { host: 'h1' });
  });

  it('shows a test error in the banner', async () => {
    const unreachable: IpcError = {
      code: 'PrometheusUnreachable',
      message: 'cannot reach Prometheus',
      params: { url: 'http://127.0.0.1:9090', detail: 'connection refused' },
    };
    invoke.mockImplementation((command: string) =>
      command === 'prometheus_source_get' ? Promise.resolve(null) : Promise.reject(unreachable),
    );
    await open();
    await waitFor(() => screen.getByTestId('prometheus-none'));

    await fireEvent.click(screen.getByTestId('prometheus-test'));
    await waitFor(() => expect(document.body.textContent).toContain('connection refused'));
    expect(screen.queryByTestId('prometheus-test-result')).toBeNull();
  });

  it('turns off SSH for engine hosts', async () => {
    invoke.mockResolvedValue(null);
    await open(sshHost({ id: 'e1', name: 'engine', kind: 'tcp' }));
    await waitFor(() => screen.getByTestId('prometheus-none'));
    const ssh = screen.getByTestId('prometheus-ssh') as HTMLInputElement;
    expect(ssh.disabled).toBe(true);
    expect(ssh.checked).toBe(false);
    expect((screen.getByTestId('prometheus-url') as HTMLInputElement).value).toBe('');
  });
});
