// Helpers for the cost screen: new entries, problem lookup, money formatting, catalog search and
// the side-by-side comparison. Every function is pure; the screen passes the locale in.

import type {
  Analysis,
  CostCatalogEntryView,
  Device,
  HardwareItem,
  Outcome,
  Problem,
  RunningCost,
  SavedCostScenarioView,
  Scenario,
  Subscription,
} from './ipc/types';

/** Translates a message key with values, as svelte-i18n's `$_` does. */
export type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

export function newHardware(): HardwareItem {
  return { name: '', price: 0, lifeYears: 5, resale: 0 };
}

export function newDevice(): Device {
  return {
    name: '',
    quantity: 1,
    mode: 'average',
    averageWatts: 0,
    idleWatts: 0,
    loadWatts: 0,
    hoursAtLoad: 0,
  };
}

export function newRunningCost(): RunningCost {
  return { name: '', amount: 0, period: 'year' };
}

export function newSubscription(): Subscription {
  return { name: '', amount: 0, period: 'month', catalogId: null };
}

/** Returns the problem reported for the field at `path`, such as `hardware[0].price`. */
export function problemAt(problems: readonly Problem[], path: string): Problem | undefined {
  return problems.find((problem) => problem.field === path);
}

/** Returns the translated sentence for a problem, as `cost.problem.<kind>`. */
export function problemText(problem: Problem, t: Translate): string {
  return t(`cost.problem.${problem.kind}`, { values: { limit: problem.limit, value: problem.value } });
}

/**
 * Formats money in `currency` with the currency's decimals. Intl names the currency by its
 * symbol for the locale, so `USD` is `$` in English and `US$` in Chinese.
 */
export function formatMoney(
  amount: number,
  currency: string,
  decimals: number,
  locale: string,
  maxDecimals = decimals,
): string {
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: decimals,
      maximumFractionDigits: Math.max(decimals, maxDecimals),
    }).format(amount);
  } catch {
    // An unknown or empty currency code: the number alone.
    return new Intl.NumberFormat(locale, { maximumFractionDigits: Math.max(decimals, maxDecimals) }).format(amount);
  }
}

/** Returns the payback text of an outcome or a what-if row: years, or why it never pays back. */
export function paybackText(
  outcome: Pick<Outcome, 'paybackYears' | 'neverReason'>,
  t: Translate,
  locale: string,
): string {
  if (outcome.paybackYears !== null) {
    const years = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(outcome.paybackYears);
    return t('cost.results.years', { values: { years } });
  }
  return t(`cost.never.${outcome.neverReason ?? 'noSaving'}`);
}

/** Returns the break-even text of an outcome: the month, or a dash when there is none. */
export function breakEvenText(outcome: Outcome, t: Translate): string {
  return outcome.breakEvenMonth === null ? '—' : t('cost.results.month', { values: { month: outcome.breakEvenMonth } });
}

/**
 * Keeps the catalog entries whose name, category (in both languages), or replacing apps
 * contain `query`, ignoring letter case.
 */
export function filterCatalog(
  entries: readonly CostCatalogEntryView[],
  query: string,
  categoryName: (category: string) => string,
): CostCatalogEntryView[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') {
    return [...entries];
  }
  return entries.filter((entry) =>
    [entry.name, entry.category, categoryName(entry.category), ...entry.replacedBy].some((text) =>
      text.toLowerCase().includes(needle),
    ),
  );
}

/** One row of the side-by-side comparison: a label and one cell per scenario. */
export interface CompareRow {
  key: string;
  label: string;
  cells: string[];
}

/** Builds the comparison of saved scenarios, one column each, with their results. */
export function compareRows(
  saved: readonly SavedCostScenarioView[],
  t: Translate,
  locale: string,
  decimalsOf: (currency: string) => number,
): CompareRow[] {
  const money = (analysis: Analysis, amount: number) =>
    formatMoney(amount, analysis.currency, decimalsOf(analysis.currency), locale);
  const cell = (entry: SavedCostScenarioView, value: (analysis: Analysis) => string) =>
    entry.analysis ? value(entry.analysis) : '—';
  const row = (key: string, label: string, value: (analysis: Analysis) => string): CompareRow => ({
    key,
    label,
    cells: saved.map((entry) => cell(entry, value)),
  });

  const rows = [
    row('hardware', t('cost.report.hardwarePrice'), (a) => money(a, a.breakdown.hardwarePrice)),
    row('runningYear', t('cost.results.runningYear'), (a) => money(a, a.withTime.runningPerYear)),
    row('saving', t('cost.results.saving'), (a) => money(a, a.withTime.savingPerYear)),
    row('paybackWithout', `${t('cost.results.payback')} (${t('cost.results.withoutTime')})`, (a) =>
      paybackText(a.withoutTime, t, locale),
    ),
    row('paybackWith', `${t('cost.results.payback')} (${t('cost.results.withTime')})`, (a) =>
      paybackText(a.withTime, t, locale),
    ),
    row('breakEven', t('cost.results.breakEven'), (a) => breakEvenText(a.withTime, t)),
  ];
  for (const years of [1, 3, 5]) {
    rows.push(
      row(`net${years}`, t('cost.results.net', { values: { years } }), (a) => {
        const position = a.withTime.netPositions.find((p) => p.years === years);
        return position ? money(a, position.amount) : '—';
      }),
    );
  }
  return rows;
}

/** Returns a copy of `scenario` in which every list is a new array, so edits never touch a preset. */
export function cloneScenario(scenario: Scenario): Scenario {
  return JSON.parse(JSON.stringify(scenario)) as Scenario;
}

/** The numeric fields of a scenario and its entries, by their JSON name. */
const NUMBER_FIELDS = new Set([
  'version',
  'kwhPrice',
  'horizonYears',
  'price',
  'lifeYears',
  'resale',
  'quantity',
  'averageWatts',
  'idleWatts',
  'loadWatts',
  'hoursAtLoad',
  'amount',
  'hoursPerMonth',
  'hourValue',
]);

/**
 * Returns the scenario with every emptied number input set to 0, and a `notFinite` problem for
 * each, because a number input that the user cleared contains `null`, which the backend cannot read
 * as a number.
 */
export function withEmptyNumbers(scenario: Scenario): { scenario: Scenario; problems: Problem[] } {
  const problems: Problem[] = [];
  const visit = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) {
      return value.map((item, index) => visit(item, `${path}[${index}]`));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      const fieldPath = path === '' ? key : `${path}.${key}`;
      const empty = field === null || field === undefined || (typeof field === 'number' && Number.isNaN(field));
      if (NUMBER_FIELDS.has(key) && empty) {
        problems.push({ field: fieldPath, value: '', kind: 'notFinite', limit: '', message: `${fieldPath}: empty` });
        copy[key] = 0;
      } else {
        copy[key] = visit(field, fieldPath);
      }
    }
    return copy;
  };
  return { scenario: visit(scenario, '') as Scenario, problems };
}
