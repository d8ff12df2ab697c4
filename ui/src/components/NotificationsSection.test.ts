// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { NotifyChannelView, QuietHours } from '../lib/ipc/types';
import NotificationsSection from './NotificationsSection.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const gotify: NotifyChannelView = {
  id: 'c1',
  name: 'Phone',
  enabled: true,
  settings: { kind: 'gotify', server: 'https://gotify.example.org' },
  secretsSet: [],
  secretsMissing: ['token'],
};

const quiet: QuietHours = { enabled: true, start: '22:00', end: '07:00' };

function backend(channels: NotifyChannelView[]) {
  invoke.mockImplementation((command: string, args: Record<string, unknown>) => {
    switch (command) {
      case 'notify_channels':
        return Promise.resolve(channels);
      case 'notify_quiet_hours':
        return Promise.resolve(quiet);
      case 'notify_held_count':
        return Promise.resolve(2);
      case 'notify_channel_test':
        return Promise.resolve({ status: 200, elapsedMs: 31 });
      case 'notify_channel_save':
        return Promise.resolve({ ...gotify, ...(args.input as object) });
      case 'notify_quiet_hours_set':
        return Promise.resolve(args.hours);
      default:
        return Promise.reject({ code: 'Internal', message: `unexpected ${command}`, params: {} });
    }
  });
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('NotificationsSection', () => {
  it('lists channels with missing secrets and held count', async () => {
    backend([gotify]);
    render(NotificationsSection);
    await waitFor(() => expect(screen.getAllByTestId('notify-channel')).toHaveLength(1));
    expect(screen.getByTestId('notify-channel').textContent).toContain('Missing: Token');
    expect(screen.getByText('2 notifications are held.')).toBeTruthy();
    expect((screen.getByTestId('quiet-start') as HTMLInputElement).value).toBe('22:00');
  });

  it('reports the test status', async () => {
    backend([gotify]);
    render(NotificationsSection);
    await waitFor(() => screen.getByTestId('notify-test'));
    await fireEvent.click(screen.getByTestId('notify-test'));
    await waitFor(() => expect(screen.getByTestId('notify-test-result').textContent).toContain('status 200 in 31 ms'));
    expect(invoke).toHaveBeenCalledWith('notify_channel_test', { id: 'c1' });
  });

  it('sends only typed secrets when adding', async () => {
    backend([]);
    render(NotificationsSection);
    await waitFor(() => screen.getByTestId('notify-empty'));
    await fireEvent.click(screen.getByTestId('notify-add'));
    await fireEvent.input(screen.getByTestId('notify-name'), { target: { value: 'Ops' } });
    await fireEvent.change(screen.getByTestId('notify-kind'), { target: { value: 'dingtalk' } });
    await fireEvent.input(screen.getByTestId('notify-secret-url'), {
      target: { value: 'https://oapi.dingtalk.com/robot/send?access_token=abc' },
    });
    await fireEvent.submit(screen.getByTestId('notify-form'));

    await waitFor(() => expect(invoke).toHaveBeenCalledWith('notify_channel_save', expect.anything()));
    const call = invoke.mock.calls.find(([command]) => command === 'notify_channel_save');
    expect(call?.[1]).toEqual({
      input: {
        id: null,
        name: 'Ops',
        enabled: true,
        settings: { kind: 'dingtalk' },
        secrets: [{ field: 'url', value: 'https://oapi.dingtalk.com/robot/send?access_token=abc' }],
      },
    });
  });
});
