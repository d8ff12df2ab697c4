// Generated from the Rust types in crates/homeport-api by ts-rs. Do not edit.
// Regenerate with `make bindings`; `cargo test -p homeport-api` fails when this file is stale.

export type AuthMethod = "key" | "agent" | "password";

export type HostKind = "ssh" | "local";

export type HostView = { id: string, name: string, kind: HostKind, address: string, port: number, user: string, auth: AuthMethod, keyPath: string | null, dockerSocket: string, hasSecret: boolean, hostKeyFingerprint: string | null, createdAt: string, };

export type HostInput = { name: string, address: string, port: number, user: string, auth: AuthMethod, keyPath: string | null, dockerSocket: string | null, secret: string | null, };

export type ErrorCode = "InvalidInput" | "HostNotFound" | "HostNameTaken" | "HostUnreachable" | "HostKeyUnknown" | "HostKeyChanged" | "AuthFailed" | "KeyFileUnreadable" | "PassphraseWrong" | "SecretMissing" | "AgentUnavailable" | "DockerUnavailable" | "DockerPermissionDenied" | "DockerApiTooOld" | "DockerError" | "ContainerNotFound" | "KeychainLocked" | "KeychainUnavailable" | "Storage" | "Cancelled" | "Internal";

export type IpcError = { code: ErrorCode, message: string, params: { [key in string]?: string }, };

export type DockerInfo = { serverVersion: string, apiVersion: string, os: string, containersRunning: number, containersTotal: number, };

export type PortView = { ip: string | null, privatePort: number, publicPort: number | null, protocol: string, };

export type ContainerView = { id: string, name: string, image: string, state: string, status: string, ports: Array<PortView>, created: number, };

export type ContainerAction = "start" | "stop" | "restart" | "remove";

export type MemoryUsage = { containerId: string, usedBytes: number, limitBytes: number | null, };

export type LogStreamKind = "stdout" | "stderr";

export type LogEvent = { "kind": "line", stream: LogStreamKind, text: string, } | { "kind": "end" } | { "kind": "error", error: IpcError, };

export type ContainerEvent = { "kind": "changed", containerId: string, action: string, } | { "kind": "error", error: IpcError, };

export type Language = "system" | "en" | "zh-CN";

export type Settings = { language: Language, };

export type AppInfo = { version: string, commit: string, osLocale: string | null, dataDir: string, logDir: string, };
