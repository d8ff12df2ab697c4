import { describe, expect, it } from 'vitest';
import type { PrefillView, RolloutItemView, RolloutView, SavedChoiceView } from './ipc/types';
import { completeAnswers, phasePercent, startingAnswers, withChecked } from './orchestrators';

const text = (en: string) => ({ en, zhCn: en });

const prefill: PrefillView = {
  team: null,
  workloads: 'containers',
  scale: 'few',
  ops: null,
  hosts: 3,
  hostsWithFacts: 3,
  cpuCores: 12,
  memoryBytes: 24 * 2 ** 30,
  smallHosts: 0,
  hostsWithStacksCounted: 1,
  stacks: 4,
};

const saved: SavedChoiceView = {
  answers: { team: 'solo', workloads: 'mixed', scale: 'edge', ops: 'none' },
  platform: 'nomad',
  platformName: text('HashiCorp Nomad'),
  runnerUp: 'k3s',
  savedAt: '2024-01-01T00:00:00Z',
};

function item(id: string, detected: boolean, checked: boolean): RolloutItemView {
  return {
    id,
    title: text(id),
    detail: text(id),
    detectable: detected,
    detected,
    evidence: [],
    checked,
    done: detected || checked,
  };
}

describe('startingAnswers', () => {
  it('marks fleet guesses as prefilled', () => {
    const start = startingAnswers(null, prefill);
    expect(start.answers).toEqual({ workloads: 'containers', scale: 'few' });
    expect(start.prefilled).toEqual(['workloads', 'scale']);
  });

  it('prefers the saved choice', () => {
    const start = startingAnswers(saved, prefill);
    expect(start.answers).toEqual(saved.answers);
    expect(start.prefilled).toEqual([]);
  });

  it('starts empty without data', () => {
    expect(startingAnswers(null, null)).toEqual({ answers: {}, prefilled: [] });
  });
});

describe('completeAnswers', () => {
  it('needs all four answers', () => {
    expect(completeAnswers({ team: 'solo', workloads: 'containers', scale: 'single' })).toBeNull();
    expect(
      completeAnswers({ team: 'solo', workloads: 'containers', scale: 'single', ops: 'none' }),
    ).toEqual({ team: 'solo', workloads: 'containers', scale: 'single', ops: 'none' });
  });
});

describe('withChecked', () => {
  const view: RolloutView = {
    phases: [
      {
        id: 'core',
        title: text('Core'),
        duration: text('2-3 weeks'),
        items: [item('reverse_proxy', true, false), item('backups', false, false)],
        done: 1,
        total: 2,
      },
    ],
    choice: null,
    hosts: 1,
    unreachable: [],
  };

  it('recounts the phase', () => {
    const next = withChecked(view, 'backups', true);
    expect(next.phases[0].done).toBe(2);
    expect(phasePercent(next.phases[0])).toBe(100);
    expect(next.phases[0].items[1].done).toBe(true);
  });

  it('keeps detected items done when unticked', () => {
    const next = withChecked(view, 'reverse_proxy', false);
    expect(next.phases[0].items[0].done).toBe(true);
    expect(next.phases[0].done).toBe(1);
  });
});
