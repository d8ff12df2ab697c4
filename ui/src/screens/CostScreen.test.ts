// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type {
  Analysis,
  CostCalculationView,
  CostReferenceView,
  Outcome,
  SavedCostScenarioView,
  Scenario,
} from '../lib/ipc/types';
import CostScreen from './CostScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const text = (en: string) => ({ en, zhCn: `${en}（中文）` });

function ruleOfThumb(): Scenario {
  return {
    version: 1,
    name: 'Rule of thumb',
    currency: 'USD',
    hardware: [{ name: 'Server', price: 2500, lifeYears: 5, resale: 0 }],
    devices: [
      { name: 'Server', quantity: 1, mode: 'average', averageWatts: 60, idleWatts: 0, loadWatts: 0, hoursAtLoad: 0 },
    ],
    kwhPrice: 0.15,
    runningCosts: [],
    upkeep: { hoursPerMonth: 0, hourValue: 0 },
    subscriptions: [{ name: 'Replaced subscriptions', amount: 1600, period: 'year', catalogId: null }],
    horizonYears: 5,
  };
}

function reference(): CostReferenceView {
  const miniPc = ruleOfThumb();
  miniPc.name = 'Mini PC';
  miniPc.hardware[0].price = 360;
  return {
    currencies: [
      { code: 'USD', name: text('US dollar'), symbol: '$', decimals: 2, kwhPrice: 0.17, kwhSource: 'EIA' },
      { code: 'CNY', name: text('Chinese yuan'), symbol: '¥', decimals: 2, kwhPrice: 0.56, kwhSource: 'tariffs' },
    ],
    rateDate: '2025-01-31',
    presets: [
      { id: 'rule-of-thumb', name: text('Rule of thumb'), description: text('The usual rule.'), source: text('Figures'), scenario: ruleOfThumb() },
      { id: 'mini-pc', name: text('Low-power mini PC'), description: text('A mini PC.'), source: text('Estimates'), scenario: miniPc },
    ],
    catalog: [
      {
        id: 'google-one-2tb',
        name: 'Google One 2 TB',
        category: 'photos',
        monthlyPrice: 9.99,
        currency: 'USD',
        pricedOn: '2025-01-31',
        replacedBy: ['Immich', 'Nextcloud'],
        note: null,
      },
      {
        id: 'nordvpn-standard',
        name: 'NordVPN Standard',
        category: 'vpn',
        monthlyPrice: 12.99,
        currency: 'USD',
        pricedOn: '2025-01-31',
        replacedBy: ['WireGuard (wg-easy)'],
        note: null,
      },
    ],
  };
}

/** A stand-in for the backend's calculation: payback = hardware / yearly subscriptions. */
function calculate(scenario: Scenario): CostCalculationView {
  if (scenario.kwhPrice < 0) {
    return {
      problems: [{ field: 'kwhPrice', value: String(scenario.kwhPrice), kind: 'negative', limit: '', message: '' }],
      analysis: null,
    };
  }
  const hardware = scenario.hardware.reduce((sum, item) => sum + item.price, 0);
  const subscriptions = scenario.subscriptions.reduce(
    (sum, entry) => sum + entry.amount * (entry.period === 'month' ? 12 : 1),
    0,
  );
  const years = Math.round((hardware / subscriptions) * 100) / 100;
  const outcome: Outcome = {
    includesTime: false,
    runningPerMonth: 6.57,
    runningPerYear: 78.84,
    savingPerYear: subscriptions,
    paybackYears: years,
    breakEvenMonth: Math.ceil(years * 12),
    neverReason: null,
    netPositions: [1, 3, 5].map((n) => ({ years: n, amount: subscriptions * n - hardware })),
  };
  const analysis: Analysis = {
    currency: scenario.currency,
    horizonYears: 5,
    breakdown: {
      hardwarePrice: hardware,
      hardwarePerYear: hardware / 5,
      averageWatts: 60,
      kwhPerYear: 525.6,
      electricityPerYear: 78.84,
      otherRunningPerYear: 0,
      timePerYear: 0,
      subscriptionsPerYear: subscriptions,
    },
    withoutTime: outcome,
    withTime: { ...outcome, includesTime: true },
    sensitivity: [
      { case: 'base', runningPerYear: 78.84, paybackYears: years, breakEvenMonth: 20, neverReason: null, netAfter5Years: 5105.8 },
      { case: 'withoutElectricity', runningPerYear: 0, paybackYears: null, breakEvenMonth: null, neverReason: 'hardwareWearsOut', netAfter5Years: -10 },
    ],
  };
  return { problems: [], analysis };
}

let saved: SavedCostScenarioView[] = [];

beforeAll(() => {
  setupI18n();
});

beforeEach(async () => {
  await locale.set('en');
  saved = [];
  invoke.mockReset();
  invoke.mockImplementation((command: string, args: Record<string, unknown> = {}) => {
    switch (command) {
      case 'cost_reference':
        return Promise.resolve(reference());
      case 'cost_scenarios':
        return Promise.resolve(saved);
      case 'cost_calculate':
        return Promise.resolve(calculate(args.scenario as Scenario));
      case 'cost_chart_svg':
        return Promise.resolve(
          `<svg xmlns="http://www.w3.org/2000/svg" data-language="${args.language}"><text>chart ${args.theme}</text></svg>`,
        );
      case 'cost_catalog_subscription':
        return Promise.resolve({ name: 'NordVPN Standard', amount: 12.99, period: 'month', catalogId: args.id });
      case 'cost_scenario_save': {
        const scenario = { ...(args.scenario as Scenario), name: args.name as string };
        const entry = {
          id: `id-${args.name}`,
          name: args.name as string,
          scenario,
          analysis: calculate(scenario).analysis,
          problem: null,
          createdAt: '2025-01-01T00:00:00Z',
          updatedAt: '2025-01-01T00:00:00Z',
        };
        saved = [...saved, entry];
        return Promise.resolve(entry);
      }
      case 'cost_export_suggested_path':
        return Promise.resolve(`/home/me/Downloads/homeport-cost.${args.format}`);
      case 'cost_export':
        return Promise.resolve({ path: args.path, bytes: 2048 });
      case 'cost_prefill':
        return Promise.resolve({
          prefill: {
            devices: [{ name: 'nas', quantity: 1, mode: 'average', averageWatts: 15, idleWatts: 0, loadWatts: 0, hoursAtLoad: 0 }],
            apps: [{ id: 'immich', name: 'Immich', image: 'ghcr.io/immich-app/immich-server:release' }],
            subscriptions: [{ name: 'Google One 2 TB', amount: 9.99, period: 'month', catalogId: 'google-one-2tb' }],
          },
          hosts: 1,
          hostsWithStacksRead: 1,
        });
      default:
        return Promise.reject({ code: 'Internal', message: `unexpected ${command}`, params: {} });
    }
  });
});

afterEach(() => {
  vi.useRealTimers();
});

function lastCall(command: string): Record<string, unknown> {
  const calls = invoke.mock.calls.filter(([name]) => name === command);
  expect(calls.length, `${command} was called`).toBeGreaterThan(0);
  return calls[calls.length - 1][1] as Record<string, unknown>;
}

describe('CostScreen', () => {
  it('shows the first preset with results and chart', async () => {
    render(CostScreen);
    // 2,500 / 1,600 = 1.56 years with the stand-in calculation.
    expect((await screen.findByTestId('cost-payback-without')).textContent).toBe('1.56 years');
    expect(screen.getByTestId('cost-break-even').textContent).toBe('month 19');
    expect(screen.getByTestId('cost-net-1').textContent).toBe('-$900.00');
    await waitFor(() => expect(screen.getByTestId('cost-chart').querySelector('svg')).not.toBeNull());
    expect(screen.getByTestId('cost-chart').querySelector('svg')?.getAttribute('data-language')).toBe('en');
    expect(screen.getByTestId('cost-case-withoutElectricity').textContent).toContain(
      'Never pays back: the hardware wears out before the savings cover it.',
    );
  });

  it('recalculates when an input changes', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.input(screen.getByTestId('cost-hardware-price-0'), { target: { value: '3200' } });
    await waitFor(() => expect(screen.getByTestId('cost-payback-without').textContent).toBe('2 years'));
    const scenario = lastCall('cost_calculate').scenario as Scenario;
    expect(scenario.hardware[0].price).toBe(3200);
  });

  it('loads another preset', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.change(screen.getByTestId('cost-preset-select'), { target: { value: 'mini-pc' } });
    await fireEvent.click(screen.getByTestId('cost-preset-load'));
    // 360 / 1,600 = 0.225, shown with two decimals.
    await waitFor(() => expect(screen.getByTestId('cost-payback-without').textContent).toBe('0.23 years'));
    expect(screen.getByTestId('cost-preset-note').textContent).toContain('A mini PC.');
  });

  it('marks invalid values next to their input', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.input(screen.getByTestId('cost-kwh-price'), { target: { value: '-1' } });
    const problem = await screen.findByTestId('cost-problem-kwhPrice');
    expect(problem.textContent).toBe('Cannot be below 0.');
    expect(screen.queryByTestId('cost-payback-without')).toBeNull();
    expect(screen.getByTestId('cost-problems').textContent).toContain('kwhPrice');
  });

  it('reports an emptied number without sending null', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.input(screen.getByTestId('cost-hardware-life-0'), { target: { value: '' } });
    expect((await screen.findByTestId('cost-problem-hardware[0].lifeYears')).textContent).toBe('Enter a number.');
    const scenario = lastCall('cost_calculate').scenario as Scenario;
    expect(scenario.hardware[0].lifeYears).toBe(0);
  });

  it('searches the catalog and adds a subscription', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.input(screen.getByTestId('cost-catalog-search'), { target: { value: 'vpn' } });
    expect(screen.queryByTestId('cost-catalog-google-one-2tb')).toBeNull();
    await fireEvent.click(screen.getByTestId('cost-catalog-add-nordvpn-standard'));
    await screen.findByTestId('cost-subscription-1');
    expect(lastCall('cost_catalog_subscription')).toEqual({ id: 'nordvpn-standard', currency: 'USD' });
    expect((screen.getByTestId('cost-catalog-add-nordvpn-standard') as HTMLButtonElement).disabled).toBe(true);
  });

  it('prefills devices and subscriptions from Homeport', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.click(screen.getByTestId('cost-prefill'));
    const message = await screen.findByTestId('cost-prefill-message');
    expect(message.textContent).toContain('Immich');
    expect(screen.getByTestId('cost-device-0').querySelector('input')?.value).toBe('nas');
    expect(screen.getByTestId('cost-subscription-1')).toBeTruthy();
  });

  it('saves scenarios and compares them side by side', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.input(screen.getByTestId('cost-save-name'), { target: { value: 'Home' } });
    await fireEvent.click(screen.getByTestId('cost-save'));
    expect((await screen.findByTestId('cost-saved-message')).textContent).toBe('Saved as “Home”.');
    await fireEvent.input(screen.getByTestId('cost-hardware-price-0'), { target: { value: '800' } });
    await fireEvent.input(screen.getByTestId('cost-save-name'), { target: { value: 'Cheap' } });
    await fireEvent.click(screen.getByTestId('cost-save'));
    await screen.findByTestId('cost-saved-Cheap');

    await fireEvent.click(screen.getByTestId('cost-compare-Home'));
    await fireEvent.click(screen.getByTestId('cost-compare-Cheap'));
    const table = await screen.findByTestId('cost-compare');
    const headers = [...table.querySelectorAll('th')].map((cell) => cell.textContent);
    expect(headers).toEqual(['Figure', 'Home', 'Cheap']);
    expect(table.textContent).toContain('$2,500.00');
    expect(table.textContent).toContain('$800.00');
  });

  it('exports a PDF to the chosen path', async () => {
    render(CostScreen);
    await screen.findByTestId('cost-payback-without');
    await fireEvent.click(screen.getByTestId('cost-export-pdf'));
    const path = (await screen.findByTestId('cost-export-path')) as HTMLInputElement;
    await waitFor(() => expect(path.value).toBe('/home/me/Downloads/homeport-cost.pdf'));
    await fireEvent.input(path, { target: { value: '/tmp/report.pdf' } });
    await fireEvent.click(screen.getByTestId('cost-export-save'));
    expect((await screen.findByTestId('cost-export-done')).textContent).toContain('/tmp/report.pdf');
    const call = lastCall('cost_export');
    expect(call.format).toBe('pdf');
    expect(call.language).toBe('en');
    expect(call.path).toBe('/tmp/report.pdf');
  });

  it('shows Chinese labels and asks for a Chinese chart', async () => {
    await locale.set('zh-CN');
    render(CostScreen);
    expect((await screen.findByTestId('cost-payback-without')).textContent).toBe('1.56 年');
    expect(screen.getByText('替代的订阅')).toBeTruthy();
    await waitFor(() =>
      expect(screen.getByTestId('cost-chart').querySelector('svg')?.getAttribute('data-language')).toBe('zh-CN'),
    );
  });
});
