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
  /** The jump host's id, or empty for a direct connection. */
  jumpHost: string;
  group: string;
  /** Tags as typed, separated by commas. */
  tags: string;
}

export type HostFormField = 'name' | 'address' | 'port' | 'user' | 'group' | 'tags';

/** Maps each invalid field to the i18n key of its message. */
export type HostFormErrors = Partial<Record<HostFormField, string>>;

export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Limits the backend enforces in `validate_group` and `validate_tags` (inventory.rs). */
export const MAX_GROUP_LENGTH = 64;
export const MAX_TAG_LENGTH = 32;
export const MAX_TAGS = 16;

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
    jumpHost: '',
    group: '',
    tags: '',
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
    jumpHost: host.jumpHostId ?? '',
    group: host.group,
    tags: host.tags.join(', '),
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

function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * Splits comma-separated tags, trims them and drops empty ones and repeats. Repeats are
 * compared ignoring ASCII letter case and the first spelling is kept, as the backend does.
 */
export function parseTags(text: string): string[] {
  const tags: string[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const tag = part.trim();
    const key = asciiLowerCase(tag);
    if (tag !== '' && !seen.has(key)) {
      tags.push(tag);
      seen.add(key);
    }
  }
  return tags;
}

/**
 * Returns the hosts the form offers as jump host: saved SSH hosts, except the host being
 * edited and the hosts that already reach it through their own jump hosts, which would loop.
 */
export function jumpHostOptions(hosts: readonly HostView[], editingId: string | null): HostView[] {
  const byId = new Map(hosts.map((host) => [host.id, host]));

  function reachesEditedHost(host: HostView): boolean {
    const seen = new Set<string>();
    let current: HostView | undefined = host;
    while (current && !seen.has(current.id)) {
      if (current.id === editingId) {
        return true;
      }
      seen.add(current.id);
      current = current.jumpHostId === null ? undefined : byId.get(current.jumpHostId);
    }
    return false;
  }

  return hosts.filter((host) => host.kind === 'ssh' && !reachesEditedHost(host));
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
  if ([...values.group.trim()].length > MAX_GROUP_LENGTH) {
    errors.group = 'hostForm.validation.groupTooLong';
  }
  const tags = parseTags(values.tags);
  if (tags.some((tag) => [...tag].length > MAX_TAG_LENGTH)) {
    errors.tags = 'hostForm.validation.tagTooLong';
  } else if (tags.length > MAX_TAGS) {
    errors.tags = 'hostForm.validation.tooManyTags';
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
  const group = values.group.trim();

  return {
    name: values.name.trim(),
    address: values.address.trim(),
    port,
    user: values.user.trim(),
    auth: values.auth,
    keyPath: keyPath === '' ? null : keyPath,
    dockerSocket: dockerSocket === '' ? null : dockerSocket,
    secret: secret === '' ? null : secret,
    jumpHost: values.jumpHost === '' ? null : values.jumpHost,
    group: group === '' ? null : group,
    tags: parseTags(values.tags),
  };
}
