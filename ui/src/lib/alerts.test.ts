import { describe, expect, it } from 'vitest';
import {
  alertTitle,
  formatDuration,
  formatForDuration,
  groupAlerts,
  parseForDuration,
  responseTimer,
} from './alerts';
import type { AlertView } from './ipc/types';

function alert(overrides: Partial<AlertView>): AlertView {
  return {
    id: 'a1',
    source: 'homeport',
    rule: 'filesystem_full',
    ruleName: 'FilesystemFull',
    hostId: 'h1',
    hostName: 'nas',
    service: '/data',
    severity: 'P2',
    state: 'firing',
    params: {},
    count: 1,
    firstSeen: '2026-01-01T10:00:00Z',
    lastSeen: '2026-01-01T10:00:00Z',
    resolvedAt: null,
    acknowledgedAt: null,
    silencedUntil: null,
    resolvedBy: null,
    dueAt: '2026-01-01T14:00:00Z',
    overdue: false,
    silenced: false,
    comments: [],
    ...overrides,
  };
}

const units = { hour: 'h', minute: 'min', lessThanMinute: '< 1 min' };

describe('groupAlerts', () => {
  it('groups by host and service in order of first appearance', () => {
    const groups = groupAlerts([
      alert({ id: '1', hostId: 'h1', service: '/data' }),
      alert({ id: '2', hostId: 'h2', hostName: 'pi', service: '' }),
      alert({ id: '3', hostId: 'h1', service: '/data' }),
      alert({ id: '4', hostId: 'h1', service: 'db' }),
    ]);
    expect(groups.map((group) => [group.hostId, group.service, group.alerts.map((a) => a.id)])).toEqual([
      ['h1', '/data', ['1', '3']],
      ['h2', '', ['2']],
      ['h1', 'db', ['4']],
    ]);
  });
});

describe('responseTimer', () => {
  const due = Date.parse('2026-01-01T14:00:00Z');

  it('counts down before the target', () => {
    const timer = responseTimer(alert({}), due - 90 * 60_000);
    expect(timer.overdue).toBe(false);
    expect(timer.remainingMs).toBe(90 * 60_000);
    expect(formatDuration(timer.remainingMs ?? 0, units)).toBe('1 h 30 min');
  });

  it('marks a firing alert past its target overdue', () => {
    const timer = responseTimer(alert({}), due + 5 * 60_000);
    expect(timer.overdue).toBe(true);
    expect(formatDuration(timer.remainingMs ?? 0, units)).toBe('5 min');
  });

  it('stops for acknowledged alerts', () => {
    const timer = responseTimer(alert({ state: 'acknowledged' }), due + 5 * 60_000);
    expect(timer.overdue).toBe(false);
    expect(timer.stopped).toBe(true);
  });

  it('has no timer without a due time', () => {
    expect(responseTimer(alert({ dueAt: null }), due).remainingMs).toBeNull();
  });
});

describe('formatDuration', () => {
  it('rounds below a minute and shows whole hours alone', () => {
    expect(formatDuration(30_000, units)).toBe('< 1 min');
    expect(formatDuration(2 * 3_600_000, units)).toBe('2 h');
  });
});

describe('for durations', () => {
  it('parses units and bare seconds', () => {
    expect(parseForDuration('5m')).toBe(300);
    expect(parseForDuration(' 90 ')).toBe(90);
    expect(parseForDuration('1h')).toBe(3600);
    expect(parseForDuration('2d')).toBe(172800);
    expect(parseForDuration('5 minutes')).toBeNull();
    expect(parseForDuration('-1m')).toBeNull();
  });

  it('formats the largest whole unit', () => {
    expect(formatForDuration(0)).toBe('0s');
    expect(formatForDuration(300)).toBe('5m');
    expect(formatForDuration(90)).toBe('90s');
    expect(formatForDuration(7200)).toBe('2h');
  });
});

describe('alertTitle', () => {
  it('translates known rules and names unknown ones', () => {
    const format = (id: string) => `t:${id}`;
    expect(alertTitle(alert({}), format)).toBe('t:alerts.rule.filesystem_full');
    expect(alertTitle(alert({ rule: 'prom:g:HighLoad:1', ruleName: 'HighLoad' }), format)).toBe('HighLoad');
    expect(alertTitle({ rule: 'other' }, format)).toBe('other');
  });
});
