import { describe, expect, it } from 'vitest';
import { applyRunEvent, draftToDefinition, emptyDraft, emptyProgress, formatSeconds, mediaKind, percentOf, ruleFindings } from './backup';

const status = {
  percent_done: 0.456,
  total_files: 10,
  files_done: 4,
  total_bytes: 100,
  bytes_done: 45,
  seconds_remaining: null,
  current_files: [],
};

describe('applyRunEvent', () => {
  it('tracks run id, stage and progress', () => {
    let progress = applyRunEvent(emptyProgress(), { type: 'started', runId: 'r1', planId: 'p1', kind: 'backup' });
    expect(progress.runId).toBe('r1');
    progress = applyRunEvent(progress, { type: 'progress', repository: 'disk', status });
    expect(progress.status).toEqual(status);
    progress = applyRunEvent(progress, { type: 'stageStarted', position: 1, name: 'check', repository: 'disk' });
    expect(progress.stage).toBe('check');
    expect(progress.status).toBeNull();
    progress = applyRunEvent(progress, { type: 'finished', runId: 'r1', status: 'succeeded' });
    expect(progress.finished).toBe(true);
  });
});

describe('percentOf and formatSeconds', () => {
  it('rounds the fraction to whole percent', () => {
    expect(percentOf(status)).toBe(46);
    expect(percentOf({ ...status, percent_done: 1.2 })).toBe(100);
  });

  it('formats hours, minutes and seconds', () => {
    expect(formatSeconds(12)).toBe('12s');
    expect(formatSeconds(250)).toBe('4m 10s');
    expect(formatSeconds(3900)).toBe('1h 5m');
    expect(formatSeconds(-3)).toBe('0s');
  });
});

describe('ruleFindings', () => {
  it('reports one local repository', () => {
    expect(ruleFindings([{ name: 'disk', location: '/mnt/b', copyFrom: null }])).toEqual([
      'too_few_copies',
      'too_few_media',
      'no_offsite_copy',
    ]);
  });

  it('accepts a local and an offsite repository', () => {
    const repositories = [
      { name: 'disk', location: '/mnt/b', copyFrom: null },
      { name: 'offsite', location: 'rclone:b2:bucket', copyFrom: 'disk' },
    ];
    expect(ruleFindings(repositories)).toEqual([]);
  });

  it('classifies locations by media', () => {
    expect(mediaKind('/mnt/b')).toBe('disk');
    expect(mediaKind('sftp:u@h:/b')).toBe('sftp');
    expect(mediaKind('s3:https://s/b')).toBe('cloud');
    expect(mediaKind('rclone:r:b')).toBe('cloud');
  });
});

describe('draftToDefinition', () => {
  it('builds items and repositories from lines', () => {
    const draft = {
      ...emptyDraft('h1'),
      name: ' nas ',
      paths: '/srv/a\n\n /srv/b ',
      databases: 'db postgres\nshop',
      repositories: 'disk /mnt/b\noffsite rclone:b2:x disk',
    };
    const definition = draftToDefinition(draft);
    expect(definition.name).toBe('nas');
    expect(definition.host).toBe('h1');
    expect(definition.items).toEqual([
      { kind: 'path', path: '/srv/a' },
      { kind: 'path', path: '/srv/b' },
      { kind: 'database', container: 'db', engine: 'postgres' },
      { kind: 'database', container: 'shop', engine: '' },
    ]);
    expect(definition.repositories).toEqual([
      { name: 'disk', location: '/mnt/b', copyFrom: null },
      { name: 'offsite', location: 'rclone:b2:x', copyFrom: 'disk' },
    ]);
    expect(definition.schedule).toBe('0 3 * * *');
    expect(definition.retention).toEqual({ keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
  });
});
