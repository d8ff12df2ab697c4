/** One displayed log line. `id` is unique within a `LogBuffer` and keys the rendered rows. */
export interface LogLine {
  id: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Maximum number of lines the logs view keeps. The oldest lines are dropped first. */
export const LOG_BUFFER_MAX_LINES = 5000;

/**
 * Collects streamed log lines and keeps at most `maxLines` of the newest. New lines wait in a
 * pending list until `flush`, so a burst of channel messages causes one re-render.
 */
export class LogBuffer {
  readonly maxLines: number;
  private lines: LogLine[] = [];
  private pending: LogLine[] = [];
  private nextId = 0;
  private droppedCount = 0;

  constructor(maxLines: number = LOG_BUFFER_MAX_LINES) {
    if (!Number.isInteger(maxLines) || maxLines < 1) {
      throw new RangeError(`maxLines must be a positive integer, got ${maxLines}`);
    }
    this.maxLines = maxLines;
  }

  push(stream: LogLine['stream'], text: string): void {
    // Docker frames usually end with the newline, and the view puts each line on its own row.
    const trimmed = text.endsWith('\n') ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
    this.pending.push({ id: this.nextId++, stream, text: stripTerminalCodes(trimmed) });

    // A burst larger than the cap would be cut at the next flush anyway, so drop it early.
    if (this.pending.length > this.maxLines) {
      this.pending.shift();
      this.droppedCount += 1;
    }
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Moves pending lines into the buffer, drops the oldest beyond the cap and returns a copy. */
  flush(): LogLine[] {
    if (this.pending.length > 0) {
      const merged = this.lines.concat(this.pending);
      this.pending = [];
      const excess = merged.length - this.maxLines;
      if (excess > 0) {
        this.droppedCount += excess;
        this.lines = merged.slice(excess);
      } else {
        this.lines = merged;
      }
    }
    return this.lines.slice();
  }

  /** Number of lines dropped because the buffer was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  clear(): void {
    this.lines = [];
    this.pending = [];
    this.droppedCount = 0;
  }
}

// CSI sequences (colours, cursor moves) and OSC sequences (window titles) that programs write
// for terminals; the view shows plain text, where they would appear as stray glyphs.
const TERMINAL_CODES = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** Removes terminal control sequences from one line of container output. */
export function stripTerminalCodes(text: string): string {
  return text.replace(TERMINAL_CODES, '');
}
