import type { HostView } from './ipc/types';

/**
 * The host last chosen on the Stacks screen. It lives in this module, so it lasts until the app
 * closes and is not saved in the settings.
 */
let lastStackHostId: string | null = null;

export function rememberStackHost(id: string | null): void {
  lastStackHostId = id;
}

/**
 * Picks the host the Stacks screen opens on: the one chosen last when it still exists, else the
 * first host in the list, else none.
 */
export function initialStackHost(hosts: HostView[]): string | null {
  if (lastStackHostId !== null && hosts.some((host) => host.id === lastStackHostId)) {
    return lastStackHostId;
  }
  return hosts[0]?.id ?? null;
}
