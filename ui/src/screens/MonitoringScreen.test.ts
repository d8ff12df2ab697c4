// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type {
  ChartRequest,
  ChartView,
  CollectReportView,
  HostView,
  IpcError,
  MetricsSettingsView,
  SeriesView,
} from '../lib/ipc/types';
import { sshHost } from '../lib/testHosts';
import MonitoringScreen from './MonitoringScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const HOUR = 3_600_000;
const hosts: HostView[] = [sshHost({ id: 'h1', name: 'nas' }), sshHost({ id: 'h2', name: 'pi' })];

/** Returns a chart whose plot spans x 60..560 of the image, with a value, a gap and a value. */
function chartView(request: ChartRequest): ChartView {
  const start = request.fromMs;
  return {
    svg: `<svg width="${request.width}" height="${request.height}" viewBox="0 0 ${request.width} ${request.height}" xmlns="http://www.w3.org/2000/svg"><text>${request.panel}</text><path d="M60 100 L560 120"/></svg>`,
    plot: {
      left: 60,
      top: 40,
      width: 500,
      height: 150,
      xMinMs: request.fromMs,
      xMaxMs: request.toMs,
      yMin: 0,
      yMax: 100,
    },
    unit: 'percent',
    series: [
      {
        label: 'Busy',
        color: '#1f77b4',
        points: [
          { t: start, v: 12.5 },
          { t: start + 15_000, v: null },
          { t: start + (request.toMs - request.fromMs) / 2, v: 50 },
        ],
      },
      {
        label: 'I/O wait',
        color: '#ff7f0e',
        points: [{ t: start + (request.toMs - request.fromMs) / 2, v: null }],
      },
    ],
    resolution: 'raw',
    empty: false,
    error: null,
  };
}

const report: CollectReportView = {
  hostId: 'h1',
  hostName: 'nas',
  takenAtMs: Date.UTC(2025, 0, 1, 10),
  samples: 42,
  containers: 2,
  scriptMs: 85,
  containersMs: 30,
  clockSkewMs: -7_400,
  clockSkewed: true,
  skipped: false,
  warnings: ['disk stats: /proc/diskstats unreadable'],
  error: null,
};

interface Backend {
  settings: MetricsSettingsView;
  series: SeriesView[];
  chartError: IpcError | null;
  /** The reason a chart's source failed, returned inside the chart. */
  viewError: IpcError | null;
  saveError: IpcError | null;
  settingsError: IpcError | null;
}

let backend: Backend;

function answer(command: string, args: Record<string, unknown>): unknown {
  switch (command) {
    case 'host_list':
      return hosts;
    case 'metrics_series':
      return backend.series;
    case 'metrics_chart':
      if (backend.chartError) {
        throw backend.chartError;
      }
      return { ...chartView(args.request as ChartRequest), error: backend.viewError };
    case 'metrics_chart_save':
      if (backend.saveError) {
        throw backend.saveError;
      }
      return args.path;
    case 'metrics_settings':
      return backend.settings;
    case 'metrics_settings_set':
      if (backend.settingsError) {
        throw backend.settingsError;
      }
      return args.settings;
    case 'metrics_collect_once':
      return report;
    default:
      throw { code: 'Internal', message: `unexpected command ${command}`, params: {} };
  }
}

beforeAll(() => {
  // jsdom has no ResizeObserver; the charts then keep their fallback size.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
  setupI18n();
});

beforeEach(async () => {
  await locale.set('en');
  localStorage.clear();
  backend = {
    settings: { intervalSeconds: 15, retentionDays: 30 },
    series: [
      { metric: 'container_cpu_percent', labels: { container: 'web' } },
      { metric: 'container_cpu_percent', labels: { container: 'db' } },
    ],
    chartError: null,
    viewError: null,
    saveError: null,
    settingsError: null,
  };
  invoke.mockReset();
  invoke.mockImplementation(async (command: string, args: Record<string, unknown> = {}) => answer(command, args));
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function chartRequests(): ChartRequest[] {
  return invoke.mock.calls
    .filter(([command]) => command === 'metrics_chart')
    .map(([, args]) => (args as { request: ChartRequest }).request);
}

function chart(panel: string): HTMLElement {
  const found = screen.getAllByTestId('metrics-chart').find((element) => element.dataset.panel === panel);
  if (!found) {
    throw new Error(`no chart for ${panel}`);
  }
  return found;
}

async function renderReady(props: { hostId?: string | null } = {}) {
  render(MonitoringScreen, props);
  await waitFor(() => expect(chart('cpu').dataset.state).toBe('ready'));
  await waitFor(() => expect(chart('containerCpu').dataset.state).toBe('ready'));
}

describe('MonitoringScreen', () => {
  it('draws every host panel and the first container', async () => {
    await renderReady();
    const panels = screen.getAllByTestId('metrics-chart').map((element) => element.dataset.panel);
    expect(panels).toEqual([
      'cpu',
      'memory',
      'load',
      'filesystems',
      'diskIo',
      'network',
      'cpuCores',
      'containerCpu',
      'containerMemory',
      'containerNetwork',
      'containerBlockIo',
    ]);
    const cpu = chartRequests().find((request) => request.panel === 'cpu');
    expect(cpu).toMatchObject({
      hostId: 'h1',
      container: null,
      width: 600,
      height: 240,
      theme: 'light',
      language: 'en',
      utcOffsetSeconds: -new Date(cpu!.toMs).getTimezoneOffset() * 60,
    });
    expect(cpu!.toMs - cpu!.fromMs).toBe(HOUR);
    expect(Math.abs(cpu!.toMs - Date.now())).toBeLessThan(10_000);
    const container = chartRequests().find((request) => request.panel === 'containerCpu');
    expect(container?.container).toBe('db');
    expect(within(chart('cpu')).getByRole('img', { name: 'CPU' }).querySelector('svg path')).not.toBeNull();
    expect(within(chart('containerMemory')).getByRole('img', { name: 'db · Memory' })).toBeTruthy();
  });

  it('starts on the host it was opened for', async () => {
    await renderReady({ hostId: 'h2' });
    expect((screen.getByTestId('monitoring-host') as HTMLSelectElement).value).toBe('h2');
    expect(chartRequests().every((request) => request.hostId === 'h2')).toBe(true);
  });

  it('switches host and container', async () => {
    await renderReady();
    invoke.mockClear();
    await fireEvent.change(screen.getByTestId('monitoring-container'), { target: { value: 'web' } });
    await waitFor(() =>
      expect(chartRequests().filter((request) => request.container === 'web')).toHaveLength(4),
    );

    invoke.mockClear();
    await fireEvent.change(screen.getByTestId('monitoring-host'), { target: { value: 'h2' } });
    await waitFor(() => expect(chartRequests().filter((request) => request.hostId === 'h2').length).toBeGreaterThanOrEqual(7));
    expect(invoke).toHaveBeenCalledWith('metrics_series', { hostId: 'h2', metric: 'container_cpu_percent' });
    expect(invoke).toHaveBeenCalledWith('metrics_settings', { hostId: 'h2' });
  });

  it('says so when no container has metrics', async () => {
    backend.series = [];
    render(MonitoringScreen, {});
    await waitFor(() => expect(screen.getByTestId('monitoring-no-containers')).toBeTruthy());
    expect(screen.getAllByTestId('metrics-chart')).toHaveLength(7);
  });

  it('draws a preset range for every chart', async () => {
    await renderReady();
    invoke.mockClear();
    await fireEvent.click(screen.getByTestId('monitoring-range-7d'));
    await waitFor(() => expect(chartRequests()).toHaveLength(11));
    for (const request of chartRequests()) {
      expect(request.toMs - request.fromMs).toBe(7 * 24 * HOUR);
    }
    expect(screen.getByTestId('monitoring-range-7d').getAttribute('aria-pressed')).toBe('true');
  });

  it('validates a custom range', async () => {
    await renderReady();
    await fireEvent.click(screen.getByTestId('monitoring-range-custom'));
    const start = screen.getByTestId('monitoring-range-start') as HTMLInputElement;
    const end = screen.getByTestId('monitoring-range-end') as HTMLInputElement;

    await fireEvent.input(start, { target: { value: '2025-01-02T10:00' } });
    await fireEvent.input(end, { target: { value: '2025-01-01T10:00' } });
    await fireEvent.click(screen.getByTestId('monitoring-range-apply'));
    expect(screen.getByTestId('monitoring-range-problem').textContent).toContain('The end must be after the start.');

    await fireEvent.input(start, { target: { value: '2023-01-01T10:00' } });
    await fireEvent.click(screen.getByTestId('monitoring-range-apply'));
    expect(screen.getByTestId('monitoring-range-problem').textContent).toContain('at most 400 days');

    invoke.mockClear();
    await fireEvent.input(start, { target: { value: '2024-12-31T10:00' } });
    await fireEvent.click(screen.getByTestId('monitoring-range-apply'));
    await waitFor(() => expect(chartRequests()).toHaveLength(11));
    expect(chartRequests()[0]).toMatchObject({
      fromMs: new Date(2024, 11, 31, 10).getTime(),
      toMs: new Date(2025, 0, 1, 10).getTime(),
    });
    expect(screen.getByTestId('monitoring-live').textContent).toContain('Fixed range');
  });

  it('redraws live ranges every 15 s until it closes', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const view = render(MonitoringScreen, {});
    await waitFor(() => expect(chart('containerCpu').dataset.state).toBe('ready'));
    invoke.mockClear();

    vi.advanceTimersByTime(15_000);
    await waitFor(() => expect(chartRequests()).toHaveLength(11));
    expect(invoke).toHaveBeenCalledWith('metrics_series', { hostId: 'h1', metric: 'container_cpu_percent' });

    view.unmount();
    invoke.mockClear();
    vi.advanceTimersByTime(60_000);
    await Promise.resolve();
    expect(invoke).not.toHaveBeenCalled();
  });

  it('stops the timer for a fixed range', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    await renderReady();
    await fireEvent.click(screen.getByTestId('monitoring-range-custom'));
    await fireEvent.input(screen.getByTestId('monitoring-range-start'), { target: { value: '2024-12-31T10:00' } });
    await fireEvent.input(screen.getByTestId('monitoring-range-end'), { target: { value: '2025-01-01T10:00' } });
    await fireEvent.click(screen.getByTestId('monitoring-range-apply'));
    await waitFor(() => expect(chart('cpu').dataset.state).toBe('ready'));
    invoke.mockClear();
    vi.advanceTimersByTime(60_000);
    await Promise.resolve();
    expect(chartRequests()).toHaveLength(0);
  });

  it('reads values under the pointer', async () => {
    await renderReady();
    const overlay = within(chart('cpu')).getByRole('slider');
    const request = chartRequests().find((candidate) => candidate.panel === 'cpu')!;

    // x = 61 is 1 px into the plot, next to the first point.
    await fireEvent.mouseMove(overlay, { clientX: 61, clientY: 100 });
    const readout = within(chart('cpu')).getByTestId('metrics-readout');
    expect(readout.dataset.time).toBe(String(request.fromMs));
    expect(readout.textContent).toContain('Busy');
    expect(readout.textContent).toContain('12.5%');
    expect(readout.textContent).toContain('I/O wait');
    expect(readout.textContent).toContain('no data');

    // The middle of the plot holds a point for both series; I/O wait has a gap there.
    await fireEvent.mouseMove(overlay, { clientX: 311, clientY: 100 });
    const rows = within(chart('cpu')).getAllByTestId('metrics-readout-row');
    const cells = rows.map((row) => Array.from((row as HTMLTableRowElement).cells, (cell) => cell.textContent?.trim()));
    expect(cells).toEqual([
      ['Busy', '50%'],
      ['I/O wait', 'no data'],
    ]);

    await fireEvent.mouseLeave(overlay);
    expect(within(chart('cpu')).queryByTestId('metrics-readout')).toBeNull();

    // Over the title, above the plot, there is no readout.
    await fireEvent.mouseMove(overlay, { clientX: 300, clientY: 10 });
    expect(within(chart('cpu')).queryByTestId('metrics-readout')).toBeNull();
  });

  it('scales the pointer for a smaller image box', async () => {
    await renderReady();
    const box = chart('cpu').querySelector('.box') as HTMLElement;
    // Shown at half size: CSS x 30.5 is image x 61.
    box.getBoundingClientRect = () => ({ left: 0, top: 0, width: 300, height: 120, right: 300, bottom: 120, x: 0, y: 0, toJSON() {} }) as DOMRect;
    await fireEvent.mouseMove(within(chart('cpu')).getByRole('slider'), { clientX: 30.5, clientY: 50 });
    const request = chartRequests().find((candidate) => candidate.panel === 'cpu')!;
    expect(within(chart('cpu')).getByTestId('metrics-readout').dataset.time).toBe(String(request.fromMs));
  });

  it('zooms every chart to a dragged span and resets', async () => {
    await renderReady();
    const request = chartRequests().find((candidate) => candidate.panel === 'memory')!;
    const overlay = within(chart('memory')).getByRole('slider');
    invoke.mockClear();

    await fireEvent.mouseDown(overlay, { clientX: 60, clientY: 100, button: 0 });
    await fireEvent.mouseMove(window, { clientX: 310, clientY: 100 });
    expect(within(chart('memory')).getByTestId('metrics-selection')).toBeTruthy();
    await fireEvent.mouseUp(window, { clientX: 310, clientY: 100 });

    await waitFor(() => expect(chartRequests()).toHaveLength(11));
    for (const zoomed of chartRequests()) {
      expect(zoomed.fromMs).toBe(request.fromMs);
      expect(zoomed.toMs).toBe(request.fromMs + HOUR / 2);
    }
    expect(within(chart('memory')).queryByTestId('metrics-selection')).toBeNull();

    invoke.mockClear();
    await fireEvent.click(screen.getByTestId('metrics-zoom-reset'));
    await waitFor(() => expect(chartRequests()).toHaveLength(11));
    expect(chartRequests()[0].toMs - chartRequests()[0].fromMs).toBe(HOUR);
    expect(screen.queryByTestId('metrics-zoom-reset')).toBeNull();
    expect(screen.getByTestId('monitoring-range-1h').getAttribute('aria-pressed')).toBe('true');
  });

  it('ignores drags shorter than 5 px', async () => {
    await renderReady();
    const overlay = within(chart('cpu')).getByRole('slider');
    invoke.mockClear();
    await fireEvent.mouseDown(overlay, { clientX: 200, clientY: 100, button: 0 });
    await fireEvent.mouseMove(window, { clientX: 204, clientY: 100 });
    await fireEvent.mouseUp(window, { clientX: 204, clientY: 100 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(chartRequests()).toHaveLength(0);
    expect(screen.queryByTestId('metrics-zoom-reset')).toBeNull();
  });

  it('moves the readout and zooms with the keyboard', async () => {
    await renderReady();
    const request = chartRequests().find((candidate) => candidate.panel === 'cpu')!;
    const middle = request.fromMs + HOUR / 2;
    const overlay = within(chart('cpu')).getByRole('slider');
    overlay.focus();

    await fireEvent.keyDown(overlay, { key: 'ArrowLeft' });
    let readout = within(chart('cpu')).getByTestId('metrics-readout');
    expect(readout.dataset.time).toBe(String(middle));
    expect(overlay.getAttribute('aria-valuetext')).toContain('Busy: 50%');

    await fireEvent.keyDown(overlay, { key: 'ArrowLeft' });
    readout = within(chart('cpu')).getByTestId('metrics-readout');
    expect(readout.dataset.time).toBe(String(request.fromMs + 15_000));
    expect(overlay.getAttribute('aria-valuetext')).toContain('Busy: no data');

    await fireEvent.keyDown(overlay, { key: 'Home' });
    expect(within(chart('cpu')).getByTestId('metrics-readout').dataset.time).toBe(String(request.fromMs));

    invoke.mockClear();
    await fireEvent.keyDown(overlay, { key: 'Enter' });
    await fireEvent.keyDown(overlay, { key: 'End' });
    expect(within(chart('cpu')).getByTestId('metrics-selection')).toBeTruthy();
    await fireEvent.keyDown(overlay, { key: 'Enter' });
    await waitFor(() => expect(chartRequests()).toHaveLength(11));
    expect(chartRequests()[0]).toMatchObject({ fromMs: request.fromMs, toMs: middle });
    expect(screen.getByTestId('metrics-zoom-reset')).toBeTruthy();
  });

  it('collects now and reports the result', async () => {
    await renderReady();
    invoke.mockClear();
    await fireEvent.click(screen.getByTestId('metrics-collect'));
    await waitFor(() => expect(screen.getByTestId('metrics-status').textContent).toContain('42 samples'));
    const status = screen.getByTestId('metrics-status').textContent ?? '';
    expect(status).toContain('2 containers');
    expect(status).toContain('85 ms');
    expect(screen.getByTestId('metrics-clock-skew').textContent).toContain('by 7 s');
    expect(status).toContain('1 part was left out');
    expect(invoke).toHaveBeenCalledWith('metrics_collect_once', { hostId: 'h1' });
    await waitFor(() => expect(chartRequests()).toHaveLength(11));
  });

  it('says when the host was already being collected', async () => {
    await renderReady();
    invoke.mockImplementation(async (command: string, args: Record<string, unknown> = {}) =>
      command === 'metrics_collect_once'
        ? {
            ...report,
            takenAtMs: 0,
            samples: 0,
            containers: 0,
            scriptMs: null,
            clockSkewMs: null,
            clockSkewed: false,
            skipped: true,
            warnings: ['the previous collection of this host is still running'],
          }
        : answer(command, args),
    );
    await fireEvent.click(screen.getByTestId('metrics-collect'));
    const status = screen.getByTestId('metrics-status');
    await waitFor(() => expect(status.dataset.collections).toBe('1'));
    expect(status.textContent).toContain('already running');
    expect(status.textContent).not.toContain('Collected');
    expect(status.dataset.takenAt).toBe('0');
  });

  it('shows a collection error', async () => {
    await renderReady();
    invoke.mockImplementation(async (command: string, args: Record<string, unknown> = {}) =>
      command === 'metrics_collect_once'
        ? { ...report, samples: 0, error: { code: 'HostUnreachable', message: 'x', params: { host: 'nas.lan', port: '22', detail: 'timed out' } } }
        : answer(command, args),
    );
    await fireEvent.click(screen.getByTestId('metrics-collect'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('HostUnreachable');
    expect(screen.getByTestId('metrics-status').textContent).not.toContain('samples');
  });

  it('shows a chart error in the chart', async () => {
    backend.chartError = { code: 'Storage', message: 'disk full', params: { detail: 'disk full' } };
    render(MonitoringScreen, {});
    await waitFor(() => expect(chart('cpu').dataset.state).toBe('error'));
    expect(within(chart('cpu')).getByTestId('error-banner').dataset.errorCode).toBe('Storage');
  });

  it('names the reason a chart has no data', async () => {
    backend.viewError = {
      code: 'HostUnreachable',
      message: 'x',
      params: { host: 'nas.lan', port: '9090', detail: 'connection refused' },
    };
    render(MonitoringScreen, {});
    await waitFor(() => expect(chart('cpu').dataset.state).toBe('ready'));
    expect(within(chart('cpu')).getByTestId('error-banner').dataset.errorCode).toBe('HostUnreachable');
    expect(within(chart('cpu')).getByRole('img', { name: 'CPU' })).toBeTruthy();
  });

  it('saves a chart as PNG', async () => {
    await renderReady();
    await fireEvent.click(within(chart('cpu')).getByTestId('metrics-save-png'));
    const path = screen.getByTestId('metrics-save-path') as HTMLInputElement;
    expect(path.value).toMatch(/^homeport-nas-cpu-\d{4}-\d{2}-\d{2}\.png$/);

    // A bare file name would land in the app's working folder, so it is refused here.
    await fireEvent.click(screen.getByTestId('metrics-save-submit'));
    expect(screen.getByTestId('metrics-save-problem').textContent).toContain('full path');
    expect(invoke).not.toHaveBeenCalledWith('metrics_chart_save', expect.anything());

    await fireEvent.input(path, { target: { value: `/tmp/charts/${path.value}` } });
    await fireEvent.click(screen.getByTestId('metrics-save-submit'));
    const saved = await screen.findByTestId('metrics-saved');
    expect(saved.textContent).toContain('/tmp/charts/homeport-nas-cpu-');
    const call = invoke.mock.calls.find(([command]) => command === 'metrics_chart_save')!;
    const args = call[1] as { request: ChartRequest; format: string; path: string };
    expect(args.format).toBe('png');
    expect(args.request).toMatchObject({ panel: 'cpu', hostId: 'h1', width: 1200, height: 480 });

    // The next dialog starts in the same folder.
    await fireEvent.click(screen.getByTestId('metrics-save-close'));
    await fireEvent.click(within(chart('memory')).getByTestId('metrics-save-svg'));
    expect((screen.getByTestId('metrics-save-path') as HTMLInputElement).value).toMatch(
      /^\/tmp\/charts\/homeport-nas-memory-\d{4}-\d{2}-\d{2}\.svg$/,
    );
  });

  it('explains a path the backend cannot write', async () => {
    backend.saveError = {
      code: 'InvalidInput',
      message: 'x',
      params: { field: 'path', value: '/root/x.png', detail: 'the file cannot be written (Permission denied)' },
    };
    await renderReady();
    await fireEvent.click(within(chart('cpu')).getByTestId('metrics-save-png'));
    await fireEvent.input(screen.getByTestId('metrics-save-path'), { target: { value: '/root/x.png' } });
    await fireEvent.click(screen.getByTestId('metrics-save-submit'));
    const banner = await within(screen.getByTestId('metrics-save-dialog')).findByTestId('error-banner');
    expect(banner.textContent).toContain('Cannot save to “/root/x.png”: the file cannot be written (Permission denied).');
  });

  it('saves collection settings and shows the field the backend rejects', async () => {
    await renderReady();
    const interval = screen.getByTestId('metrics-interval') as HTMLInputElement;
    const retention = screen.getByTestId('metrics-retention') as HTMLInputElement;
    await waitFor(() => expect(interval.value).toBe('15'));
    expect(retention.value).toBe('30');

    await fireEvent.input(interval, { target: { value: 'often' } });
    await fireEvent.click(screen.getByTestId('metrics-settings-save'));
    expect(screen.getByTestId('metrics-interval-problem').textContent).toContain('whole number');
    expect(invoke).not.toHaveBeenCalledWith('metrics_settings_set', expect.anything());

    backend.settingsError = {
      code: 'InvalidInput',
      message: 'x',
      params: { field: 'retentionDays', value: '900', detail: 'choose a retention from 1 to 400 days' },
    };
    await fireEvent.input(interval, { target: { value: '60' } });
    await fireEvent.input(retention, { target: { value: '900' } });
    await fireEvent.click(screen.getByTestId('metrics-settings-save'));
    const problem = await screen.findByTestId('metrics-retention-problem');
    expect(problem.textContent).toContain('from 1 to 400 days');
    expect(retention.getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('metrics-interval-problem')).toBeNull();

    backend.settingsError = null;
    await fireEvent.input(retention, { target: { value: '90' } });
    await fireEvent.click(screen.getByTestId('metrics-settings-save'));
    await screen.findByTestId('metrics-settings-saved');
    expect(invoke).toHaveBeenCalledWith('metrics_settings_set', {
      hostId: 'h1',
      settings: { intervalSeconds: 60, retentionDays: 90 },
    });
  });

  it('draws charts in Chinese', async () => {
    await locale.set('zh-CN');
    await renderReady();
    expect(chartRequests().every((request) => request.language === 'zh-CN')).toBe(true);
    expect(within(chart('memory')).getByRole('img', { name: '内存' })).toBeTruthy();
    expect(screen.getByTestId('metrics-collect').textContent).toContain('立即采集');

    const overlay = within(chart('cpu')).getByRole('slider');
    await fireEvent.mouseMove(overlay, { clientX: 311, clientY: 100 });
    expect(within(chart('cpu')).getByTestId('metrics-readout').textContent).toContain('无数据');
  });
});
