import { describe, expect, it } from 'vitest';
import {
  isAbsoluteLocalPath,
  isAbsoluteRemotePath,
  localPathProblem,
  remotePathProblem,
  transferErrorMessageId,
  transferPercent,
} from './fileTransfer';

describe('isAbsoluteLocalPath', () => {
  it.each(['/home/me/a.txt', '/', 'C:\\Users\\me\\a.txt', 'd:/data/a.txt', '\\\\nas\\share\\a.txt'])(
    'accepts %s',
    (path) => {
      expect(isAbsoluteLocalPath(path)).toBe(true);
    },
  );

  it.each(['a.txt', './a.txt', '~/a.txt', 'C:a.txt', '\\a.txt', ''])('rejects %s', (path) => {
    expect(isAbsoluteLocalPath(path)).toBe(false);
  });
});

describe('isAbsoluteRemotePath', () => {
  it('needs a leading slash', () => {
    expect(isAbsoluteRemotePath('/tmp/a.txt')).toBe(true);
    expect(isAbsoluteRemotePath('tmp/a.txt')).toBe(false);
    expect(isAbsoluteRemotePath('~/a.txt')).toBe(false);
    expect(isAbsoluteRemotePath('C:\\a.txt')).toBe(false);
  });
});

describe('path problems', () => {
  it('name an empty path missing', () => {
    expect(localPathProblem('')).toBe('missing');
    expect(remotePathProblem('')).toBe('missing');
  });

  it('name a relative path relative', () => {
    expect(localPathProblem('a.txt')).toBe('relative');
    expect(remotePathProblem('a.txt')).toBe('relative');
  });

  it('accept absolute paths', () => {
    expect(localPathProblem('/a.txt')).toBeNull();
    expect(remotePathProblem('/a.txt')).toBeNull();
  });
});

describe('transferPercent', () => {
  it.each([
    [0, 100, 0],
    [1, 3, 33],
    [999, 1000, 99],
    [1000, 1000, 100],
    [1200, 1000, 100],
    [0, 0, 100],
  ])('%i of %i is %i %%', (done, total, percent) => {
    expect(transferPercent(done, total)).toBe(percent);
  });

  it('stays exact above 2^32 bytes', () => {
    const total = 6 * 1024 ** 3;
    expect(transferPercent(total / 2, total)).toBe(50);
  });
});

describe('transferErrorMessageId', () => {
  it('picks the wording by the invalid field', () => {
    const invalid = (field: string) => ({
      code: 'InvalidInput' as const,
      message: '',
      params: { field, value: 'x', detail: 'bad' },
    });
    expect(transferErrorMessageId(invalid('localPath'))).toBe('files.invalidLocalPath');
    expect(transferErrorMessageId(invalid('remotePath'))).toBe('files.invalidRemotePath');
    expect(transferErrorMessageId(invalid('host'))).toBeUndefined();
  });

  it('leaves other codes to error.<code>', () => {
    const error = { code: 'HostUnreachable' as const, message: '', params: {} };
    expect(transferErrorMessageId(error)).toBeUndefined();
  });
});
