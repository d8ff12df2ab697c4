// Display of open alerts: the translated title of each rule and the response target of each
// severity. Rules this UI does not know yet show their id, so a newer backend stays readable.

import type { OpenAlertView } from './ipc/types';

/** The rules with a translated title under `alerts.rule.<id>`. */
export const KNOWN_ALERT_RULES = ['host_unreachable'] as const;

/** The severities with a translated meaning under `alerts.severity.<id>`. */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;

type Format = (id: string) => string;

/** Returns the alert's title in the current language. */
export function alertTitle(alert: OpenAlertView, format: Format): string {
  return (KNOWN_ALERT_RULES as readonly string[]).includes(alert.rule)
    ? format(`alerts.rule.${alert.rule}`)
    : alert.rule;
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
