// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { AboutInfo, DesktopSettings, UpdateInfo } from '../lib/ipc/types';
import AboutSection from './AboutSection.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const about: AboutInfo = {
  version: '0.1.0',
  commit: 'abc1234def56',
  dataDir: '/home/ada/.local/share/homeport',
  logDir: '/home/ada/.local/state/homeport/logs',
  configDir: '/home/ada/.config/org.homeport.Homeport',
};

const defaults: DesktopSettings = { checkUpdates: false, updateFeedUrl: null, startMinimized: false };

/** Fakes the backend of the About section; `overrides` replaces the result of single commands. */
function backend(overrides: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  let stored: DesktopSettings = { ...defaults };
  invoke.mockImplementation((command: string, args: Record<string, unknown> = {}) => {
    if (overrides[command]) return Promise.resolve(overrides[command](args));
    switch (command) {
      case 'app_about':
        return Promise.resolve(about);
      case 'desktop_settings_get':
        return Promise.resolve(stored);
      case 'desktop_settings_set':
        stored = args.settings as DesktopSettings;
        return Promise.resolve(stored);
      case 'update_status':
        return Promise.resolve(null);
      default:
        return Promise.resolve(null);
    }
  });
}

function commands(): string[] {
  return invoke.mock.calls.map((call) => call[0] as string);
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('AboutSection', () => {
  it('shows version, commit and folders', async () => {
    backend();
    render(AboutSection);
    await waitFor(() => expect(screen.getByTestId('app-version').textContent).toBe('0.1.0'));
    expect(screen.getByTestId('app-commit').textContent).toBe('abc1234def56');
    expect(screen.getByTestId('about-data-dir').textContent).toBe(about.dataDir);
    expect(screen.getByTestId('about-log-dir').textContent).toBe(about.logDir);
    expect(screen.getByText(about.configDir as string)).toBeTruthy();
  });

  it('opens folders by name only', async () => {
    backend();
    render(AboutSection);
    const buttons = await screen.findAllByRole('button', { name: 'Open' });
    expect(buttons).toHaveLength(2);
    await fireEvent.click(buttons[0]);
    await fireEvent.click(buttons[1]);
    const opened = invoke.mock.calls.filter((call) => call[0] === 'app_folder_open').map((call) => call[1]);
    expect(opened).toEqual([{ folder: 'data' }, { folder: 'logs' }]);
  });

  it('starts with update checks off', async () => {
    backend();
    render(AboutSection);
    const toggle = (await screen.findByTestId('check-updates')) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    expect((screen.getByTestId('update-check') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('start-minimized') as HTMLInputElement).checked).toBe(false);
    expect(commands()).not.toContain('update_check');
  });

  it('turns checks on, then checks', async () => {
    const found: UpdateInfo = { version: '0.2.0', currentVersion: '0.1.0', date: null, notes: null };
    backend({ update_check: () => found });
    render(AboutSection);
    const toggle = await screen.findByTestId('check-updates');
    await fireEvent.click(toggle);
    await waitFor(() => expect((screen.getByTestId('update-check') as HTMLButtonElement).disabled).toBe(false));
    const saved = invoke.mock.calls.find((call) => call[0] === 'desktop_settings_set');
    expect(saved?.[1]).toEqual({ settings: { checkUpdates: true, updateFeedUrl: null, startMinimized: false } });

    await fireEvent.click(screen.getByTestId('update-check'));
    await waitFor(() => expect(screen.getByTestId('update-available').textContent).toContain('0.2.0'));
    expect(screen.getByRole('button', { name: 'Install and restart' })).toBeTruthy();
  });

  it('reports no newer version', async () => {
    backend({ desktop_settings_get: () => ({ ...defaults, checkUpdates: true }) });
    render(AboutSection);
    await fireEvent.click(await screen.findByTestId('update-check'));
    await waitFor(() => expect(screen.getByTestId('update-none').textContent).toBe('Homeport is up to date.'));
  });

  it('saves the feed URL trimmed', async () => {
    backend();
    render(AboutSection);
    const input = await screen.findByTestId('update-feed-url');
    await fireEvent.input(input, { target: { value: '  https://updates.example.org/latest.json ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(commands()).toContain('desktop_settings_set'));
    const saved = invoke.mock.calls.find((call) => call[0] === 'desktop_settings_set');
    expect((saved?.[1] as { settings: DesktopSettings }).settings.updateFeedUrl).toBe(
      'https://updates.example.org/latest.json',
    );
  });

  it('shows a rejected feed URL', async () => {
    backend({
      desktop_settings_set: () => {
        throw { code: 'InvalidInput', message: 'invalid updateFeedUrl', params: { field: 'updateFeedUrl', value: 'http://x', detail: 'use https' } };
      },
    });
    render(AboutSection);
    const input = await screen.findByTestId('update-feed-url');
    await fireEvent.input(input, { target: { value: 'http://x' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('updateFeedUrl'));
  });
});
