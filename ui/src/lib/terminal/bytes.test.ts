// @vitest-environment jsdom
import { Terminal } from '@xterm/xterm';
import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  binaryStringToBytes,
  chunkBytes,
  concatBytes,
  MAX_WRITE_BYTES,
  textToBytes,
} from './bytes';

/** Base64 of bytes, the way the backend's `TerminalEvent` output carries them. */
function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Writes each chunk into a headless xterm.js terminal and returns its first line. */
async function renderChunks(chunks: Uint8Array[]): Promise<string> {
  const terminal = new Terminal({ cols: 40, rows: 4 });
  for (const chunk of chunks) {
    await new Promise<void>((resolve) => terminal.write(chunk, resolve));
  }
  const line = terminal.buffer.active.getLine(0)?.translateToString(true) ?? '';
  terminal.dispose();
  return line;
}

describe('terminal bytes', () => {
  it('decodes base64 output to the exact bytes', () => {
    const bytes = textToBytes('你好 ok\r\n');
    expect(Array.from(base64ToBytes(toBase64(bytes)))).toEqual(Array.from(bytes));
    expect(Array.from(base64ToBytes('b2vkvQ=='))).toEqual([0x6f, 0x6b, 0xe4, 0xbd]);
    expect(base64ToBytes('').length).toBe(0);
  });

  it('encodes typed Chinese text as UTF-8', () => {
    expect(Array.from(textToBytes('容器'))).toEqual([0xe5, 0xae, 0xb9, 0xe5, 0x99, 0xa8]);
    expect(Array.from(textToBytes('\x03'))).toEqual([3]);
  });

  it('keeps binary strings byte for byte', () => {
    expect(Array.from(binaryStringToBytes('\x1b[M\xff\x80'))).toEqual([0x1b, 0x5b, 0x4d, 0xff, 0x80]);
  });

  it('splits long input into bounded chunks', () => {
    const bytes = new Uint8Array(MAX_WRITE_BYTES * 2 + 5).map((_, index) => index % 251);
    const chunks = chunkBytes(bytes);
    expect(chunks.map((chunk) => chunk.length)).toEqual([MAX_WRITE_BYTES, MAX_WRITE_BYTES, 5]);
    expect(Array.from(concatBytes(chunks))).toEqual(Array.from(bytes));
    expect(chunkBytes(new Uint8Array(0))).toEqual([]);
    expect(() => chunkBytes(bytes, 0)).toThrow(RangeError);
  });

  it('renders a character split across two messages once', async () => {
    // 你 is E4 BD A0 and 好 is E5 A5 BD; each boundary falls inside a character.
    const bytes = textToBytes('你好 ok');
    const messages = [bytes.subarray(0, 2), bytes.subarray(2, 4), bytes.subarray(4)];
    const decoded = messages.map((message) => base64ToBytes(toBase64(message)));
    expect(await renderChunks(decoded)).toBe('你好 ok');
  });

  it('renders every split point of a mixed line the same', async () => {
    const bytes = textToBytes('a容器b');
    for (let split = 1; split < bytes.length; split++) {
      const line = await renderChunks([bytes.subarray(0, split), bytes.subarray(split)]);
      expect(line, `split at byte ${split}`).toBe('a容器b');
    }
  });
});
