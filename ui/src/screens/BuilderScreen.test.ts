// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { BuilderDraft, BuilderState, BuilderView, ServiceCard } from '../lib/ipc/types';
import BuilderScreen from './BuilderScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

function card(name: string, extra: Partial<ServiceCard> = {}): ServiceCard {
  return {
    name,
    image: 'nginx:1.27',
    ports: [],
    volumes: [],
    environment: [],
    networks: ['default'],
    dependsOn: [],
    cpus: null,
    memory: null,
    route: null,
    proxy: null,
    line: 2,
    ...extra,
  };
}

const webRoute = { service: 'web', hostname: 'web.home.arpa', port: '80', internalTls: true };

const routedView: BuilderView = {
  services: [card('caddy', { image: 'caddy:2.10-alpine', proxy: 'caddy' }), card('web', { line: 14, route: webRoute })],
  networks: ['default'],
  volumes: ['caddy-data'],
  proxy: { service: 'caddy', kind: 'caddy' },
  routes: [webRoute],
};

function stateOf(draft: BuilderDraft, view: BuilderView | null, extra: Partial<BuilderState> = {}): BuilderState {
  return { draft, view, diagnostics: [], risks: [], renamed: [], ...extra };
}

const routedDraft: BuilderDraft = {
  compose: 'services:\n  caddy:\n    image: caddy:2.10-alpine\n',
  env: '',
  files: [{ path: 'Caddyfile', contents: 'web.home.arpa {\n\ttls internal\n}\n' }],
};

beforeAll(async () => {
  // jsdom has no ResizeObserver, which the canvas's width binding uses.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
  localStorage.clear();
});

function answer(handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const withKeychain: Record<string, (args: Record<string, unknown>) => unknown> = {
    builder_env_load: () => '',
    builder_env_save: () => null,
    ...handlers,
  };
  invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
    const handler = withKeychain[command];
    if (!handler) {
      throw { code: 'Internal', message: `unexpected ${command}`, params: {} };
    }
    return handler(args);
  });
}

describe('BuilderScreen', () => {
  it('draws cards, the route line and the Caddyfile tab', async () => {
    answer({
      builder_open: () => stateOf(routedDraft, routedView),
      template_list: () => [],
    });
    render(BuilderScreen);

    const cards = await screen.findAllByTestId('builder-card');
    expect(cards.map((element) => element.dataset.service)).toEqual(['caddy', 'web']);
    expect(within(cards[1]).getByTestId('card-route').textContent).toContain('web.home.arpa');
    const edges = screen.getAllByTestId('builder-edge');
    expect(edges.map((edge) => edge.getAttribute('data-kind'))).toEqual(['route']);
    expect(screen.getByTestId('tab-caddyfile')).toBeTruthy();
  });

  it('adds a blank service through one edit', async () => {
    const empty = { compose: 'services:\n', env: '', files: [] };
    answer({
      builder_open: () => stateOf(empty, { ...routedView, services: [], proxy: null, routes: [] }),
      template_list: () => [],
      builder_edit: (args) => {
        expect(args.edit).toEqual({ op: 'addService', name: 'sonarr', image: 'lscr.io/linuxserver/sonarr:4' });
        return stateOf({ ...empty, compose: 'services:\n  sonarr:\n    image: lscr.io/linuxserver/sonarr:4\n' }, {
          ...routedView,
          services: [card('sonarr', { image: 'lscr.io/linuxserver/sonarr:4' })],
          proxy: null,
          routes: [],
        });
      },
    });
    render(BuilderScreen);
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('builder_open', expect.anything()));

    await fireEvent.input(screen.getByTestId('builder-new-image'), {
      target: { value: 'lscr.io/linuxserver/sonarr:4' },
    });
    await fireEvent.click(screen.getByTestId('builder-add-blank'));

    const inspector = await screen.findByTestId('service-inspector');
    expect(inspector.dataset.service).toBe('sonarr');
    expect(JSON.parse(localStorage.getItem('homeport.builder.draft') ?? '{}').compose).toContain('sonarr');
  });

  it('adds a template dropped on the canvas', async () => {
    const empty = { compose: 'services:\n', env: '', files: [] };
    answer({
      builder_open: () => stateOf(empty, { ...routedView, services: [], proxy: null, routes: [] }),
      template_list: () => [],
      builder_add_template: (args) => {
        expect(args.templateId).toBe('vaultwarden');
        return stateOf(empty, { ...routedView, services: [card('vaultwarden')], proxy: null, routes: [] });
      },
    });
    render(BuilderScreen);
    const canvas = await screen.findByTestId('builder-canvas');
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('builder_open', expect.anything()));

    const data = new Map([['application/x-homeport-builder', 'template:vaultwarden']]);
    await fireEvent.drop(canvas, {
      clientX: 300,
      clientY: 200,
      dataTransfer: { getData: (type: string) => data.get(type) ?? '' },
    });
    const cards = await screen.findAllByTestId('builder-card');
    expect(cards[0].dataset.service).toBe('vaultwarden');
  });

  it('keeps the last canvas while the YAML does not parse', async () => {
    answer({
      builder_open: () =>
        stateOf({ compose: 'services: [', env: '', files: [] }, null, {
          diagnostics: [
            {
              file: 'compose.yaml',
              line: 1,
              column: 11,
              severity: 'error',
              code: 'yaml_syntax',
              message: 'did not find expected node content',
              value: '',
              hint: 'fix the YAML syntax',
            },
          ],
        }),
      template_list: () => [],
    });
    render(BuilderScreen);
    expect(await screen.findByTestId('builder-stale')).toBeTruthy();
    const status = screen.getByTestId('builder-status');
    expect(status.dataset.errors).toBe('1');
    expect((screen.getByTestId('builder-deploy') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('builder-problems').textContent).toContain('YAML syntax');
  });

  it('shows Chinese labels', async () => {
    await locale.set('zh-CN');
    answer({
      builder_open: () => stateOf(routedDraft, routedView),
      template_list: () => [],
    });
    render(BuilderScreen);
    expect(await screen.findByText('应用栈构建器')).toBeTruthy();
    await locale.set('en');
  });

  it('keeps .env in the keychain, not in window storage', async () => {
    const saved: string[] = [];
    answer({
      builder_env_load: () => 'APP_PORT=8080\n',
      builder_open: (args) => {
        const draft = args.draft as BuilderDraft;
        expect(draft.env).toBe('APP_PORT=8080\n');
        return stateOf({ ...draft, env: 'APP_PORT=8080\nDB_PASSWORD=s3cret\n' }, routedView);
      },
      builder_env_save: (args) => {
        saved.push(args.env as string);
        return null;
      },
      template_list: () => [],
    });
    render(BuilderScreen);
    await waitFor(() => expect(saved).toEqual(['APP_PORT=8080\nDB_PASSWORD=s3cret\n']));
    expect(localStorage.getItem('homeport.builder.draft') ?? '').not.toContain('s3cret');
  });

  it('asks before removing a service', async () => {
    const edits: unknown[] = [];
    answer({
      builder_open: () => stateOf(routedDraft, routedView),
      template_list: () => [],
      builder_edit: (args) => {
        edits.push(args.edit);
        return stateOf(routedDraft, { ...routedView, services: [routedView.services[0]], routes: [] });
      },
    });
    render(BuilderScreen);
    const card = (await screen.findAllByTestId('builder-card')).find((element) => element.dataset.service === 'web');
    await fireEvent.pointerDown(card!);
    await fireEvent.click(await screen.findByTestId('inspector-remove'));
    expect(edits).toEqual([]);

    await fireEvent.click(await screen.findByTestId('confirm-ok'));
    await waitFor(() => expect(edits).toEqual([{ op: 'removeService', name: 'web' }]));
  });
});
