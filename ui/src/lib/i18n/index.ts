// svelte-i18n setup. Both catalogs are bundled into the app, so switching language loads
// nothing at run time.

import { addMessages, init, locale } from 'svelte-i18n';
import type { Language } from '../ipc/types';
import en from './en.json';
import zhCN from './zh-CN.json';
import { resolveLocale, type AppLocale } from './locale';

let initialised = false;

/** Registers the catalogs and starts in English until `applyLanguage` picks the real locale. */
export function setupI18n(initialLocale: AppLocale = 'en'): void {
  if (initialised) {
    return;
  }
  addMessages('en', en);
  addMessages('zh-CN', zhCN);
  init({ fallbackLocale: 'en', initialLocale });
  initialised = true;
}

/** Switches the UI to the catalog for `language`, at start-up and when the setting changes. */
export async function applyLanguage(
  language: Language,
  osLocale: string | null | undefined,
): Promise<AppLocale> {
  const navigatorLanguage = typeof navigator === 'undefined' ? null : navigator.language;
  const resolved = resolveLocale(language, osLocale, navigatorLanguage);
  await locale.set(resolved);
  if (typeof document !== 'undefined') {
    document.documentElement.lang = resolved;
  }
  return resolved;
}
