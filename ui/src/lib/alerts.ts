// Display of open alerts: the translated title of each rule and the response target of each
// severity. Rules this UI does not know yet show their id, so a newer backend stays readable.

import type { AlertView, OpenAlertView } from './ipc/types';

/** The rules with a translated title under `alerts.rule.<id>`. */
export const KNOWN_ALERT_RULES = [
  'host_unreachable',
  'container_memory_high',
  'container_restarting',
  'filesystem_full',
  'tls_expiring',
  'backup_too_old',
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
