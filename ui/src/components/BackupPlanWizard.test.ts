// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type { BackupPlanInput, IpcError, RunEvent } from '../lib/ipc/types';
import BackupPlanWizard from './BackupPlanWizard.svelte';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    constructor(public onmessage: (event: RunEvent) => void) {}
  },
}));

const scheduleError: IpcError = {
  code: 'InvalidInput',
  message: 'schedule',
  params: { field: 'schedule', value: '0 25 * * *', detail: "column 3 ('25'): hour out of range. Use 0-23" },
};

let saved: BackupPlanInput | null;

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  saved = null;
  invoke.mockReset();
  invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
    switch (command) {
      case 'host_list':
        return [{ id: 'h1', name: 'nas' }];
      case 'backup_tools':
        return {
          host: 'nas',
          restic: null,
          rclone: 'rclone v1.68.0',
          resticInstall: 'sudo apt-get install restic',
          rcloneInstall: 'sudo apt-get install rclone',
        };
      case 'backup_schedule_preview': {
        if ((args.schedule as string).includes('25')) {
          throw scheduleError;
        }
        return { en: 'Every day at 02:00', zhCn: '每天 02:00', nextRuns: [] };
      }
      case 'backup_plan_save':
        saved = args.input as BackupPlanInput;
        return { plan: { id: 'p9' } };
      case 'backup_plan_init':
        return { id: 'r1', status: 'succeeded' };
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
});

async function next() {
  await fireEvent.click(screen.getByTestId('backup-wizard-next'));
}

describe('BackupPlanWizard', () => {
  it('shows the restic install hint', async () => {
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    const tools = await screen.findByTestId('backup-wizard-tools');
    expect(tools.textContent).toContain('sudo apt-get install restic');
    expect(tools.textContent).toContain('rclone v1.68.0');
    expect(tools.textContent).not.toContain('sudo apt-get install rclone');
  });

  it('shows a schedule error with its column', async () => {
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await next();
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-schedule'), { target: { value: '0 25 * * *' } });
    const banner = await screen.findByTestId('error-banner', {}, { timeout: 2000 });
    expect(banner.textContent).toContain('column 3');
    await fireEvent.input(screen.getByTestId('backup-wizard-schedule'), { target: { value: '0 2 * * *' } });
    await waitFor(() => expect(screen.queryByTestId('error-banner')).toBeNull(), { timeout: 2000 });
    expect(screen.getByTestId('backup-wizard-schedule-preview').textContent).toContain('Every day at 02:00');
  });

  it('saves the plan, then initialises it', async () => {
    const onsaved = vi.fn();
    render(BackupPlanWizard, { onsaved, onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await fireEvent.input(screen.getByTestId('backup-wizard-name'), { target: { value: 'nas' } });
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-paths'), { target: { value: '/srv/data' } });
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-repositories'), { target: { value: 'disk /mnt/backup' } });
    await next();
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));

    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(saved?.definition.name).toBe('nas');
    expect(saved?.definition.host).toBe('h1');
    expect(saved?.definition.items).toEqual([{ kind: 'path', path: '/srv/data' }]);
    expect(saved?.definition.repositories).toEqual([{ name: 'disk', location: '/mnt/backup', copyFrom: null }]);
    expect(saved?.password).toBeNull();
    expect(invoke).toHaveBeenCalledWith('backup_plan_init', expect.objectContaining({ plan: 'p9' }));
  });

  it('keeps the dialog open when saving fails', async () => {
    const onsaved = vi.fn();
    render(BackupPlanWizard, { onsaved, onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await next();
    await next();
    const fallback = invoke.getMockImplementation();
    invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
      if (command === 'backup_plan_save') {
        throw { code: 'InvalidInput', message: 'name', params: { field: 'name', value: '', detail: 'enter a name' } };
      }
      return fallback?.(command, args);
    });
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('InvalidInput');
    expect(onsaved).not.toHaveBeenCalled();
    expect(invoke).not.toHaveBeenCalledWith('backup_plan_init', expect.anything());
  });

  it('retries init on the saved plan', async () => {
    const onsaved = vi.fn();
    render(BackupPlanWizard, { onsaved, onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await next();
    await next();
    const fallback = invoke.getMockImplementation();
    let initCalls = 0;
    invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
      if (command === 'backup_plan_init' && initCalls++ === 0) {
        throw { code: 'BackupRepositoryUnreachable', message: 'x', params: { repository: 'disk', detail: 'no route' } };
      }
      return fallback?.(command, args);
    });
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));
    await screen.findByTestId('error-banner');
    expect(saved?.id).toBeNull();

    await fireEvent.click(screen.getByTestId('backup-wizard-save'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(saved?.id).toBe('p9');
  });
});
