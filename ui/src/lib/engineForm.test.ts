import { describe, expect, it } from 'vitest';
import { emptyEngineForm, engineFieldOf, engineInputFromForm, validateEngineForm } from './engineForm';

const tls = {
  ...emptyEngineForm(),
  name: ' builder ',
  address: '192.0.2.20',
  ca: '/certs/ca.pem',
  cert: '/certs/cert.pem',
  key: '/certs/key.pem',
};

describe('engine form', () => {
  it('accepts a TLS engine and trims what it sends', () => {
    expect(validateEngineForm(tls)).toEqual({});
    expect(engineInputFromForm(tls)).toEqual({
      name: 'builder',
      socket: null,
      address: '192.0.2.20',
      port: 2376,
      tls: { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem' },
      group: null,
      tags: [],
    });
  });

  it('needs a CA with TLS, and the client certificate and key as a pair', () => {
    const errors = validateEngineForm({ ...tls, ca: 'ca.pem', key: '' });
    expect(errors.ca).toBe('engineForm.errors.ca');
    expect(errors.key).toBe('engineForm.errors.pair');
  });

  it('sends no TLS for plain HTTP and checks the port', () => {
    const plain = { ...tls, tls: false, ca: '', port: '2375' };
    expect(validateEngineForm(plain)).toEqual({});
    expect(engineInputFromForm(plain).tls).toBeNull();
    expect(validateEngineForm({ ...plain, port: '70000' }).port).toBe('engineForm.errors.port');
  });

  it('strips unix:// from a socket path and wants it absolute', () => {
    const socket = { ...emptyEngineForm(), name: 'rootless', connection: 'socket' as const, socket: 'unix:///run/d.sock' };
    expect(validateEngineForm(socket)).toEqual({});
    expect(engineInputFromForm(socket).socket).toBe('/run/d.sock');
    expect(validateEngineForm({ ...socket, socket: 'd.sock' }).socket).toBe('engineForm.errors.socket');
  });

  it('maps backend fields to form fields', () => {
    expect(engineFieldOf('dockerSocket')).toBe('socket');
    expect(engineFieldOf('tls')).toBe('ca');
    expect(engineFieldOf('secret')).toBeNull();
  });
});
