// @vitest-environment jsdom
import { render, screen } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupI18n } from '../lib/i18n';
import ErrorBanner from './ErrorBanner.svelte';

beforeAll(() => {
  setupI18n('en');
});

describe('ErrorBanner', () => {
  it('shows the translated message with params', async () => {
    await locale.set('en');
    render(ErrorBanner, {
      props: {
        error: {
          code: 'HostKeyChanged',
          message: 'changed',
          params: {
            host: 'nas.lan',
            port: '22',
            algorithm: 'ssh-ed25519',
            fingerprint: 'SHA256:new',
            oldFingerprint: 'SHA256:old',
          },
        },
      },
    });

    const banner = screen.getByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('HostKeyChanged');
    expect(banner.textContent).toContain('SHA256:old');
    expect(banner.textContent).toContain('SHA256:new');
    expect(banner.textContent).toContain('man-in-the-middle');
  });

  it('shows Chinese text after a locale switch', async () => {
    await locale.set('zh-CN');
    render(ErrorBanner, {
      props: { error: { code: 'HostNameTaken', message: 'taken', params: { host: 'nas' } } },
    });

    expect(screen.getByTestId('error-banner').textContent).toContain('已存在名为“nas”的主机');
    await locale.set('en');
  });

  it('never shows a raw placeholder', async () => {
    await locale.set('en');
    render(ErrorBanner, { props: { error: { code: 'DockerError', message: 'x', params: {} } } });

    expect(screen.getByTestId('error-banner').textContent).not.toMatch(/\{\w+\}/);
  });

  it('uses the given message id with the error params', async () => {
    await locale.set('en');
    render(ErrorBanner, {
      props: {
        error: {
          code: 'ConfigInvalid',
          message: 'x',
          params: { file: '/tmp/missing', line: '0', column: '0', detail: 'cannot read it' },
        },
        messageId: 'importDialog.configUnreadable',
      },
    });

    const banner = screen.getByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('ConfigInvalid');
    expect(banner.textContent).toContain('Could not read the SSH configuration /tmp/missing: cannot read it');
  });
});
