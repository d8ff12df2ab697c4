// Display formatting for container data. Every function takes the locale as an argument, so it
// stays pure and testable, and components pass the current svelte-i18n locale.

import type { PortView } from './ipc/types';

/** Formats one port mapping the way `docker ps` does: `ip:public->private/proto`. */
export function formatPort(port: PortView): string {
  const target = `${port.privatePort}/${port.protocol}`;
  if (port.publicPort === null) {
    return target;
  }
  if (port.ip === null || port.ip === '') {
    return `${port.publicPort}->${target}`;
  }
  // Brackets keep an IPv6 address apart from the port, as in URLs.
  const ip = port.ip.includes(':') ? `[${port.ip}]` : port.ip;
  return `${ip}:${port.publicPort}->${target}`;
}

/** Formats all mappings of a container, dropping exact duplicates. */
export function formatPorts(ports: readonly PortView[]): string[] {
  return [...new Set(ports.map(formatPort))];
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Formats a byte count with binary units (1 MiB = 1024 × 1024 bytes). */
export function formatBytes(bytes: number, locale: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '—';
  }

  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }

  const number = new Intl.NumberFormat(locale, {
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
  return `${number} ${BYTE_UNITS[unit]}`;
}

/** Formats memory as `used / limit`, or only `used` when the container has no limit. */
export function formatMemory(usedBytes: number, limitBytes: number | null, locale: string): string {
  const used = formatBytes(usedBytes, locale);
  if (limitBytes === null || limitBytes <= 0) {
    return used;
  }
  return `${used} / ${formatBytes(limitBytes, locale)}`;
}

const RELATIVE_STEPS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
];

/**
 * Formats a Unix time in seconds relative to `nowMs` ("3 hours ago") for the first 30 days,
 * and as a locale date without the time after that.
 */
export function formatCreated(createdSeconds: number, nowMs: number, locale: string): string {
  const createdMs = createdSeconds * 1000;
  let delta = Math.round((createdMs - nowMs) / 1000);

  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(delta) < size) {
      return relative.format(delta, unit);
    }
    delta = Math.round(delta / size);
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(createdMs));
}

/** Formats an absolute time in the locale's medium date and short time style. */
export function formatDateTime(timeMs: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(timeMs),
  );
}

/**
 * Formats a duration in milliseconds: whole milliseconds below one second, else seconds with
 * one decimal.
 */
export function formatElapsed(ms: number, locale: string): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '—';
  }
  if (ms < 1000) {
    const milliseconds = new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: 'millisecond',
      unitDisplay: 'narrow',
    });
    return milliseconds.format(Math.round(ms));
  }
  const seconds = new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'second',
    unitDisplay: 'narrow',
    maximumFractionDigits: 1,
  });
  return seconds.format(ms / 1000);
}
