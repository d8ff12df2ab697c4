// Searching, grouping and summarising hosts for the fleet view. Everything here is pure, so the
// screen component only stores state and renders it.

import type { ContainerCountsView, HostState, HostView } from './ipc/types';

/** Colour of each state's badge. The record lists every `HostState`, so the compiler flags a new one. */
export const HOST_STATE_TONES: Record<HostState, 'ok' | 'warning' | 'danger'> = {
  online: 'ok',
  dockerUnavailable: 'warning',
  keyUnknown: 'warning',
  unreachable: 'danger',
  authFailed: 'danger',
  keyChanged: 'danger',
  keyRevoked: 'danger',
  failed: 'danger',
};

export const HOST_STATES = Object.keys(HOST_STATE_TONES) as HostState[];

/** Hosts that share a group. `name` is empty for the hosts without a group. */
export interface HostGroup {
  name: string;
  hosts: HostView[];
}

function searchTerms(query: string): string[] {
  return query
    .toLocaleLowerCase()
    .split(/\s+/)
    .filter((term) => term !== '');
}

/**
 * Returns whether `host` matches a search. Every whitespace-separated term must occur, ignoring
 * case, in the name, address, group or one of the tags. An empty query matches every host.
 */
export function hostMatchesQuery(host: HostView, query: string): boolean {
  const fields = [host.name, host.address, host.group, ...host.tags].map((field) =>
    field.toLocaleLowerCase(),
  );
  return searchTerms(query).every((term) => fields.some((field) => field.includes(term)));
}

export function filterHosts(hosts: readonly HostView[], query: string): HostView[] {
  return hosts.filter((host) => hostMatchesQuery(host, query));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Groups hosts by their group, groups and hosts in name order. Hosts share a group only when
 * the group names are equal, case included, and the hosts without a group come last.
 */
export function groupHosts(hosts: readonly HostView[]): HostGroup[] {
  const byName = new Map<string, HostView[]>();
  for (const host of hosts) {
    const members = byName.get(host.group);
    if (members) {
      members.push(host);
    } else {
      byName.set(host.group, [host]);
    }
  }

  const groups = [...byName].map(([name, members]) => ({
    name,
    hosts: [...members].sort((a, b) => collator.compare(a.name, b.name)),
  }));
  return groups.sort((a, b) => compareGroupNames(a.name, b.name));
}

/** Orders group names for display, with the empty name (no group) last. */
function compareGroupNames(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  if (a === '') {
    return 1;
  }
  if (b === '') {
    return -1;
  }
  // The collator ignores case, so names that differ only in case fall back to code-point order.
  return collator.compare(a, b) || (a < b ? -1 : 1);
}

/** Container counts as the fleet view shows them. */
export interface ContainerSummary {
  running: number;
  /** Exited, created and dead containers. */
  stopped: number;
  paused: number;
  restarting: number;
  /** Every container, including states that no other count covers (such as `removing`). */
  total: number;
}

export function summariseContainers(counts: ContainerCountsView): ContainerSummary {
  return {
    running: counts.running,
    stopped: counts.exited + counts.created + counts.dead,
    paused: counts.paused,
    restarting: counts.restarting,
    total: counts.total,
  };
}
