import type { HostView } from './ipc/types';

/** Returns a saved SSH host for tests, with `overrides` applied. */
export function sshHost(overrides: Partial<HostView> & Pick<HostView, 'id' | 'name'>): HostView {
  return {
    kind: 'ssh',
    address: `${overrides.name}.lan`,
    port: 22,
    user: 'admin',
    auth: 'agent',
    keyPath: null,
    dockerSocket: '/var/run/docker.sock',
    hasSecret: false,
    hostKeyFingerprint: 'SHA256:abc',
    createdAt: '2025-01-01T00:00:00Z',
    jumpHostId: null,
    group: '',
    tags: [],
    source: null,
    tls: null,
    ...overrides,
  };
}
