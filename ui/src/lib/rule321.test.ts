import { describe, expect, it } from 'vitest';
import type { Rule321Report } from './ipc/types';
import { breaksRule, findingValues, meetsRule, sameReport } from './rule321';

const met: Rule321Report = {
  copies: 3,
  media: 2,
  offsite_copies: 1,
  findings: [{ code: 'offsite_distance_unknown', repository: 'cloud', min_distance_km: 50 }],
};

describe('breaksRule', () => {
  it('separates rule parts from advice', () => {
    expect(breaksRule({ code: 'too_few_copies', copies: 2, required: 3 })).toBe(true);
    expect(breaksRule({ code: 'too_few_media', media: 1, required: 2 })).toBe(true);
    expect(breaksRule({ code: 'no_offsite_copy', min_distance_km: 50 })).toBe(true);
    expect(breaksRule({ code: 'offsite_too_close', repository: 'x', distance_km: 5, min_distance_km: 50 })).toBe(true);
    expect(breaksRule({ code: 'offsite_distance_unknown', repository: 'x', min_distance_km: 50 })).toBe(false);
    expect(breaksRule({ code: 'same_disk_as_source', repository: 'x' })).toBe(false);
    expect(breaksRule({ code: 'no_good_snapshot', repository: 'x' })).toBe(false);
  });
});

describe('meetsRule', () => {
  it('ignores advice', () => {
    expect(meetsRule(met)).toBe(true);
  });

  it('fails on a rule-breaking finding', () => {
    expect(meetsRule({ ...met, findings: [{ code: 'no_offsite_copy', min_distance_km: 50 }] })).toBe(false);
  });
});

describe('findingValues', () => {
  it('renames snake_case fields and drops the code', () => {
    const values = findingValues({ code: 'offsite_too_close', repository: 'nas', distance_km: 12, min_distance_km: 50 });
    expect(values).toEqual({ repository: 'nas', distanceKm: 12, minDistanceKm: 50 });
  });
});

describe('sameReport', () => {
  it('compares counts and findings', () => {
    expect(sameReport(met, { ...met, findings: [...met.findings] })).toBe(true);
    expect(sameReport(met, { ...met, copies: 2 })).toBe(false);
    expect(sameReport(met, { ...met, findings: [] })).toBe(false);
  });
});
