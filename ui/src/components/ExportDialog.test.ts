// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import ExportDialog from './ExportDialog.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));

const draft = { compose: 'services:\n  web:\n    image: nginx\n', env: '', files: [] };

function view(target: string, written: string[] = []) {
  return {
    target,
    files: [{ path: `${target}.yaml`, content: `# ${target} manifest\n` }],
    warnings: [
      { service: 'web', field: 'privileged', outcome: 'dropped', message: 'production clusters reject it' },
    ],
    written,
  };
}

beforeAll(async () => {
  setupI18n('en');
  await locale.set('en');
});

beforeEach(() => {
  invoke.mockReset();
});

describe('ExportDialog', () => {
  it('exports for the chosen target and shows the files and warnings', async () => {
    invoke.mockImplementation((command: string, args: { target: string }) =>
      Promise.resolve(command === 'stack_export_draft' ? view(args.target) : null),
    );
    render(ExportDialog, { props: { draft, onclose: vi.fn() } });

    await waitFor(() => expect(screen.getByTestId('export-file').textContent).toBe('# kubernetes manifest\n'));
    expect(invoke).toHaveBeenCalledWith('stack_export_draft', { draft, target: 'kubernetes' });
    const warning = screen.getByTestId('export-warning');
    expect(warning.dataset.outcome).toBe('dropped');
    expect(warning.textContent).toContain('web: privileged');
    expect(warning.textContent).toContain('Left out');

    await fireEvent.click(screen.getByTestId('export-target-nomad'));
    await waitFor(() => expect(screen.getByTestId('export-file').textContent).toBe('# nomad manifest\n'));
    expect(invoke).toHaveBeenLastCalledWith('stack_export_draft', { draft, target: 'nomad' });
  });

  it('saves to the typed folder and reports the files written', async () => {
    invoke.mockImplementation((command: string, args: { target: string }) =>
      Promise.resolve(
        command === 'stack_export_save' ? view(args.target, ['/tmp/out/kubernetes.yaml']) : view(args.target),
      ),
    );
    render(ExportDialog, { props: { draft, onclose: vi.fn() } });
    await waitFor(() => screen.getByTestId('export-file'));

    const save = screen.getByTestId('export-save') as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('export-folder'), { target: { value: ' /tmp/out ' } });
    expect(save.disabled).toBe(false);
    await fireEvent.click(save);

    await waitFor(() => expect(screen.getByTestId('export-saved').textContent).toContain('/tmp/out/kubernetes.yaml'));
    expect(invoke).toHaveBeenCalledWith('stack_export_save', { draft, target: 'kubernetes', folder: '/tmp/out' });
  });

  it('shows the error when a save fails', async () => {
    invoke.mockImplementation((command: string, args: { target: string }) =>
      command === 'stack_export_save'
        ? Promise.reject({ code: 'invalidInput', message: 'the export cannot be written there', params: {} })
        : Promise.resolve(view(args.target)),
    );
    render(ExportDialog, { props: { draft, onclose: vi.fn() } });
    await waitFor(() => screen.getByTestId('export-file'));
    await fireEvent.input(screen.getByTestId('export-folder'), { target: { value: '/root/readonly' } });
    await fireEvent.click(screen.getByTestId('export-save'));
    await waitFor(() => expect(screen.queryByTestId('export-saved')).toBeNull());
    await waitFor(() => expect(document.body.textContent).toMatch(/invalid|cannot/i));
  });

  it('deploys to a swarm manager chosen by the user', async () => {
    const hosts = [{ id: 'h1', name: 'manager-1' }];
    invoke.mockImplementation((command: string, args: { target: string }) => {
      switch (command) {
        case 'host_list':
          return Promise.resolve(hosts);
        case 'stack_export_swarm_deploy':
          return Promise.resolve({
            stack: 'shop',
            networksCreated: ['shop_default'],
            servicesCreated: ['shop_web'],
            servicesUpdated: [],
            warnings: [],
          });
        default:
          return Promise.resolve(view(args.target));
      }
    });
    render(ExportDialog, { props: { draft, onclose: vi.fn() } });

    await fireEvent.click(screen.getByTestId('export-target-swarm'));
    const form = await screen.findByTestId('swarm-deploy-form');
    expect(form.textContent).toContain('manager-1');
    await fireEvent.input(screen.getByTestId('swarm-stack'), { target: { value: 'shop' } });
    await fireEvent.click(screen.getByTestId('swarm-deploy'));

    await waitFor(() => expect(screen.getByTestId('swarm-deployed').textContent).toContain('1 services created'));
    expect(invoke).toHaveBeenCalledWith('stack_export_swarm_deploy', { hostId: 'h1', draft, stack: 'shop' });
  });
});
