import { describe, expect, it } from 'vitest';
import { applyDeployEvent, initialProgress, isValidStackName } from './deploy';

describe('deploy progress', () => {
  it('follows stages from waiting to done with their lines', () => {
    let progress = initialProgress();
    progress = applyDeployEvent(progress, { kind: 'stageStarted', stage: 'pull' });
    progress = applyDeployEvent(progress, {
      kind: 'layer',
      service: 'web',
      image: 'nginx',
      layer: 'abc',
      status: 'Downloading',
      current: 1,
      total: 2,
    });
    progress = applyDeployEvent(progress, { kind: 'line', stage: 'pull', service: null, text: 'skipped db' });
    progress = applyDeployEvent(progress, { kind: 'stageFinished', stage: 'pull', outcome: 'done', millis: 12 });

    const pull = progress.find((entry) => entry.stage === 'pull');
    expect(pull?.state).toBe('done');
    expect(pull?.millis).toBe(12);
    expect(pull?.lines).toEqual(['web abc: Downloading', 'skipped db']);
    expect(progress.find((entry) => entry.stage === 'create')?.state).toBe('waiting');
  });

  it('keeps at most 200 lines per stage', () => {
    let progress = initialProgress();
    for (let index = 0; index < 250; index += 1) {
      progress = applyDeployEvent(progress, { kind: 'line', stage: 'start', service: 'web', text: `${index}` });
    }
    const lines = progress.find((entry) => entry.stage === 'start')?.lines ?? [];
    expect(lines).toHaveLength(200);
    expect(lines[0]).toBe('web: 50');
  });

  it('accepts Compose project names only', () => {
    expect(isValidStackName('media-1')).toBe(true);
    expect(isValidStackName('Media')).toBe(false);
    expect(isValidStackName('-x')).toBe(false);
    expect(isValidStackName('')).toBe(false);
  });
});
