import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    onmessage: (message: unknown) => void;
    constructor(onmessage: (message: unknown) => void) {
      this.onmessage = onmessage;
    }
  },
}));

const api = await import('./api');

describe('isIpcError', () => {
  it('accepts a backend error', () => {
    expect(api.isIpcError({ code: 'HostNotFound', message: 'gone', params: { host: 'a' } })).toBe(
      true,
    );
  });

  it.each([
    ['null', null],
    ['a string', 'boom'],
    ['an unknown code', { code: 'Nope', message: 'x', params: {} }],
    ['missing params', { code: 'Internal', message: 'x' }],
    ['array params', { code: 'Internal', message: 'x', params: [] }],
    ['non-string message', { code: 'Internal', message: 1, params: {} }],
  ])('rejects %s', (_name, value) => {
    expect(api.isIpcError(value)).toBe(false);
  });
});

describe('api calls', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('pass camelCase arguments', async () => {
    invoke.mockResolvedValue(null);
    await api.containerAction('h1', 'c1', 'restart');
    expect(invoke).toHaveBeenCalledWith('container_action', {
      hostId: 'h1',
      containerId: 'c1',
      action: 'restart',
    });

    await api.hostAdd(
      {
        name: 'n',
        address: 'a',
        port: 22,
        user: 'u',
        auth: 'agent',
        keyPath: null,
        dockerSocket: null,
        secret: null,
        jumpHost: null,
        group: null,
        tags: [],
      },
      'SHA256:abc',
    );
    expect(invoke).toHaveBeenLastCalledWith('host_add', expect.objectContaining({ trustedKey: 'SHA256:abc' }));
  });

  it('pass the fleet timeout only when given', async () => {
    invoke.mockResolvedValue([]);
    await api.fleetStatus();
    expect(invoke).toHaveBeenLastCalledWith('fleet_status', {});
    await api.fleetStatus(2500);
    expect(invoke).toHaveBeenLastCalledWith('fleet_status', { timeoutMs: 2500 });
  });

  it('pass the import files, digest and aliases', async () => {
    invoke.mockResolvedValue(null);
    const files = { config: '/tmp/ssh/config', knownHosts: ['/tmp/ssh/known_hosts'] };
    await api.sshImportPreview(files);
    expect(invoke).toHaveBeenLastCalledWith('ssh_import_preview', { files });
    await api.sshImportApply(files, 'abc123', ['nas', 'inner']);
    expect(invoke).toHaveBeenLastCalledWith('ssh_import_apply', {
      files,
      digest: 'abc123',
      aliases: ['nas', 'inner'],
    });
  });

  it('pass a backend error through unchanged', async () => {
    const error = {
      code: 'HostKeyUnknown',
      message: 'not trusted',
      params: { host: 'h', port: '22', algorithm: 'ssh-ed25519', fingerprint: 'SHA256:x' },
    };
    invoke.mockRejectedValue(error);
    await expect(api.hostList()).rejects.toEqual(error);
  });

  it('wrap a string rejection as Internal', async () => {
    invoke.mockRejectedValue('command host_list not found');
    await expect(api.hostList()).rejects.toEqual({
      code: 'Internal',
      message: 'command host_list not found',
      params: { detail: 'command host_list not found' },
    });
  });

  it('wrap a thrown Error as Internal', async () => {
    invoke.mockRejectedValue(new TypeError("Cannot read properties of undefined (reading 'invoke')"));
    const rejection = await api.appInfo().catch((error: unknown) => error);
    expect(api.isIpcError(rejection)).toBe(true);
    expect(rejection).toMatchObject({ code: 'Internal', params: { detail: expect.stringContaining('invoke') } });
  });

  it('wrap an unknown code as Internal', async () => {
    invoke.mockRejectedValue({ code: 'SomethingNew', message: 'new backend', params: {} });
    await expect(api.settingsGet()).rejects.toMatchObject({
      code: 'Internal',
      params: { detail: 'new backend' },
    });
  });

  it('send the channel of a stream as onEvent', async () => {
    invoke.mockResolvedValue(7);
    const received: unknown[] = [];
    const id = await api.containerLogs('h1', 'c1', 100, true, (event) => received.push(event));

    expect(id).toBe(7);
    const [command, args] = invoke.mock.calls[0];
    expect(command).toBe('container_logs');
    expect(args).toMatchObject({ hostId: 'h1', containerId: 'c1', tail: 100, follow: true });

    args.onEvent.onmessage({ kind: 'end' });
    expect(received).toEqual([{ kind: 'end' }]);
  });

  it('reject a failed stream start with an IpcError', async () => {
    invoke.mockRejectedValue(null);
    await expect(api.containerEvents('h1', () => undefined)).rejects.toMatchObject({
      code: 'Internal',
      params: { detail: 'null' },
    });
  });
});
