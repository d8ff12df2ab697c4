// The open terminal tabs. They live outside the screens, so a terminal keeps running while
// another screen shows.

import type { HostView, TerminalTarget } from '../ipc/types';

export interface TerminalTab {
  /** Unique among the tabs of this window. */
  key: number;
  host: HostView;
  target: TerminalTarget;
  /** The container's name for a container terminal, shown in the tab. */
  containerName: string | null;
}

export class TerminalTabs {
  tabs = $state<TerminalTab[]>([]);
  activeKey = $state<number | null>(null);
  private nextKey = 1;

  /** Adds a tab, makes it the active one and returns its key. */
  open(host: HostView, target: TerminalTarget, containerName: string | null = null): number {
    const key = this.nextKey++;
    this.tabs = [...this.tabs, { key, host, target, containerName }];
    this.activeKey = key;
    return key;
  }

  /** Removes a tab. When it was active, its right neighbour (or else the left one) becomes active. */
  close(key: number): void {
    const index = this.tabs.findIndex((tab) => tab.key === key);
    if (index === -1) {
      return;
    }
    this.tabs = this.tabs.filter((tab) => tab.key !== key);
    if (this.activeKey === key) {
      const neighbour = this.tabs[index] ?? this.tabs[index - 1];
      this.activeKey = neighbour ? neighbour.key : null;
    }
  }

  activate(key: number): void {
    if (this.tabs.some((tab) => tab.key === key)) {
      this.activeKey = key;
    }
  }
}

/** The tabs of the app window. */
export const terminalTabs = new TerminalTabs();
