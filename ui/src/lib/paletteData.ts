// The hosts, containers and stacks the command palette searches. They are read once and kept
// for CACHE_MS, so opening the palette repeatedly does not ask every host again.

import * as api from './ipc/api';
import type { ContainerView, HostView, StackView } from './ipc/types';

export const CACHE_MS = 30_000;

export interface PaletteData {
  hosts: HostView[];
  containers: { host: HostView; container: ContainerView }[];
  stacks: { host: HostView; stack: StackView }[];
}

let cached: { at: number; data: PaletteData } | null = null;
let loading: Promise<PaletteData> | null = null;

/**
 * Returns the cached data when it is younger than CACHE_MS, else reads it. A host that cannot
 * be reached contributes no containers or stacks; the others still appear.
 */
export function loadPaletteData(now = Date.now()): Promise<PaletteData> {
  if (cached && now - cached.at < CACHE_MS) {
    return Promise.resolve(cached.data);
  }
  loading ??= read()
    .then((data) => {
      cached = { at: Date.now(), data };
      return data;
    })
    .finally(() => {
      loading = null;
    });
  return loading;
}

/** Forgets the cached data, for tests and after hosts change. */
export function clearPaletteData(): void {
  cached = null;
}

async function read(): Promise<PaletteData> {
  const hosts = await api.hostList();
  const perHost = await Promise.all(
    hosts.map(async (host) => {
      const [containers, stacks] = await Promise.allSettled([
        api.containerList(host.id),
        api.stackList(host.id),
      ]);
      return {
        containers: containers.status === 'fulfilled' ? containers.value.map((container) => ({ host, container })) : [],
        stacks: stacks.status === 'fulfilled' ? stacks.value.map((stack) => ({ host, stack })) : [],
      };
    }),
  );
  return {
    hosts,
    containers: perHost.flatMap((entry) => entry.containers),
    stacks: perHost.flatMap((entry) => entry.stacks),
  };
}
