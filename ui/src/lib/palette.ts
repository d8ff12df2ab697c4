// Search and ranking for the command palette, and the keyboard shortcuts. Pure functions: the
// palette component supplies the entries and runs the chosen one.

export type PaletteKind = 'action' | 'screen' | 'host' | 'container' | 'stack';

export interface PaletteEntry {
  /** Unique among the entries, such as `host:<id>`. */
  id: string;
  kind: PaletteKind;
  /** The text shown and searched first. */
  label: string;
  /** Shown after the label and searched too, such as a container's host. */
  detail?: string;
  /** More words that find the entry, such as the English name of a translated action. */
  keywords?: string[];
}

/** The screens Ctrl/Cmd-1 to 9 open, in the sidebar's order. */
export const NUMBERED_SCREENS = [
  'fleet',
  'hosts',
  'monitoring',
  'inbox',
  'stacks',
  'catalog',
  'builder',
  'wizard',
  'rollout',
] as const;

export type NumberedScreen = (typeof NUMBERED_SCREENS)[number];

/**
 * The maximum number of entries the palette lists, so a fleet with thousands of containers stays
 * fast to draw.
 */
export const MAX_RESULTS = 50;

// Entry kinds in the order they are listed when scores tie: what the user does beats what
// exists, and places before things.
const KIND_ORDER: Record<PaletteKind, number> = {
  action: 0,
  screen: 1,
  host: 2,
  stack: 3,
  container: 4,
};

/**
 * Scores how well `query` matches `text`: 0 for no match, higher is better. An exact match beats
 * a prefix, a prefix beats the start of a word, that beats a substring, and that beats the
 * query's letters appearing in order (a subsequence, as in "ngx" for "nginx").
 */
export function matchScore(text: string, query: string): number {
  const haystack = text.toLocaleLowerCase();
  const needle = query.trim().toLocaleLowerCase();
  if (needle === '') {
    return 1;
  }
  if (haystack === needle) {
    return 100;
  }
  if (haystack.startsWith(needle)) {
    return 80;
  }
  const index = haystack.indexOf(needle);
  if (index > 0) {
    const before = haystack[index - 1];
    return /[\s\-_./:]/.test(before) ? 60 : 40;
  }
  return isSubsequence(haystack, needle) ? 10 : 0;
}

function isSubsequence(haystack: string, needle: string): boolean {
  let position = 0;
  for (const character of needle) {
    if (character === ' ') {
      continue;
    }
    position = haystack.indexOf(character, position);
    if (position === -1) {
      return false;
    }
    position += 1;
  }
  return true;
}

/** Scores an entry: its label counts fully, its detail and keywords a little less. */
export function entryScore(entry: PaletteEntry, query: string): number {
  const label = matchScore(entry.label, query);
  const others = [entry.detail ?? '', ...(entry.keywords ?? [])]
    .filter((text) => text !== '')
    .map((text) => matchScore(text, query) * 0.8);
  return Math.max(label, ...others, 0);
}

/**
 * Returns the entries that match `query`, best first, at most `limit`. Ties keep the kind order
 * (actions, screens, hosts, stacks, containers), then the label's alphabetical order.
 */
export function rankEntries(entries: PaletteEntry[], query: string, limit = MAX_RESULTS): PaletteEntry[] {
  return entries
    .map((entry) => ({ entry, score: entryScore(entry, query) }))
    .filter(({ score }) => score > 0)
    .sort(
      (a, b) =>
        b.score - a.score ||
        KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind] ||
        a.entry.label.localeCompare(b.entry.label),
    )
    .slice(0, limit)
    .map(({ entry }) => entry);
}

/** Moves the highlighted row by `step`, wrapping at both ends; -1 when the list is empty. */
export function moveSelection(current: number, step: number, count: number): number {
  if (count === 0) {
    return -1;
  }
  if (current < 0) {
    return step > 0 ? 0 : count - 1;
  }
  return (((current + step) % count) + count) % count;
}

/** The parts of a key event the shortcuts read, so tests need no DOM event. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** The command a key press requests. */
export type Shortcut =
  | { kind: 'palette' }
  | { kind: 'screen'; screen: NumberedScreen }
  | { kind: 'settings' }
  | { kind: 'help' };

/**
 * Reads a shortcut: Ctrl-K (Cmd-K on macOS) opens the palette, Ctrl/Cmd-1 to 9 open the
 * numbered screens, Ctrl/Cmd-comma opens Settings, and `?` lists the shortcuts unless the
 * focus is in a text field (`typing`), where `?` is a character.
 */
export function readShortcut(press: KeyPress, typing: boolean): Shortcut | null {
  const command = press.ctrlKey || press.metaKey;
  if (command && !press.altKey && !press.shiftKey) {
    const key = press.key.toLowerCase();
    if (key === 'k') {
      return { kind: 'palette' };
    }
    if (key === ',') {
      return { kind: 'settings' };
    }
    if (/^[1-9]$/.test(key)) {
      return { kind: 'screen', screen: NUMBERED_SCREENS[Number(key) - 1] };
    }
    return null;
  }
  if (press.key === '?' && !command && !press.altKey && !typing) {
    return { kind: 'help' };
  }
  return null;
}

/** Returns whether the event's target takes text input, so plain keys belong to it. */
export function isTextTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) {
    return false;
  }
  if (target.isContentEditable) {
    return true;
  }
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') {
    return true;
  }
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color'].includes(type);
  }
  // xterm.js and CodeMirror take keys in their own elements.
  return !!target.closest('.xterm, .cm-editor');
}
