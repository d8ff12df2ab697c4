import type { LocalizedText, TemplateParameterView, TemplateView } from './ipc/types';

/** Returns the text for the UI locale: Chinese for any `zh` locale, English otherwise. */
export function localized(text: LocalizedText, locale: string | null | undefined): string {
  return locale?.toLowerCase().startsWith('zh') ? text.zhCn : text.en;
}

/**
 * Keeps the templates whose id, category, title or description contains `query`, ignoring
 * letter case. Titles and descriptions match in both languages, so a search typed in English
 * also works in the Chinese UI.
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

/** Returns the form's starting values: every default, except the generated passwords. */
export function defaultValues(template: TemplateView): Record<string, string> {
  const values: Record<string, string> = {};
  for (const parameter of template.parameters) {
    if (!isGenerated(parameter)) {
      values[parameter.name] = parameter.default ?? '';
    }
  }
  return values;
}
