import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCreated,
  formatElapsed,
  formatMemory,
  formatPort,
  formatPorts,
} from './format';

describe('formatPort', () => {
  it('formats a published IPv4 port', () => {
    expect(formatPort({ ip: '0.0.0.0', publicPort: 8080, privatePort: 80, protocol: 'tcp' })).toBe(
      '0.0.0.0:8080->80/tcp',
    );
  });

  it('brackets an IPv6 address', () => {
    expect(formatPort({ ip: '::', publicPort: 8080, privatePort: 80, protocol: 'tcp' })).toBe(
      '[::]:8080->80/tcp',
    );
  });

  it('omits a missing address', () => {
    expect(formatPort({ ip: null, publicPort: 53, privatePort: 53, protocol: 'udp' })).toBe(
      '53->53/udp',
    );
  });

  it('shows an unpublished port alone', () => {
    expect(formatPort({ ip: null, publicPort: null, privatePort: 6379, protocol: 'tcp' })).toBe(
      '6379/tcp',
    );
  });

  it('drops duplicate mappings', () => {
    const port = { ip: '0.0.0.0', publicPort: 80, privatePort: 80, protocol: 'tcp' };
    expect(formatPorts([port, { ...port }])).toEqual(['0.0.0.0:80->80/tcp']);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1,023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [256 * 1024 * 1024, '256 MiB'],
    [1.25 * 1024 ** 3, '1.3 GiB'],
    [2 * 1024 ** 4, '2 TiB'],
  ])('formats %d bytes as %s', (bytes, expected) => {
    expect(formatBytes(bytes, 'en')).toBe(expected);
  });

  it('uses the locale decimal separator', () => {
    expect(formatBytes(1536, 'de')).toBe('1,5 KiB');
  });

  it('rejects negative and non-finite values', () => {
    expect(formatBytes(-1, 'en')).toBe('—');
    expect(formatBytes(Number.NaN, 'en')).toBe('—');
  });
});

describe('formatMemory', () => {
  it('shows used and limit', () => {
    expect(formatMemory(512 * 1024 ** 2, 2 * 1024 ** 3, 'en')).toBe('512 MiB / 2 GiB');
  });

  it('shows only used without a limit', () => {
    expect(formatMemory(512 * 1024 ** 2, null, 'en')).toBe('512 MiB');
    expect(formatMemory(512 * 1024 ** 2, 0, 'en')).toBe('512 MiB');
  });
});

describe('formatCreated', () => {
  const now = Date.UTC(2025, 0, 31, 12, 0, 0);
  const nowSeconds = now / 1000;

  it('formats recent times relatively', () => {
    expect(formatCreated(nowSeconds - 3 * 3600, now, 'en')).toBe('3 hours ago');
    expect(formatCreated(nowSeconds - 2 * 86400, now, 'en')).toBe('2 days ago');
    expect(formatCreated(nowSeconds - 3 * 3600, now, 'zh-CN')).toBe('3小时前');
  });

  it('formats old times as a date', () => {
    expect(formatCreated(nowSeconds - 90 * 86400, now, 'en')).toMatch(/2024/);
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, 'en', '0ms'],
    [412.4, 'en', '412ms'],
    [999, 'en', '999ms'],
    [1000, 'en', '1s'],
    [1234, 'en', '1.2s'],
    [5000, 'zh-CN', '5秒'],
    [-1, 'en', '—'],
    [Number.NaN, 'en', '—'],
  ])('formats %j ms in %s as %j', (ms, locale, expected) => {
    expect(formatElapsed(ms, locale)).toBe(expected);
  });
});
