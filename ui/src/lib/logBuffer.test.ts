import { describe, expect, it } from 'vitest';
import { LOG_BUFFER_MAX_LINES, LogBuffer, stripTerminalCodes } from './logBuffer';

describe('LogBuffer', () => {
  it('keeps lines in order with unique ids', () => {
    const buffer = new LogBuffer(10);
    buffer.push('stdout', 'one\n');
    buffer.push('stderr', 'two\r\n');
    const lines = buffer.flush();

    expect(lines.map((line) => line.text)).toEqual(['one', 'two']);
    expect(lines.map((line) => line.stream)).toEqual(['stdout', 'stderr']);
    expect(new Set(lines.map((line) => line.id)).size).toBe(2);
  });

  it('drops the oldest lines beyond the cap', () => {
    const buffer = new LogBuffer(3);
    for (let i = 1; i <= 5; i += 1) {
      buffer.push('stdout', `line ${i}`);
    }
    const lines = buffer.flush();

    expect(lines.map((line) => line.text)).toEqual(['line 3', 'line 4', 'line 5']);
    expect(buffer.dropped).toBe(2);
  });

  it('caps across several flushes', () => {
    const buffer = new LogBuffer(3);
    buffer.push('stdout', 'a');
    buffer.push('stdout', 'b');
    buffer.flush();
    buffer.push('stdout', 'c');
    buffer.push('stdout', 'd');

    expect(buffer.flush().map((line) => line.text)).toEqual(['b', 'c', 'd']);
    expect(buffer.dropped).toBe(1);
  });

  it('holds lines until flush', () => {
    const buffer = new LogBuffer(3);
    buffer.push('stdout', 'a');
    expect(buffer.hasPending).toBe(true);
    buffer.flush();
    expect(buffer.hasPending).toBe(false);
  });

  it('empties on clear', () => {
    const buffer = new LogBuffer(2);
    buffer.push('stdout', 'a');
    buffer.push('stdout', 'b');
    buffer.push('stdout', 'c');
    buffer.flush();
    buffer.clear();

    expect(buffer.flush()).toEqual([]);
    expect(buffer.dropped).toBe(0);
  });

  it('defaults to the documented cap', () => {
    expect(new LogBuffer().maxLines).toBe(LOG_BUFFER_MAX_LINES);
    expect(LOG_BUFFER_MAX_LINES).toBe(5000);
  });

  it('rejects a cap below one', () => {
    expect(() => new LogBuffer(0)).toThrow(RangeError);
  });
});

describe('stripTerminalCodes', () => {
  it('removes colour and title sequences', () => {
    expect(stripTerminalCodes('\u001b[31mred\u001b[0m text')).toBe('red text');
    expect(stripTerminalCodes('\u001b]0;title\u0007after')).toBe('after');
  });

  it('leaves plain text alone', () => {
    expect(stripTerminalCodes('plain [31m text')).toBe('plain [31m text');
  });
});
