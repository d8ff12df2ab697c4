// Copy and paste for the terminal. Ctrl+C and Ctrl+V belong to the program in the terminal
// (interrupt and literal-next), so copying and pasting use Ctrl+Shift+C and Ctrl+Shift+V, as
// GNOME Terminal and Konsole do.

type ShortcutEvent = Pick<KeyboardEvent, 'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey' | 'key'>;

function isCtrlShift(event: ShortcutEvent, letter: string): boolean {
  return (
    event.ctrlKey &&
    event.shiftKey &&
    !event.altKey &&
    !event.metaKey &&
    event.key.toLowerCase() === letter
  );
}

/** Returns whether the key event is Ctrl+Shift+C. */
export function isCopyShortcut(event: ShortcutEvent): boolean {
  return isCtrlShift(event, 'c');
}

/** Returns whether the key event is Ctrl+Shift+V. */
export function isPasteShortcut(event: ShortcutEvent): boolean {
  return isCtrlShift(event, 'v');
}

/**
 * Puts text on the system clipboard. Falls back to `execCommand('copy')` on a hidden text area
 * where the asynchronous clipboard API is missing or refuses.
 */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch (reason) {
      console.debug('navigator.clipboard.writeText failed, trying execCommand:', reason);
    }
  }

  const area = document.createElement('textarea');
  area.value = text;
  area.readOnly = true;
  area.className = 'visually-hidden';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) {
    throw new Error('execCommand("copy") failed, so the text is not on the clipboard');
  }
}

/** Reads text from the system clipboard. Rejects when the window may not read it. */
export async function readClipboardText(): Promise<string> {
  if (!navigator.clipboard?.readText) {
    throw new Error('this window has no clipboard API');
  }
  return navigator.clipboard.readText();
}
