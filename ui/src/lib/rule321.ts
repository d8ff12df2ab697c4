// Helpers that show the API's 3-2-1 report: which findings break the rule and the values
// their messages take.

import type { Finding, Rule321Report } from './ipc/types';

/** The findings that break the rule. The others are advice. */
const RULE_BREAKING: ReadonlySet<Finding['code']> = new Set([
  'too_few_copies',
  'too_few_media',
  'no_offsite_copy',
  'offsite_too_close',
]);

export function breaksRule(finding: Finding): boolean {
  return RULE_BREAKING.has(finding.code);
}

export function meetsRule(report: Rule321Report): boolean {
  return !report.findings.some(breaksRule);
}

/** Returns the finding's fields with camelCase names, as `backups.rule321.<code>` uses them. */
export function findingValues(finding: Finding): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(finding)) {
    if (key !== 'code') {
      values[key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase())] = value;
    }
  }
  return values;
}

/** Compares two reports from the API. One serializer writes both, so equal reports give equal text. */
export function sameReport(first: Rule321Report, second: Rule321Report): boolean {
  return JSON.stringify(first) === JSON.stringify(second);
}
