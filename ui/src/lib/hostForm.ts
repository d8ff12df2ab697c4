import type { AuthMethod, HostInput, HostView } from './ipc/types';

/** The add/edit form's fields as the inputs hold them (all text, so the port can be invalid). */
export interface HostFormValues {
  name: string;
  address: string;
  port: string;
  user: string;
  auth: AuthMethod;
  keyPath: string;
  secret: string;
  dockerSocket: string;
}

export type HostFormField = 'name' | 'address' | 'port' | 'user';

/** Maps each invalid field to the i18n key of its message. */
export type HostFormErrors = Partial<Record<HostFormField, string>>;

export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export function emptyHostForm(): HostFormValues {
  return {
    name: '',
    address: '',
    port: String(DEFAULT_SSH_PORT),
    user: '',
    auth: 'key',
    keyPath: '',
    secret: '',
    dockerSocket: '',
  };
}

/** Fills the form from a saved host. The secret stays empty because the backend never sends it. */
export function hostFormFromView(host: HostView): HostFormValues {
  return {
    name: host.name,
    address: host.address,
    port: String(host.port),
    user: host.user,
    auth: host.auth,
    keyPath: host.keyPath ?? '',
    secret: '',
    dockerSocket: host.dockerSocket === DEFAULT_DOCKER_SOCKET ? '' : host.dockerSocket,
  };
}

/** Parses a typed port. Returns null unless it is a whole number from 1 to 65535. */
export function parsePort(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed)) {
    return null;
  }
  const port = Number(trimmed);
  return port >= 1 && port <= 65535 ? port : null;
}

/** Checks the fields the backend would reject, so the user sees the problem before connecting. */
export function validateHostForm(values: HostFormValues): HostFormErrors {
  const errors: HostFormErrors = {};
  if (values.name.trim() === '') {
    errors.name = 'hostForm.validation.nameRequired';
  }
  if (values.address.trim() === '') {
    errors.address = 'hostForm.validation.addressRequired';
  }
  if (parsePort(values.port) === null) {
    errors.port = 'hostForm.validation.portInvalid';
  }
  if (values.user.trim() === '') {
    errors.user = 'hostForm.validation.userRequired';
  }
  return errors;
}

/**
 * Builds the `HostInput` for `host_add` or `host_update`. An empty secret becomes null, which
 * means "no passphrase" when adding and "keep the stored secret" when editing. The key path is
 * sent only for key authentication, and the secret never for the SSH agent.
 */
export function hostInputFromForm(values: HostFormValues): HostInput {
  const port = parsePort(values.port);
  if (port === null) {
    throw new RangeError(`invalid port "${values.port}": validate the form first`);
  }

  const keyPath = values.auth === 'key' ? values.keyPath.trim() : '';
  const secret = values.auth === 'agent' ? '' : values.secret;
  const dockerSocket = values.dockerSocket.trim();

  return {
    name: values.name.trim(),
    address: values.address.trim(),
    port,
    user: values.user.trim(),
    auth: values.auth,
    keyPath: keyPath === '' ? null : keyPath,
    dockerSocket: dockerSocket === '' ? null : dockerSocket,
    secret: secret === '' ? null : secret,
  };
}
