import type {
  LocalizedText,
  TemplateOriginView,
  TemplateParameterView,
  TemplateSourceView,
  TemplateView,
} from './ipc/types';

/** Returns the text for the UI locale: Chinese for any `zh` locale, English otherwise. */
export function localized(text: LocalizedText, locale: string | null | undefined): string {
  return locale?.toLowerCase().startsWith('zh') ? text.zhCn : text.en;
}

/**
 * Keeps the templates whose id, category, title, description or source location contains
 * `query`, ignoring letter case. Titles and descriptions match in both languages, so a search
 * typed in English also works in the Chinese UI.
 */
export function filterTemplates(templates: TemplateView[], query: string): TemplateView[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') {
    return templates;
  }
  return templates.filter((template) =>
    [
      template.id,
      template.category,
      template.title.en,
      template.title.zhCn,
      template.description.en,
      template.description.zhCn,
      template.source?.location ?? '',
    ].some((field) => field.toLowerCase().includes(needle)),
  );
}

export interface TemplateGroup {
  category: string;
  templates: TemplateView[];
}

/** Groups templates by category. Categories are sorted by name, and templates keep their order. */
export function groupByCategory(templates: TemplateView[]): TemplateGroup[] {
  const groups = new Map<string, TemplateView[]>();
  for (const template of templates) {
    const group = groups.get(template.category) ?? [];
    group.push(template);
    groups.set(template.category, group);
  }
  return [...groups.keys()]
    .sort()
    .map((category) => ({ category, templates: groups.get(category) ?? [] }));
}

/** Password parameters have no default and no input, because they are generated at deploy time. */
export function isGenerated(parameter: TemplateParameterView): boolean {
  return parameter.kind === 'password';
}

/**
 * Hidden parameters (Portainer's `preset`) keep the template's value: the form leaves them out
 * and the backend rejects a value for them.
 */
export function isHidden(parameter: TemplateParameterView): boolean {
  return parameter.kind === 'hidden';
}

/** Returns the parameters the form shows: all but the hidden ones. */
export function visibleParameters(template: TemplateView): TemplateParameterView[] {
  return template.parameters.filter((parameter) => !isHidden(parameter));
}

/** Returns the form's starting values: every default, except generated passwords and hidden values. */
export function defaultValues(template: TemplateView): Record<string, string> {
  const values: Record<string, string> = {};
  for (const parameter of visibleParameters(template)) {
    if (!isGenerated(parameter)) {
      values[parameter.name] = parameter.default ?? '';
    }
  }
  return values;
}

/** Returns whether the template can be deployed from the Catalog, as repository stacks cannot. */
export function isDeployable(template: TemplateView): boolean {
  return template.deployment.kind === 'compose';
}

/**
 * Returns the stack name the deploy dialog starts with: a built-in template's id, or an imported
 * template's title cut down to what Compose accepts as a project name, since its id contains `/`.
 */
export function suggestedStackName(template: TemplateView): string {
  if (template.source === null) {
    return template.id;
  }
  const fromTitle = template.title.en
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 63);
  return fromTitle === '' ? 'app' : fromTitle;
}

/** The text of an imported template's source badge: `Portainer: <location>`, or `CasaOS`. */
export interface SourceBadge {
  key: 'catalog.badge.portainer' | 'catalog.badge.casaos';
  location: string;
}

export function sourceBadge(origin: TemplateOriginView | TemplateSourceView): SourceBadge {
  return {
    key: origin.kind === 'portainer' ? 'catalog.badge.portainer' : 'catalog.badge.casaos',
    location: origin.location,
  };
}

/** The imported templates of one source, in the source's order. */
export interface SourceGroup {
  source: TemplateSourceView;
  templates: TemplateView[];
}

/** Groups imported templates under their sources, in the order of `sources`. */
export function groupBySource(templates: TemplateView[], sources: TemplateSourceView[]): SourceGroup[] {
  return sources.map((source) => ({
    source,
    templates: templates.filter((template) => template.source?.sourceId === source.id),
  }));
}
