// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { AlertRuleView, AlertView, IpcError } from '../lib/ipc/types';
import InboxScreen from './InboxScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

function alert(overrides: Partial<AlertView>): AlertView {
  return {
    id: 'a1',
    source: 'homeport',
    rule: 'filesystem_full',
    ruleName: 'FilesystemFull',
    hostId: 'h1',
    hostName: 'nas',
    service: '/data',
    severity: 'P2',
    state: 'firing',
    params: { value: '91', threshold: '80', op: '>', metric: 'filesystem_used_percent' },
    count: 3,
    firstSeen: new Date(Date.now() - 60_000).toISOString(),
    lastSeen: new Date().toISOString(),
    resolvedAt: null,
    acknowledgedAt: null,
    silencedUntil: null,
    resolvedBy: null,
    dueAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    overdue: false,
    silenced: false,
    comments: [],
    ...overrides,
  };
}

const overdue = alert({
  id: 'a2',
  rule: 'host_unreachable',
  service: '',
  severity: 'P0',
  count: 1,
  params: { host: 'nas', detail: 'connection refused' },
  dueAt: new Date(Date.now() - 10 * 60_000).toISOString(),
  overdue: true,
});

const rule: AlertRuleView = {
  id: 'filesystem_full',
  name: 'FilesystemFull',
  source: 'builtin',
  enabled: true,
  kind: 'threshold',
  metric: 'filesystem_used_percent',
  op: '>',
  threshold: 80,
  increaseSeconds: null,
  forSeconds: 0,
  severity: 'P2',
  expr: 'filesystem_used_percent > 80',
  group: null,
  labels: {},
  annotations: {},
  evaluatedHere: true,
  flap: null,
  keepFiringFor: null,
};

let listed: AlertView[];

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  listed = [alert({}), overdue];
  invoke.mockReset();
  invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
    switch (command) {
      case 'alerts_list':
        return listed;
      case 'alerts_ack':
        return { ...listed.find((item) => item.id === args.id), state: 'acknowledged' };
      case 'alerts_silence':
        return {
          ...listed.find((item) => item.id === args.id),
          silenced: true,
          silencedUntil: new Date(Date.now() + (args.minutes as number) * 60_000).toISOString(),
        };
      case 'alerts_resolve':
        return { ...listed.find((item) => item.id === args.id), state: 'resolved' };
      case 'alerts_comment':
        return {
          ...listed.find((item) => item.id === args.id),
          comments: [{ id: 'c1', author: 'you', body: args.text, createdAt: new Date().toISOString() }],
        };
      case 'alerts_rules':
        return [rule];
      case 'alerts_rule_update':
        return { ...rule, ...(args.update as object), threshold: (args.update as { threshold: number }).threshold ?? 80 };
      case 'alerts_rule_create': {
        const input = args.rule as { name: string; flap: AlertRuleView['flap'] };
        return { ...rule, id: `custom:${input.name}`, name: input.name, source: 'custom', flap: input.flap };
      }
      case 'alerts_rule_remove':
        return null;
      case 'alerts_rules_import': {
        if (!args.wrap) {
          const error: IpcError = {
            code: 'RuleFileInvalid',
            message: 'list',
            params: { file: args.path as string, kind: 'topLevelList', line: '1', column: '1', detail: 'a list' },
          };
          throw error;
        }
        return { imported: [rule], replaced: 0, skippedRecords: [], wrapped: true };
      }
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
});

describe('InboxScreen', () => {
  it('groups alerts and marks the overdue one', async () => {
    render(InboxScreen);
    const items = await screen.findAllByTestId('inbox-alert');
    expect(items).toHaveLength(2);
    expect(screen.getAllByTestId('inbox-group')).toHaveLength(2);
    const late = items.find((item) => item.dataset.rule === 'host_unreachable');
    expect(late?.dataset.overdue).toBe('true');
    expect(within(late as HTMLElement).getByTestId('inbox-timer').textContent).toMatch(/^Overdue by 10 min/);
    const disk = items.find((item) => item.dataset.rule === 'filesystem_full') as HTMLElement;
    expect(within(disk).getByText('Seen 3 times')).toBeTruthy();
    expect(within(disk).getByTestId('inbox-timer').textContent).toMatch(/^Respond within 1 h 59 min|^Respond within 2 h/);
    expect(invoke).toHaveBeenCalledWith('alerts_list', expect.objectContaining({ filter: expect.objectContaining({ open: true }) }));
  });

  it('acknowledges, silences, comments and resolves', async () => {
    render(InboxScreen);
    const items = await screen.findAllByTestId('inbox-alert');
    const disk = items.find((item) => item.dataset.rule === 'filesystem_full') as HTMLElement;

    await fireEvent.click(within(disk).getByTestId('inbox-ack'));
    await waitFor(() => expect(within(disk).getByTestId('inbox-state').textContent).toBe('Acknowledged'));
    expect(invoke).toHaveBeenCalledWith('alerts_ack', { id: 'a1' });

    await fireEvent.change(within(disk).getByTestId('inbox-silence-minutes'), { target: { value: '240' } });
    await fireEvent.click(within(disk).getByTestId('inbox-silence'));
    await waitFor(() => expect(within(disk).getByTestId('inbox-silenced')).toBeTruthy());
    expect(invoke).toHaveBeenCalledWith('alerts_silence', { id: 'a1', minutes: 240 });

    await fireEvent.input(within(disk).getByTestId('inbox-comment-input'), { target: { value: 'cleaning up' } });
    await fireEvent.click(within(disk).getByTestId('inbox-comment-send'));
    await waitFor(() => expect(within(disk).getByTestId('inbox-comment').textContent).toContain('cleaning up'));

    await fireEvent.click(within(disk).getByTestId('inbox-resolve'));
    await waitFor(() => expect(screen.getAllByTestId('inbox-alert')).toHaveLength(1));
  });

  it('filters by host and state', async () => {
    render(InboxScreen);
    await screen.findAllByTestId('inbox-alert');
    await fireEvent.change(screen.getByTestId('inbox-host'), { target: { value: 'h1' } });
    await waitFor(() =>
      expect(invoke).toHaveBeenLastCalledWith(
        'alerts_list',
        expect.objectContaining({ filter: expect.objectContaining({ hostId: 'h1', states: [] }) }),
      ),
    );
    await fireEvent.change(screen.getByTestId('inbox-state-filter'), { target: { value: 'acknowledged' } });
    await waitFor(() =>
      expect(invoke).toHaveBeenLastCalledWith(
        'alerts_list',
        expect.objectContaining({ filter: expect.objectContaining({ hostId: 'h1', states: ['acknowledged'] }) }),
      ),
    );
  });

  it('searches the history', async () => {
    render(InboxScreen);
    await screen.findAllByTestId('inbox-alert');
    listed = [];
    await fireEvent.click(screen.getByTestId('inbox-tab-history'));
    await screen.findByTestId('inbox-empty');
    await fireEvent.input(screen.getByTestId('inbox-search'), { target: { value: 'disk' } });
    await fireEvent.submit(screen.getByTestId('inbox-search').closest('form') as HTMLFormElement);
    await waitFor(() =>
      expect(invoke).toHaveBeenLastCalledWith(
        'alerts_list',
        expect.objectContaining({ filter: expect.objectContaining({ open: false, search: 'disk' }) }),
      ),
    );
  });

  it('edits a rule and offers to wrap a bare list on import', async () => {
    render(InboxScreen);
    await fireEvent.click(screen.getByTestId('inbox-tab-rules'));
    const row = await screen.findByTestId('rule-row');
    await fireEvent.click(within(row).getByTestId('rule-edit'));
    await fireEvent.input(within(row).getByTestId('rule-threshold'), { target: { value: '1' } });
    await fireEvent.input(within(row).getByTestId('rule-for'), { target: { value: 'soon' } });
    await fireEvent.click(within(row).getByTestId('rule-save'));
    expect(await within(row).findByRole('alert')).toBeTruthy();
    await fireEvent.input(within(row).getByTestId('rule-for'), { target: { value: '5m' } });
    await fireEvent.click(within(row).getByTestId('rule-save'));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('alerts_rule_update', {
        id: 'filesystem_full',
        update: { enabled: null, threshold: 1, forSeconds: 300, severity: 'P2', flap: null, clearFlap: null },
      }),
    );

    await fireEvent.input(screen.getByTestId('rules-import-path'), { target: { value: '/tmp/list.yml' } });
    await fireEvent.click(screen.getByTestId('rules-import'));
    await screen.findByTestId('rules-wrap-offer');
    await fireEvent.click(screen.getByTestId('rules-wrap-import'));
    await waitFor(() => expect(screen.getByTestId('rules-notice').textContent).toContain('1 rule imported'));
    expect(invoke).toHaveBeenCalledWith('alerts_rules_import', { path: '/tmp/list.yml', wrap: true });
  });

  it('adds a rule with a flapping guard, checks its fields first, and removes it on a second press', async () => {
    render(InboxScreen);
    await fireEvent.click(screen.getByTestId('inbox-tab-rules'));
    await screen.findByTestId('rule-row');
    await fireEvent.click(screen.getByTestId('rule-new'));
    const form = await screen.findByTestId('rule-new-form');
    await fireEvent.input(within(form).getByTestId('rule-new-name'), { target: { value: 'high load' } });
    await fireEvent.input(within(form).getByTestId('rule-new-metric'), { target: { value: 'load1' } });
    await fireEvent.input(within(form).getByTestId('rule-new-threshold'), { target: { value: '4' } });
    await fireEvent.click(within(form).getByTestId('rule-new-save'));
    expect((await within(form).findByTestId('rule-new-problem')).textContent).toContain('HighLoad');
    expect(invoke).not.toHaveBeenCalledWith('alerts_rule_create', expect.anything());

    await fireEvent.input(within(form).getByTestId('rule-new-name'), { target: { value: 'HighLoad' } });
    await fireEvent.click(within(form).getByTestId('rule-new-flap-on'));
    await fireEvent.input(within(form).getByTestId('rule-new-flap-down'), { target: { value: '0' } });
    await fireEvent.click(within(form).getByTestId('rule-new-save'));
    await waitFor(() => expect(within(form).getByTestId('rule-new-problem').textContent).toContain('1 to 1000'));

    await fireEvent.input(within(form).getByTestId('rule-new-flap-down'), { target: { value: '2' } });
    await fireEvent.input(within(form).getByTestId('rule-new-flap-up'), { target: { value: '3' } });
    await fireEvent.click(within(form).getByTestId('rule-new-save'));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('alerts_rule_create', {
        rule: {
          name: 'HighLoad',
          metric: 'load1',
          matchers: {},
          op: '>',
          threshold: 4,
          increaseSeconds: null,
          forSeconds: 300,
          severity: 'P2',
          summary: null,
          flap: { downAfter: 2, upAfter: 3, renotifyMinutes: 60, maxRenotify: 3 },
        },
      }),
    );
    expect(screen.getByTestId('rules-notice').textContent).toContain('HighLoad');
    const added = (await screen.findAllByTestId('rule-row')).find((row) => row.dataset.rule === 'custom:HighLoad');
    expect(added).toBeTruthy();
    expect(screen.getByTestId('rule-flap-summary').textContent).toContain('open after 2 failures');

    const remove = within(added as HTMLElement).getByTestId('rule-remove');
    await fireEvent.click(remove);
    expect(invoke).not.toHaveBeenCalledWith('alerts_rule_remove', expect.anything());
    await fireEvent.click(remove);
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('alerts_rule_remove', { id: 'custom:HighLoad' }));
    await waitFor(() =>
      expect(screen.getAllByTestId('rule-row').every((row) => row.dataset.rule !== 'custom:HighLoad')).toBe(true),
    );
  });

  it('turns on the flapping guard of an existing rule', async () => {
    render(InboxScreen);
    await fireEvent.click(screen.getByTestId('inbox-tab-rules'));
    const row = await screen.findByTestId('rule-row');
    await fireEvent.click(within(row).getByTestId('rule-edit'));
    await fireEvent.click(await screen.findByTestId('rule-flap-on'));
    await fireEvent.input(screen.getByTestId('rule-flap-every'), { target: { value: '30' } });
    await fireEvent.click(within(row).getByTestId('rule-save'));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('alerts_rule_update', {
        id: 'filesystem_full',
        update: {
          enabled: null,
          threshold: 80,
          forSeconds: 0,
          severity: 'P2',
          flap: { downAfter: 2, upAfter: 2, renotifyMinutes: 30, maxRenotify: 3 },
          clearFlap: null,
        },
      }),
    );
  });
});
