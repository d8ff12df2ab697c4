// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { locale } from 'svelte-i18n';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { HostView, IpcError, TransferEvent } from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import FilesDialog from './FilesDialog.svelte';
import HostRow from './HostRow.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  // Keeps the handler, so a test can play the backend's side of the channel.
  Channel: class {
    onmessage: (message: unknown) => void;
    constructor(onmessage: (message: unknown) => void) {
      this.onmessage = onmessage;
    }
  },
}));

const host = sshHost({ id: 'h1', name: 'nas', user: 'admin' });

/** Returns the arguments of the last call of `command`. */
function lastCall(command: string): Record<string, unknown> {
  const calls = invoke.mock.calls.filter(([name]) => name === command);
  if (calls.length === 0) {
    throw new Error(`${command} was not invoked`);
  }
  return calls[calls.length - 1][1] as Record<string, unknown>;
}

/** Sends one event on the channel of the last transfer started with `command`. */
function emit(command: 'file_upload' | 'file_download', event: TransferEvent) {
  const channel = lastCall(command).onEvent as { onmessage: (message: unknown) => void };
  channel.onmessage(event);
}

function phase(): string | undefined {
  return screen.getByTestId('files-status').dataset.phase;
}

async function fillPaths(local: string, remote: string) {
  await fireEvent.input(screen.getByTestId('files-local-path'), { target: { value: local } });
  await fireEvent.input(screen.getByTestId('files-remote-path'), { target: { value: remote } });
}

/** Makes the mocked invoke return `id` for `file_upload` and `file_download`, and null otherwise. */
function answerTransfersWith(id: number) {
  invoke.mockImplementation((command: string) =>
    Promise.resolve(command === 'file_upload' || command === 'file_download' ? id : null),
  );
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

afterEach(async () => {
  await locale.set('en');
});

describe('FilesDialog', () => {
  it('uploads with progress in bytes and percent', async () => {
    answerTransfersWith(4);
    render(FilesDialog, { props: { host, onclose: vi.fn() } });

    await fillPaths(' /home/me/notes.txt ', '/srv/notes.txt');
    await fireEvent.click(screen.getByTestId('files-start'));

    await waitFor(() => expect(invoke).toHaveBeenCalledWith('file_upload', expect.anything()));
    const args = lastCall('file_upload');
    expect(args.hostId).toBe('h1');
    expect(args.localPath).toBe('/home/me/notes.txt');
    expect(args.remotePath).toBe('/srv/notes.txt');
    await waitFor(() => expect(phase()).toBe('running'));
    expect((screen.getByTestId('files-local-path') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByTestId('files-start') as HTMLButtonElement).disabled).toBe(true);
    // Until the first progress event the size is unknown, so the bar shows no amount.
    expect(screen.queryByTestId('files-progress-text')).toBeNull();
    expect(screen.getByTestId('files-progress').hasAttribute('value')).toBe(false);

    emit('file_upload', { kind: 'progress', done: 512, total: 2048 });
    await waitFor(() =>
      expect(screen.getByTestId('files-progress-text').textContent).toContain('512 B of 2 KiB (25%)'),
    );
    expect((screen.getByTestId('files-progress') as HTMLProgressElement).value).toBe(25);

    emit('file_upload', { kind: 'progress', done: 2048, total: 2048 });
    emit('file_upload', { kind: 'done', bytes: 2048, millis: 1250 });
    await waitFor(() => expect(phase()).toBe('done'));
    expect(screen.getByTestId('files-done').textContent).toContain(
      'Uploaded 2 KiB to /srv/notes.txt in 1.3 s.',
    );
    expect((screen.getByTestId('files-progress') as HTMLProgressElement).value).toBe(100);
    expect(screen.queryByTestId('files-cancel')).toBeNull();
    expect((screen.getByTestId('files-start') as HTMLButtonElement).disabled).toBe(false);
  });

  it('downloads with the remote file asked first', async () => {
    answerTransfersWith(5);
    render(FilesDialog, { props: { host, onclose: vi.fn() } });

    await fireEvent.click(screen.getByTestId('files-direction-download'));
    const inputs = screen.getAllByRole('textbox').map((input) => input.dataset.testid);
    expect(inputs).toEqual(['files-remote-path', 'files-local-path']);
    expect(screen.getByTestId('files-start').textContent).toContain('Download');

    await fillPaths('/home/me/copy.txt', '/etc/hostname');
    await fireEvent.click(screen.getByTestId('files-start'));

    await waitFor(() => expect(invoke).toHaveBeenCalledWith('file_download', expect.anything()));
    const args = lastCall('file_download');
    expect(args.hostId).toBe('h1');
    expect(args.remotePath).toBe('/etc/hostname');
    expect(args.localPath).toBe('/home/me/copy.txt');
    expect(invoke).not.toHaveBeenCalledWith('file_upload', expect.anything());

    emit('file_download', { kind: 'done', bytes: 0, millis: 40 });
    await waitFor(() => expect(phase()).toBe('done'));
    expect(screen.getByTestId('files-done').textContent).toContain(
      'Downloaded 0 B to /home/me/copy.txt in 0 s.',
    );
    expect((screen.getByTestId('files-progress') as HTMLProgressElement).value).toBe(100);
  });

  it('cancels a running transfer by its id', async () => {
    answerTransfersWith(7);
    render(FilesDialog, { props: { host, onclose: vi.fn() } });
    await fillPaths('/home/me/big.iso', '/srv/big.iso');
    await fireEvent.click(screen.getByTestId('files-start'));
    await waitFor(() => expect(phase()).toBe('running'));
    emit('file_upload', { kind: 'progress', done: 10, total: 1000 });

    await fireEvent.click(screen.getByTestId('files-cancel'));
    expect(invoke).toHaveBeenCalledWith('subscription_cancel', { id: 7 });
    expect(phase()).toBe('cancelling');
    expect((screen.getByTestId('files-cancel') as HTMLButtonElement).disabled).toBe(true);

    const cancelled: IpcError = { code: 'Cancelled', message: 'cancelled', params: {} };
    emit('file_upload', { kind: 'error', error: cancelled });
    await waitFor(() => expect(phase()).toBe('cancelled'));
    expect(screen.getByTestId('files-cancelled').textContent).toContain('temporary file was removed');
    expect(screen.queryByTestId('error-banner')).toBeNull();
    expect(screen.queryByTestId('files-cancel')).toBeNull();
  });

  it('cancels once the id arrives when Cancel came during connecting', async () => {
    let answer: (id: number) => void = () => {};
    invoke.mockImplementation((command: string) =>
      command === 'file_upload'
        ? new Promise((resolve) => {
            answer = resolve;
          })
        : Promise.resolve(null),
    );
    render(FilesDialog, { props: { host, onclose: vi.fn() } });
    await fillPaths('/home/me/big.iso', '/srv/big.iso');
    await fireEvent.click(screen.getByTestId('files-start'));
    await waitFor(() => expect(phase()).toBe('connecting'));

    await fireEvent.click(screen.getByTestId('files-cancel'));
    expect(invoke).not.toHaveBeenCalledWith('subscription_cancel', expect.anything());

    answer(9);
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('subscription_cancel', { id: 9 }));
    expect(phase()).toBe('cancelling');
  });

  it('cancels a running transfer when the dialog closes', async () => {
    answerTransfersWith(11);
    const { unmount } = render(FilesDialog, { props: { host, onclose: vi.fn() } });
    await fillPaths('/home/me/big.iso', '/srv/big.iso');
    await fireEvent.click(screen.getByTestId('files-start'));
    await waitFor(() => expect(phase()).toBe('running'));

    unmount();
    expect(invoke).toHaveBeenCalledWith('subscription_cancel', { id: 11 });
  });

  it('does not cancel a finished transfer when the dialog closes', async () => {
    answerTransfersWith(12);
    const { unmount } = render(FilesDialog, { props: { host, onclose: vi.fn() } });
    await fillPaths('/home/me/a.txt', '/srv/a.txt');
    await fireEvent.click(screen.getByTestId('files-start'));
    emit('file_upload', { kind: 'done', bytes: 3, millis: 1 });
    await waitFor(() => expect(phase()).toBe('done'));

    unmount();
    expect(invoke).not.toHaveBeenCalledWith('subscription_cancel', expect.anything());
  });

  it('checks the paths before calling the backend', async () => {
    render(FilesDialog, { props: { host, onclose: vi.fn() } });
    expect(screen.queryByTestId('files-local-problem')).toBeNull();

    await fillPaths('~/notes.txt', '');
    await fireEvent.click(screen.getByTestId('files-start'));

    expect(screen.getByTestId('files-local-problem').textContent).toContain('full path');
    expect(screen.getByTestId('files-remote-problem').textContent).toContain(
      'Enter the path of the file on the host.',
    );
    expect(screen.getByTestId('files-local-path').getAttribute('aria-invalid')).toBe('true');
    expect(invoke).not.toHaveBeenCalled();

    await fillPaths('C:\\Users\\me\\notes.txt', 'srv/notes.txt');
    await fireEvent.click(screen.getByTestId('files-start'));
    expect(screen.queryByTestId('files-local-problem')).toBeNull();
    expect(screen.getByTestId('files-remote-problem').textContent).toContain('starting with /');
    expect(invoke).not.toHaveBeenCalled();
  });

  it('shows a connection error from the backend', async () => {
    const error: IpcError = {
      code: 'AuthFailed',
      message: 'authentication failed',
      params: { host: 'nas.lan', user: 'admin', method: 'agent' },
    };
    invoke.mockRejectedValue(error);
    render(FilesDialog, { props: { host, onclose: vi.fn() } });
    await fillPaths('/home/me/a.txt', '/srv/a.txt');
    await fireEvent.click(screen.getByTestId('files-start'));

    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('AuthFailed');
    expect(banner.textContent).toContain('Logging in as admin on nas.lan failed');
    expect(phase()).toBe('failed');
    expect((screen.getByTestId('files-start') as HTMLButtonElement).disabled).toBe(false);
  });

  it('words an invalid path by its side', async () => {
    answerTransfersWith(3);
    render(FilesDialog, { props: { host, onclose: vi.fn() } });
    await fillPaths('/home/me/a.txt', '/srv');
    await fireEvent.click(screen.getByTestId('files-start'));
    await waitFor(() => expect(phase()).toBe('running'));

    const error: IpcError = {
      code: 'InvalidInput',
      message: 'invalid remotePath',
      params: {
        field: 'remotePath',
        value: '/srv',
        detail: 'the path is a folder on nas.lan; add the file name to it',
      },
    };
    emit('file_upload', { kind: 'error', error });
    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('InvalidInput');
    expect(banner.textContent).toContain(
      'The path “/srv” on the host cannot be used: the path is a folder on nas.lan; add the file name to it.',
    );
    expect(banner.textContent).not.toContain('remotePath');
    expect(phase()).toBe('failed');
  });

  it('ignores events of an earlier transfer', async () => {
    answerTransfersWith(1);
    render(FilesDialog, { props: { host, onclose: vi.fn() } });
    await fillPaths('/home/me/a.txt', '/srv/a.txt');
    await fireEvent.click(screen.getByTestId('files-start'));
    emit('file_upload', { kind: 'done', bytes: 1, millis: 1 });
    await waitFor(() => expect(phase()).toBe('done'));
    const first = lastCall('file_upload').onEvent as { onmessage: (message: unknown) => void };

    await fireEvent.click(screen.getByTestId('files-start'));
    const uploads = () => invoke.mock.calls.filter(([name]) => name === 'file_upload');
    await waitFor(() => expect(uploads()).toHaveLength(2));
    await waitFor(() => expect(phase()).toBe('running'));
    const late: IpcError = { code: 'Internal', message: 'late', params: { detail: 'late' } };
    first.onmessage({ kind: 'error', error: late });
    await tick();
    expect(phase()).toBe('running');
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('shows progress and the result in Chinese', async () => {
    await locale.set('zh-CN');
    answerTransfersWith(2);
    render(FilesDialog, { props: { host, onclose: vi.fn() } });
    expect(screen.getByText('nas 上的文件')).toBeTruthy();

    await fillPaths('/home/me/笔记.txt', '/tmp/笔记.txt');
    await fireEvent.click(screen.getByTestId('files-start'));
    await waitFor(() => expect(phase()).toBe('running'));
    emit('file_upload', { kind: 'progress', done: 1024, total: 4096 });
    await waitFor(() =>
      expect(screen.getByTestId('files-progress-text').textContent).toContain('1 KiB / 4 KiB（25%）'),
    );
    emit('file_upload', { kind: 'done', bytes: 4096, millis: 2000 });
    await waitFor(() =>
      expect(screen.getByTestId('files-done').textContent).toContain(
        '已将 4 KiB 上传到 /tmp/笔记.txt，用时 2 秒。',
      ),
    );
  });
});

describe('HostRow files button', () => {
  function renderRow(row: HostView, onfiles: () => void) {
    const noop = vi.fn();
    render(HostRow, {
      props: {
        host: row,
        jumpHostName: null,
        check: undefined,
        onopen: noop,
        onfiles,
        onfacts: noop,
        onedit: noop,
        onremove: noop,
        oncheck: noop,
        onreviewkey: noop,
        ondismisscheck: noop,
      },
    });
  }

  it('opens the dialog of an SSH host', async () => {
    const onfiles = vi.fn();
    renderRow(host, onfiles);
    await fireEvent.click(screen.getByTestId('host-files'));
    expect(onfiles).toHaveBeenCalledTimes(1);
  });

  it('is missing on engine hosts', () => {
    for (const kind of ['local', 'socket', 'tcp'] as const) {
      renderRow(sshHost({ id: `e-${kind}`, name: `engine-${kind}`, kind, auth: 'none' }), vi.fn());
      const row = screen
        .getAllByTestId('host-row')
        .find((element) => element.dataset.hostName === `engine-${kind}`);
      expect(row?.querySelector('[data-testid=host-files]'), kind).toBeNull();
    }
  });
});
