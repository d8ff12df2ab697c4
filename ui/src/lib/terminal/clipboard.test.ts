// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { copyText, isCopyShortcut, isPasteShortcut } from './clipboard';

function key(key: string, modifiers: Partial<KeyboardEvent> = {}) {
  return { key, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...modifiers };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('terminal clipboard', () => {
  it('takes only Ctrl+Shift+C and Ctrl+Shift+V', () => {
    expect(isCopyShortcut(key('C', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(isPasteShortcut(key('V', { ctrlKey: true, shiftKey: true }))).toBe(true);
    // Ctrl+C is the interrupt and Ctrl+V the literal-next key of the program in the terminal.
    expect(isCopyShortcut(key('c', { ctrlKey: true }))).toBe(false);
    expect(isPasteShortcut(key('v', { ctrlKey: true }))).toBe(false);
    expect(isCopyShortcut(key('C', { ctrlKey: true, shiftKey: true, altKey: true }))).toBe(false);
    expect(isPasteShortcut(key('V', { shiftKey: true, metaKey: true }))).toBe(false);
  });

  it('writes through the clipboard API when it exists', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    await copyText('你好');
    expect(writeText).toHaveBeenCalledWith('你好');
  });

  it('falls back to execCommand and reports a refusal', async () => {
    vi.stubGlobal('navigator', { ...navigator, clipboard: undefined });
    const execCommand = vi.fn(() => false);
    document.execCommand = execCommand;
    await expect(copyText('x')).rejects.toThrow('execCommand("copy") failed');
    expect(execCommand).toHaveBeenCalledWith('copy');
    expect(document.querySelector('textarea'), 'the helper text area is removed').toBeNull();
  });
});
