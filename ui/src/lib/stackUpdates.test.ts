import { describe, expect, it } from 'vitest';
import { applyDeployEvent, initialProgress } from './deploy';
import type { ImageUpdateView } from './ipc/types';
import { checkOf, shortDigest, UPDATE_STAGES, updatableServices } from './stackUpdates';

const OLD = `sha256:${'1'.repeat(64)}`;
const NEW = `sha256:${'2'.repeat(64)}`;

/** The registry digest each status comes with; the others have none. */
const REMOTE: Partial<Record<ImageUpdateView['status'], string>> = { updateAvailable: NEW, upToDate: OLD };

function check(service: string, status: ImageUpdateView['status']): ImageUpdateView {
  return {
    service,
    image: `127.0.0.9:5000/hp/${service}:1`,
    localDigest: status === 'localOnly' ? null : OLD,
    remoteDigest: REMOTE[status] ?? null,
    status,
    error: status === 'registryError' ? 'manifest unknown' : null,
  };
}

describe('stack image updates', () => {
  it('offers only services with a newer image', () => {
    const checks = [
      check('app', 'updateAvailable'),
      check('db', 'upToDate'),
      check('local', 'localOnly'),
      check('pinned', 'pinned'),
      check('gone', 'registryError'),
      check('worker', 'updateAvailable'),
    ];
    expect(updatableServices(checks)).toEqual(['app', 'worker']);
    expect(updatableServices([])).toEqual([]);
  });

  it('finds the check of a service', () => {
    const checks = [check('app', 'updateAvailable')];
    expect(checkOf(checks, 'app')?.status).toBe('updateAvailable');
    expect(checkOf(checks, 'db')).toBeUndefined();
    expect(checkOf(undefined, 'app')).toBeUndefined();
  });

  it('shortens digests as docker images --digests does', () => {
    expect(shortDigest(NEW)).toBe('sha256:222222222222');
    expect(shortDigest('sha256:abc')).toBe('sha256:abc');
    expect(shortDigest(null)).toBeNull();
  });

  it('tracks only the stages an update runs', () => {
    let progress = initialProgress(UPDATE_STAGES);
    expect(progress.map((entry) => entry.stage)).toEqual(['validate', 'pull', 'create', 'start', 'waitHealthy']);

    progress = applyDeployEvent(progress, { kind: 'stageStarted', stage: 'create' });
    progress = applyDeployEvent(progress, { kind: 'line', stage: 'create', service: 'app', text: 'recreated shop-app-1' });
    const create = progress.find((entry) => entry.stage === 'create');
    expect(create?.state).toBe('running');
    expect(create?.lines).toEqual(['app: recreated shop-app-1']);
    expect(progress.some((entry) => entry.stage === 'writeFiles')).toBe(false);
  });
});
