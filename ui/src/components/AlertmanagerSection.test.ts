// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { AlertmanagerSource } from '../lib/ipc/types';
import AlertmanagerSection from './AlertmanagerSection.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const global: AlertmanagerSource = { id: 's1', hostId: null, url: 'http://127.0.0.1:9093', throughSsh: false };

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
  invoke.mockImplementation((command: string) => {
    switch (command) {
      case 'alertmanager_sources':
        return Promise.resolve([global]);
      case 'host_list':
        return Promise.resolve([]);
      case 'alertmanager_sync':
        return Promise.resolve({ opened: 1, resolved: 0, active: 1 });
      default:
        return Promise.resolve(null);
    }
  });
});

describe('AlertmanagerSection', () => {
  it('syncs and shows the counts', async () => {
    render(AlertmanagerSection);
    await waitFor(() => expect(screen.getAllByTestId('alertmanager-source')).toHaveLength(1));
    expect(screen.getByTestId('alertmanager-source').textContent).toContain('Global (no host)');
    await fireEvent.click(screen.getByTestId('alertmanager-sync'));
    await waitFor(() =>
      expect(screen.getByTestId('alertmanager-synced').textContent).toBe('1 active, 1 opened, 0 resolved'),
    );
    expect(invoke).toHaveBeenCalledWith('alertmanager_sync', { id: 's1' });
  });

  it('saves a global source without SSH', async () => {
    render(AlertmanagerSection);
    await waitFor(() => screen.getByTestId('alertmanager-form'));
    await fireEvent.submit(screen.getByTestId('alertmanager-form'));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('alertmanager_source_set', {
        source: { id: '', hostId: null, url: 'http://127.0.0.1:9093', throughSsh: false },
      }),
    );
  });
});
