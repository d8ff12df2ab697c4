import { describe, expect, it } from 'vitest';
import {
  emptyHostForm,
  hostFormFromView,
  hostInputFromForm,
  parsePort,
  validateHostForm,
  type HostFormValues,
} from './hostForm';

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
    });
    expect(values).toMatchObject({ port: '2222', secret: '', dockerSocket: '', keyPath: '' });
  });
});
