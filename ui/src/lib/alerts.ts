// Display of open alerts: the translated title of each rule and the response target of each
// severity. Rules this UI does not know yet show their id, so a newer backend stays readable.

import type { AlertView, FlapSetting, OpenAlertView } from './ipc/types';

/** The rules with a translated title under `alerts.rule.<id>`. */
export const KNOWN_ALERT_RULES = [
  'host_unreachable',
  'container_memory_high',
  'container_restarting',
  'filesystem_full',
  'tls_expiring',
  'backup_too_old',
  'backup_failed',
  'backup_drill_failed',
  'collection_failed',
] as const;

/** The silence durations the inbox offers, in minutes: 30 min, 1 h, 4 h, 1 day, 1 week. */
export const SILENCE_MINUTES = [30, 60, 240, 1440, 10080] as const;

/** The severities with a translated meaning under `alerts.severity.<id>`. */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;

type Format = (id: string) => string;

/** Returns the alert's title in the current language. */
export function alertTitle(alert: Pick<OpenAlertView, 'rule'> & { ruleName?: string | null }, format: Format): string {
  if ((KNOWN_ALERT_RULES as readonly string[]).includes(alert.rule)) {
    return format(`alerts.rule.${alert.rule}`);
  }
  return alert.ruleName ?? alert.rule;
}

/** Returns the severity's response target as text, such as "respond now", or '' for an unknown one. */
export function severityMeaning(severity: string, format: Format): string {
  return (SEVERITIES as readonly string[]).includes(severity) ? format(`alerts.severity.${severity}`) : '';
}

/** Formats an RFC 3339 time as a short local date and time. */
export function formatSince(rfc3339: string, locale: string): string {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) {
    return rfc3339;
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(date);
}

/** Counts open alerts over every host of a fleet refresh. */
export function openAlertCount(entries: readonly { openAlerts: readonly OpenAlertView[] }[]): number {
  return entries.reduce((sum, entry) => sum + entry.openAlerts.length, 0);
}

/** Alerts of one host and one service (container, mount, endpoint or plan; '' for the host). */
export interface AlertGroup {
  key: string;
  hostId: string | null;
  hostName: string | null;
  service: string;
  alerts: AlertView[];
}

/**
 * Groups alerts by host and then by service. Groups keep the order of their first alert, so a
 * list sorted most severe first gives groups sorted the same way.
 */
export function groupAlerts(alerts: readonly AlertView[]): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const alert of alerts) {
    const key = `${alert.hostId ?? ''}\u0000${alert.service}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, hostId: alert.hostId, hostName: alert.hostName, service: alert.service, alerts: [] };
      groups.set(key, group);
    }
    group.alerts.push(alert);
  }
  return [...groups.values()];
}

/** The response timer of an alert at `nowMs`: time left until it is due, negative when overdue. */
export interface ResponseTimer {
  /** Milliseconds until the response is due; negative once overdue; null without a due time. */
  remainingMs: number | null;
  overdue: boolean;
  /** The timer stopped: acknowledged or resolved. */
  stopped: boolean;
}

/** Computes the response timer against the severity's target (P0 now, P1 1 h, P2 4 h, P3 24 h). */
export function responseTimer(alert: AlertView, nowMs: number): ResponseTimer {
  const stopped = alert.state !== 'firing';
  const due = alert.dueAt ? Date.parse(alert.dueAt) : Number.NaN;
  if (Number.isNaN(due)) {
    return { remainingMs: null, overdue: false, stopped };
  }
  const remainingMs = due - nowMs;
  return { remainingMs, overdue: !stopped && remainingMs < 0, stopped };
}

/** Formats a duration in milliseconds as "2 h 5 min", "45 min" or "< 1 min", ignoring the sign. */
export function formatDuration(ms: number, units: { hour: string; minute: string; lessThanMinute: string }): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) {
    return units.lessThanMinute;
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) {
    return `${rest} ${units.minute}`;
  }
  return rest === 0 ? `${hours} ${units.hour}` : `${hours} ${units.hour} ${rest} ${units.minute}`;
}

/** Parses a `for` duration typed in the rules editor: seconds, or a number with s, m, h or d. */
export function parseForDuration(text: string): number | null {
  const match = /^\s*(\d+)\s*(s|m|h|d)?\s*$/.exec(text);
  if (!match) {
    return null;
  }
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Writes seconds as the shortest whole unit: 300 → "5m", 90 → "90s", 0 → "0s". */
export function formatForDuration(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds > 0 && seconds % size === 0) {
      return `${seconds / size}${unit}`;
    }
  }
  return `${seconds}s`;
}

/** The series Homeport writes, offered when a rule is written by hand. */
export const RULE_METRICS = [
  'cpu_usage_percent',
  'cpu_iowait_percent',
  'load1',
  'load5',
  'load15',
  'memory_used_bytes',
  'memory_available_bytes',
  'swap_used_bytes',
  'filesystem_used_percent',
  'filesystem_used_bytes',
  'disk_read_bytes_per_second',
  'disk_write_bytes_per_second',
  'network_receive_bytes_per_second',
  'network_transmit_bytes_per_second',
  'container_cpu_percent',
  'container_memory_percent',
  'container_memory_bytes',
  'container_restarts',
  'tls_days_left',
  'backup_last_success_age_seconds',
] as const;

/** The comparisons a threshold rule can use. */
export const RULE_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;

/** Tests whether `text` is a Prometheus name (metric, label or alert): `[A-Za-z_][A-Za-z0-9_]*`. */
export function isRuleName(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text);
}

/** Reads `name=value` into a one-label matcher; empty text is no matcher, anything else null. */
export function parseMatcher(text: string): Record<string, string> | null {
  const trimmed = text.trim();
  if (trimmed === '') {
    return {};
  }
  const at = trimmed.indexOf('=');
  if (at <= 0) {
    return null;
  }
  const name = trimmed.slice(0, at).trim();
  return isRuleName(name) ? { [name]: trimmed.slice(at + 1) } : null;
}

/** Reads a whole number from `min` to `max`, or null. */
export function parseCount(text: string, min: number, max = 1000): number | null {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/** Checks the typed flapping guard and returns it as the API takes it, or the name of the invalid field. */
export function checkFlap(draft: {
  on: boolean;
  downAfter: string;
  upAfter: string;
  renotifyMinutes: string;
  maxRenotify: string;
}): { flap: FlapSetting | null } | { invalid: string } {
  if (!draft.on) {
    return { flap: null };
  }
  const downAfter = parseCount(String(draft.downAfter), 1);
  const upAfter = parseCount(String(draft.upAfter), 1);
  const maxRenotify = parseCount(String(draft.maxRenotify), 0);
  // The backend rejects reminders more often than once a minute; a week is the longest gap the form offers.
  const renotifyMinutes = parseCount(String(draft.renotifyMinutes), maxRenotify === 0 ? 0 : 1, 10080);
  if (downAfter === null) return { invalid: 'downAfter' };
  if (upAfter === null) return { invalid: 'upAfter' };
  if (maxRenotify === null) return { invalid: 'maxRenotify' };
  if (renotifyMinutes === null) return { invalid: 'renotifyMinutes' };
  return { flap: { downAfter, upAfter, renotifyMinutes, maxRenotify } };
}
