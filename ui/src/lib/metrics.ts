// Rules of the Monitoring screen that need no component: time ranges and zoom, the mapping
// between pointer positions and chart data, the hover readout, value formatting and the
// file name a saved chart gets. Every function is pure, and components pass the clock and locale.

import type { ChartPointView, ChartSeriesView, MetricsPanel, PlotAreaView } from './ipc/types';

/** The host panels in the order the screen shows them. */
export const HOST_PANELS: readonly MetricsPanel[] = [
  'cpu',
  'memory',
  'load',
  'filesystems',
  'diskIo',
  'network',
  'cpuCores',
];

/** The panels of one container. */
export const CONTAINER_PANELS: readonly MetricsPanel[] = [
  'containerCpu',
  'containerMemory',
  'containerNetwork',
  'containerBlockIo',
];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const RANGE_PRESETS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const PRESET_MS: Record<RangePreset, number> = {
  '1h': HOUR_MS,
  '6h': 6 * HOUR_MS,
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
};

/** The maximum range a chart may show. The backend rejects longer ones with the same limit. */
export const MAX_RANGE_DAYS = 400;
export const MAX_RANGE_MS = MAX_RANGE_DAYS * DAY_MS;

/** The shortest span a zoom selects, so a tiny drag on a short range still shows a few samples. */
export const MIN_ZOOM_MS = MINUTE_MS;

/** The redraw period of charts whose range ends now. The app collects every 15 s by default. */
export const LIVE_REFRESH_MS = 15_000;

/** Drags shorter than this many CSS pixels are clicks, not zooms. */
export const MIN_DRAG_PX = 5;

/** The snapping distance of the readout in image pixels. Farther from any point it shows no data. */
export const SNAP_PX = 24;

/** A range ending now (a preset) or a fixed one (custom, or the result of a zoom). */
export type RangeSelection =
  | { kind: 'preset'; preset: RangePreset }
  | { kind: 'custom'; fromMs: number; toMs: number };

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** Returns the times a selection covers at `nowMs`. */
export function resolveRange(selection: RangeSelection, nowMs: number): TimeRange {
  if (selection.kind === 'preset') {
    return { fromMs: nowMs - PRESET_MS[selection.preset], toMs: nowMs };
  }
  return { fromMs: selection.fromMs, toMs: selection.toMs };
}

/**
 * Returns whether charts of `selection` gain data over time and so refresh on a timer: presets
 * always end now, and a custom range does while its end is still ahead of the clock.
 */
export function isLive(selection: RangeSelection, nowMs: number): boolean {
  return selection.kind === 'preset' || selection.toMs >= nowMs;
}

export type CustomRangeProblem = 'missing' | 'invalid' | 'order' | 'tooLong';

export type CustomRangeResult = { range: TimeRange } | { problem: CustomRangeProblem };

/**
 * Parses the values of two `datetime-local` inputs (`YYYY-MM-DDTHH:MM`, read in this
 * computer's time zone) into a range that ends after it starts and spans at most 400 days.
 */
export function parseCustomRange(startText: string, endText: string): CustomRangeResult {
  if (startText.trim() === '' || endText.trim() === '') {
    return { problem: 'missing' };
  }
  const fromMs = parseDateTimeLocal(startText);
  const toMs = parseDateTimeLocal(endText);
  if (fromMs === null || toMs === null) {
    return { problem: 'invalid' };
  }
  if (toMs <= fromMs) {
    return { problem: 'order' };
  }
  if (toMs - fromMs > MAX_RANGE_MS) {
    return { problem: 'tooLong' };
  }
  return { range: { fromMs, toMs } };
}

const DATETIME_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/** Reads a `datetime-local` value as local time; null when it is not one or names no real date. */
export function parseDateTimeLocal(text: string): number | null {
  const match = DATETIME_LOCAL.exec(text.trim());
  if (!match) {
    return null;
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(year, month - 1, day, hour, minute, second);
  // The Date constructor rolls 2024-02-30 over to March, so such a date is rejected here.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) {
    return null;
  }
  return date.getTime();
}

/** Formats a time as a `datetime-local` value in this computer's time zone, to the minute. */
export function toDateTimeLocal(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** The range every chart shows, and what "Reset zoom" returns to. */
export interface ZoomState {
  selection: RangeSelection;
  /** The selection before the first zoom; null while not zoomed. */
  beforeZoom: RangeSelection | null;
}

/** Selects a preset range and clears any zoom. */
export function selectPreset(preset: RangePreset): ZoomState {
  return { selection: { kind: 'preset', preset }, beforeZoom: null };
}

/** Selects a custom range and clears any zoom. */
export function selectCustom(range: TimeRange): ZoomState {
  return { selection: { kind: 'custom', ...range }, beforeZoom: null };
}

/**
 * Zooms to `fromMs..toMs` (in either order). A span shorter than {@link MIN_ZOOM_MS} grows
 * around its middle. Zooming again keeps the selection from before the first zoom.
 */
export function zoomTo(state: ZoomState, fromMs: number, toMs: number): ZoomState {
  let start = Math.round(Math.min(fromMs, toMs));
  let end = Math.round(Math.max(fromMs, toMs));
  if (end - start < MIN_ZOOM_MS) {
    const middle = Math.round((start + end) / 2);
    start = middle - MIN_ZOOM_MS / 2;
    end = middle + MIN_ZOOM_MS / 2;
  }
  return {
    selection: { kind: 'custom', fromMs: start, toMs: end },
    beforeZoom: state.beforeZoom ?? state.selection,
  };
}

/** Returns to the selection before the first zoom; unchanged when not zoomed. */
export function resetZoom(state: ZoomState): ZoomState {
  if (state.beforeZoom === null) {
    return state;
  }
  return { selection: state.beforeZoom, beforeZoom: null };
}

/** The placement of an image in a box: `scale` is CSS pixels per image pixel. */
export interface ImageFit {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/**
 * Places an image of `imageWidth`×`imageHeight` pixels in a box of CSS size
 * `boxWidth`×`boxHeight`, scaled to fit and centred, as an SVG with the default
 * `preserveAspectRatio` is.
 */
export function fitImage(boxWidth: number, boxHeight: number, imageWidth: number, imageHeight: number): ImageFit {
  if (boxWidth <= 0 || boxHeight <= 0 || imageWidth <= 0 || imageHeight <= 0) {
    return { scale: 1, offsetX: 0, offsetY: 0 };
  }
  const scale = Math.min(boxWidth / imageWidth, boxHeight / imageHeight);
  return {
    scale,
    offsetX: (boxWidth - imageWidth * scale) / 2,
    offsetY: (boxHeight - imageHeight * scale) / 2,
  };
}

/** Converts a position in CSS pixels from the box's top left corner to image pixels. */
export function cssToImage(fit: ImageFit, x: number, y: number): { x: number; y: number } {
  return { x: (x - fit.offsetX) / fit.scale, y: (y - fit.offsetY) / fit.scale };
}

/** Converts a position in image pixels to CSS pixels from the box's top left corner. */
export function imageToCss(fit: ImageFit, x: number, y: number): { x: number; y: number } {
  return { x: x * fit.scale + fit.offsetX, y: y * fit.scale + fit.offsetY };
}

/** Returns whether an image pixel lies in the plot area, edges included. */
export function insidePlot(plot: PlotAreaView, x: number, y: number): boolean {
  return x >= plot.left && x <= plot.left + plot.width && y >= plot.top && y <= plot.top + plot.height;
}

/** Converts an image x to a time, clamped to the plot's edges. */
export function timeAtImageX(plot: PlotAreaView, x: number): number {
  if (plot.width <= 0) {
    return plot.xMinMs;
  }
  const fraction = Math.min(1, Math.max(0, (x - plot.left) / plot.width));
  return Math.round(plot.xMinMs + fraction * (plot.xMaxMs - plot.xMinMs));
}

/** Converts a time to an image x; times outside the plot map beyond its edges. */
export function imageXAtTime(plot: PlotAreaView, timeMs: number): number {
  const span = Math.max(1, plot.xMaxMs - plot.xMinMs);
  return plot.left + ((timeMs - plot.xMinMs) / span) * plot.width;
}

/** Returns the time that {@link SNAP_PX} image pixels span on this plot. */
export function snapToleranceMs(plot: PlotAreaView): number {
  if (plot.width <= 0) {
    return 0;
  }
  return ((plot.xMaxMs - plot.xMinMs) / plot.width) * SNAP_PX;
}

/** Returns the index of the element of sorted `values` nearest to `target`, or -1 when empty. */
function nearestIndex(values: readonly number[], target: number): number {
  if (values.length === 0) {
    return -1;
  }
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (values[middle] < target) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  // `low` is the first value at or after the target; the one before may be nearer.
  if (low > 0 && target - values[low - 1] <= values[low] - target) {
    return low - 1;
  }
  return low;
}

/** Returns the point of time-sorted `points` nearest to `timeMs`, or null when there is none. */
export function nearestPoint(points: readonly ChartPointView[], timeMs: number): ChartPointView | null {
  const index = nearestIndex(
    points.map((point) => point.t),
    timeMs,
  );
  return index < 0 ? null : points[index];
}

/** Returns every distinct point time of all series, gap markers included, in order. */
export function pointTimes(series: readonly ChartSeriesView[]): number[] {
  const times = new Set<number>();
  for (const line of series) {
    for (const point of line.points) {
      times.add(point.t);
    }
  }
  return [...times].sort((a, b) => a - b);
}

export interface ReadoutRow {
  label: string;
  color: string;
  /** Null where the series has a gap or no point near the readout's time. */
  value: number | null;
}

export interface Readout {
  timeMs: number;
  rows: ReadoutRow[];
}

/**
 * Returns each series' value at `timeMs`: its nearest point when that lies within
 * `toleranceMs`, and null at a gap marker or when no point is that near.
 */
export function readoutAt(series: readonly ChartSeriesView[], timeMs: number, toleranceMs: number): Readout {
  const rows = series.map((line) => {
    const point = nearestPoint(line.points, timeMs);
    const near = point !== null && Math.abs(point.t - timeMs) <= toleranceMs;
    return { label: line.label, color: line.color, value: near ? point.v : null };
  });
  return { timeMs, rows };
}

/**
 * Returns the readout for a pointer at `pointerMs`: it snaps to the nearest point time of any
 * series within `toleranceMs`, and otherwise stays at the pointer with every value missing,
 * as inside a long gap or before the first sample.
 */
export function readoutNear(
  series: readonly ChartSeriesView[],
  times: readonly number[],
  pointerMs: number,
  toleranceMs: number,
): Readout {
  const index = nearestIndex(times, pointerMs);
  if (index >= 0 && Math.abs(times[index] - pointerMs) <= toleranceMs) {
    return readoutAt(series, times[index], toleranceMs);
  }
  return {
    timeMs: pointerMs,
    rows: series.map((line) => ({ label: line.label, color: line.color, value: null })),
  };
}

/**
 * Moves a keyboard readout `steps` point times from `currentMs` (negative: earlier), clamped
 * to the first and last time. Without a current time it starts at the last one.
 */
export function stepTime(times: readonly number[], currentMs: number | null, steps: number): number | null {
  if (times.length === 0) {
    return null;
  }
  if (currentMs === null) {
    return times[times.length - 1];
  }
  const index = nearestIndex(times, currentMs);
  const next = Math.min(times.length - 1, Math.max(0, index + steps));
  return times[next];
}

const BINARY_PREFIXES = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** Formats a number with two decimals below 10, one below 100 and none above, as the axis does. */
function formatNumber(value: number, locale: string): string {
  const magnitude = Math.abs(value);
  let decimals = 2;
  if (magnitude >= 100) {
    decimals = 0;
  } else if (magnitude >= 10) {
    decimals = 1;
  }
  // Rounding first turns a tiny negative value into 0 rather than "-0".
  const rounded = Number(value.toFixed(decimals)) || 0;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: decimals }).format(rounded);
}

function formatBinary(value: number, locale: string): string {
  let scaled = value;
  let prefix = 0;
  while (Math.abs(scaled) >= 1024 && prefix + 1 < BINARY_PREFIXES.length) {
    scaled /= 1024;
    prefix += 1;
  }
  return `${formatNumber(scaled, locale)} ${BINARY_PREFIXES[prefix]}`;
}

/**
 * Formats a value in a chart's unit (`percent`, `bytes`, `bytesPerSecond` or `none`), with
 * the same prefixes and decimals as the axis labels the backend draws.
 */
export function formatValue(value: number, unit: string, locale: string): string {
  switch (unit) {
    case 'percent':
      return `${formatNumber(value, locale)}%`;
    case 'bytes':
      return formatBinary(value, locale);
    case 'bytesPerSecond':
      return `${formatBinary(value, locale)}/s`;
    default:
      return formatNumber(value, locale);
  }
}

/** Formats a readout's time with its date and seconds, in this computer's time zone. */
export function formatReadoutTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(new Date(ms));
}

/** Returns the viewer's offset from UTC in seconds at `ms`, east positive, as chart requests take it. */
export function utcOffsetSeconds(ms: number): number {
  return -new Date(ms).getTimezoneOffset() * 60;
}

/** Replaces what would be awkward in a file name (separators, spaces, quotes) with `-`. */
function fileNamePart(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/**
 * Returns the name a saved chart gets: `homeport-<host>-<panel>[-<container>]-<yyyy-mm-dd>.<ext>`,
 * dated in this computer's time zone.
 */
export function exportFileName(
  hostName: string,
  panel: MetricsPanel,
  container: string | null,
  extension: 'png' | 'svg',
  dateMs: number,
): string {
  const date = toDateTimeLocal(dateMs).slice(0, 10);
  const parts = ['homeport', fileNamePart(hostName), panel];
  if (container) {
    parts.push(fileNamePart(container));
  }
  parts.push(date);
  return `${parts.filter((part) => part !== '').join('-')}.${extension}`;
}

/** Returns the folder part of a path, separator included, or an empty text for a bare name. */
export function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '' : path.slice(0, cut + 1);
}

/** Puts `fileName` in `folder`, adding the folder's own separator when it lacks a trailing one. */
export function joinPath(folder: string, fileName: string): string {
  if (folder === '') {
    return fileName;
  }
  if (folder.endsWith('/') || folder.endsWith('\\')) {
    return folder + fileName;
  }
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return `${folder}${separator}${fileName}`;
}

/** Returns the distinct values of `label` over a set of series, sorted, for a picker. */
export function labelValues(series: readonly { labels: { [key: string]: string | undefined } }[], label: string): string[] {
  const values = new Set<string>();
  for (const entry of series) {
    const value = entry.labels[label];
    if (value) {
      values.add(value);
    }
  }
  return [...values].sort((a, b) => a.localeCompare(b));
}
