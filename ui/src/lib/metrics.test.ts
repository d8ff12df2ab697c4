import { describe, expect, it } from 'vitest';
import type { ChartSeriesView, PlotAreaView } from './ipc/types';
import {
  MAX_RANGE_MS,
  MIN_ZOOM_MS,
  cssToImage,
  exportFileName,
  fitImage,
  folderOf,
  formatValue,
  imageToCss,
  imageXAtTime,
  insidePlot,
  isLive,
  joinPath,
  labelValues,
  nearestPoint,
  parseCustomRange,
  parseDateTimeLocal,
  pointTimes,
  readoutAt,
  readoutNear,
  resetZoom,
  resolveRange,
  selectPreset,
  snapToleranceMs,
  stepTime,
  timeAtImageX,
  toDateTimeLocal,
  zoomTo,
} from './metrics';

const HOUR = 3_600_000;

/** A plot 500 px wide from x=60, showing 10:00 to 11:00 UTC of 2025-01-01. */
const plot: PlotAreaView = {
  left: 60,
  top: 40,
  width: 500,
  height: 150,
  xMinMs: Date.UTC(2025, 0, 1, 10),
  xMaxMs: Date.UTC(2025, 0, 1, 11),
  yMin: 0,
  yMax: 100,
};

describe('ranges', () => {
  it('end presets at the current time', () => {
    const now = Date.UTC(2025, 0, 2);
    expect(resolveRange({ kind: 'preset', preset: '6h' }, now)).toEqual({ fromMs: now - 6 * HOUR, toMs: now });
    expect(resolveRange({ kind: 'preset', preset: '30d' }, now).fromMs).toBe(now - 30 * 24 * HOUR);
  });

  it('keep custom ranges fixed', () => {
    const range = { kind: 'custom' as const, fromMs: 1000, toMs: 5000 };
    expect(resolveRange(range, 99_999)).toEqual({ fromMs: 1000, toMs: 5000 });
  });

  it('are live while they end now or later', () => {
    expect(isLive({ kind: 'preset', preset: '1h' }, 10)).toBe(true);
    expect(isLive({ kind: 'custom', fromMs: 0, toMs: 5 }, 10)).toBe(false);
    expect(isLive({ kind: 'custom', fromMs: 0, toMs: 15 }, 10)).toBe(true);
  });
});

describe('custom range inputs', () => {
  it('read datetime-local values as local time', () => {
    expect(parseDateTimeLocal('2025-03-04T05:06')).toBe(new Date(2025, 2, 4, 5, 6).getTime());
    expect(parseDateTimeLocal('2025-03-04T05:06:07')).toBe(new Date(2025, 2, 4, 5, 6, 7).getTime());
  });

  it('reject text and impossible dates', () => {
    expect(parseDateTimeLocal('yesterday')).toBeNull();
    expect(parseDateTimeLocal('2025-02-30T10:00')).toBeNull();
  });

  it('round-trip through toDateTimeLocal', () => {
    const ms = new Date(2024, 11, 31, 23, 59).getTime();
    expect(toDateTimeLocal(ms)).toBe('2024-12-31T23:59');
    expect(parseDateTimeLocal(toDateTimeLocal(ms))).toBe(ms);
  });

  it('report each problem', () => {
    expect(parseCustomRange('', '2025-01-01T00:00')).toEqual({ problem: 'missing' });
    expect(parseCustomRange('2025-01-01T00:00', 'soon')).toEqual({ problem: 'invalid' });
    expect(parseCustomRange('2025-01-02T00:00', '2025-01-01T00:00')).toEqual({ problem: 'order' });
    expect(parseCustomRange('2025-01-01T00:00', '2025-01-01T00:00')).toEqual({ problem: 'order' });
    expect(parseCustomRange('2024-01-01T00:00', '2025-03-01T00:00')).toEqual({ problem: 'tooLong' });
  });

  it('accept a range of exactly 400 days', () => {
    const from = new Date(2024, 0, 1).getTime();
    const result = parseCustomRange(toDateTimeLocal(from), toDateTimeLocal(from + MAX_RANGE_MS));
    expect(result).toEqual({ range: { fromMs: from, toMs: from + MAX_RANGE_MS } });
  });
});

describe('zoom', () => {
  it('remembers the preset from before the first zoom', () => {
    const first = zoomTo(selectPreset('24h'), 5_000_000, 1_000_000);
    expect(first.selection).toEqual({ kind: 'custom', fromMs: 1_000_000, toMs: 5_000_000 });
    const second = zoomTo(first, 2_000_000, 3_000_000);
    expect(second.beforeZoom).toEqual({ kind: 'preset', preset: '24h' });
    expect(resetZoom(second)).toEqual(selectPreset('24h'));
  });

  it('widens a span shorter than a minute around its middle', () => {
    const zoomed = zoomTo(selectPreset('1h'), 100_000, 110_000);
    expect(zoomed.selection).toEqual({
      kind: 'custom',
      fromMs: 105_000 - MIN_ZOOM_MS / 2,
      toMs: 105_000 + MIN_ZOOM_MS / 2,
    });
  });

  it('reset without a zoom changes nothing', () => {
    const state = selectPreset('7d');
    expect(resetZoom(state)).toBe(state);
  });
});

describe('pixel mapping', () => {
  it('fits the image like preserveAspectRatio meet', () => {
    expect(fitImage(600, 240, 600, 240)).toEqual({ scale: 1, offsetX: 0, offsetY: 0 });
    // Shown at half size: one CSS pixel is two image pixels.
    const half = fitImage(300, 120, 600, 240);
    expect(half.scale).toBe(0.5);
    expect(cssToImage(half, 150, 60)).toEqual({ x: 300, y: 120 });
    // A wider box letterboxes the image horizontally.
    const wide = fitImage(800, 240, 600, 240);
    expect(wide).toEqual({ scale: 1, offsetX: 100, offsetY: 0 });
    expect(cssToImage(wide, 160, 10)).toEqual({ x: 60, y: 10 });
    expect(imageToCss(wide, 60, 10)).toEqual({ x: 160, y: 10 });
  });

  it('maps plot x to time and back', () => {
    expect(timeAtImageX(plot, 60)).toBe(plot.xMinMs);
    expect(timeAtImageX(plot, 560)).toBe(plot.xMaxMs);
    expect(timeAtImageX(plot, 310)).toBe(plot.xMinMs + HOUR / 2);
    expect(imageXAtTime(plot, plot.xMinMs + HOUR / 4)).toBe(185);
  });

  it('clamps times outside the plot', () => {
    expect(timeAtImageX(plot, 0)).toBe(plot.xMinMs);
    expect(timeAtImageX(plot, 900)).toBe(plot.xMaxMs);
  });

  it('knows the plot area', () => {
    expect(insidePlot(plot, 60, 40)).toBe(true);
    expect(insidePlot(plot, 59, 100)).toBe(false);
    expect(insidePlot(plot, 100, 191)).toBe(false);
  });

  it('snaps within 24 image pixels', () => {
    // 3,600,000 ms over 500 px is 7,200 ms per pixel.
    expect(snapToleranceMs(plot)).toBe(24 * 7_200);
  });
});

const t0 = Date.UTC(2025, 0, 1, 10);
const series: ChartSeriesView[] = [
  {
    label: 'Busy',
    color: '#1f77b4',
    points: [
      { t: t0, v: 10 },
      { t: t0 + 15_000, v: 20 },
      { t: t0 + 30_000, v: null },
      { t: t0 + 600_000, v: 40 },
    ],
  },
  {
    label: 'I/O wait',
    color: '#ff7f0e',
    points: [
      { t: t0, v: 1 },
      { t: t0 + 15_000, v: 2 },
    ],
  },
];

describe('readout', () => {
  it('finds the nearest point by time', () => {
    expect(nearestPoint(series[0].points, t0 + 6_000)).toEqual({ t: t0, v: 10 });
    expect(nearestPoint(series[0].points, t0 + 9_000)).toEqual({ t: t0 + 15_000, v: 20 });
    expect(nearestPoint(series[0].points, t0 + 10_000_000)).toEqual({ t: t0 + 600_000, v: 40 });
    expect(nearestPoint([], t0)).toBeNull();
  });

  it('lists every time once, in order', () => {
    expect(pointTimes(series)).toEqual([t0, t0 + 15_000, t0 + 30_000, t0 + 600_000]);
  });

  it('snaps to the nearest time and reads every series there', () => {
    const readout = readoutNear(series, pointTimes(series), t0 + 14_000, 5_000);
    expect(readout.timeMs).toBe(t0 + 15_000);
    expect(readout.rows).toEqual([
      { label: 'Busy', color: '#1f77b4', value: 20 },
      { label: 'I/O wait', color: '#ff7f0e', value: 2 },
    ]);
  });

  it('shows a gap marker as no data', () => {
    const readout = readoutAt(series, t0 + 30_000, 5_000);
    expect(readout.rows.map((row) => row.value)).toEqual([null, null]);
  });

  it('shows no data far from any point', () => {
    const pointer = t0 + 300_000;
    const readout = readoutNear(series, pointTimes(series), pointer, 5_000);
    expect(readout.timeMs).toBe(pointer);
    expect(readout.rows.map((row) => row.value)).toEqual([null, null]);
  });

  it('steps through times with the keyboard', () => {
    const times = pointTimes(series);
    expect(stepTime(times, null, 0)).toBe(t0 + 600_000);
    expect(stepTime(times, t0 + 600_000, -1)).toBe(t0 + 30_000);
    expect(stepTime(times, t0 + 15_000, -10)).toBe(t0);
    expect(stepTime(times, t0, 10)).toBe(t0 + 600_000);
    expect(stepTime([], t0, 1)).toBeNull();
  });
});

describe('formatValue', () => {
  it('formats like the axis labels', () => {
    expect(formatValue(42, 'percent', 'en')).toBe('42%');
    expect(formatValue(7.5, 'percent', 'en')).toBe('7.5%');
    expect(formatValue(512, 'bytes', 'en')).toBe('512 B');
    expect(formatValue(1536, 'bytes', 'en')).toBe('1.5 KiB');
    expect(formatValue(8 * 1024 ** 3, 'bytes', 'en')).toBe('8 GiB');
    expect(formatValue(3.25 * 1024 ** 2, 'bytesPerSecond', 'en')).toBe('3.25 MiB/s');
    expect(formatValue(1234.6, 'none', 'en')).toBe('1,235');
    expect(formatValue(-0.0001, 'none', 'en')).toBe('0');
    expect(formatValue(0.456, 'unknown-unit', 'en')).toBe('0.46');
  });

  it('uses the locale for digits', () => {
    expect(formatValue(12345, 'none', 'de')).toBe('12.345');
  });
});

describe('saved file names', () => {
  it('name the host, panel and local date', () => {
    const date = new Date(2025, 5, 7, 12).getTime();
    expect(exportFileName('nas', 'cpu', null, 'png', date)).toBe('homeport-nas-cpu-2025-06-07.png');
    expect(exportFileName('my host/1', 'containerMemory', 'web app', 'svg', date)).toBe(
      'homeport-my-host-1-containerMemory-web-app-2025-06-07.svg',
    );
    expect(exportFileName('家里的服务器', 'load', null, 'png', date)).toBe('homeport-家里的服务器-load-2025-06-07.png');
  });

  it('join and split folders', () => {
    expect(joinPath('', 'a.png')).toBe('a.png');
    expect(joinPath('/tmp', 'a.png')).toBe('/tmp/a.png');
    expect(joinPath('/tmp/', 'a.png')).toBe('/tmp/a.png');
    expect(joinPath('C:\\Users\\me', 'a.png')).toBe('C:\\Users\\me\\a.png');
    expect(folderOf('/tmp/charts/a.png')).toBe('/tmp/charts/');
    expect(folderOf('C:\\Users\\a.png')).toBe('C:\\Users\\');
    expect(folderOf('a.png')).toBe('');
  });
});

describe('labelValues', () => {
  it('lists distinct label values in order', () => {
    const stored = [
      { labels: { container: 'web' } },
      { labels: { container: 'db' } },
      { labels: { container: 'web' } },
      { labels: {} },
    ];
    expect(labelValues(stored, 'container')).toEqual(['db', 'web']);
  });
});
