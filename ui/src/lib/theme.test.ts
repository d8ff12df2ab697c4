// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Installs a matchMedia whose dark preference the test flips, then loads a fresh theme module. */
async function themeWithSystem(dark: boolean) {
  const listeners = new Set<() => void>();
  const media = {
    matches: dark,
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
  };
  vi.stubGlobal('matchMedia', () => media);
  window.matchMedia = (() => media) as unknown as typeof window.matchMedia;
  vi.resetModules();
  const { theme } = await import('./theme.svelte');
  const setSystemDark = (value: boolean) => {
    media.matches = value;
    listeners.forEach((listener) => listener());
  };
  return { theme, setSystemDark, listeners };
}

afterEach(() => {
  vi.unstubAllGlobals();
  delete document.documentElement.dataset.theme;
});

describe('theme', () => {
  it('sets data-theme for a fixed choice', async () => {
    const { theme } = await themeWithSystem(false);
    theme.apply('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    theme.apply('light');
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('follows the OS when set to system', async () => {
    const { theme, setSystemDark } = await themeWithSystem(true);
    theme.apply('system');
    expect(document.documentElement.dataset.theme).toBe('dark');
    setSystemDark(false);
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(theme.effective).toBe('light');
  });

  it('stops following the OS after a fixed choice', async () => {
    const { theme, setSystemDark, listeners } = await themeWithSystem(false);
    theme.apply('system');
    theme.apply('dark');
    expect(listeners.size).toBe(0);
    setSystemDark(false);
    expect(document.documentElement.dataset.theme).toBe('dark');
  });
});
