// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupI18n } from '../lib/i18n';
import type {
  BackupPlanInput,
  BackupPlanView,
  DiscoveredDatabase,
  IpcError,
  RepositoryDefinition,
  Rule321Report,
  RunEvent,
  StackView,
} from '../lib/ipc/types';
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

const discoveredPostgres: DiscoveredDatabase = {
  target: { container: 'db', engine: 'postgres', user: 'app', serverUid: 999 },
  containerId: 'c1',
  image: 'postgres:16',
  evidence: [{ kind: 'image', value: 'postgres' }],
  passwordVariable: 'POSTGRES_PASSWORD',
};

const discoveredMariadb: DiscoveredDatabase = {
  target: { container: 'shop', engine: 'mariadb', user: 'root', serverUid: null },
  containerId: 'c2',
  image: 'mariadb:11',
  evidence: [{ kind: 'process', value: 'mariadbd' }],
  passwordVariable: 'MARIADB_ROOT_PASSWORD',
};

/** The preview of one local repository and one offsite remote without a distance. */
const previewReport: Rule321Report = {
  copies: 3,
  media: 2,
  offsite_copies: 1,
  findings: [
    { code: 'offsite_distance_unknown', repository: 'cloud', min_distance_km: 50 },
    { code: 'same_disk_as_source', repository: 'disk' },
  ],
};

function stack(name: string, status: StackView['status'], workingDir: string | null): StackView {
  return {
    name,
    status,
    workingDir,
    configFiles: workingDir ? [`${workingDir}/compose.yaml`] : [],
    composeVersion: '2.40.3',
    services: [],
    containers: { running: 0, paused: 0, restarting: 0, exited: 0, created: 0, dead: 0, total: 0 },
  };
}

let saved: BackupPlanInput | null;
let discovered: DiscoveredDatabase[] | IpcError;
let previews: RepositoryDefinition[][];
let previewResult: Rule321Report | IpcError;
/** The `stack_list` result of each host id. A function is a slow host and returns its pending list. */
let stacksByHost: Record<string, StackView[] | IpcError | (() => Promise<StackView[]>)>;

beforeAll(async () => {
  setupI18n();
  await locale.set('en');
});

beforeEach(() => {
  saved = null;
  discovered = [discoveredPostgres, discoveredMariadb];
  previews = [];
  previewResult = previewReport;
  stacksByHost = {
    h1: [stack('wiki', 'running', '/opt/stacks/wiki'), stack('blog', 'stopped', null)],
    h2: [],
  };
  invoke.mockReset();
  invoke.mockImplementation(async (command: string, args: Record<string, unknown>) => {
    switch (command) {
      case 'host_list':
        return [
          { id: 'h1', name: 'nas' },
          { id: 'h2', name: 'pi' },
        ];
      case 'stack_list': {
        const stacks = stacksByHost[args.hostId as string];
        if (typeof stacks === 'function') {
          return stacks();
        }
        if (!Array.isArray(stacks)) {
          throw stacks;
        }
        return stacks;
      }
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
      case 'backup_databases':
        if (!Array.isArray(discovered)) {
          throw discovered;
        }
        return discovered;
      case 'backup_rule321_preview':
        previews.push(args.repositories as RepositoryDefinition[]);
        if ('code' in previewResult) {
          throw previewResult;
        }
        return previewResult;
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
});

/** Lets every settled promise run its callbacks, so a late response has reached the component. */
function flushPromises(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

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
    expect(saved?.definition.repositories).toEqual([
      { name: 'disk', location: '/mnt/backup', copyFrom: null, place: null, distanceKm: null },
    ]);
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

  it('adds the checked databases', async () => {
    const onsaved = vi.fn();
    render(BackupPlanWizard, { onsaved, onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await fireEvent.click(screen.getByTestId('find-databases'));
    const rows = await screen.findAllByTestId('discovered-database');
    expect(invoke).toHaveBeenCalledWith('backup_databases', { hostId: 'h1' });
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('db');
    expect(rows[0].textContent).toContain('postgres');
    expect(rows[0].textContent).toContain('postgres:16');
    expect(rows[1].textContent).toContain('mariadb:11');

    await fireEvent.click(within(rows[0]).getByRole('checkbox', { name: 'Back up db' }));
    await fireEvent.input(screen.getByTestId('backup-wizard-databases'), { target: { value: 'legacy mysql\ndb mysql' } });
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-repositories'), { target: { value: 'disk /mnt/backup' } });
    await next();
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));

    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(saved?.definition.items).toEqual([
      { kind: 'database', container: 'db', engine: 'postgres', user: 'app' },
      { kind: 'database', container: 'legacy', engine: 'mysql' },
    ]);
  });

  it('says when no databases are found', async () => {
    discovered = [];
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await fireEvent.click(screen.getByTestId('find-databases'));
    const message = await screen.findByTestId('no-databases-found');
    expect(message.textContent).toContain('No running PostgreSQL, MySQL or MariaDB container');
    expect(screen.queryByTestId('discovered-database')).toBeNull();
    expect(screen.getByTestId('backup-wizard-databases')).toBeTruthy();
  });

  it('explains an unreachable engine', async () => {
    discovered = { code: 'DockerUnavailable', message: 'x', params: { host: 'nas', socket: '/var/run/docker.sock' } };
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await fireEvent.click(screen.getByTestId('find-databases'));
    expect((await screen.findByTestId('find-databases-failed')).textContent).toContain('could not list the containers');
    const banner = screen.getByTestId('error-banner');
    expect(banner.dataset.errorCode).toBe('DockerUnavailable');
    expect(banner.textContent).toContain('No Docker engine responds at /var/run/docker.sock on nas');
  });

  it('limits places to the location kind', async () => {
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await next();
    await fireEvent.click(screen.getByTestId('repository-add'));
    await fireEvent.click(screen.getByTestId('repository-add'));
    const [localRow, remoteRow] = screen.getAllByTestId('repository-row');
    const optionsOf = (row: HTMLElement) =>
      Array.from((within(row).getByTestId('repository-place') as HTMLSelectElement).options).map((option) => option.value);

    await fireEvent.input(within(localRow).getByTestId('repository-name'), { target: { value: 'disk' } });
    await fireEvent.input(within(localRow).getByTestId('repository-location'), { target: { value: '/mnt/b' } });
    expect(optionsOf(localRow)).toEqual(['', 'sourceDisk', 'otherDisk']);
    expect(within(localRow).getByTestId('repository-place').textContent).toContain("Not set: counted as On the live data's disk");
    expect(within(localRow).queryByTestId('repository-copy-from')).toBeNull();

    await fireEvent.input(within(remoteRow).getByTestId('repository-location'), { target: { value: 'rclone:b2:x' } });
    expect(optionsOf(remoteRow)).toEqual(['', 'sameHost', 'sameSite', 'offsite']);
    const copyFrom = within(remoteRow).getByTestId('repository-copy-from') as HTMLSelectElement;
    expect(Array.from(copyFrom.options).map((option) => option.value)).toEqual(['', 'disk']);
    expect(within(remoteRow).queryByTestId('repository-distance')).toBeNull();

    await fireEvent.change(within(remoteRow).getByTestId('repository-place'), { target: { value: 'offsite' } });
    expect(within(remoteRow).getByTestId('repository-distance')).toBeTruthy();

    // A local path cannot be offsite, so the place is cleared with the location.
    await fireEvent.input(within(remoteRow).getByTestId('repository-location'), { target: { value: '/mnt/c' } });
    expect((within(remoteRow).getByTestId('repository-place') as HTMLSelectElement).value).toBe('');
    expect(within(remoteRow).queryByTestId('repository-distance')).toBeNull();
    expect(within(remoteRow).queryByTestId('repository-copy-from')).toBeNull();
  });

  it('previews the 3-2-1 findings', async () => {
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await next();
    expect(screen.getByTestId('backup-wizard-rule321').textContent).toContain('Add a repository with a location');
    await fireEvent.input(screen.getByTestId('backup-wizard-repositories'), {
      target: { value: 'disk /mnt/b\ncloud rclone:b2:x disk' },
    });
    const remoteRow = screen.getAllByTestId('repository-row')[1];
    await fireEvent.change(within(remoteRow).getByTestId('repository-place'), { target: { value: 'offsite' } });
    await fireEvent.input(within(remoteRow).getByTestId('repository-distance'), { target: { value: '300' } });

    const findings = await screen.findAllByTestId('rule321-finding', {}, { timeout: 2000 });
    expect(findings.map((finding) => finding.dataset.code)).toEqual(['offsite_distance_unknown', 'same_disk_as_source']);
    expect(findings[0].textContent).toContain('The distance of cloud is unknown');
    expect(findings[0].textContent).toContain('at least 50 km away');
    expect(screen.getByTestId('backup-wizard-rule321').textContent).toContain('Meets the 3-2-1 rule: 3 copies');
    // The debounce sends one request for the burst of edits, with the last values.
    await waitFor(() => expect(previews).toHaveLength(1));
    expect(previews[0]).toEqual([
      { name: 'disk', location: '/mnt/b', copyFrom: null, place: null, distanceKm: null },
      { name: 'cloud', location: 'rclone:b2:x', copyFrom: 'disk', place: 'offsite', distanceKm: 300 },
    ]);
  });

  it('shows a rejected place', async () => {
    previewResult = {
      code: 'InvalidInput',
      message: 'place',
      params: { field: 'repositories.distanceKm', value: '-5', detail: 'enter a distance of 0 km or more' },
    };
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-repositories'), { target: { value: 'cloud s3:https://s/b' } });
    const section = screen.getByTestId('backup-wizard-rule321');
    const banner = await within(section).findByTestId('error-banner', {}, { timeout: 2000 });
    expect(banner.textContent).toContain('repositories.distanceKm');
    expect(banner.textContent).toContain('enter a distance of 0 km or more');
    expect(within(section).queryByTestId('rule321-finding')).toBeNull();
  });

  it('previews 3-2-1 findings in Chinese', async () => {
    await locale.set('zh-CN');
    try {
      render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
      await screen.findByTestId('backup-wizard-tools');
      await next();
      await next();
      await fireEvent.input(screen.getByTestId('backup-wizard-repositories'), { target: { value: 'disk /mnt/b' } });
      const findings = await screen.findAllByTestId('rule321-finding', {}, { timeout: 2000 });
      expect(findings[0].textContent).toContain('cloud 的距离未知');
      expect(findings[0].textContent).toContain('至少相距 50 公里');
    } finally {
      await locale.set('en');
    }
  });
});

describe('BackupPlanWizard stacks', () => {
  it('adds the checked stacks', async () => {
    const onsaved = vi.fn();
    render(BackupPlanWizard, { onsaved, onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    const rows = await screen.findAllByTestId('backup-stack-option');
    expect(invoke).toHaveBeenCalledWith('stack_list', { hostId: 'h1' });
    expect(rows.map((row) => row.dataset.project)).toEqual(['wiki', 'blog']);
    expect(rows[0].textContent).toContain('running');
    expect(rows[0].textContent).toContain('/opt/stacks/wiki');
    expect(rows[1].textContent).toContain('stopped');
    expect(screen.getByTestId('backup-wizard-stacks').textContent).toContain(
      'its project folder, its volumes and a dump of its databases',
    );

    await fireEvent.click(within(rows[0]).getByRole('checkbox', { name: 'Back up stack wiki' }));
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-repositories'), { target: { value: 'disk /mnt/backup' } });
    await next();
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));

    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(saved?.definition.items).toEqual([{ kind: 'stack', project: 'wiki' }]);
  });

  it('unchecks a stack', async () => {
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    const [wiki] = await screen.findAllByTestId('backup-stack-option');
    const checkbox = within(wiki).getByRole('checkbox') as HTMLInputElement;
    await fireEvent.click(checkbox);
    expect(checkbox.checked).toBe(true);
    await fireEvent.click(checkbox);
    expect(checkbox.checked).toBe(false);
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-repositories'), { target: { value: 'disk /mnt/backup' } });
    await next();
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));
    await waitFor(() => expect(saved).not.toBeNull());
    expect(saved?.definition.items).toEqual([]);
  });

  it('lists the stacks of the chosen host', async () => {
    let finishSlowList: (stacks: StackView[]) => void = () => {};
    stacksByHost.h1 = () => new Promise<StackView[]>((resolve) => (finishSlowList = resolve));
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('stack_list', { hostId: 'h1' }));
    await fireEvent.change(screen.getByTestId('backup-wizard-host'), { target: { value: 'h2' } });
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('stack_list', { hostId: 'h2' }));
    await next();
    expect((await screen.findByTestId('no-stacks-found')).textContent).toContain('This host has no Compose stacks.');

    // The list of the host the user left arrives late and must not replace the new host's list.
    finishSlowList([stack('wiki', 'running', '/opt/stacks/wiki')]);
    await flushPromises();
    expect(screen.queryByTestId('backup-stack-option')).toBeNull();
    expect(screen.getByTestId('no-stacks-found')).toBeTruthy();
  });

  it('retries a failed stack list', async () => {
    stacksByHost.h1 = { code: 'DockerUnavailable', message: 'x', params: { host: 'nas', socket: '/var/run/docker.sock' } };
    render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    const section = screen.getByTestId('backup-wizard-stacks');
    expect((await within(section).findByTestId('backup-stacks-failed')).textContent).toContain(
      'could not list the stacks on this host',
    );
    expect(within(section).getByTestId('error-banner').dataset.errorCode).toBe('DockerUnavailable');

    stacksByHost.h1 = [stack('wiki', 'partial', '/opt/stacks/wiki')];
    await fireEvent.click(within(section).getByTestId('backup-stacks-retry'));
    const rows = await within(section).findAllByTestId('backup-stack-option');
    expect(rows[0].textContent).toContain('partly running');
    expect(within(section).queryByTestId('error-banner')).toBeNull();
  });

  it('explains stacks in Chinese', async () => {
    await locale.set('zh-CN');
    try {
      render(BackupPlanWizard, { onsaved: vi.fn(), onclose: vi.fn() });
      await screen.findByTestId('backup-wizard-tools');
      await next();
      await screen.findAllByTestId('backup-stack-option');
      const section = screen.getByTestId('backup-wizard-stacks');
      expect(section.textContent).toContain('此主机上的应用栈');
      expect(section.textContent).toContain('项目文件夹、数据卷和数据库导出');
      expect(section.textContent).toContain('运行中');
    } finally {
      await locale.set('en');
    }
  });
});

/** A saved plan with a stack the host no longer lists, a volume and stored S3 keys. */
const savedPlan: BackupPlanView = {
  plan: {
    id: 'p1',
    hostId: 'h1',
    createdAt: '2026-12-01T00:00:00Z',
    updatedAt: '2026-12-01T00:00:00Z',
    definition: {
      name: 'nas',
      host: 'h1',
      items: [
        { kind: 'path', path: '/srv/data' },
        { kind: 'volume', volume: 'media' },
        { kind: 'stack', project: 'wiki' },
        { kind: 'stack', project: 'gone' },
        { kind: 'database', container: 'db', engine: 'postgres', user: 'app' },
      ],
      repositories: [
        { name: 'disk', location: '/mnt/backup', copyFrom: null, place: 'otherDisk', distanceKm: null },
        { name: 'bucket', location: 's3:https://s3.example/b', copyFrom: null, place: 'offsite', distanceKm: 300 },
      ],
      schedule: '30 1 * * *',
      retention: { keepDaily: 3, keepWeekly: 2, keepMonthly: 12 },
      rpoHours: 48,
      rtoHours: 8,
      drill: { schedule: '0 5 1 * *', files: 9, random: false, scratchDir: '/var/tmp' },
      enabled: false,
    },
  },
  hostName: 'nas',
  scheduleEn: 'every day at 01:30',
  scheduleZhCn: '每天 01:30',
  nextRunAt: null,
  lastRun: null,
  lastSuccessAt: null,
  lastSuccessAgeSeconds: null,
  rpoMet: false,
  lastDrill: null,
  s3KeysSet: ['bucket'],
  rule321: previewReport,
  rule321Planned: previewReport,
};

function inputValue(testid: string): string {
  return (screen.getByTestId(testid) as HTMLInputElement).value;
}

describe('BackupPlanWizard editing', () => {
  it('prefills every step from the plan', async () => {
    render(BackupPlanWizard, { plan: savedPlan, onsaved: vi.fn(), onclose: vi.fn() });
    expect(screen.getByTestId('backup-wizard').textContent).toContain('Edit backup plan nas');
    expect(inputValue('backup-wizard-name')).toBe('nas');
    await screen.findByTestId('backup-wizard-tools');
    expect(inputValue('backup-wizard-host')).toBe('h1');

    await next();
    expect(inputValue('backup-wizard-paths')).toBe('/srv/data');
    expect(inputValue('backup-wizard-databases')).toBe('db postgres app');
    expect(screen.getByTestId('backup-wizard-volumes').textContent).toContain('Docker volumes media');
    await waitFor(() => expect(screen.getAllByTestId('backup-stack-option')).toHaveLength(3));
    const rows = screen.getAllByTestId('backup-stack-option');
    const checked = (row: HTMLElement) => (within(row).getByRole('checkbox') as HTMLInputElement).checked;
    expect(rows.map((row) => row.dataset.project)).toEqual(['wiki', 'blog', 'gone']);
    expect(rows.map(checked)).toEqual([true, false, true]);
    expect(rows[2].textContent).toContain('not found on this host');

    await next();
    const repositoryRows = screen.getAllByTestId('repository-row');
    expect(repositoryRows).toHaveLength(2);
    expect((within(repositoryRows[1]).getByTestId('repository-location') as HTMLInputElement).value).toBe(
      's3:https://s3.example/b',
    );
    expect((within(repositoryRows[1]).getByTestId('repository-place') as HTMLSelectElement).value).toBe('offsite');
    expect((within(repositoryRows[1]).getByTestId('repository-distance') as HTMLInputElement).value).toBe('300');
    expect(inputValue('backup-wizard-password')).toBe('');
    expect(screen.getByTestId('backup-wizard-password-hint').textContent).toContain('Leave empty to keep the stored password');
    expect(screen.getByTestId('backup-wizard-s3-keep').textContent).toContain('Keys are stored for bucket');

    await next();
    expect(inputValue('backup-wizard-schedule')).toBe('30 1 * * *');
    const numbers = Array.from(screen.getByTestId('backup-wizard').querySelectorAll('input[type="number"]')).map(
      (input) => (input as HTMLInputElement).value,
    );
    expect(numbers).toEqual(['3', '2', '12', '48', '8']);
  });

  it('replaces the plan it edits', async () => {
    const onsaved = vi.fn();
    render(BackupPlanWizard, { plan: savedPlan, onsaved, onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await waitFor(() => expect(screen.getAllByTestId('backup-stack-option')).toHaveLength(3));
    const missingStack = screen.getAllByTestId('backup-stack-option')[2];
    expect(missingStack.dataset.project).toBe('gone');
    await fireEvent.click(within(missingStack).getByRole('checkbox'));
    await next();
    await next();
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));

    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(saved?.id).toBe('p1');
    expect(saved?.password).toBeNull();
    // Both S3 fields were left empty, so the stored keys stay.
    expect(saved?.s3Keys).toEqual([]);
    expect(saved?.definition.items).toEqual([
      { kind: 'path', path: '/srv/data' },
      { kind: 'volume', volume: 'media' },
      { kind: 'stack', project: 'wiki' },
      { kind: 'database', container: 'db', engine: 'postgres', user: 'app' },
    ]);
    expect(saved?.definition.repositories).toEqual(savedPlan.plan.definition.repositories);
    expect(saved?.definition.drill).toEqual(savedPlan.plan.definition.drill);
    expect(saved?.definition.enabled).toBe(false);
    expect(saved?.definition.retention).toEqual({ keepDaily: 3, keepWeekly: 2, keepMonthly: 12 });
    // The mocked save returns the id p9, and init runs on the plan the save returned.
    expect(invoke).toHaveBeenCalledWith('backup_plan_init', expect.objectContaining({ plan: 'p9' }));
  });

  it('sends new S3 keys and a new password', async () => {
    render(BackupPlanWizard, { plan: savedPlan, onsaved: vi.fn(), onclose: vi.fn() });
    await screen.findByTestId('backup-wizard-tools');
    await next();
    await next();
    await fireEvent.input(screen.getByTestId('backup-wizard-password'), { target: { value: 'new-repository-password' } });
    await fireEvent.input(screen.getByLabelText('S3 access key ID'), { target: { value: 'AK' } });
    await fireEvent.input(screen.getByLabelText('S3 secret access key'), { target: { value: 'SK' } });
    await next();
    await fireEvent.click(screen.getByTestId('backup-wizard-save'));
    await waitFor(() => expect(saved).not.toBeNull());
    expect(saved?.id).toBe('p1');
    expect(saved?.password).toBe('new-repository-password');
    expect(saved?.s3Keys).toEqual([{ repository: 'bucket', accessKeyId: 'AK', secretAccessKey: 'SK' }]);
  });
});
