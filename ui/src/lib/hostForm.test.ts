import { describe, expect, it } from 'vitest';
import {
  emptyHostForm,
  hostFormFromView,
  hostInputFromForm,
  jumpHostOptions,
  parsePort,
  parseTags,
  validateHostForm,
  type HostFormValues,
} from './hostForm';
import { sshHost } from './testHosts';

function form(overrides: Partial<HostFormValues>): HostFormValues {
  return { ...emptyHostForm(), name: 'nas', address: '192.0.2.10', user: 'admin', ...overrides };
}

describe('parsePort', () => {
  it.each([
    ['22', 22],
    [' 2222 ', 2222],
    ['1', 1],
    ['65535', 65535],
    ['0', null],
    ['65536', null],
    ['-1', null],
    ['22.5', null],
    ['abc', null],
    ['', null],
  ])('parses %j as %j', (text, expected) => {
    expect(parsePort(text)).toBe(expected);
  });
});

describe('validateHostForm', () => {
  it('accepts a complete form', () => {
    expect(validateHostForm(form({}))).toEqual({});
  });

  it('reports empty name and address', () => {
    const errors = validateHostForm(form({ name: '  ', address: '' }));
    expect(errors.name).toBe('hostForm.validation.nameRequired');
    expect(errors.address).toBe('hostForm.validation.addressRequired');
  });

  it('reports an out-of-range port', () => {
    expect(validateHostForm(form({ port: '70000' })).port).toBe('hostForm.validation.portInvalid');
  });

  it('reports an empty user', () => {
    expect(validateHostForm(form({ user: '' })).user).toBe('hostForm.validation.userRequired');
  });
});

describe('hostInputFromForm', () => {
  it('defaults the port to 22', () => {
    expect(hostInputFromForm(form({})).port).toBe(22);
  });

  it('turns empty optional fields into null', () => {
    const input = hostInputFromForm(form({ auth: 'key', keyPath: ' ', secret: '', dockerSocket: '' }));
    expect(input.keyPath).toBeNull();
    expect(input.secret).toBeNull();
    expect(input.dockerSocket).toBeNull();
  });

  it('sends neither key path nor secret for the agent', () => {
    const input = hostInputFromForm(form({ auth: 'agent', keyPath: '~/.ssh/id', secret: 'x' }));
    expect(input.keyPath).toBeNull();
    expect(input.secret).toBeNull();
  });

  it('sends the password for password auth', () => {
    const input = hostInputFromForm(form({ auth: 'password', keyPath: '~/.ssh/id', secret: 's3cret' }));
    expect(input.keyPath).toBeNull();
    expect(input.secret).toBe('s3cret');
  });

  it('trims text fields', () => {
    const input = hostInputFromForm(form({ name: ' nas ', address: ' host ', port: ' 2222 ' }));
    expect(input).toMatchObject({ name: 'nas', address: 'host', port: 2222 });
  });

  it('rejects an invalid port', () => {
    expect(() => hostInputFromForm(form({ port: 'x' }))).toThrow(RangeError);
  });
});

describe('hostFormFromView', () => {
  it('leaves the secret and the default socket empty', () => {
    const values = hostFormFromView({
      id: '1',
      name: 'nas',
      kind: 'ssh',
      address: 'nas.lan',
      port: 2222,
      user: 'admin',
      auth: 'password',
      keyPath: null,
      dockerSocket: '/var/run/docker.sock',
      hasSecret: true,
      hostKeyFingerprint: 'SHA256:x',
      createdAt: '2025-01-01T00:00:00Z',
      jumpHostId: null,
      group: '',
      tags: [],
      source: null,
      tls: null,
    });
    expect(values).toMatchObject({ port: '2222', secret: '', dockerSocket: '', keyPath: '' });
  });
});

describe('hostFormFromView with jump host, group and tags', () => {
  it('copies them into the form', () => {
    const values = hostFormFromView(
      sshHost({ id: '2', name: 'inner', jumpHostId: '1', group: 'Lab', tags: ['a', 'b c'] }),
    );
    expect(values).toMatchObject({ jumpHost: '1', group: 'Lab', tags: 'a, b c' });
  });
});

describe('parseTags', () => {
  it.each([
    ['', []],
    [' , ,', []],
    ['media', ['media']],
    [' media , backup ', ['media', 'backup']],
    ['Media, media, MEDIA, nas', ['Media', 'nas']],
    ['two words, x', ['two words', 'x']],
    ['Äpfel, äpfel', ['Äpfel', 'äpfel']],
  ])('parses %j', (text, expected) => {
    expect(parseTags(text)).toEqual(expected);
  });
});

describe('group and tag validation', () => {
  it('accepts 64 characters of group', () => {
    expect(validateHostForm(form({ group: 'g'.repeat(64) })).group).toBeUndefined();
  });

  it('rejects a longer group', () => {
    expect(validateHostForm(form({ group: 'g'.repeat(65) })).group).toBe('hostForm.validation.groupTooLong');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(validateHostForm(form({ tags: '🐳'.repeat(32) })).tags).toBeUndefined();
  });

  it('rejects a long tag', () => {
    expect(validateHostForm(form({ tags: `ok, ${'t'.repeat(33)}` })).tags).toBe('hostForm.validation.tagTooLong');
  });

  it('rejects more than 16 tags', () => {
    const tags = Array.from({ length: 17 }, (_, index) => `t${index}`).join(',');
    expect(validateHostForm(form({ tags })).tags).toBe('hostForm.validation.tooManyTags');
  });

  it('counts repeated tags once', () => {
    const tags = Array.from({ length: 20 }, () => 'same').join(',');
    expect(validateHostForm(form({ tags })).tags).toBeUndefined();
  });
});

describe('hostInputFromForm with jump host, group and tags', () => {
  it('sends null for an empty jump host and group', () => {
    const input = hostInputFromForm(form({ jumpHost: '', group: '  ', tags: '' }));
    expect(input).toMatchObject({ jumpHost: null, group: null, tags: [] });
  });

  it('sends the jump host id, the trimmed group and the tag list', () => {
    const input = hostInputFromForm(form({ jumpHost: 'id-1', group: ' Lab ', tags: 'a, b' }));
    expect(input).toMatchObject({ jumpHost: 'id-1', group: 'Lab', tags: ['a', 'b'] });
  });
});

describe('jumpHostOptions', () => {
  const local = sshHost({ id: 'local', name: 'local', kind: 'local' });
  const bastion = sshHost({ id: 'b', name: 'bastion' });
  const inner = sshHost({ id: 'i', name: 'inner', jumpHostId: 'b' });
  const deepest = sshHost({ id: 'd', name: 'deepest', jumpHostId: 'i' });
  const other = sshHost({ id: 'o', name: 'other' });
  const hosts = [local, bastion, inner, deepest, other];

  it('offers every SSH host when adding', () => {
    expect(jumpHostOptions(hosts, null).map((host) => host.id)).toEqual(['b', 'i', 'd', 'o']);
  });

  it('leaves out the edited host and the hosts that reach it', () => {
    expect(jumpHostOptions(hosts, 'b').map((host) => host.id)).toEqual(['o']);
    expect(jumpHostOptions(hosts, 'i').map((host) => host.id)).toEqual(['b', 'o']);
  });

  it('survives a loop in saved jump hosts', () => {
    const a = sshHost({ id: 'a', name: 'a', jumpHostId: 'c' });
    const c = sshHost({ id: 'c', name: 'c', jumpHostId: 'a' });
    expect(jumpHostOptions([a, c, other], 'o').map((host) => host.id)).toEqual(['a', 'c']);
  });
});
