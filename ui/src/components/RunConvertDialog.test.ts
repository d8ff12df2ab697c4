// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import RunConvertDialog from './RunConvertDialog.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('RunConvertDialog', () => {
  it('shows the Compose file and the fate of every flag', async () => {
    invoke.mockResolvedValueOnce({
      serviceName: 'web',
      image: 'nginx',
      composeFile: 'services:\n  web:\n    image: "nginx"\n',
      flags: [
        { flag: '-p', value: '8080:80', line: 1, column: 11, fate: 'mapped', key: 'ports', reason: null, note: null },
        {
          flag: '--cidfile',
          value: '/tmp/x',
          line: 1,
          column: 23,
          fate: 'unmapped',
          key: null,
          reason: 'Compose has no such setting',
          note: null,
        },
      ],
    });
    render(RunConvertDialog, { props: { onclose: vi.fn() } });

    await fireEvent.input(screen.getByTestId('run-command'), {
      target: { value: 'docker run -p 8080:80 --cidfile /tmp/x nginx' },
    });
    await fireEvent.click(screen.getByTestId('run-convert-submit'));

    expect((await screen.findByTestId('run-compose')).textContent).toContain('image: "nginx"');
    expect(invoke).toHaveBeenCalledWith('docker_run_convert', {
      command: 'docker run -p 8080:80 --cidfile /tmp/x nginx',
    });
    const rows = screen.getAllByTestId('run-flag');
    expect(rows.map((row) => row.dataset.fate)).toEqual(['mapped', 'unmapped']);
    expect(rows[1].textContent).toContain('Not mapped');
  });

  it('shows where the command cannot be read', async () => {
    invoke.mockRejectedValueOnce({
      code: 'InvalidInput',
      message: 'x',
      params: { field: 'command', value: 'line 1, column 1', detail: "the command starts with 'podman' instead of 'docker'" },
    });
    render(RunConvertDialog, { props: { onclose: vi.fn() } });
    await fireEvent.input(screen.getByTestId('run-command'), { target: { value: 'podman run x' } });
    await fireEvent.click(screen.getByTestId('run-convert-submit'));
    expect((await screen.findByRole('alert')).textContent).toContain('podman');
  });
});
