import { describe, expect, it } from 'vitest';
import { errorMessageValues } from './errorMessage';

const translate = (id: string) => `<${id}>`;

describe('errorMessageValues', () => {
  it('passes params through', () => {
    const values = errorMessageValues(
      { code: 'DockerUnavailable', message: 'm', params: { host: 'nas', socket: '/s' } },
      translate,
    );
    expect(values).toEqual({ host: 'nas', socket: '/s' });
  });

  it('fills a missing param with unknown', () => {
    const values = errorMessageValues(
      { code: 'DockerUnavailable', message: 'm', params: { host: 'nas' } },
      translate,
    );
    expect(values.socket).toBe('<common.unknown>');
  });

  it('falls back to the message for detail', () => {
    const values = errorMessageValues({ code: 'Internal', message: 'boom', params: {} }, translate);
    expect(values.detail).toBe('boom');
  });

  it('translates the auth method', () => {
    const values = errorMessageValues(
      { code: 'AuthFailed', message: 'm', params: { host: 'h', user: 'u', method: 'password' } },
      translate,
    );
    expect(values.method).toBe('<authNoun.password>');
  });
});
