// One terminal session on the backend, without UI. It opens the terminal, sends input and size
// changes one call at a time and in order, and reports the output and the end of the session.

import * as api from '../ipc/api';
import type { IpcError, TerminalEvent, TerminalExit, TerminalTarget } from '../ipc/types';
import { base64ToBytes, chunkBytes, concatBytes } from './bytes';

/** The terminal commands as `api.ts` offers them. Tests pass a fake. */
export interface TerminalBackend {
  open(
    hostId: string,
    target: TerminalTarget,
    cols: number,
    rows: number,
    onEvent: (event: TerminalEvent) => void,
  ): Promise<number>;
  write(id: number, data: Uint8Array): Promise<unknown>;
  resize(id: number, cols: number, rows: number): Promise<unknown>;
  close(id: number): Promise<unknown>;
}

export const ipcBackend: TerminalBackend = {
  open: api.terminalOpen,
  write: api.terminalWrite,
  resize: api.terminalResize,
  close: api.terminalClose,
};

export type TerminalPhase =
  | { phase: 'connecting' }
  | { phase: 'open' }
  | { phase: 'ended'; exit: TerminalExit }
  | { phase: 'failed'; error: IpcError };

export interface TerminalSessionHandlers {
  /** Output bytes, to pass to xterm.js unchanged. */
  onOutput(bytes: Uint8Array): void;
  onPhase(phase: TerminalPhase): void;
  /** A write or resize failed while the session stayed open. */
  onError(error: IpcError): void;
}

interface Size {
  cols: number;
  rows: number;
}

/**
 * Drives one backend terminal. Input typed before the terminal is open waits and is sent
 * after it opens. Tauri may run two commands at once, so the next write starts only after
 * the previous one returned, and everything typed meanwhile goes in one call.
 */
export class TerminalSession {
  private id: number | null = null;
  private current: TerminalPhase = { phase: 'connecting' };
  private disposed = false;
  private pendingInput: Uint8Array[] = [];
  private sending = false;
  private size: Size = { cols: 0, rows: 0 };
  private sentSize: Size = { cols: 0, rows: 0 };

  constructor(
    private readonly backend: TerminalBackend,
    private readonly hostId: string,
    private readonly target: TerminalTarget,
    private readonly handlers: TerminalSessionHandlers,
  ) {}

  get phase(): TerminalPhase {
    return this.current;
  }

  /** Opens the terminal at `cols` × `rows`. Failures end in the `failed` phase. */
  async start(cols: number, rows: number): Promise<void> {
    this.size = { cols, rows };
    this.sentSize = { cols, rows };
    let id: number;
    try {
      id = await this.backend.open(this.hostId, this.target, cols, rows, (event) =>
        this.receive(event),
      );
    } catch (reason) {
      if (!this.disposed) {
        this.setPhase({ phase: 'failed', error: api.toIpcError(reason) });
      }
      return;
    }

    if (this.disposed) {
      this.closeOnBackend(id);
      return;
    }
    this.id = id;
    // A program that exits at once can report its exit before the open call returns.
    if (this.current.phase === 'connecting') {
      this.setPhase({ phase: 'open' });
    }
    void this.pump();
  }

  /** Queues input. It is dropped once the session has ended. */
  write(bytes: Uint8Array): void {
    if (!this.acceptsInput() || bytes.length === 0) {
      return;
    }
    this.pendingInput.push(bytes);
    void this.pump();
  }

  /** Records the new size. Only the latest size is sent, and only when it changed. */
  resize(cols: number, rows: number): void {
    if (cols < 1 || rows < 1) {
      return;
    }
    this.size = { cols, rows };
    void this.pump();
  }

  /** Closes the backend terminal unless it has already ended, and ignores later events. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.pendingInput = [];
    if (this.id !== null && this.current.phase === 'open') {
      this.closeOnBackend(this.id);
    }
  }

  private acceptsInput(): boolean {
    return !this.disposed && (this.current.phase === 'connecting' || this.current.phase === 'open');
  }

  private receive(event: TerminalEvent): void {
    if (this.disposed) {
      return;
    }
    if (event.kind === 'output') {
      this.handlers.onOutput(base64ToBytes(event.data));
    } else {
      this.pendingInput = [];
      this.setPhase({ phase: 'ended', exit: event.exit });
    }
  }

  private setPhase(phase: TerminalPhase): void {
    this.current = phase;
    this.handlers.onPhase(phase);
  }

  private async pump(): Promise<void> {
    if (this.sending || this.id === null) {
      return;
    }
    const id = this.id;
    this.sending = true;
    try {
      while (this.current.phase === 'open' && !this.disposed) {
        const size = this.size;
        if (size.cols !== this.sentSize.cols || size.rows !== this.sentSize.rows) {
          this.sentSize = size;
          await this.backend.resize(id, size.cols, size.rows);
          continue;
        }
        if (this.pendingInput.length === 0) {
          break;
        }
        const data = concatBytes(this.pendingInput.splice(0));
        for (const chunk of chunkBytes(data)) {
          await this.backend.write(id, chunk);
        }
      }
    } catch (reason) {
      this.pendingInput = [];
      // A write racing the exit fails because the terminal is gone, which the exit explains.
      if (this.current.phase === 'open' && !this.disposed) {
        this.handlers.onError(api.toIpcError(reason));
      }
    } finally {
      this.sending = false;
    }
  }

  private closeOnBackend(id: number): void {
    this.backend.close(id).catch((reason: unknown) => {
      console.warn('Closing terminal', id, 'failed:', reason);
    });
  }
}
