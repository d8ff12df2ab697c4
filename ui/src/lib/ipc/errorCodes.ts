import type { ErrorCode } from './types';

/**
 * Interpolation values the backend sends in `IpcError.params` for each code, as
 * `Error::params` in crates/homeport-core/src/error.rs fills them. The catalog test checks that
 * every `error.<code>` message uses only these names.
 */
export const ERROR_PARAMS = {
  InvalidInput: ['field', 'value', 'detail'],
  HostNotFound: ['host'],
  HostNameTaken: ['host'],
  HostUnreachable: ['host', 'port', 'detail'],
  HostKeyUnknown: ['host', 'port', 'algorithm', 'fingerprint'],
  HostKeyChanged: ['host', 'port', 'algorithm', 'fingerprint', 'oldFingerprint'],
  HostKeyRevoked: ['host', 'port', 'fingerprint'],
  AuthFailed: ['host', 'user', 'method'],
  KeyFileUnreadable: ['path', 'detail'],
  PassphraseWrong: ['path'],
  SecretMissing: ['host'],
  ConfigInvalid: ['file', 'line', 'column', 'detail'],
  AgentUnavailable: ['detail'],
  DockerUnavailable: ['host', 'socket'],
  DockerPermissionDenied: ['host', 'user', 'socket'],
  DockerApiTooOld: ['host', 'version', 'minimum'],
  DockerError: ['host', 'detail'],
  ContainerNotFound: ['host', 'container'],
  ContainerNotRunning: ['host', 'container', 'state'],
  ContainerShellMissing: ['host', 'container', 'detail'],
  EngineTls: ['host', 'detail'],
  StackNotFound: ['host', 'stack'],
  ComposeInvalid: ['file', 'line', 'column', 'count', 'detail'],
  DeployFailed: ['host', 'stack', 'stage', 'service', 'detail'],
  StackUpdateFailed: ['host', 'stack', 'stage', 'service', 'detail'],
  ImageMissing: ['host', 'service', 'image', 'detail'],
  PortInUse: ['host', 'service', 'port', 'container'],
  BindSourceMissing: ['host', 'service', 'path'],
  ServiceNotReady: ['host', 'stack', 'service', 'condition', 'detail'],
  KeychainLocked: ['detail'],
  KeychainUnavailable: ['detail'],
  TemplateSourceInvalid: ['file', 'line', 'column', 'detail'],
  DownloadFailed: ['url', 'detail'],
  PrometheusUnreachable: ['url', 'detail'],
  PromqlInvalid: ['line', 'column', 'detail'],
  PrometheusQueryFailed: ['url', 'detail'],
  PrometheusResponseTooLarge: ['url', 'limitMib'],
  PrometheusSourceMissing: ['host'],
  NotifyChannelNotFound: ['channel'],
  NotifyFailed: ['channel', 'status', 'detail'],
  AlertmanagerFailed: ['url', 'detail'],
  AlertNotFound: ['id'],
  AlertRuleNotFound: ['id'],
  RuleFileInvalid: ['file', 'kind', 'line', 'column', 'detail'],
  BackupPlanNotFound: ['plan'],
  BackupRepositoryLocked: ['repository', 'holderHost', 'pid', 'user', 'age', 'storageId', 'unlockOffered'],
  BackupPasswordWrong: ['repository'],
  BackupRepositoryUnreachable: ['repository', 'detail'],
  BackupToolMissing: ['host', 'tool', 'install'],
  BackupFailed: ['plan', 'stage', 'detail'],
  ConfigFileInvalid: ['file', 'line', 'column', 'detail'],
  ConfigFileTooNew: ['file', 'version', 'supported'],
  Storage: ['detail'],
  Cancelled: [],
  Internal: ['detail'],
} as const satisfies Record<ErrorCode, readonly string[]>;

export const ERROR_CODES = Object.keys(ERROR_PARAMS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_PARAMS, value);
}
