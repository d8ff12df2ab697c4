import { describe, expect, it, vi } from 'vitest';
import type { IpcError, TerminalEvent, TerminalTarget } from '../ipc/types';
import { MAX_WRITE_BYTES, textToBytes } from './bytes';
import { TerminalSession, type TerminalBackend, type TerminalPhase } from './session';

const shell: TerminalTarget = { kind: 'shell' };

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise run its callbacks. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

/** Returns a backend that records calls and whose `open` and `write` wait for the test to settle them. */
function fakeBackend() {
  const opening = deferred<number>();
  const calls: string[] = [];
  const writes: Deferred<null>[] = [];
  let emit: (event: TerminalEvent) => void = () => undefined;
  const backend: TerminalBackend = {
    open: vi.fn((_hostId, _target, cols, rows, onEvent) => {
      calls.push(`open ${cols}x${rows}`);
      emit = onEvent;
      return opening.promise;
    }),
    write: vi.fn((id, data: Uint8Array) => {
      calls.push(`write ${id} ${new TextDecoder().decode(data)}`);
      const done = deferred<null>();
      writes.push(done);
      return done.promise;
    }),
    resize: vi.fn((id, cols, rows) => {
      calls.push(`resize ${id} ${cols}x${rows}`);
      return Promise.resolve(null);
    }),
    close: vi.fn((id) => {
      calls.push(`close ${id}`);
      return Promise.resolve(null);
    }),
  };
  return { backend, opening, calls, writes, emit: (event: TerminalEvent) => emit(event) };
}

function startSession(backend: TerminalBackend) {
  const output: string[] = [];
  const phases: TerminalPhase['phase'][] = [];
  const errors: IpcError[] = [];
  const session = new TerminalSession(backend, 'h1', shell, {
    onOutput: (bytes) => output.push(new TextDecoder().decode(bytes)),
    onPhase: (phase) => phases.push(phase.phase),
    onError: (error) => errors.push(error),
  });
  void session.start(80, 24);
  return { session, output, phases, errors };
}

describe('TerminalSession', () => {
  it('sends input typed while connecting after the terminal opens', async () => {
    const fake = fakeBackend();
    const { session, phases } = startSession(fake.backend);
    session.write(textToBytes('ls'));
    session.write(textToBytes('\r'));
    expect(fake.calls).toEqual(['open 80x24']);

    fake.opening.resolve(7);
    await settle();
    expect(phases).toEqual(['open']);
    expect(fake.calls).toEqual(['open 80x24', 'write 7 ls\r']);
  });

  it('sends one write at a time and merges what waits', async () => {
    const fake = fakeBackend();
    const { session } = startSession(fake.backend);
    fake.opening.resolve(1);
    await settle();

    session.write(textToBytes('a'));
    await settle();
    session.write(textToBytes('b'));
    session.write(textToBytes('c'));
    await settle();
    expect(fake.calls).toEqual(['open 80x24', 'write 1 a']);

    fake.writes[0].resolve(null);
    await settle();
    expect(fake.calls).toEqual(['open 80x24', 'write 1 a', 'write 1 bc']);
  });

  it('splits a long paste into bounded writes', async () => {
    const fake = fakeBackend();
    const { session } = startSession(fake.backend);
    fake.opening.resolve(1);
    await settle();

    session.write(new Uint8Array(MAX_WRITE_BYTES + 10).fill(0x61));
    await settle();
    fake.writes[0].resolve(null);
    await settle();
    const sizes = vi.mocked(fake.backend.write).mock.calls.map(([, data]) => data.length);
    expect(sizes).toEqual([MAX_WRITE_BYTES, 10]);
  });

  it('sends only the latest changed size', async () => {
    const fake = fakeBackend();
    const { session } = startSession(fake.backend);
    session.resize(100, 30);
    session.resize(120, 40);
    fake.opening.resolve(2);
    await settle();
    session.resize(120, 40);
    session.resize(0, 40);
    await settle();
    expect(fake.calls).toEqual(['open 80x24', 'resize 2 120x40']);
  });

  it('forwards output and ends on exit', async () => {
    const fake = fakeBackend();
    const { session, output, phases } = startSession(fake.backend);
    fake.opening.resolve(3);
    await settle();

    fake.emit({ kind: 'output', data: btoa('ok\r\n') });
    fake.emit({ kind: 'exit', exit: { reason: 'exited', status: 0 } });
    expect(output).toEqual(['ok\r\n']);
    expect(phases).toEqual(['open', 'ended']);
    expect(session.phase).toEqual({ phase: 'ended', exit: { reason: 'exited', status: 0 } });

    session.write(textToBytes('late'));
    session.dispose();
    await settle();
    expect(fake.calls).toEqual(['open 80x24']);
  });

  it('closes a terminal disposed before it opened', async () => {
    const fake = fakeBackend();
    const { session, phases } = startSession(fake.backend);
    session.dispose();
    fake.opening.resolve(4);
    await settle();
    expect(fake.calls).toEqual(['open 80x24', 'close 4']);
    expect(phases).toEqual([]);
  });

  it('closes an open terminal on dispose and ignores later events', async () => {
    const fake = fakeBackend();
    const { session, output } = startSession(fake.backend);
    fake.opening.resolve(5);
    await settle();

    session.dispose();
    fake.emit({ kind: 'output', data: btoa('late') });
    await settle();
    expect(fake.calls).toEqual(['open 80x24', 'close 5']);
    expect(output).toEqual([]);
  });

  it('reports a failed open as an IpcError', async () => {
    const fake = fakeBackend();
    const { session, phases } = startSession(fake.backend);
    fake.opening.reject({ code: 'HostUnreachable', message: 'down', params: { host: 'nas' } });
    await settle();
    expect(phases).toEqual(['failed']);
    expect(session.phase).toEqual({
      phase: 'failed',
      error: { code: 'HostUnreachable', message: 'down', params: { host: 'nas' } },
    });
  });

  it('reports a failed write while the terminal stays open', async () => {
    const fake = fakeBackend();
    const { session, errors } = startSession(fake.backend);
    fake.opening.resolve(6);
    await settle();

    session.write(textToBytes('x'));
    await settle();
    fake.writes[0].reject({ code: 'Internal', message: 'boom', params: {} });
    await settle();
    expect(errors.map((error) => error.code)).toEqual(['Internal']);
  });

  it('stays quiet about a write that races the exit', async () => {
    const fake = fakeBackend();
    const { session, errors } = startSession(fake.backend);
    fake.opening.resolve(6);
    await settle();

    session.write(textToBytes('exit\r'));
    await settle();
    fake.emit({ kind: 'exit', exit: { reason: 'exited', status: 0 } });
    fake.writes[0].reject({ code: 'InvalidInput', message: 'no open terminal', params: {} });
    await settle();
    expect(errors).toEqual([]);
  });
});
