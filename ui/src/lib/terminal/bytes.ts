// Byte conversions between xterm.js and the terminal IPC commands. Output arrives as base64
// (`TerminalEvent` explains why) and goes to xterm.js as bytes, whose parser decodes UTF-8 as a
// stream, so a character split across two messages still renders once.

/** The maximum input, in bytes, of one `terminal_write`. Longer pastes go in pieces of this size. */
export const MAX_WRITE_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/** Decodes standard base64 (with padding), as `TerminalEvent` output carries it. */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

/** Encodes typed or pasted text, as xterm.js reports it in `onData`, into UTF-8. */
export function textToBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Converts an xterm.js binary string (`onBinary`, used for mouse reports that are not valid
 * UTF-8) into bytes, one byte per character code.
 */
export function binaryStringToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    bytes[i] = text.charCodeAt(i) & 0xff;
  }
  return bytes;
}

/**
 * Splits bytes into pieces of at most `max` bytes. The remote side joins them again, so a
 * piece may end inside a UTF-8 sequence.
 */
export function chunkBytes(bytes: Uint8Array, max: number = MAX_WRITE_BYTES): Uint8Array[] {
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`max must be a positive integer, got ${max}`);
  }
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += max) {
    chunks.push(bytes.subarray(start, start + max));
  }
  return chunks;
}

/** Joins byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) {
    return parts[0];
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
