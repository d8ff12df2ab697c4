// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { RenderedTemplate, TemplateSourceView, TemplateView } from '../lib/ipc/types';
import CatalogScreen from './CatalogScreen.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const text = (en: string, zhCn: string) => ({ en, zhCn });

const jellyfin: TemplateView = {
  id: 'jellyfin',
  version: '1.0.0',
  title: text('Jellyfin', 'Jellyfin'),
  description: text('Media server for films', '电影媒体服务器'),
  category: 'media',
  icon: 'jellyfin',
  homepage: 'https://jellyfin.org',
  parameters: [
    {
      name: 'HTTP_PORT',
      kind: 'port',
      default: '8096',
      required: true,
      options: [],
      title: text('Web port', '网页端口'),
      help: text('The host port for the web UI.', '网页界面使用的主机端口。'),
      reason: text('8096 is Jellyfin’s own port.', '8096 是 Jellyfin 自身的端口。'),
    },
    {
      name: 'COMPOSE_PROFILES',
      kind: 'select',
      default: 'cpu',
      required: true,
      options: [
        { value: 'cpu', title: text('None', '不使用') },
        { value: 'intel', title: text('Intel Quick Sync', 'Intel Quick Sync') },
      ],
      title: text('Hardware transcoding', '硬件转码'),
      help: text('', ''),
      reason: text('Software transcoding starts everywhere.', '软件转码在任何主机上都能启动。'),
    },
  ],
  notes: [text('Turn transcoding on in the dashboard.', '在控制台中开启转码。')],
  compose: 'services:\n  jellyfin:\n    image: jellyfin/jellyfin\n',
  source: null,
  deployment: { kind: 'compose' },
  note: null,
};

const vaultwarden: TemplateView = {
  id: 'vaultwarden',
  version: '1.0.0',
  title: text('Vaultwarden', 'Vaultwarden'),
  description: text('Password manager server', '密码管理服务器'),
  category: 'security',
  icon: 'vaultwarden',
  homepage: 'https://github.com/dani-garcia/vaultwarden',
  parameters: [
    {
      name: 'ADMIN_TOKEN',
      kind: 'password',
      default: null,
      required: true,
      options: [],
      title: text('Admin token', '管理令牌'),
      help: text('Opens the admin page.', '用于打开管理页面。'),
      reason: text('Generated, so no two stacks share it.', '自动生成，各应用栈互不相同。'),
    },
    {
      name: 'SIGNUPS_ALLOWED',
      kind: 'bool',
      default: 'false',
      required: true,
      options: [],
      title: text('Allow sign-ups', '允许注册'),
      help: text('', ''),
      reason: text('Closed by default.', '默认关闭。'),
    },
  ],
  notes: [],
  compose: 'services:\n  vaultwarden:\n    image: vaultwarden/server\n',
  source: null,
  deployment: { kind: 'compose' },
  note: null,
};

const portainerSource: TemplateSourceView = {
  id: 3,
  kind: 'portainer',
  location: 'https://example.org/templates.json',
  locationKind: 'url',
  importedAt: '2025-01-01T10:00:00Z',
  refreshedAt: '2025-01-01T10:00:00Z',
  templateCount: 2,
};

const casaosSource: TemplateSourceView = {
  id: 4,
  kind: 'casaos',
  location: '/srv/Apps/Syncthing/docker-compose.yml',
  locationKind: 'file',
  importedAt: '2025-01-02T10:00:00Z',
  refreshedAt: '2025-01-02T10:00:00Z',
  templateCount: 1,
};

const portainerOrigin = {
  sourceId: 3,
  kind: 'portainer',
  location: portainerSource.location,
  locationKind: 'url',
} as const;

const nginx: TemplateView = {
  id: '3/web',
  version: '',
  title: text('Nginx', 'Nginx'),
  description: text('High performance web server', 'High performance web server'),
  category: 'webserver',
  icon: '',
  homepage: '',
  parameters: [
    {
      name: 'MODE',
      kind: 'select',
      default: 'prod',
      required: false,
      options: [
        { value: 'prod', title: text('Production', 'Production') },
        { value: 'debug', title: text('Debug', 'Debug') },
      ],
      title: text('Mode', 'Mode'),
      help: text('How the server runs', 'How the server runs'),
      reason: text('', ''),
    },
    {
      name: 'BUILD_ID',
      kind: 'hidden',
      default: 'a$b',
      required: false,
      options: [],
      title: text('Build', 'Build'),
      help: text('', ''),
      reason: text('', ''),
    },
  ],
  notes: [],
  compose: 'services:\n  web:\n    image: nginx:1.27\n',
  source: portainerOrigin,
  deployment: { kind: 'compose' },
  // The backend sends the note as text; markup in it must stay text.
  note: 'Open port 8080 after deploying.\n<b onclick="steal()">bold</b>',
};

const wordpress: TemplateView = {
  ...nginx,
  id: '3/wordpress',
  title: text('Wordpress', 'Wordpress'),
  description: text('Blog with a database', 'Blog with a database'),
  parameters: [],
  compose: '',
  deployment: {
    kind: 'repository',
    url: 'https://example.org/stacks',
    file: 'wordpress/docker-compose.yml',
  },
  note: null,
};

const syncthing: TemplateView = {
  ...nginx,
  id: '4/syncthing',
  title: text('Syncthing', 'Syncthing'),
  description: text('File synchronisation', '文件同步'),
  category: 'Backup',
  parameters: [],
  source: {
    sourceId: 4,
    kind: 'casaos',
    location: casaosSource.location,
    locationKind: 'file',
  },
  note: null,
};

const rendered: RenderedTemplate = {
  templateId: 'vaultwarden',
  compose: 'services:\n  vaultwarden:\n    image: vaultwarden/server:1.32\n',
  env: 'ADMIN_TOKEN=very-secret-generated-value\nSIGNUPS_ALLOWED=true\n',
  files: {},
  secrets: ['ADMIN_TOKEN'],
};

function backend(command: string): Promise<unknown> {
  switch (command) {
    case 'template_list':
      return Promise.resolve([jellyfin, vaultwarden, nginx, wordpress, syncthing]);
    case 'template_source_list':
      return Promise.resolve([portainerSource, casaosSource]);
    case 'host_list':
      return Promise.resolve([]);
    case 'template_render':
      return Promise.resolve(rendered);
    default:
      return Promise.resolve(null);
  }
}

function cardIds(): string[] {
  return screen.queryAllByTestId('catalog-card').map((card) => card.dataset.templateId ?? '');
}

function card(id: string): HTMLElement {
  const found = screen.getAllByTestId('catalog-card').find((element) => element.dataset.templateId === id);
  if (!found) {
    throw new Error(`no catalog card for ${id}`);
  }
  return found;
}

function param(name: string): HTMLElement {
  const found = screen.getAllByTestId('template-param').find((element) => element.dataset.name === name);
  if (!found) {
    throw new Error(`no parameter ${name}`);
  }
  return found;
}

function calls(command: string): unknown[][] {
  return invoke.mock.calls.filter((call) => call[0] === command);
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
  invoke.mockImplementation(backend);
});

describe('CatalogScreen', () => {
  it('groups template cards by category', async () => {
    render(CatalogScreen);

    await screen.findAllByTestId('catalog-card');
    const groups = screen.getAllByTestId('catalog-group');
    expect(groups.map((group) => group.dataset.category)).toEqual(['media', 'security']);
    expect(within(groups[0]).getByRole('heading').textContent).toBe('Media');
    expect(card('jellyfin').textContent).toContain('Media server for films');
  });

  it('filters cards by the search text in either language', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    const search = screen.getByTestId('catalog-search');

    await fireEvent.input(search, { target: { value: 'PASSWORD' } });
    expect(cardIds()).toEqual(['vaultwarden']);

    await fireEvent.input(search, { target: { value: '电影' } });
    expect(cardIds()).toEqual(['jellyfin']);

    await fireEvent.input(search, { target: { value: 'nothing like this' } });
    expect(cardIds()).toEqual([]);
    expect(screen.getByTestId('catalog-no-match').textContent).toContain('nothing like this');
  });

  it('shows parameters with default, help and reason', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');

    await fireEvent.click(card('jellyfin'));

    const detail = screen.getByTestId('template-detail');
    expect(within(detail).getByRole('heading', { level: 2 }).textContent).toBe('Jellyfin');
    const port = param('HTTP_PORT');
    expect(port.textContent).toContain('Web port');
    expect(port.textContent).toContain('port');
    expect(port.textContent).toContain('8096');
    expect(port.textContent).toContain('The host port for the web UI.');
    expect(within(port).getByTestId('template-reason').textContent).toContain(
      '8096 is Jellyfin’s own port.',
    );
    const select = within(param('COMPOSE_PROFILES')).getByTestId(
      'template-param-input',
    ) as HTMLSelectElement;
    expect(select.value).toBe('cpu');
    expect(detail.textContent).toContain('Turn transcoding on in the dashboard.');
  });

  it('shows the detail in Chinese', async () => {
    await locale.set('zh-CN');
    try {
      render(CatalogScreen);
      await screen.findAllByTestId('catalog-card');
      expect(card('jellyfin').textContent).toContain('电影媒体服务器');
      expect(screen.getAllByTestId('catalog-group')[0].textContent).toContain('媒体');

      await fireEvent.click(card('jellyfin'));
      expect(within(param('HTTP_PORT')).getByTestId('template-reason').textContent).toContain(
        '8096 是 Jellyfin 自身的端口。',
      );
      expect(param('COMPOSE_PROFILES').textContent).toContain('不使用');
    } finally {
      await locale.set('en');
    }
  });

  it('previews compose.yaml and secret names without the env text', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('vaultwarden'));

    expect(param('ADMIN_TOKEN').textContent).toContain('Generated when the stack is deployed.');
    expect(within(param('ADMIN_TOKEN')).queryByTestId('template-param-input')).toBeNull();
    await fireEvent.click(within(param('SIGNUPS_ALLOWED')).getByTestId('template-param-input'));
    await fireEvent.click(screen.getByTestId('template-preview'));

    const compose = await screen.findByTestId('template-compose');
    expect(compose.textContent).toBe(rendered.compose);
    expect(calls('template_render')[0][1]).toEqual({
      id: 'vaultwarden',
      values: { SIGNUPS_ALLOWED: 'true' },
    });
    expect(screen.getByTestId('template-secrets').textContent).toContain('ADMIN_TOKEN');
    expect(document.body.textContent).not.toContain('very-secret-generated-value');
  });

  it('drops the preview when a value changes', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('jellyfin'));
    await fireEvent.click(screen.getByTestId('template-preview'));
    await screen.findByTestId('template-compose');

    await fireEvent.input(within(param('HTTP_PORT')).getByTestId('template-param-input'), {
      target: { value: '8097' },
    });

    expect(screen.queryByTestId('template-compose')).toBeNull();
    await fireEvent.click(screen.getByTestId('template-preview'));
    await screen.findByTestId('template-compose');
    expect(calls('template_render')[1][1]).toEqual({
      id: 'jellyfin',
      values: { HTTP_PORT: '8097', COMPOSE_PROFILES: 'cpu' },
    });
  });

  it('shows a render error in the dialog', async () => {
    invoke.mockImplementation((command: string) => {
      if (command === 'template_render') {
        return Promise.reject({
          code: 'InvalidInput',
          message: 'x',
          params: { field: 'parameter', value: 'HTTP_PORT=0', detail: 'expected a port from 1 to 65535' },
        });
      }
      return backend(command);
    });
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('jellyfin'));

    await fireEvent.click(screen.getByTestId('template-preview'));

    const banner = await within(screen.getByTestId('template-detail')).findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('InvalidInput');
    expect(screen.queryByTestId('template-compose')).toBeNull();
  });

  it('opens the homepage through open_external', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('jellyfin'));

    await fireEvent.click(screen.getByTestId('template-homepage'));

    await waitFor(() => expect(calls('open_external')).toHaveLength(1));
    expect(calls('open_external')[0][1]).toEqual({ url: 'https://jellyfin.org' });
  });

  it('shows a list error with retry', async () => {
    let fail = true;
    invoke.mockImplementation((command: string) => {
      if (command === 'template_list' && fail) {
        return Promise.reject({ code: 'Internal', message: 'x', params: { detail: 'catalog invalid' } });
      }
      return backend(command);
    });
    render(CatalogScreen);

    const banner = await screen.findByTestId('error-banner');
    fail = false;
    await fireEvent.click(within(banner).getByText('Retry'));
    await screen.findAllByTestId('catalog-card');
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('shows imported templates under their source with a badge', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');

    const sources = screen.getAllByTestId('catalog-source');
    expect(sources.map((source) => source.dataset.sourceId)).toEqual(['3', '4']);
    const portainerCards = within(sources[0]).getAllByTestId('catalog-card');
    expect(portainerCards.map((found) => found.dataset.templateId)).toEqual(['3/web', '3/wordpress']);
    const badge = within(card('3/web')).getByTestId('template-source-badge');
    expect(badge.textContent?.trim()).toBe('Portainer: https://example.org/templates.json');
    const casaosBadge = within(card('4/syncthing')).getByTestId('template-source-badge');
    expect(casaosBadge.textContent?.trim()).toBe('CasaOS');
    expect(casaosBadge.getAttribute('title')).toBe('/srv/Apps/Syncthing/docker-compose.yml');
    // Built-in templates carry no badge and keep their category groups.
    expect(within(card('jellyfin')).queryByTestId('template-source-badge')).toBeNull();
    expect(screen.getAllByTestId('catalog-group').map((group) => group.dataset.category)).toEqual([
      'media',
      'security',
    ]);
  });

  it('offers select values in a dropdown and hides preset values', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('3/web'));

    const detail = screen.getByTestId('template-detail');
    expect(within(detail).getByTestId('template-source-badge').textContent).toContain('Portainer:');
    const select = within(param('MODE')).getByTestId('template-param-input') as HTMLSelectElement;
    expect(select.tagName).toBe('SELECT');
    expect([...select.options].map((option) => [option.value, option.textContent])).toEqual([
      ['prod', 'Production'],
      ['debug', 'Debug'],
    ]);
    expect(select.value).toBe('prod');
    expect(screen.queryAllByTestId('template-param').map((found) => found.dataset.name)).toEqual(['MODE']);
    expect(detail.textContent).not.toContain('BUILD_ID');
    expect(within(detail).getByTestId('template-hidden-count').textContent).toContain(
      'One value is set by the template',
    );

    await fireEvent.change(select, { target: { value: 'debug' } });
    await fireEvent.click(screen.getByTestId('template-preview'));
    await screen.findByTestId('template-compose');
    expect(calls('template_render')[0][1]).toEqual({ id: '3/web', values: { MODE: 'debug' } });
  });

  it('shows the note as text, never as markup', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('3/web'));

    const note = screen.getByTestId('template-note');
    expect(note.textContent).toBe(nginx.note);
    expect(note.querySelector('b')).toBeNull();
    expect(note.children).toHaveLength(0);
  });

  it('names the repository of a stack it cannot deploy', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('3/wordpress'));

    const message = screen.getByTestId('template-not-deployable');
    expect(message.dataset.kind).toBe('repository');
    expect(message.textContent).toContain('https://example.org/stacks');
    expect(message.textContent).toContain('wordpress/docker-compose.yml');
    expect(screen.queryByTestId('template-deploy')).toBeNull();
    expect(screen.queryByTestId('template-preview')).toBeNull();
  });

  it('suggests a stack name from an imported title', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(card('3/web'));
    await fireEvent.click(screen.getByTestId('template-deploy'));

    const name = (await screen.findByTestId('deploy-name')) as HTMLInputElement;
    expect(name.value).toBe('nginx');
  });

  it('imports a source and reloads the catalog', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    invoke.mockImplementation((command: string) => {
      if (command === 'template_source_import') {
        return Promise.resolve({ ...portainerSource, id: 5, location: '/home/me/templates.json' });
      }
      return backend(command);
    });

    await fireEvent.click(screen.getByTestId('catalog-import-open'));
    const submit = screen.getByTestId('template-import-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('template-import-location'), {
      target: { value: ' /home/me/templates.json ' },
    });
    await fireEvent.click(submit);

    await waitFor(() => expect(screen.queryByTestId('template-import')).toBeNull());
    expect(calls('template_source_import')[0][1]).toEqual({ location: '/home/me/templates.json' });
    expect(screen.getByTestId('catalog-status').textContent).toContain(
      'Imported 2 templates from /home/me/templates.json.',
    );
    await waitFor(() => expect(calls('template_list')).toHaveLength(2));
  });

  it('shows an import error with its file, line and column', async () => {
    invoke.mockImplementation((command: string) => {
      if (command === 'template_source_import') {
        return Promise.reject({
          code: 'TemplateSourceInvalid',
          message: 'x',
          params: {
            file: '/home/me/broken.json',
            line: '4',
            column: '32',
            detail: 'line 4, column 32: expected `,` or `}`. Fix the JSON syntax at that place',
          },
        });
      }
      return backend(command);
    });
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    await fireEvent.click(screen.getByTestId('catalog-import-open'));
    await fireEvent.input(screen.getByTestId('template-import-location'), {
      target: { value: '/home/me/broken.json' },
    });
    await fireEvent.click(screen.getByTestId('template-import-submit'));

    const dialog = screen.getByTestId('template-import');
    const banner = await within(dialog).findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('TemplateSourceInvalid');
    expect(banner.textContent).toContain('/home/me/broken.json');
    expect(banner.textContent).toContain('line 4, column 32');
    expect(banner.textContent).toContain('Nothing was imported');
  });

  it('removes a source after confirmation', async () => {
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');
    const source = screen.getAllByTestId('catalog-source')[0];

    await fireEvent.click(within(source).getByTestId('catalog-source-remove'));
    expect(screen.getByTestId('confirm-dialog').textContent).toContain(portainerSource.location);
    await fireEvent.click(screen.getByTestId('confirm-ok'));

    await waitFor(() => expect(calls('template_source_remove')).toHaveLength(1));
    expect(calls('template_source_remove')[0][1]).toEqual({ id: 3 });
    await waitFor(() => expect(screen.getByTestId('catalog-status').textContent).toContain('Removed'));
  });

  it('refreshes a source', async () => {
    invoke.mockImplementation((command: string) => {
      if (command === 'template_source_refresh') {
        return Promise.resolve(portainerSource);
      }
      return backend(command);
    });
    render(CatalogScreen);
    await screen.findAllByTestId('catalog-card');

    await fireEvent.click(within(screen.getAllByTestId('catalog-source')[0]).getByTestId('catalog-source-refresh'));

    await waitFor(() => expect(calls('template_source_refresh')).toHaveLength(1));
    expect(calls('template_source_refresh')[0][1]).toEqual({ id: 3 });
    await waitFor(() => expect(screen.getByTestId('catalog-status').textContent).toContain('2 templates'));
  });
});
