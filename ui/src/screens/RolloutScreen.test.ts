// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { RolloutItemView, RolloutView } from '../lib/ipc/types';
import RolloutScreen from './RolloutScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const text = (en: string) => ({ en, zhCn: `${en} (zh)` });

function item(id: string, detected: boolean, evidence: string[] = []): RolloutItemView {
  return {
    id,
    title: text(id),
    detail: text(`${id} detail`),
    detectable: detected || id === 'monitoring',
    detected,
    evidence,
    checked: false,
    done: detected,
  };
}

function plan(): RolloutView {
  return {
    phases: [
      {
        id: 'core',
        title: text('Core services'),
        duration: text('2-3 weeks'),
        items: [
          item('reverse_proxy', true, ['nas: caddy:2']),
          item('monitoring', false),
          item('backups', false),
          item('orchestrator', false),
        ],
        done: 1,
        total: 4,
      },
    ],
    choice: null,
    hosts: 2,
    unreachable: [{ host: 'pi', code: 'HostUnreachable' }],
  };
}

let failCheck = false;

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  failCheck = false;
  invoke.mockReset();
  invoke.mockImplementation((command: string) => {
    if (command === 'rollout_status') {
      return Promise.resolve(plan());
    }
    if (command === 'rollout_check') {
      return failCheck
        ? Promise.reject({ code: 'Storage', message: 'disk full', params: { detail: 'disk full' } })
        : Promise.resolve(null);
    }
    return Promise.reject({ code: 'Internal', message: `unexpected ${command}`, params: {} });
  });
});

describe('RolloutScreen', () => {
  it('shows detected items, progress and unreachable hosts', async () => {
    render(RolloutScreen, { onwizard: () => {} });
    const detected = await screen.findByTestId('rollout-detected-reverse_proxy');
    expect(detected.textContent).toContain('nas: caddy:2');
    expect((screen.getByTestId('rollout-check-reverse_proxy') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('rollout-progress-core').textContent).toContain('1 of 4');
    expect(screen.getByTestId('rollout-unreachable').textContent).toContain('pi');
    expect(screen.getByTestId('rollout-open-wizard')).toBeTruthy();
  });

  it('names the saved platform', async () => {
    const saved = plan();
    saved.phases[0].items[3] = item('orchestrator', true, ['k3s']);
    saved.choice = {
      answers: { team: 'solo', workloads: 'containers', scale: 'edge', ops: 'limited' },
      platform: 'k3s',
      platformName: text('K3s'),
      runnerUp: 'swarm',
      savedAt: '2024-01-01T00:00:00Z',
    };
    invoke.mockImplementation(() => Promise.resolve(saved));
    render(RolloutScreen);
    const detected = await screen.findByTestId('rollout-detected-orchestrator');
    expect(detected.textContent).toContain('Seen by Homeport: K3s');
  });

  it('ticks an item by hand', async () => {
    render(RolloutScreen);
    const box = (await screen.findByTestId('rollout-check-backups')) as HTMLInputElement;
    await fireEvent.click(box);
    expect(invoke).toHaveBeenCalledWith('rollout_check', { item: 'backups', checked: true });
    await waitFor(() =>
      expect(screen.getByTestId('rollout-progress-core').textContent).toContain('2 of 4'),
    );
    expect(screen.getByTestId('rollout-item-backups').textContent).toContain('Ticked by hand');
  });

  it('puts the tick back when saving fails', async () => {
    failCheck = true;
    render(RolloutScreen);
    const box = (await screen.findByTestId('rollout-check-backups')) as HTMLInputElement;
    await fireEvent.click(box);
    await screen.findByTestId('error-banner');
    expect(screen.getByTestId('rollout-progress-core').textContent).toContain('1 of 4');
    expect(box.checked).toBe(false);
  });
});
