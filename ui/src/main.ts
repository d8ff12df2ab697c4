import { mount } from 'svelte';
import App from './App.svelte';
import { setupI18n } from './lib/i18n';
import { theme } from './lib/theme.svelte';
import './app.css';

// Start in English so the first frame has text. App switches to the configured language as
// soon as `settings_get` and `app_info` return.
setupI18n('en');
// Follow the OS until `settings_get` returns the stored theme, so the first frame is not white
// on a dark desktop.
theme.apply('system');

const target = document.getElementById('app');
if (!target) {
  throw new Error('index.html has no #app element to mount Homeport into');
}

export default mount(App, { target });
