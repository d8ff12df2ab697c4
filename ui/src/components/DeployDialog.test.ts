// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { TemplateDeployEvent, TemplateView } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import DeployDialog from './DeployDialog.svelte';

const invoke = vi.fn();
let channelHandler: ((event: TemplateDeployEvent) => void) | null = null;

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    constructor(handler: (event: TemplateDeployEvent) => void) {
      channelHandler = handler;
    }
  },
}));

const template: TemplateView = {
  id: 'vaultwarden',
  version: '1.0.0',
  title: { en: 'Vaultwarden', zhCn: 'Vaultwarden' },
  description: { en: 'Passwords', zhCn: '密码' },
  category: 'security',
  icon: 'key',
  homepage: '',
  parameters: [],
  notes: [],
  compose: 'services: {}\n',
  source: null,
  deployment: { kind: 'compose' },
  note: null,
};

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
  channelHandler = null;
  invoke.mockImplementation((command: string) => {
    switch (command) {
      case 'host_list':
        return Promise.resolve([sshHost({ id: 'h1', name: 'nas' })]);
      case 'template_deploy':
        return Promise.resolve(7);
      default:
        return Promise.resolve(null);
    }
  });
});

describe('DeployDialog', () => {
  it('deploys with the entered values and shows the stages', async () => {
    render(DeployDialog, { props: { template, values: { HTTP_PORT: '8081' }, onclose: vi.fn() } });
    await waitFor(() => expect((screen.getByTestId('deploy-host') as HTMLSelectElement).value).toBe('h1'));

    await fireEvent.click(screen.getByTestId('deploy-start'));
    await waitFor(() => expect(channelHandler).not.toBeNull());
    expect(invoke).toHaveBeenCalledWith('template_deploy', {
      input: {
        templateId: 'vaultwarden',
        hostId: 'h1',
        name: 'vaultwarden',
        values: { HTTP_PORT: '8081' },
        baseDir: '/opt/stacks',
      },
      onEvent: expect.anything(),
    });

    channelHandler?.({ kind: 'progress', event: { kind: 'stageStarted', stage: 'writeFiles' } });
    channelHandler?.({
      kind: 'progress',
      event: { kind: 'stageFinished', stage: 'writeFiles', outcome: 'done', millis: 40 },
    });
    await waitFor(() =>
      expect(screen.getAllByTestId('deploy-stage')[0].dataset.state).toBe('done'),
    );
    expect(screen.getByTestId('deploy-cancel')).toBeTruthy();

    channelHandler?.({
      kind: 'done',
      result: { name: 'vaultwarden', stages: [], unsupported: [], changed: [], unchanged: [], millis: 900 },
    } as TemplateDeployEvent);
    expect((await screen.findByTestId('deploy-done')).textContent).toContain('vaultwarden');
  });

  it('cancels a running deploy by its subscription', async () => {
    render(DeployDialog, { props: { template, values: {}, onclose: vi.fn() } });
    await waitFor(() => expect((screen.getByTestId('deploy-host') as HTMLSelectElement).value).toBe('h1'));
    await fireEvent.click(screen.getByTestId('deploy-start'));
    await waitFor(() => expect(screen.getByTestId('deploy-cancel')).toBeTruthy());

    await fireEvent.click(screen.getByTestId('deploy-cancel'));
    expect(invoke).toHaveBeenCalledWith('subscription_cancel', { id: 7 });
    channelHandler?.({ kind: 'error', error: { code: 'Cancelled', message: 'cancelled', params: {} } });
    expect(await screen.findByTestId('deploy-cancelled')).toBeTruthy();
  });

  it('shows a failed deploy with its translated error', async () => {
    render(DeployDialog, { props: { template, values: {}, onclose: vi.fn() } });
    await waitFor(() => expect((screen.getByTestId('deploy-host') as HTMLSelectElement).value).toBe('h1'));
    await fireEvent.click(screen.getByTestId('deploy-start'));
    await waitFor(() => expect(channelHandler).not.toBeNull());
    channelHandler?.({
      kind: 'error',
      error: {
        code: 'PortInUse',
        message: 'x',
        params: { host: 'nas', service: 'vaultwarden', port: '8081', container: 'other' },
      },
    });
    const failed = await screen.findByTestId('deploy-failed');
    expect(failed.textContent).toContain('Port 8081');
    expect(failed.textContent).toContain('nothing that existed before');
  });

  it('previews which services a redeploy changes', async () => {
    invoke.mockImplementation((command: string) => {
      switch (command) {
        case 'host_list':
          return Promise.resolve([sshHost({ id: 'h1', name: 'nas' })]);
        case 'template_deploy_preview':
          return Promise.resolve([
            { service: 'vaultwarden', change: 'config' },
            { service: 'old-sidecar', change: 'removed' },
          ]);
        default:
          return Promise.resolve(null);
      }
    });
    render(DeployDialog, { props: { template, values: {}, onclose: vi.fn() } });
    await waitFor(() => expect((screen.getByTestId('deploy-host') as HTMLSelectElement).value).toBe('h1'));

    await fireEvent.click(screen.getByTestId('deploy-preview'));
    const rows = await screen.findAllByTestId('deploy-change');
    expect(rows.map((row) => row.dataset.change)).toEqual(['config', 'removed']);
    expect(rows[0].textContent).toContain('configuration changed');
    expect(invoke).not.toHaveBeenCalledWith('template_deploy', expect.anything());
  });

  it('rejects a stack name Compose would not accept', async () => {
    render(DeployDialog, { props: { template, values: {}, onclose: vi.fn() } });
    await fireEvent.input(screen.getByTestId('deploy-name'), { target: { value: 'My Stack' } });
    expect((screen.getByTestId('deploy-start') as HTMLButtonElement).disabled).toBe(true);
  });
});
