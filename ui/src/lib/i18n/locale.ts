import type { Language } from '../ipc/types';

/** Locales that have a message catalog. */
export type AppLocale = 'en' | 'zh-CN';

export const APP_LOCALES: readonly AppLocale[] = ['en', 'zh-CN'];

/**
 * Maps an OS or browser locale tag to a catalog. Accepts BCP 47 (`zh-TW`) and POSIX forms
 * (`zh_CN.UTF-8`). Every Chinese locale gets `zh-CN` because it is the only Chinese catalog,
 * and everything else, including null or an empty tag, gets English.
 */
export function localeFromTag(tag: string | null | undefined): AppLocale {
  if (!tag) {
    return 'en';
  }
  const language = tag.trim().toLowerCase().split(/[-_.@]/)[0];
  return language === 'zh' ? 'zh-CN' : 'en';
}

/**
 * Chooses the catalog for a language setting. `system` uses the OS locale from `app_info`, then
 * the webview's `navigator.language` when the OS locale is unknown.
 */
export function resolveLocale(
  language: Language,
  osLocale: string | null | undefined,
  navigatorLanguage: string | null | undefined,
): AppLocale {
  if (language !== 'system') {
    return language;
  }
  return localeFromTag(osLocale || navigatorLanguage);
}
