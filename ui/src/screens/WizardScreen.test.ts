// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type {
  Answers,
  PrefillView,
  RecommendationView,
  SavedChoiceView,
  WizardView,
} from '../lib/ipc/types';
import WizardScreen from './WizardScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const text = (en: string, zhCn = `${en} (zh)`) => ({ en, zhCn });

function question(id: 'team' | 'workloads' | 'scale' | 'ops', options: string[]) {
  return {
    id,
    title: text(`${id}?`),
    help: text(`${id} help`),
    options: options.map((option) => ({
      id: option,
      label: text(`${option} label`),
      help: text(`${option} help`),
    })),
  };
}

const wizard: WizardView = {
  questions: [
    question('team', ['solo', 'small', 'medium', 'large']),
    question('workloads', ['containers', 'mixed']),
    question('scale', ['single', 'few', 'many', 'edge']),
    question('ops', ['none', 'limited', 'team']),
  ],
  matrix: ['compose', 'swarm', 'nomad', 'k3s', 'kubernetes'].map((id) => ({
    id: id as WizardView['matrix'][number]['id'],
    name: text(id),
    bestFor: text(`${id} best`),
    strength: text(`${id} strength`),
    learningCurve: text('low'),
    opsOverhead: text('low'),
  })),
  advice: [text('Adopt gradually.')],
};

const prefill: PrefillView = {
  team: null,
  workloads: 'containers',
  scale: 'many',
  ops: null,
  hosts: 8,
  hostsWithFacts: 8,
  cpuCores: 32,
  memoryBytes: 64 * 2 ** 30,
  smallHosts: 0,
  hostsWithStacksCounted: 0,
  stacks: 0,
};

function recommendation(answers: Answers): RecommendationView {
  const managed = answers.ops === 'none';
  return {
    answers,
    primary: managed ? 'managed_kubernetes' : 'k3s',
    primaryName: text(managed ? 'Managed Kubernetes' : 'K3s'),
    runnerUp: 'kubernetes',
    runnerUpName: text('Kubernetes'),
    highlight: managed ? 'kubernetes' : 'k3s',
    rule: 'test',
    summary: text('Because.'),
    reasons: [{ question: 'scale', answer: answers.scale, text: text('Many nodes.') }],
    conflicts:
      answers.team === 'solo' ? [{ id: 'solo_many_nodes', text: text('One person, many nodes.') }] : [],
    tips: [],
    advice: [text('Adopt gradually.')],
  };
}

let saved: SavedChoiceView | null = null;

function backend(command: string, args?: Record<string, unknown>): Promise<unknown> {
  switch (command) {
    case 'orchestrator_wizard':
      return Promise.resolve(wizard);
    case 'orchestrator_prefill':
      return Promise.resolve(prefill);
    case 'orchestrator_choice':
      return Promise.resolve(saved);
    case 'orchestrator_recommend':
      return Promise.resolve(recommendation(args?.answers as Answers));
    case 'orchestrator_save': {
      const answers = args?.answers as Answers;
      saved = {
        answers,
        platform: recommendation(answers).primary,
        platformName: recommendation(answers).primaryName,
        runnerUp: 'kubernetes',
        savedAt: '2024-01-01T00:00:00Z',
      };
      return Promise.resolve(saved);
    }
    default:
      return Promise.reject({ code: 'Internal', message: `unexpected ${command}`, params: {} });
  }
}

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  saved = null;
  invoke.mockReset();
  invoke.mockImplementation(backend);
});

describe('WizardScreen', () => {
  it('marks prefilled answers and clears the mark on change', async () => {
    render(WizardScreen);
    await screen.findByTestId('wizard-prefilled-scale');
    expect(screen.getByTestId('wizard-prefilled-workloads')).toBeTruthy();
    expect(screen.queryByTestId('wizard-prefilled-team')).toBeNull();
    expect((screen.getByTestId('wizard-answer-scale-many') as HTMLInputElement).checked).toBe(true);

    await fireEvent.click(screen.getByTestId('wizard-answer-scale-few'));
    expect(screen.queryByTestId('wizard-prefilled-scale')).toBeNull();
    expect(screen.getByTestId('wizard-prefilled-workloads')).toBeTruthy();
  });

  it('recommends once all answers are given and highlights the row', async () => {
    render(WizardScreen);
    await screen.findByTestId('wizard-incomplete');
    expect(invoke.mock.calls.some(([command]) => command === 'orchestrator_recommend')).toBe(false);

    await fireEvent.click(screen.getByTestId('wizard-answer-team-solo'));
    await fireEvent.click(screen.getByTestId('wizard-answer-ops-none'));

    const primary = await screen.findByTestId('wizard-primary');
    expect(primary.textContent).toBe('Managed Kubernetes');
    expect(screen.getByTestId('wizard-runner-up').textContent).toBe('Kubernetes');
    expect(screen.getByTestId('wizard-matrix-row-kubernetes').dataset.highlighted).toBe('true');
    expect(screen.getByTestId('wizard-matrix-row-k3s').dataset.highlighted).toBe('false');
    expect(screen.getByTestId('wizard-conflict-solo_many_nodes').textContent).toContain(
      'One person',
    );
    expect(screen.getByTestId('wizard-reasons').textContent).toContain('Many nodes.');
  });

  it('saves the choice', async () => {
    render(WizardScreen);
    await screen.findByTestId('wizard-incomplete');
    await fireEvent.click(screen.getByTestId('wizard-answer-team-small'));
    await fireEvent.click(screen.getByTestId('wizard-answer-ops-team'));
    const save = await screen.findByTestId('wizard-save');

    await fireEvent.click(save);
    await waitFor(() => expect(save.textContent).toContain('Saved as your choice'));
    expect(invoke).toHaveBeenCalledWith('orchestrator_save', {
      answers: { team: 'small', workloads: 'containers', scale: 'many', ops: 'team' },
    });
    expect((save as HTMLButtonElement).disabled).toBe(true);
  });

  it('starts from the saved choice', async () => {
    saved = {
      answers: { team: 'large', workloads: 'containers', scale: 'few', ops: 'limited' },
      platform: 'k3s',
      platformName: text('K3s'),
      runnerUp: 'kubernetes',
      savedAt: '2024-01-01T00:00:00Z',
    };
    render(WizardScreen);
    await screen.findByTestId('wizard-result');
    expect((screen.getByTestId('wizard-answer-team-large') as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId('wizard-prefilled-scale')).toBeNull();
    expect(screen.getByTestId('wizard-save').textContent).toContain('Saved as your choice');
  });

  it('shows Chinese texts', async () => {
    await locale.set('zh-CN');
    try {
      render(WizardScreen);
      await screen.findByTestId('wizard-question-team');
      expect(screen.getByText('team? (zh)')).toBeTruthy();
      expect(screen.getByTestId('wizard-prefilled-scale').textContent).toContain('根据主机推测');
    } finally {
      await locale.set('en');
    }
  });
});
