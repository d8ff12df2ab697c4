/**
 * The "add Docker engine" form: its fields, the checks that run before anything is sent, and
 * the `EngineInput` the backend receives. The backend checks everything again and rejects a bad
 * value with InvalidInput naming the field, which the form shows beside that field.
 */
import type { EngineInput } from './ipc/types';

export type EngineConnection = 'tcp' | 'socket';

export interface EngineFormValues {
  name: string;
  connection: EngineConnection;
  socket: string;
  address: string;
  port: string;
  tls: boolean;
  ca: string;
  cert: string;
  key: string;
}

export type EngineFormField = 'name' | 'socket' | 'address' | 'port' | 'ca' | 'cert' | 'key';

/** Message ids of the `engineForm.errors` catalog, by field. */
export type EngineFormErrors = Partial<Record<EngineFormField, string>>;

export function emptyEngineForm(): EngineFormValues {
  return {
    name: '',
    connection: 'tcp',
    socket: '',
    address: '',
    port: '2376',
    tls: true,
    ca: '',
    cert: '',
    key: '',
  };
}

const isAbsolute = (path: string) => path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);

/** Returns the message id of every field that cannot be sent as it is. */
export function validateEngineForm(values: EngineFormValues): EngineFormErrors {
  const errors: EngineFormErrors = {};
  if (values.name.trim() === '') {
    errors.name = 'engineForm.errors.name';
  }
  if (values.connection === 'socket') {
    if (!isAbsolute(values.socket.trim().replace(/^unix:\/\//, ''))) {
      errors.socket = 'engineForm.errors.socket';
    }
    return errors;
  }

  if (values.address.trim() === '') {
    errors.address = 'engineForm.errors.address';
  }
  const port = Number(values.port.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    errors.port = 'engineForm.errors.port';
  }
  if (values.tls) {
    if (!isAbsolute(values.ca.trim())) {
      errors.ca = 'engineForm.errors.ca';
    }
    const cert = values.cert.trim();
    const key = values.key.trim();
    if (cert !== '' && !isAbsolute(cert)) {
      errors.cert = 'engineForm.errors.path';
    }
    if (key !== '' && !isAbsolute(key)) {
      errors.key = 'engineForm.errors.path';
    }
    if ((cert === '') !== (key === '')) {
      errors[cert === '' ? 'cert' : 'key'] = 'engineForm.errors.pair';
    }
  }
  return errors;
}

/** Builds the backend's input from checked values. */
export function engineInputFromForm(values: EngineFormValues): EngineInput {
  const optional = (text: string) => (text.trim() === '' ? null : text.trim());
  if (values.connection === 'socket') {
    return {
      name: values.name.trim(),
      socket: values.socket.trim().replace(/^unix:\/\//, ''),
      address: null,
      port: null,
      tls: null,
      group: null,
      tags: [],
    };
  }
  return {
    name: values.name.trim(),
    socket: null,
    address: values.address.trim().replace(/^\[(.*)\]$/, '$1'),
    port: Number(values.port.trim()),
    tls: values.tls ? { ca: values.ca.trim(), cert: optional(values.cert), key: optional(values.key) } : null,
    group: null,
    tags: [],
  };
}

/** Maps the backend's InvalidInput field to the form field that shows it. */
export function engineFieldOf(backendField: string | undefined): EngineFormField | null {
  switch (backendField) {
    case 'name':
      return 'name';
    case 'dockerSocket':
      return 'socket';
    case 'address':
      return 'address';
    case 'port':
      return 'port';
    case 'tls':
      return 'ca';
    default:
      return null;
  }
}
