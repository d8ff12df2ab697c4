// The stack builder's window-side logic: card placement, the lines between cards, editor
// markers and the draft kept between visits. The backend owns the model; everything here
// is derived from the `BuilderState` it returns.

import type { BuilderDraft, BuilderView, ComposeDiagnostic, ServiceCard } from './ipc/types';

/** A card's top-left corner on the canvas, in CSS pixels. */
export interface Point {
  x: number;
  y: number;
}

export const CARD_WIDTH = 180;
export const CARD_HEIGHT = 120;
const GAP_X = 40;
const GAP_Y = 40;

/** Returns the draft of a new, empty stack. */
export function emptyDraft(): BuilderDraft {
  return { compose: 'services:\n', env: '', files: [] };
}

/**
 * Returns a position for every service: known ones keep theirs, a service dropped at a point
 * takes it, and the rest fill the first free cells of a grid `columns` cards wide. Positions of
 * removed services are dropped, so a renamed service is placed again.
 */
export function placeCards(
  services: string[],
  known: Record<string, Point>,
  dropped: Record<string, Point> = {},
  columns = 3,
): Record<string, Point> {
  const placed: Record<string, Point> = {};
  for (const name of services) {
    const point = dropped[name] ?? known[name];
    if (point) {
      placed[name] = point;
    }
  }
  let cell = 0;
  for (const name of services) {
    if (placed[name]) {
      continue;
    }
    // A bounded search: there are at most as many taken cells as services.
    for (let tries = 0; tries <= services.length; tries += 1, cell += 1) {
      const candidate = gridPoint(cell, columns);
      if (!Object.values(placed).some((point) => overlaps(point, candidate))) {
        break;
      }
    }
    placed[name] = gridPoint(cell, columns);
    cell += 1;
  }
  return placed;
}

function gridPoint(cell: number, columns: number): Point {
  return {
    x: GAP_X / 2 + (cell % columns) * (CARD_WIDTH + GAP_X),
    y: GAP_Y / 2 + Math.floor(cell / columns) * (CARD_HEIGHT + GAP_Y),
  };
}

/** Returns how many cards fit side by side in a canvas `width` pixels wide, at least one. */
export function columnsFor(width: number): number {
  return Math.max(1, Math.floor((width - GAP_X / 2) / (CARD_WIDTH + GAP_X)));
}

function overlaps(a: Point, b: Point): boolean {
  return Math.abs(a.x - b.x) < CARD_WIDTH && Math.abs(a.y - b.y) < CARD_HEIGHT;
}

/** A line between two cards: a proxy route (labelled with its hostname) or a dependency. */
export interface Edge {
  from: string;
  to: string;
  kind: 'route' | 'dependsOn';
  label: string;
}

export function edgesOf(view: BuilderView): Edge[] {
  const edges: Edge[] = [];
  const names = new Set(view.services.map((service) => service.name));
  const proxy = view.proxy?.service;
  if (proxy) {
    for (const route of view.routes) {
      edges.push({ from: proxy, to: route.service, kind: 'route', label: route.hostname });
    }
  }
  for (const service of view.services) {
    for (const dependency of service.dependsOn) {
      if (names.has(dependency)) {
        edges.push({ from: service.name, to: dependency, kind: 'dependsOn', label: '' });
      }
    }
  }
  return edges;
}

/** Returns `base`, or `base-2`, `base-3`, ... when taken. */
export function uniqueServiceName(view: BuilderView | null, base: string): string {
  const taken = new Set((view?.services ?? []).map((service) => service.name));
  const clean = base.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'app';
  if (!taken.has(clean)) {
    return clean;
  }
  for (let n = 2; n < 1000; n += 1) {
    const candidate = `${clean}-${n}`;
    if (!taken.has(candidate)) {
      return candidate;
    }
  }
  return `${clean}-${Date.now()}`;
}

/** Guesses a service name from an image reference, such as `jellyfin` from `jellyfin/jellyfin:10`. */
export function nameFromImage(image: string): string {
  const withoutTag = image.split('@')[0].replace(/:[^/:]*$/, '');
  const last = withoutTag.split('/').pop() ?? '';
  return last || 'app';
}

/** A diagnostic placed in one editor. */
export interface EditorMarker {
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
}

/** Returns the diagnostics of `file` as editor markers, the hint after the message. */
export function markersFor(diagnostics: ComposeDiagnostic[], file: string): EditorMarker[] {
  return diagnostics
    .filter((diagnostic) => diagnostic.file === file || diagnostic.file.endsWith(`/${file}`))
    .map((diagnostic) => ({
      line: diagnostic.line,
      column: diagnostic.column,
      severity: diagnostic.severity === 'error' ? 'error' : 'warning',
      message: diagnostic.hint ? `${diagnostic.message}. ${diagnostic.hint}` : diagnostic.message,
    }));
}

/**
 * Converts a 1-based line and column to a range in `doc` covering the rest of the word there.
 * Line 0 (a finding about the whole file) marks the first line.
 */
export function markerRange(doc: string, line: number, column: number): { from: number; to: number } {
  const lines = doc.split('\n');
  const index = Math.min(Math.max(line, 1), lines.length) - 1;
  let start = 0;
  for (let i = 0; i < index; i += 1) {
    start += lines[i].length + 1;
  }
  const text = lines[index] ?? '';
  const offset = Math.min(Math.max(column - 1, 0), text.length);
  const rest = text.slice(offset);
  const word = rest.match(/^[^\s,\]}]+/)?.[0].length ?? 0;
  const end = word > 0 ? offset + word : text.length;
  return { from: start + offset, to: start + Math.max(end, offset) };
}

/** Returns the service with `name`, if the view has it. */
export function serviceNamed(view: BuilderView | null, name: string | null): ServiceCard | null {
  return view?.services.find((service) => service.name === name) ?? null;
}

const STORAGE_KEY = 'homeport.builder.draft';

/**
 * Saves compose.yaml and the other files so a draft survives a restart. The `.env` text is
 * left out on purpose because it contains generated passwords, which belong in no file of the window.
 */
export function saveDraft(draft: BuilderDraft, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify({ compose: draft.compose, files: draft.files }));
  } catch {
    // A full or disabled storage only costs the restore after a restart.
  }
}

export function loadDraft(storage: Storage | undefined = globalThis.localStorage): BuilderDraft | null {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) {
      return null;
    }
    const parsed = JSON.parse(raw) as Partial<BuilderDraft>;
    if (typeof parsed.compose !== 'string' || !Array.isArray(parsed.files)) {
      return null;
    }
    return { compose: parsed.compose, env: '', files: parsed.files };
  } catch {
    return null;
  }
}
