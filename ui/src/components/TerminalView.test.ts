// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { TerminalEvent } from '../lib/ipc/types';
import { installMatchMedia } from '../lib/terminal/jsdomShims';
import type { TerminalBackend } from '../lib/terminal/session';
import TerminalView from './TerminalView.svelte';

/** Returns a backend that opens terminals 1, 2, … and records writes as text. */
function fakeBackend() {
  const emitters: ((event: TerminalEvent) => void)[] = [];
  const written: string[] = [];
  const backend: TerminalBackend = {
    open: vi.fn((_hostId, _target, _cols, _rows, onEvent) => {
      emitters.push(onEvent);
      return Promise.resolve(emitters.length);
    }),
    write: vi.fn((_id, data: Uint8Array) => {
      written.push(new TextDecoder().decode(data));
      return Promise.resolve(null);
    }),
    resize: vi.fn(() => Promise.resolve(null)),
    close: vi.fn(() => Promise.resolve(null)),
  };
  return { backend, emitters, written };
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
  installMatchMedia();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('TerminalView', () => {
  it('opens, shows the exit, reopens and closes on unmount', async () => {
    const fake = fakeBackend();
    const { unmount } = render(TerminalView, {
      props: { hostId: 'h1', target: { kind: 'shell' }, backend: fake.backend },
    });
    const view = screen.getByTestId('terminal-view');
    await waitFor(() =>
      expect(fake.backend.open).toHaveBeenCalledWith(
        'h1',
        { kind: 'shell' },
        80,
        24,
        expect.any(Function),
      ),
    );
    await waitFor(() => expect(view.dataset.phase).toBe('open'));
    expect(screen.getByTestId('terminal-status').textContent).toContain('Ctrl+Shift+C');

    fake.emitters[0]({ kind: 'output', data: btoa('bye\r\n') });
    fake.emitters[0]({ kind: 'exit', exit: { reason: 'exited', status: 0 } });
    await waitFor(() => expect(view.dataset.phase).toBe('ended'));
    expect(screen.getByTestId('terminal-status').textContent).toContain(
      'The session ended with exit status 0.',
    );
    expect(fake.backend.close).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('terminal-reopen'));
    await waitFor(() => expect(view.dataset.phase).toBe('open'));
    expect(fake.backend.open).toHaveBeenCalledTimes(2);

    unmount();
    expect(fake.backend.close).toHaveBeenCalledWith(2);
    expect(fake.backend.close).toHaveBeenCalledTimes(1);
  });

  it('pastes the clipboard on Ctrl+Shift+V', async () => {
    const fake = fakeBackend();
    vi.stubGlobal('navigator', {
      ...navigator,
      clipboard: { readText: vi.fn(() => Promise.resolve('echo 你好\n')) },
    });
    render(TerminalView, {
      props: { hostId: 'h1', target: { kind: 'container', id: 'web' }, backend: fake.backend },
    });
    const view = screen.getByTestId('terminal-view');
    await waitFor(() => expect(view.dataset.phase).toBe('open'));

    const input = view.querySelector('textarea');
    expect(input, 'xterm.js keeps a text area for keyboard input').not.toBeNull();
    await fireEvent.keyDown(input!, { key: 'V', code: 'KeyV', ctrlKey: true, shiftKey: true });
    // xterm.js sends pasted line ends as carriage returns, as a typed Enter.
    await waitFor(() => expect(fake.written.join('')).toBe('echo 你好\r'));
  });

  it('shows why a paste failed', async () => {
    const fake = fakeBackend();
    vi.stubGlobal('navigator', {
      ...navigator,
      clipboard: { readText: vi.fn(() => Promise.reject(new Error('not allowed'))) },
    });
    render(TerminalView, {
      props: { hostId: 'h1', target: { kind: 'shell' }, backend: fake.backend },
    });
    const view = screen.getByTestId('terminal-view');
    await waitFor(() => expect(view.dataset.phase).toBe('open'));

    await fireEvent.keyDown(view.querySelector('textarea')!, {
      key: 'V',
      code: 'KeyV',
      ctrlKey: true,
      shiftKey: true,
    });
    await waitFor(() =>
      expect(screen.getByTestId('terminal-status').textContent).toContain('not allowed'),
    );
    expect(fake.written).toEqual([]);
  });

  it('shows a failed open with a retry', async () => {
    const fake = fakeBackend();
    vi.mocked(fake.backend.open).mockRejectedValueOnce({
      code: 'HostUnreachable',
      message: 'cannot reach nas',
      params: { host: 'nas', port: '22', detail: 'timed out' },
    });
    render(TerminalView, {
      props: { hostId: 'h1', target: { kind: 'shell' }, backend: fake.backend },
    });
    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('HostUnreachable');

    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getByTestId('terminal-view').dataset.phase).toBe('open'));
    expect(fake.backend.open).toHaveBeenCalledTimes(2);
  });
});
