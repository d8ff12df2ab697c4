import { describe, expect, it } from 'vitest';
import type { HostView } from '../ipc/types';
import { TerminalTabs } from './tabs.svelte';

const host = { id: 'h1', name: 'nas' } as HostView;

describe('TerminalTabs', () => {
  it('activates a new tab and its neighbour after closing', () => {
    const tabs = new TerminalTabs();
    const first = tabs.open(host, { kind: 'shell' });
    const second = tabs.open(host, { kind: 'container', id: 'c1' }, 'web');
    const third = tabs.open(host, { kind: 'shell' });
    expect(tabs.activeKey).toBe(third);
    expect(tabs.tabs.map((tab) => tab.containerName)).toEqual([null, 'web', null]);

    tabs.activate(second);
    tabs.close(second);
    expect(tabs.activeKey, 'the right neighbour takes over').toBe(third);
    tabs.close(third);
    expect(tabs.activeKey, 'the left one when there is no right one').toBe(first);
    tabs.close(first);
    expect(tabs.activeKey).toBeNull();
    expect(tabs.tabs).toEqual([]);
  });

  it('ignores unknown keys', () => {
    const tabs = new TerminalTabs();
    const only = tabs.open(host, { kind: 'shell' });
    tabs.activate(99);
    tabs.close(99);
    expect(tabs.activeKey).toBe(only);
    expect(tabs.tabs).toHaveLength(1);
  });
});
