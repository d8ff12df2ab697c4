// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { HostView } from '../lib/ipc/types';
import { installMatchMedia } from '../lib/terminal/jsdomShims';
import { terminalTabs } from '../lib/terminal/tabs.svelte';
import TerminalsScreen from './TerminalsScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    onmessage: (message: unknown) => void;
    constructor(onmessage: (message: unknown) => void) {
      this.onmessage = onmessage;
    }
  },
}));

const host = { id: 'h1', name: 'nas', kind: 'ssh' } as HostView;

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
  installMatchMedia();
});

beforeEach(() => {
  for (const tab of [...terminalTabs.tabs]) {
    terminalTabs.close(tab.key);
  }
  let nextId = 10;
  invoke.mockReset();
  invoke.mockImplementation((command: string) =>
    Promise.resolve(command === 'terminal_open' ? nextId++ : null),
  );
});

describe('TerminalsScreen', () => {
  it('says how to open a terminal when none is open', () => {
    render(TerminalsScreen, { props: { active: true } });
    expect(screen.getByTestId('terminals-empty').textContent).toContain('No terminal is open');
  });

  it('keeps every tab running and closes a tab on the backend', async () => {
    terminalTabs.open(host, { kind: 'shell' });
    terminalTabs.open(host, { kind: 'container', id: 'c1' }, 'web');
    render(TerminalsScreen, { props: { active: true } });

    const tabs = screen.getAllByTestId('terminal-tab');
    expect(tabs.map((tab) => tab.textContent?.trim())).toEqual(['nas', 'web on nas']);
    expect(tabs[1].getAttribute('aria-selected')).toBe('true');
    await waitFor(() =>
      expect(invoke.mock.calls.filter(([command]) => command === 'terminal_open')).toHaveLength(2),
    );
    const targets = invoke.mock.calls
      .filter(([command]) => command === 'terminal_open')
      .map(([, args]) => (args as { target: unknown }).target);
    expect(targets).toEqual([{ kind: 'shell' }, { kind: 'container', id: 'c1' }]);

    const panels = screen.getAllByRole('tabpanel', { hidden: true });
    expect(panels.map((panel) => panel.hidden)).toEqual([true, false]);
    await fireEvent.click(tabs[0]);
    expect(panels.map((panel) => panel.hidden)).toEqual([false, true]);

    await fireEvent.click(screen.getAllByTestId('terminal-tab-close')[1]);
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('terminal_close', { id: 11 }));
    expect(screen.getAllByTestId('terminal-tab')).toHaveLength(1);
  });
});
