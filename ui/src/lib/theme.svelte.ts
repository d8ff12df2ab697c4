// The colour theme. The setting is light, dark or system; `data-theme` on <html> contains
// the theme in effect ('light' or 'dark'), which app.css and the charts read.

import type { Theme } from './ipc/types';

export type EffectiveTheme = 'light' | 'dark';

function systemPrefersDark(): MediaQueryList | null {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: dark)')
    : null;
}

class ThemeState {
  preference = $state<Theme>('system');
  effective = $state<EffectiveTheme>('light');
  private media = systemPrefersDark();
  private following = false;

  /** Sets the preference and applies it; with 'system' the OS's later changes apply too. */
  apply(preference: Theme): void {
    this.preference = preference;
    this.update();
    if (preference === 'system' && this.media && !this.following) {
      this.media.addEventListener('change', this.update);
      this.following = true;
    } else if (preference !== 'system' && this.media && this.following) {
      this.media.removeEventListener('change', this.update);
      this.following = false;
    }
  }

  private update = (): void => {
    const dark = this.preference === 'dark' || (this.preference === 'system' && !!this.media?.matches);
    this.effective = dark ? 'dark' : 'light';
    if (typeof document !== 'undefined') {
      document.documentElement.dataset.theme = this.effective;
    }
  };
}

export const theme = new ThemeState();
