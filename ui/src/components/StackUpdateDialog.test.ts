// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { ImageUpdateView, StackUpdateEvent } from '../lib/ipc/types';
import StackUpdateDialog from './StackUpdateDialog.svelte';

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

const app: ImageUpdateView = {
  service: 'app',
  image: '127.0.0.9:5000/hp/app:1',
  localDigest: `sha256:${'1'.repeat(64)}`,
  remoteDigest: `sha256:${'2'.repeat(64)}`,
  status: 'updateAvailable',
  error: null,
};

function emit(event: StackUpdateEvent) {
  if (!channelHandler) {
    throw new Error('no update channel was opened');
  }
  channelHandler(event);
}

function stageState(stage: string): string | undefined {
  return screen.getAllByTestId('deploy-stage').find((element) => element.dataset.stage === stage)?.dataset.state;
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
  channelHandler = null;
  invoke.mockImplementation((command: string) =>
    Promise.resolve(command === 'stack_update' ? 4 : null),
  );
});

describe('StackUpdateDialog', () => {
  it('updates the listed services and shows the stages live', async () => {
    const onfinished = vi.fn();
    render(StackUpdateDialog, {
      props: { hostId: 'n', name: 'shop', updates: [app], onclose: vi.fn(), onfinished },
    });
    const listed = screen.getByTestId('stack-update-service');
    expect(listed.textContent).toContain('127.0.0.9:5000/hp/app:1');
    expect(listed.textContent).toContain('sha256:111111111111 → sha256:222222222222');
    expect(screen.queryByTestId('deploy-stages')).toBeNull();

    await fireEvent.click(screen.getByTestId('stack-update-start'));
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('stack_update', expect.anything()));
    const args = invoke.mock.calls.find((call) => call[0] === 'stack_update')?.[1];
    expect(args).toMatchObject({ hostId: 'n', name: 'shop', services: ['app'] });

    const stages = screen.getAllByTestId('deploy-stage').map((element) => element.dataset.stage);
    expect(stages).toEqual(['validate', 'pull', 'create', 'start', 'waitHealthy']);
    emit({ kind: 'progress', event: { kind: 'stageStarted', stage: 'pull' } });
    emit({
      kind: 'progress',
      event: { kind: 'layer', service: 'app', image: app.image, layer: 'f470', status: 'Downloading', current: 1, total: 2 },
    });
    await waitFor(() => expect(stageState('pull')).toBe('running'));
    expect(screen.getByTestId('deploy-stages').textContent).toContain('app f470: Downloading');
    expect(screen.getByTestId('stack-update-cancel')).toBeTruthy();
    expect(onfinished).not.toHaveBeenCalled();

    emit({ kind: 'progress', event: { kind: 'stageFinished', stage: 'pull', outcome: 'done', millis: 40 } });
    emit({
      kind: 'done',
      result: { name: 'shop', checks: [app], stages: [], updated: ['app'], unchanged: [], millis: 900 },
    });
    await screen.findByTestId('stack-update-done');
    expect(screen.getByTestId('stack-update-done').textContent).toContain('Updated: app.');
    expect(stageState('pull')).toBe('done');
    expect(onfinished).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('stack-update-cancel')).toBeNull();
  });

  it('cancels through the subscription and reports it', async () => {
    const onfinished = vi.fn();
    render(StackUpdateDialog, {
      props: { hostId: 'n', name: 'shop', updates: [app], onclose: vi.fn(), onfinished },
    });
    await fireEvent.click(screen.getByTestId('stack-update-start'));
    await waitFor(() => expect(channelHandler).not.toBeNull());

    await fireEvent.click(screen.getByTestId('stack-update-cancel'));
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('subscription_cancel', { id: 4 }));
    emit({
      kind: 'error',
      error: { code: 'Cancelled', message: 'the operation was cancelled', params: {} },
    });
    await screen.findByTestId('stack-update-cancelled');
    expect(screen.queryByTestId('stack-update-failed')).toBeNull();
    expect(onfinished).toHaveBeenCalledTimes(1);
  });

  it('shows a failure with its translated message', async () => {
    render(StackUpdateDialog, {
      props: { hostId: 'n', name: 'shop', updates: [app], onclose: vi.fn(), onfinished: vi.fn() },
    });
    await fireEvent.click(screen.getByTestId('stack-update-start'));
    await waitFor(() => expect(channelHandler).not.toBeNull());
    emit({
      kind: 'error',
      error: {
        code: 'StackUpdateFailed',
        message: 'updating failed',
        params: { host: 'nas', stack: 'shop', stage: 'pull', service: 'app', detail: 'manifest unknown' },
      },
    });
    const failed = await screen.findByTestId('stack-update-failed');
    expect(failed.textContent).toContain('Updating the images of the stack shop on nas failed at the pull stage');
    expect(failed.textContent).toContain('manifest unknown');
  });
});
