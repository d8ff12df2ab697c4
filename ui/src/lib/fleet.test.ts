import { describe, expect, it } from 'vitest';
import { filterHosts, groupHosts, hostMatchesQuery, summariseContainers } from './fleet';
import { sshHost } from './testHosts';

const nas = sshHost({ id: '1', name: 'nas', address: '192.0.2.10', group: 'Home', tags: ['storage', 'backup'] });
const media = sshHost({ id: '2', name: 'media', address: 'media.lan', group: 'Home', tags: ['jellyfin'] });
const vps = sshHost({ id: '3', name: 'vps-1', address: '203.0.113.5', group: 'Cloud', tags: [] });
const pi = sshHost({ id: '4', name: 'pi', address: 'pi.lan' });

describe('hostMatchesQuery', () => {
  it.each([
    ['', true],
    ['   ', true],
    ['NAS', true],
    ['192.0.2', true],
    ['home', true],
    ['backup', true],
    ['stor', true],
    ['home backup', true],
    ['home cloud', false],
    ['jellyfin', false],
  ])('matches %j: %s', (query, expected) => {
    expect(hostMatchesQuery(nas, query)).toBe(expected);
  });
});

describe('filterHosts', () => {
  it('keeps the order of the hosts that match', () => {
    expect(filterHosts([nas, media, vps, pi], 'lan').map((host) => host.name)).toEqual(['media', 'pi']);
  });
});

describe('groupHosts', () => {
  it('sorts groups by name with ungrouped hosts last', () => {
    const groups = groupHosts([pi, nas, vps, media]);
    expect(groups.map((group) => group.name)).toEqual(['Cloud', 'Home', '']);
  });

  it('sorts hosts by name inside a group', () => {
    const home = groupHosts([nas, media]).find((group) => group.name === 'Home');
    expect(home?.hosts.map((host) => host.name)).toEqual(['media', 'nas']);
  });

  it('sorts numbered names numerically', () => {
    const hosts = ['node-10', 'node-2', 'node-1'].map((name, index) => sshHost({ id: String(index), name }));
    expect(groupHosts(hosts)[0].hosts.map((host) => host.name)).toEqual(['node-1', 'node-2', 'node-10']);
  });

  it('keeps groups that differ in case apart', () => {
    const upper = sshHost({ id: 'a', name: 'a', group: 'Lab' });
    const lower = sshHost({ id: 'b', name: 'b', group: 'lab' });
    expect(groupHosts([lower, upper]).map((group) => group.name)).toEqual(['Lab', 'lab']);
  });

  it('returns no groups for no hosts', () => {
    expect(groupHosts([])).toEqual([]);
  });
});

describe('summariseContainers', () => {
  it('counts exited, created and dead as stopped', () => {
    expect(
      summariseContainers({ running: 3, paused: 1, restarting: 2, exited: 4, created: 1, dead: 1, total: 13 }),
    ).toEqual({ running: 3, stopped: 6, paused: 1, restarting: 2, total: 13 });
  });
});
