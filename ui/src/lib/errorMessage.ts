import { ERROR_PARAMS } from './ipc/errorCodes';
import type { IpcError } from './ipc/types';

type Translate = (id: string) => string;

const AUTH_METHODS = new Set(['key', 'agent', 'password']);

/**
 * Builds the interpolation values for `error.<code>`. Every name the message uses gets a value,
 * because svelte-i18n prints the raw `{name}` template when one is missing. Absent params become
 * the translated "unknown", and `detail` falls back to the backend's English message.
 */
export function errorMessageValues(error: IpcError, translate: Translate): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(error.params)) {
    if (value !== undefined) {
      values[name] = value;
    }
  }

  for (const name of ERROR_PARAMS[error.code] as readonly string[]) {
    if (values[name] !== undefined && values[name] !== '') {
      continue;
    }
    if (name === 'detail' && error.message !== '') {
      values[name] = error.message;
    } else {
      values[name] = translate('common.unknown');
    }
  }

  // NOTE: the backend's `method` value is assumed to be an `AuthMethod` name. Any other text is
  // shown as it arrives.
  if (error.code === 'AuthFailed' && AUTH_METHODS.has(values.method)) {
    values.method = translate(`authNoun.${values.method}`);
  }

  return values;
}
