// Rules of the Files dialog that need no component: path checks before a transfer starts,
// the progress numbers, and the message for a failed transfer.

import type { IpcError } from './ipc/types';

export type TransferDirection = 'upload' | 'download';

/**
 * Returns whether `path` is absolute on this computer: `/…` on Linux and macOS, `C:\…`, `C:/…`
 * or `\\server\share\…` on Windows. The backend decides for the OS it runs on, so this check
 * only catches common mistakes early, such as `~/notes.txt` or `notes.txt`.
 */
export function isAbsoluteLocalPath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** Returns whether `path` is absolute on an SSH host, which SFTP paths on POSIX hosts need. */
export function isAbsoluteRemotePath(path: string): boolean {
  return path.startsWith('/');
}

export type PathProblem = 'missing' | 'relative';

/** Returns what is wrong with the local path as typed, or null when it can be sent. */
export function localPathProblem(path: string): PathProblem | null {
  if (path === '') {
    return 'missing';
  }
  return isAbsoluteLocalPath(path) ? null : 'relative';
}

/** Returns what is wrong with the remote path as typed, or null when it can be sent. */
export function remotePathProblem(path: string): PathProblem | null {
  if (path === '') {
    return 'missing';
  }
  return isAbsoluteRemotePath(path) ? null : 'relative';
}

/**
 * Returns the whole percent of `done` out of `total`, from 0 to 100. An empty file has
 * nothing to wait for, so it counts as complete.
 */
export function transferPercent(done: number, total: number): number {
  if (total <= 0) {
    return 100;
  }
  // Floor, so 100 % appears only when every byte has arrived.
  return Math.min(100, Math.floor((done * 100) / total));
}

/**
 * Returns the catalog key for a failed transfer's message. An invalid path gets wording that
 * names the local or remote side, because the text of `error.InvalidInput` shows the field's
 * code name and ends with “save again”, which fits forms only.
 */
export function transferErrorMessageId(error: IpcError): string | undefined {
  if (error.code !== 'InvalidInput') {
    return undefined;
  }
  if (error.params.field === 'localPath') {
    return 'files.invalidLocalPath';
  }
  if (error.params.field === 'remotePath') {
    return 'files.invalidRemotePath';
  }
  return undefined;
}
