import type { HostView } from './ipc/types';

/** The screen the main area shows. Containers belong to one host, so that view carries it. */
export type View =
  | { name: 'fleet' }
  | { name: 'hosts' }
  | { name: 'settings' }
  | { name: 'terminals' }
  | { name: 'stacks' }
  | { name: 'catalog' }
  | { name: 'builder'; stack?: { hostId: string; name: string } }
  | { name: 'wizard' }
  | { name: 'rollout' }
  | { name: 'cost' }
  | { name: 'monitoring'; hostId?: string; collect?: boolean }
  | { name: 'inbox' }
  | { name: 'backups' }
  | { name: 'containers'; host: HostView };
