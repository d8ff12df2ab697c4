import { describe, expect, it } from 'vitest';
import type { TemplateSourceView, TemplateView } from './ipc/types';
import { defaultValues, groupBySource, isDeployable, sourceBadge, suggestedStackName } from './templates';

const text = (en: string) => ({ en, zhCn: en });

function template(overrides: Partial<TemplateView>): TemplateView {
  return {
    id: 'jellyfin',
    version: '1.0.0',
    title: text('Jellyfin'),
    description: text(''),
    category: 'media',
    icon: '',
    homepage: '',
    parameters: [],
    notes: [],
    compose: '',
    source: null,
    deployment: { kind: 'compose' },
    note: null,
    ...overrides,
  };
}

const origin = {
  sourceId: 2,
  kind: 'portainer',
  location: 'https://example.org/t.json',
  locationKind: 'url',
} as const;

const source: TemplateSourceView = {
  id: 2,
  kind: 'portainer',
  location: 'https://example.org/t.json',
  locationKind: 'url',
  importedAt: '',
  refreshedAt: '',
  templateCount: 1,
};

describe('imported templates', () => {
  it('suggest a stack name Compose accepts', () => {
    expect(suggestedStackName(template({}))).toBe('jellyfin');
    expect(suggestedStackName(template({ id: '2/7', title: text(' Home Assistant (beta)! '), source: origin }))).toBe(
      'home-assistant-beta',
    );
    expect(suggestedStackName(template({ id: '2/x', title: text('备忘录'), source: origin }))).toBe('app');
    expect(suggestedStackName(template({ id: '2/x', title: text('_db_'), source: origin }))).toBe('db_');
  });

  it('leave hidden values out of the form', () => {
    const parameter = {
      required: false,
      options: [],
      title: text(''),
      help: text(''),
      reason: text(''),
    };
    const values = defaultValues(
      template({
        parameters: [
          { ...parameter, name: 'MODE', kind: 'select', default: 'prod' },
          { ...parameter, name: 'BUILD', kind: 'hidden', default: 'x' },
          { ...parameter, name: 'TOKEN', kind: 'password', default: null },
          { ...parameter, name: 'NAME', kind: 'string', default: null },
        ],
      }),
    );
    expect(values).toEqual({ MODE: 'prod', NAME: '' });
  });

  it('group by source and keep empty sources', () => {
    const imported = template({ id: '2/web', source: origin });
    const other = { ...source, id: 3 };
    const groups = groupBySource([imported], [source, other]);
    expect(groups.map((group) => [group.source.id, group.templates.map((found) => found.id)])).toEqual([
      [2, ['2/web']],
      [3, []],
    ]);
  });

  it('badge Portainer with its location and CasaOS alone', () => {
    expect(sourceBadge(origin)).toEqual({ key: 'catalog.badge.portainer', location: origin.location });
    expect(sourceBadge({ ...source, kind: 'casaos', location: '/srv/app.yml' }).key).toBe('catalog.badge.casaos');
  });

  it('deploy only Compose templates', () => {
    expect(isDeployable(template({}))).toBe(true);
    expect(isDeployable(template({ deployment: { kind: 'swarm', url: 'https://x', file: 'a.yml' } }))).toBe(false);
  });
});
