import type { DockerInfo, IpcError } from './ipc/types';

/** Result of the Check button for one host, shown under its row. */
export type HostCheckState =
  | { status: 'running' }
  | { status: 'ok'; info: DockerInfo }
  | { status: 'failed'; error: IpcError };
