import { describe, expect, it } from 'vitest';
import {
  breakEvenText,
  compareRows,
  filterCatalog,
  formatMoney,
  paybackText,
  problemAt,
  problemText,
  withEmptyNumbers,
  type Translate,
} from './cost';
import type { Analysis, CostCatalogEntryView, Outcome, SavedCostScenarioView, Scenario } from './ipc/types';

/** Echoes the key and its values, so tests see which message was picked. */
const t: Translate = (key, options) =>
  options?.values ? `${key} ${JSON.stringify(options.values)}` : key;

function scenario(): Scenario {
  return {
    version: 1,
    name: 'test',
    currency: 'USD',
    hardware: [{ name: 'server', price: 2500, lifeYears: 5, resale: 0 }],
    devices: [],
    kwhPrice: 0.15,
    runningCosts: [],
    upkeep: { hoursPerMonth: 0, hourValue: 0 },
    subscriptions: [{ name: 'photos', amount: 9.99, period: 'month', catalogId: null }],
    horizonYears: 5,
  };
}

function outcome(paybackYears: number | null, neverReason: Outcome['neverReason'] = null): Outcome {
  return {
    includesTime: true,
    runningPerMonth: 6.57,
    runningPerYear: 78.84,
    savingPerYear: 1521.16,
    paybackYears,
    breakEvenMonth: paybackYears === null ? null : 20,
    neverReason,
    netPositions: [
      { years: 1, amount: -978.84 },
      { years: 3, amount: 2063.48 },
      { years: 5, amount: 5105.8 },
    ],
  };
}

describe('withEmptyNumbers', () => {
  it('turns emptied inputs into 0 with a problem each', () => {
    const input = scenario();
    (input.hardware[0] as unknown as Record<string, unknown>).price = null;
    (input as unknown as Record<string, unknown>).kwhPrice = null;
    const { scenario: cleaned, problems } = withEmptyNumbers(input);
    expect(cleaned.hardware[0].price).toBe(0);
    expect(cleaned.kwhPrice).toBe(0);
    expect(problems.map((problem) => [problem.field, problem.kind])).toEqual([
      ['hardware[0].price', 'notFinite'],
      ['kwhPrice', 'notFinite'],
    ]);
  });

  it('keeps a null catalog id', () => {
    const { scenario: cleaned, problems } = withEmptyNumbers(scenario());
    expect(cleaned.subscriptions[0].catalogId).toBeNull();
    expect(problems).toEqual([]);
  });
});

describe('problems', () => {
  it('finds the problem of a field and words it', () => {
    const problems = [
      { field: 'devices[0].hoursAtLoad', value: '25', kind: 'tooLarge' as const, limit: '24', message: '' },
    ];
    expect(problemAt(problems, 'devices[0].hoursAtLoad')?.limit).toBe('24');
    expect(problemAt(problems, 'kwhPrice')).toBeUndefined();
    expect(problemText(problems[0], t)).toBe('cost.problem.tooLarge {"limit":"24","value":"25"}');
  });
});

describe('formatting', () => {
  it('formats money with the currency and its decimals', () => {
    expect(formatMoney(2500, 'USD', 2, 'en')).toBe('$2,500.00');
    expect(formatMoney(1300, 'JPY', 0, 'en')).toBe('¥1,300');
    expect(formatMoney(12.5, '', 2, 'en')).toBe('12.5');
    expect(formatMoney(0.155, 'USD', 2, 'en', 3)).toBe('$0.155');
    expect(formatMoney(0.17, 'USD', 2, 'en', 3)).toBe('$0.17');
  });

  it('states never paying back plainly', () => {
    expect(paybackText(outcome(1.64), t, 'en')).toBe('cost.results.years {"years":"1.64"}');
    expect(paybackText(outcome(null, 'noSaving'), t, 'en')).toBe('cost.never.noSaving');
    expect(breakEvenText(outcome(1.64), t)).toBe('cost.results.month {"month":20}');
    expect(breakEvenText(outcome(null, 'hardwareWearsOut'), t)).toBe('—');
  });
});

describe('filterCatalog', () => {
  const entries: CostCatalogEntryView[] = [
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
  ];
  const names: Record<string, string> = { photos: '照片存储', vpn: 'VPN' };

  it('matches name, translated category and apps', () => {
    const ids = (query: string) => filterCatalog(entries, query, (c) => names[c]).map((entry) => entry.id);
    expect(ids('')).toEqual(['google-one-2tb', 'nordvpn-standard']);
    expect(ids('immich')).toEqual(['google-one-2tb']);
    expect(ids('照片')).toEqual(['google-one-2tb']);
    expect(ids('VPN')).toEqual(['nordvpn-standard']);
    expect(ids('nothing')).toEqual([]);
  });
});

describe('compareRows', () => {
  it('puts each saved scenario in a column', () => {
    const analysis: Analysis = {
      currency: 'USD',
      horizonYears: 5,
      breakdown: {
        hardwarePrice: 2500,
        hardwarePerYear: 500,
        averageWatts: 60,
        kwhPerYear: 525.6,
        electricityPerYear: 78.84,
        otherRunningPerYear: 0,
        timePerYear: 0,
        subscriptionsPerYear: 1600,
      },
      withoutTime: outcome(1.64),
      withTime: outcome(null, 'noSaving'),
      sensitivity: [],
    };
    const saved = (name: string, valid: boolean): SavedCostScenarioView => ({
      id: name,
      name,
      scenario: scenario(),
      analysis: valid ? analysis : null,
      problem: valid ? null : 'broken',
      createdAt: '',
      updatedAt: '',
    });
    const rows = compareRows([saved('a', true), saved('b', false)], t, 'en', () => 2);
    const hardware = rows.find((row) => row.key === 'hardware')!;
    expect(hardware.cells).toEqual(['$2,500.00', '—']);
    const payback = rows.find((row) => row.key === 'paybackWith')!;
    expect(payback.cells).toEqual(['cost.never.noSaving', '—']);
    expect(rows.map((row) => row.key)).toContain('net5');
  });
});
