// The only module that calls Tauri's `invoke`. Every function rejects with an `IpcError`, so
// screens can always render `error.<code>` without checking what kind of value they caught.

import { Channel, invoke } from '@tauri-apps/api/core';
import { isErrorCode } from './errorCodes';
import type {
  AppInfo,
  ContainerAction,
  ContainerEvent,
  ContainerView,
  DockerInfo,
  HostInput,
  HostView,
  IpcError,
  LogEvent,
  MemoryUsage,
  Settings,
} from './types';

export type { IpcError };

/** Subscription id returned by the streaming commands, to pass to `subscriptionCancel`. */
export type SubscriptionId = number;

export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Record<string, unknown>;
  return (
    isErrorCode(candidate.code) &&
    typeof candidate.message === 'string' &&
    typeof candidate.params === 'object' &&
    candidate.params !== null &&
    !Array.isArray(candidate.params)
  );
}

/**
 * Converts any rejection into an `IpcError`. Values that are not shaped like one (a string from
 * a Tauri plugin, a thrown `Error` when the IPC bridge is missing, an unknown code) become
 * `Internal`, with their text in `params.detail`.
 */
export function toIpcError(reason: unknown): IpcError {
  if (isIpcError(reason)) {
    return reason;
  }

  let detail: string;
  if (reason instanceof Error) {
    detail = reason.message;
  } else if (typeof reason === 'string') {
    detail = reason;
  } else if (typeof reason === 'object' && reason !== null && 'message' in reason) {
    detail = String((reason as { message: unknown }).message);
  } else {
    detail = String(reason);
  }

  return { code: 'Internal', message: detail, params: { detail } };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toIpcError(reason);
  }
}

export function appInfo(): Promise<AppInfo> {
  return call('app_info');
}

export function settingsGet(): Promise<Settings> {
  return call('settings_get');
}

export function settingsSet(settings: Settings): Promise<Settings> {
  return call('settings_set', { settings });
}

export function hostList(): Promise<HostView[]> {
  return call('host_list');
}

export function hostAdd(input: HostInput, trustedKey: string | null): Promise<HostView> {
  return call('host_add', { input, trustedKey });
}

export function hostUpdate(
  id: string,
  input: HostInput,
  trustedKey: string | null,
): Promise<HostView> {
  return call('host_update', { id, input, trustedKey });
}

export function hostRemove(id: string): Promise<null> {
  return call('host_remove', { id });
}

export function hostCheck(id: string): Promise<DockerInfo> {
  return call('host_check', { id });
}

export function hostReplaceKey(id: string, fingerprint: string): Promise<HostView> {
  return call('host_replace_key', { id, fingerprint });
}

export function containerList(hostId: string): Promise<ContainerView[]> {
  return call('container_list', { hostId });
}

export function containerAction(
  hostId: string,
  containerId: string,
  action: ContainerAction,
): Promise<null> {
  return call('container_action', { hostId, containerId, action });
}

/** Returns the engine's inspect output as pretty-printed JSON. */
export function containerInspect(hostId: string, containerId: string): Promise<string> {
  return call('container_inspect', { hostId, containerId });
}

/** Returns memory usage of the running containers only. */
export function containerMemory(hostId: string): Promise<MemoryUsage[]> {
  return call('container_memory', { hostId });
}

/**
 * Starts streaming a container's logs to `onEvent`. `tail` is the number of past lines to send
 * first, and 0 sends all of them. The stream runs until `end`, `error` or `subscriptionCancel`.
 */
export async function containerLogs(
  hostId: string,
  containerId: string,
  tail: number,
  follow: boolean,
  onEvent: (event: LogEvent) => void,
): Promise<SubscriptionId> {
  try {
    const channel = new Channel<LogEvent>(onEvent);
    return await invoke<SubscriptionId>('container_logs', {
      hostId,
      containerId,
      tail,
      follow,
      onEvent: channel,
    });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Subscribes to the Docker events of one host until `subscriptionCancel`. */
export async function containerEvents(
  hostId: string,
  onEvent: (event: ContainerEvent) => void,
): Promise<SubscriptionId> {
  try {
    const channel = new Channel<ContainerEvent>(onEvent);
    return await invoke<SubscriptionId>('container_events', { hostId, onEvent: channel });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

export function subscriptionCancel(id: SubscriptionId): Promise<null> {
  return call('subscription_cancel', { id });
}

/** Opens an `https:` URL in the system browser. The backend rejects other schemes. */
export function openExternal(url: string): Promise<null> {
  return call('open_external', { url });
}
