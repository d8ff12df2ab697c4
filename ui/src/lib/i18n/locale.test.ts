import { describe, expect, it } from 'vitest';
import { localeFromTag, resolveLocale } from './locale';

describe('localeFromTag', () => {
  it.each([
    ['zh-TW', 'zh-CN'],
    ['zh_CN.UTF-8', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['ZH-hans-CN', 'zh-CN'],
    ['en-US', 'en'],
    ['de_DE.UTF-8', 'en'],
    ['C', 'en'],
    ['', 'en'],
    [null, 'en'],
    [undefined, 'en'],
  ])('maps %s to %s', (tag, expected) => {
    expect(localeFromTag(tag)).toBe(expected);
  });
});

describe('resolveLocale', () => {
  it('uses an explicit setting as is', () => {
    expect(resolveLocale('en', 'zh_CN.UTF-8', 'zh-CN')).toBe('en');
    expect(resolveLocale('zh-CN', 'en-US', 'en-US')).toBe('zh-CN');
  });

  it('prefers the OS locale for system', () => {
    expect(resolveLocale('system', 'zh_CN.UTF-8', 'en-US')).toBe('zh-CN');
    expect(resolveLocale('system', 'en-US', 'zh-CN')).toBe('en');
  });

  it('falls back to navigator.language', () => {
    expect(resolveLocale('system', null, 'zh-TW')).toBe('zh-CN');
    expect(resolveLocale('system', '', 'zh-TW')).toBe('zh-CN');
  });

  it('falls back to English without any locale', () => {
    expect(resolveLocale('system', null, null)).toBe('en');
  });
});
