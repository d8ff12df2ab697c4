// Generated from the Rust types in crates/homeport-api by ts-rs. Do not edit.
// Regenerate with `make bindings`; `cargo test -p homeport-api` fails when this file is stale.

export type AuthMethod = "key" | "agent" | "password" | "none";

export type HostKind = "ssh" | "local" | "socket" | "tcp";

export type HostView = { id: string, name: string, kind: HostKind, 
/**
 * The SSH server, or a TCP engine's address; empty for socket hosts.
 */
address: string, port: number, user: string, auth: AuthMethod, keyPath: string | null, dockerSocket: string, hasSecret: boolean, hostKeyFingerprint: string | null, createdAt: string, jumpHostId: string | null, group: string, tags: Array<string>, 
/**
 * Where the host was imported from, such as `ssh_config:nas`.
 */
source: string | null, 
/**
 * A TCP engine's TLS files; `None` for plain HTTP and other kinds.
 */
tls: EngineTlsView | null, };

export type HostInput = { name: string, address: string, port: number, user: string, auth: AuthMethod, keyPath: string | null, dockerSocket: string | null, secret: string | null, 
/**
 * The jump host's id or name; `None` or empty for a direct connection.
 */
jumpHost: string | null, group: string | null, tags: Array<string>, };

export type EngineTlsView = { ca: string, cert: string | null, key: string | null, };

export type EngineInput = { name: string, socket: string | null, address: string | null, port: number | null, tls: EngineTlsView | null, group: string | null, tags: Array<string>, };

export type ErrorCode = "InvalidInput" | "HostNotFound" | "HostNameTaken" | "HostUnreachable" | "HostKeyUnknown" | "HostKeyChanged" | "HostKeyRevoked" | "AuthFailed" | "KeyFileUnreadable" | "PassphraseWrong" | "SecretMissing" | "ConfigInvalid" | "AgentUnavailable" | "DockerUnavailable" | "DockerPermissionDenied" | "DockerApiTooOld" | "DockerError" | "ContainerNotFound" | "ContainerNotRunning" | "ContainerShellMissing" | "EngineTls" | "StackNotFound" | "ComposeInvalid" | "DeployFailed" | "StackUpdateFailed" | "ImageMissing" | "PortInUse" | "BindSourceMissing" | "ServiceNotReady" | "KeychainLocked" | "KeychainUnavailable" | "TemplateSourceInvalid" | "DownloadFailed" | "PrometheusUnreachable" | "PromqlInvalid" | "PrometheusQueryFailed" | "PrometheusResponseTooLarge" | "PrometheusSourceMissing" | "NotifyChannelNotFound" | "NotifyFailed" | "AlertmanagerFailed" | "AlertNotFound" | "AlertRuleNotFound" | "RuleFileInvalid" | "ConfigFileInvalid" | "ConfigFileTooNew" | "BackupPlanNotFound" | "BackupRepositoryLocked" | "BackupPasswordWrong" | "BackupRepositoryUnreachable" | "BackupToolMissing" | "BackupFailed" | "Storage" | "Cancelled" | "Internal";

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

export type Theme = "system" | "light" | "dark";

export type SecretToEnterView = { 
/**
 * `host`, `notifyChannel` or `backupPlan`.
 */
ownerKind: string, 
/**
 * The host or channel name, the plan name, or `plan / repository` for S3 keys.
 */
owner: string, 
/**
 * `password` or `keyPassphrase` for hosts; `token`, `url`, `signingSecret` or `password`
 * for channels; `repositoryPassword` or `s3Keys` for backup plans. The UI translates it as
 * `configTransfer.secret.<secret>`.
 */
secret: string, };

export type ConfigExportView = { 
/**
 * The file written, with `~` expanded.
 */
path: string, hosts: number, secretsToEnter: Array<SecretToEnterView>, };

export type ConfigImportItemView = { 
/**
 * `host`, `trustedKey`, `templateSource`, `alertRule`, `notifyChannel`, `quietHours`,
 * `tlsEndpoint`, `costScenario`, `metricSource`, `alertmanagerSource` or `backupPlan`.
 */
section: string, name: string, 
/**
 * `add`, `update` or `skip` (already present here, kept unchanged).
 */
action: string, };

export type ConfigImportView = { 
/**
 * False for a preview: nothing was written.
 */
applied: boolean, 
/**
 * The format version of the file.
 */
version: number, items: Array<ConfigImportItemView>, secretsToEnter: Array<SecretToEnterView>, };

export type LocalEngineView = { 
/**
 * The socket path: from `DOCKER_HOST` when it is a `unix://` URL, else the default path.
 */
socket: string, 
/**
 * Whether a Unix socket exists at that path.
 */
present: boolean, 
/**
 * The name of the saved host that already uses the socket, if any.
 */
savedAs: string | null, };

export type AboutInfo = { version: string, 
/**
 * Short git commit hash, or `unknown` for a build outside a git checkout.
 */
commit: string, 
/**
 * Folder of the database.
 */
dataDir: string, logDir: string, 
/**
 * Folder of the desktop app's own files (the remembered window size and position); `None`
 * for the CLI.
 */
configDir: string | null, };

export type DesktopSettings = { 
/**
 * Whether the app checks the update feed for a newer version at start and on request.
 */
checkUpdates: boolean, 
/**
 * The `https:` URL of the update feed. `None` uses `plugins.updater.endpoints` from the
 * desktop shell's tauri.conf.json.
 */
updateFeedUrl: string | null, 
/**
 * Whether the app starts with its window hidden and only the tray icon shown.
 */
startMinimized: boolean, };

export type UpdateInfo = { version: string, currentVersion: string, 
/**
 * Publication date as RFC 3339, when the feed gives one.
 */
date: string | null, 
/**
 * Release notes as the feed gives them (plain text or Markdown).
 */
notes: string | null, };

export type Settings = { language: Language, 
/**
 * Missing in a request from an older UI, which then keeps the OS theme.
 */
theme: Theme, 
/**
 * Whether the first-run guide was finished or skipped; it shows on start while false.
 */
firstRunDone: boolean, };

export type AppInfo = { version: string, commit: string, osLocale: string | null, dataDir: string, logDir: string, };

export type FilesystemView = { source: string, fsType: string, mountPoint: string, sizeBytes: number, usedBytes: number, availableBytes: number, 
/**
 * ZFS or Btrfs, which can take snapshots for backups.
 */
snapshots: boolean, };

export type HostFactsView = { osName: string | null, osVersion: string | null, kernel: string | null, architecture: string | null, cpuModel: string | null, cpuCores: number | null, memoryTotalBytes: number | null, memoryAvailableBytes: number | null, filesystems: Array<FilesystemView>, dockerVersion: string | null, dockerStorageDriver: string | null, uptimeSeconds: number | null, 
/**
 * RFC 3339 time the facts were read.
 */
readAt: string, };

export type HostState = "online" | "unreachable" | "authFailed" | "keyUnknown" | "keyChanged" | "keyRevoked" | "dockerUnavailable" | "failed";

export type ContainerCountsView = { running: number, paused: number, restarting: number, exited: number, created: number, dead: number, total: number, };

export type OpenAlertView = { id: string, 
/**
 * The rule, such as `host_unreachable`, which selects the translated title.
 */
rule: string, 
/**
 * `P0` to `P3`.
 */
severity: string, acknowledged: boolean, params: { [key in string]?: string }, 
/**
 * How many times the event was seen while the alert was open.
 */
count: number, 
/**
 * RFC 3339.
 */
firstSeen: string, };

export type FleetHost = { host: HostView, state: HostState, containers: ContainerCountsView | null, error: IpcError | null, 
/**
 * Milliseconds this host took to respond or fail.
 */
elapsedMs: number, 
/**
 * The host's alerts that are not resolved, most severe first.
 */
openAlerts: Array<OpenAlertView>, };

export type ImportFiles = { 
/**
 * Default `~/.ssh/config`.
 */
config: string | null, 
/**
 * Default `~/.ssh/known_hosts` and `~/.ssh/known_hosts2`.
 */
knownHosts: Array<string> | null, 
/**
 * Offer Docker contexts and `DOCKER_HOST` instead of the SSH configuration's hosts. The
 * SSH configuration then only resolves `ssh://` contexts.
 */
docker?: boolean, 
/**
 * The Docker configuration folder; default `$DOCKER_CONFIG`, else `~/.docker`.
 */
dockerConfig?: string, };

export type ImportActionKind = "new" | "update" | "unchanged";

export type HostKeyStatus = "known" | "notFound" | "revoked" | "certAuthorityOnly" | "notApplicable";

export type ImportOriginKind = "sshConfig" | "dockerContext" | "dockerHost";

export type ImportProblemView = { kind: string, params: { [key in string]?: string }, 
/**
 * The English sentence, for the CLI and logs.
 */
message: string, 
/**
 * Whether the host cannot be imported until the problem is fixed in the file.
 */
blocking: boolean, };

export type ImportCandidateView = { alias: string, 
/**
 * The name the host gets in Homeport.
 */
name: string, address: string, port: number, user: string, auth: AuthMethod, keyPath: string | null, jumpAlias: string | null, action: ImportActionKind, hostId: string | null, hostKey: HostKeyStatus, hostKeyFingerprint: string | null, problems: Array<ImportProblemView>, recommended: boolean, origin: ImportOriginKind, 
/**
 * The Docker context's name, for hosts from a context.
 */
context: string | null, 
/**
 * Whether the Docker CLI uses this context (or `DOCKER_HOST`) by default.
 */
current: boolean, 
/**
 * `ssh`, or `socket` and `tcp` for engines reached without SSH.
 */
kind: HostKind, dockerSocket: string | null, tls: EngineTlsView | null, };

export type ImportPreview = { configFiles: Array<string>, knownHostsProblems: Array<string>, candidates: Array<ImportCandidateView>, revokedKeys: number, 
/**
 * Pass back to `ssh_import_apply`, which refuses to write if the files changed since.
 */
digest: string, 
/**
 * Docker contexts that could not be read, one sentence each.
 */
dockerProblems: Array<string>, };

export type ImportResult = { added: Array<string>, updated: Array<string>, unchanged: Array<string>, revokedKeysRecorded: number, };

export type ComposeDiagnostic = { file: string, 
/**
 * 1-based; 0 when the finding concerns the whole file.
 */
line: number, column: number, 
/**
 * `error` or `warning`.
 */
severity: string, 
/**
 * A stable code, such as `interpolation` or `unknown_attribute`.
 */
code: string, message: string, value: string, hint: string, };

export type ProxyKind = "caddy" | "nginxProxyManager";

export type ProxyRoute = { service: string, hostname: string, port: string, 
/**
 * True when the hostname is a LAN name, so Caddy issues its own certificate
 * (`tls internal`) instead of asking a public certificate authority.
 */
internalTls: boolean, };

export type ProxyService = { service: string, kind: ProxyKind, };

export type EnvEntry = { key: string, 
/**
 * `None` for a list entry without `=`, which passes the variable through from the host.
 */
value: string | null, };

export type ServiceCard = { name: string, image: string | null, 
/**
 * Each `ports` item: short syntax as written, or a summary of a long-form entry.
 */
ports: Array<string>, 
/**
 * Each `volumes` item, summarised the same way.
 */
volumes: Array<string>, environment: Array<EnvEntry>, 
/**
 * The networks the service joins; `default` when it names none.
 */
networks: Array<string>, dependsOn: Array<string>, 
/**
 * `deploy.resources.limits.cpus`, or the older `cpus`.
 */
cpus: string | null, 
/**
 * `deploy.resources.limits.memory`, or the older `mem_limit`.
 */
memory: string | null, route: ProxyRoute | null, 
/**
 * Set when the service is the stack's reverse proxy.
 */
proxy: ProxyKind | null, 
/**
 * The 1-based line of the service's key, so the editor can jump there.
 */
line: number, };

export type BuilderView = { services: Array<ServiceCard>, 
/**
 * Top-level networks, plus `default` when any service uses the default network.
 */
networks: Array<string>, 
/**
 * Top-level named volumes.
 */
volumes: Array<string>, 
/**
 * The first service that runs a reverse proxy the builder supports.
 */
proxy: ProxyService | null, routes: Array<ProxyRoute>, };

export type BuilderEdit = { "op": "addService", name: string, image: string, } | { "op": "removeService", name: string, } | { "op": "renameService", name: string, newName: string, } | { "op": "setImage", service: string, image: string, } | { "op": "setEnv", service: string, key: string, value: string, } | { "op": "removeEnv", service: string, key: string, } | { "op": "addPort", service: string, spec: string, } | { "op": "removePort", service: string, index: number, } | { "op": "addVolume", service: string, spec: string, } | { "op": "removeVolume", service: string, index: number, } | { "op": "addNetwork", name: string, } | { "op": "connect", service: string, network: string, } | { "op": "disconnect", service: string, network: string, } | { "op": "setLimits", service: string, cpus: string | null, memory: string | null, } | { "op": "addProxy", kind: ProxyKind, } | { "op": "setRoute", service: string, hostname: string, port: string, } | { "op": "removeRoute", service: string, };

export type DraftFile = { 
/**
 * Relative to the stack folder, with `/` separators.
 */
path: string, contents: string, };

export type BuilderDraft = { 
/**
 * The text of `compose.yaml`.
 */
compose: string, 
/**
 * The text of `.env`, which contains template parameters and generated passwords.
 */
env: string, 
/**
 * Other files beside compose.yaml, such as the generated Caddyfile.
 */
files: Array<DraftFile>, };

export type BuilderState = { draft: BuilderDraft, 
/**
 * `null` while compose.yaml is not a YAML mapping; the canvas then keeps its last view.
 */
view: BuilderView | null, 
/**
 * Errors and warnings with their line and column in compose.yaml or `.env`.
 */
diagnostics: Array<ComposeDiagnostic>, risks: Array<ComposeRisk>, 
/**
 * Services of an added template that were renamed because the name was taken, as
 * `[old, new]` pairs.
 */
renamed: Array<[string, string]>, };

export type BuilderDeployInput = { hostId: string, name: string, draft: BuilderDraft, 
/**
 * The folder on SSH hosts under which `<name>/` is made; `/opt/stacks` when unset.
 */
baseDir: string | null, };

export type StackDraft = { state: BuilderState, 
/**
 * The main Compose file's path on the host.
 */
composePath: string, 
/**
 * Override files the stack also uses; the builder edits the main file only.
 */
overrides: Array<string>, 
/**
 * The base folder a redeploy writes `<name>/` under, when it can be derived from the folder name.
 */
baseDir: string | null, };

export type ComposeRisk = { service: string, 
/**
 * `privileged`, `hostNetwork`, `hostPid`, `dockerSocket`, `rootBind` or `broadCapability`.
 */
kind: string, value: string, 
/**
 * The English reason, for the CLI; the UI translates `kind`.
 */
reason: string, };

export type ComposeReport = { valid: boolean, 
/**
 * The project name, when the files load.
 */
project: string | null, services: Array<string>, diagnostics: Array<ComposeDiagnostic>, 
/**
 * Risky settings of the services without a profile, reported and never rejected.
 */
risks: Array<ComposeRisk>, };

export type ComposeInput = { 
/**
 * The main file first, then override files.
 */
files: Array<string>, 
/**
 * Used instead of the project's `.env`, as `docker compose --env-file` does.
 */
envFile: string | null, };

export type RunFlagView = { 
/**
 * The flag as written, such as `-p`.
 */
flag: string, value: string | null, line: number, column: number, 
/**
 * `mapped`, `notApplicable` or `unmapped`.
 */
fate: string, 
/**
 * The Compose key a mapped flag became, such as `ports`.
 */
key: string | null, 
/**
 * Why a flag was not mapped.
 */
reason: string | null, 
/**
 * Something to check, such as a shell variable Compose must now provide.
 */
note: string | null, };

export type RunConversionView = { serviceName: string, image: string, 
/**
 * A whole Compose file with the service and the volumes and networks it names.
 */
composeFile: string, flags: Array<RunFlagView>, };

export type ExportFileView = { 
/**
 * Relative to the output folder.
 */
path: string, content: string, };

export type ExportWarningView = { 
/**
 * The Compose service, or `null` for top-level sections.
 */
service: string | null, 
/**
 * The Compose field, such as `privileged`.
 */
field: string, 
/**
 * `dropped`, `changed` or `action` (written, but the user must do something first).
 */
outcome: string, 
/**
 * English; the UI shows it as it is, since it names fields and commands.
 */
message: string, };

export type ExportView = { 
/**
 * `swarm`, `kubernetes`, `k3s` or `nomad`.
 */
target: string, files: Array<ExportFileView>, warnings: Array<ExportWarningView>, 
/**
 * Absolute paths written, when the export was saved to a folder.
 */
written: Array<string>, };

export type SwarmDeployView = { stack: string, networksCreated: Array<string>, servicesCreated: Array<string>, servicesUpdated: Array<string>, warnings: Array<ExportWarningView>, };

export type LocalizedText = { en: string, zhCn: string, };

export type TemplateOptionView = { value: string, title: LocalizedText, };

export type TemplateParameterView = { name: string, 
/**
 * `string`, `port`, `path`, `password`, `bool`, `select` or `int`; imported templates
 * also have `hidden`, a value the template sets itself (Portainer's `preset`), which the
 * form does not show and a render does not accept.
 */
kind: string, 
/**
 * `None` for passwords, which are generated at deploy time.
 */
default: string | null, required: boolean, options: Array<TemplateOptionView>, title: LocalizedText, help: LocalizedText, 
/**
 * The reason for the default.
 */
reason: LocalizedText, };

export type TemplateSourceKind = "portainer" | "casaos";

export type TemplateLocationKind = "file" | "url";

export type TemplateSourceView = { id: number, kind: TemplateSourceKind, 
/**
 * The absolute file or folder path, or the http(s) URL.
 */
location: string, locationKind: TemplateLocationKind, 
/**
 * RFC 3339 time of the first import.
 */
importedAt: string, 
/**
 * RFC 3339 time of the last successful read, the import or a refresh.
 */
refreshedAt: string, templateCount: number, };

export type TemplateOriginView = { sourceId: number, kind: TemplateSourceKind, 
/**
 * The source's path or URL.
 */
location: string, locationKind: TemplateLocationKind, };

export type TemplateDeploymentView = { "kind": "compose" } | { "kind": "repository", url: string, file: string, } | { "kind": "swarm", url: string, file: string, };

export type TemplateView = { 
/**
 * A built-in template's folder name, or `<source id>/<template id>` for an imported one.
 */
id: string, 
/**
 * Empty for imported templates, which have no version.
 */
version: string, title: LocalizedText, description: LocalizedText, 
/**
 * A built-in category, such as `media`, or an imported template's first category as
 * its source wrote it (possibly empty).
 */
category: string, icon: string, 
/**
 * Empty when the template names none.
 */
homepage: string, parameters: Array<TemplateParameterView>, notes: Array<LocalizedText>, 
/**
 * The template's compose.yaml, with parameters as `${NAME}`; empty when the Compose file
 * is in a repository.
 */
compose: string, 
/**
 * `None` for built-in templates.
 */
source: TemplateOriginView | null, deployment: TemplateDeploymentView, 
/**
 * A Portainer template's HTML note as plain text: the cleaned HTML with its tags turned
 * into line breaks and list dashes, and each link's URL in brackets after its text.
 */
note: string | null, };

export type RenderedTemplate = { templateId: string, compose: string, 
/**
 * The stack's `.env` text, generated passwords included.
 */
env: string, 
/**
 * Other files of the stack folder, by relative path.
 */
files: { [key in string]?: string }, 
/**
 * The names of the generated passwords.
 */
secrets: Array<string>, };

export type TemplateDeployInput = { templateId: string, hostId: string, 
/**
 * The stack's name on the host, which is also its Compose project name.
 */
name: string, 
/**
 * Values of the template's plain parameters; passwords are generated or reused.
 */
values: { [key in string]?: string }, 
/**
 * The folder on an SSH host under which the stack's folder is made; `/opt/stacks` when
 * unset. The login user must be allowed to write there.
 */
baseDir: string | null, };

export type TemplateDeployEvent = { "kind": "progress", event: DeployEvent, } | { "kind": "done", result: DeployResult, } | { "kind": "error", error: IpcError, };

export type StackStatus = "running" | "partial" | "stopped";

export type StackServiceView = { name: string, image: string, containers: ContainerCountsView, };

export type StackView = { name: string, status: StackStatus, workingDir: string | null, configFiles: Array<string>, composeVersion: string | null, services: Array<StackServiceView>, containers: ContainerCountsView, };

export type StackActionKind = "start" | "stop" | "restart" | "down";

export type ServicePreviewView = { service: string, 
/**
 * `new`, `config` (configuration changed), `image` (another image id), `unchanged`, or
 * `removed` (a container whose service the files no longer have; deploys leave it alone).
 */
change: string, };

export type StackDeployInput = { 
/**
 * The main Compose file first, then override files. Each is written under its file name.
 */
files: Array<string>, 
/**
 * Read for interpolation and written as the stack's `.env`. Without it, the `.env` beside
 * the main file is used when there is one.
 */
envFile: string | null, 
/**
 * Other files the services need, relative to the main file's folder, written to the same
 * place under the stack's folder.
 */
extraFiles: Array<string>, 
/**
 * The folder on SSH hosts under which `<name>/` is made; `/opt/stacks` when unset.
 */
baseDir: string | null, };

export type DeployStage = "writeFiles" | "validate" | "pull" | "create" | "start" | "waitHealthy";

export type DeployOutcome = "done" | "skipped" | "failed";

export type DeployEvent = { "kind": "stageStarted", stage: DeployStage, } | { "kind": "line", stage: DeployStage, service: string | null, text: string, } | { "kind": "layer", service: string, image: string, layer: string, status: string, current: number | null, total: number | null, } | { "kind": "stageFinished", stage: DeployStage, outcome: DeployOutcome, millis: number, };

export type DeployStageRecord = { stage: DeployStage, outcome: DeployOutcome, lines: Array<string>, millis: number, };

export type DeployResult = { name: string, stages: Array<DeployStageRecord>, 
/**
 * Attributes that were not applied, as `service: attribute`.
 */
unsupported: Array<string>, 
/**
 * Services whose container was created or replaced.
 */
changed: Array<string>, 
/**
 * Services whose container was kept because nothing changed.
 */
unchanged: Array<string>, millis: number, };

export type ImageUpdateStatus = "upToDate" | "updateAvailable" | "localOnly" | "pinned" | "registryError";

export type ImageUpdateView = { service: string, 
/**
 * The image reference the service's container was created with.
 */
image: string, 
/**
 * The registry digest of the image the container runs.
 */
localDigest: string | null, 
/**
 * The digest the registry returns for the reference now.
 */
remoteDigest: string | null, status: ImageUpdateStatus, 
/**
 * The engine's message when `status` is `registryError`.
 */
error: string | null, };

export type StackUpdateResult = { name: string, 
/**
 * The check of every service the update considered, made at its start.
 */
checks: Array<ImageUpdateView>, stages: Array<DeployStageRecord>, 
/**
 * Services whose containers now run the new image.
 */
updated: Array<string>, 
/**
 * Services considered but left as they were; `checks` has the reason.
 */
unchanged: Array<string>, millis: number, };

export type StackUpdateEvent = { "kind": "progress", event: DeployEvent, } | { "kind": "done", result: StackUpdateResult, } | { "kind": "error", error: IpcError, };

export type TransferEvent = { "kind": "progress", done: number, total: number, } | { "kind": "done", bytes: number, millis: number, } | { "kind": "error", error: IpcError, };

export type TerminalTarget = { "kind": "shell" } | { "kind": "container", id: string, };

export type TerminalExit = { "reason": "exited", status: number, } | { "reason": "signal", signal: string, coreDumped: boolean, } | { "reason": "closed" } | { "reason": "connectionLost" } | { "reason": "closedByApp" };

export type TerminalEvent = { "kind": "output", data: string, } | { "kind": "exit", exit: TerminalExit, };

export type Team = "solo" | "small" | "medium" | "large";

export type Workloads = "containers" | "mixed";

export type Scale = "single" | "few" | "many" | "edge";

export type Ops = "none" | "limited" | "team";

export type Platform = "compose" | "swarm" | "nomad" | "k3s" | "kubernetes" | "managed_kubernetes";

export type QuestionId = "team" | "workloads" | "scale" | "ops";

export type Answers = { team: Team, workloads: Workloads, scale: Scale, ops: Ops, };

export type WizardOptionView = { 
/**
 * The answer's id, such as `solo` or `edge`.
 */
id: string, label: LocalizedText, help: LocalizedText, };

export type WizardQuestionView = { id: QuestionId, title: LocalizedText, help: LocalizedText, options: Array<WizardOptionView>, };

export type MatrixRowView = { id: Platform, name: LocalizedText, bestFor: LocalizedText, strength: LocalizedText, learningCurve: LocalizedText, opsOverhead: LocalizedText, };

export type WizardView = { questions: Array<WizardQuestionView>, matrix: Array<MatrixRowView>, advice: Array<LocalizedText>, };

export type ReasonView = { question: QuestionId, answer: string, text: LocalizedText, };

export type NoteView = { id: string, text: LocalizedText, };

export type RecommendationView = { answers: Answers, primary: Platform, primaryName: LocalizedText, runnerUp: Platform, runnerUpName: LocalizedText, 
/**
 * The matrix row to highlight: `kubernetes` for a managed Kubernetes service.
 */
highlight: Platform, 
/**
 * The id of the rule that decided, for support and tests.
 */
rule: string, summary: LocalizedText, 
/**
 * The answers that led to the result, in question order.
 */
reasons: Array<ReasonView>, 
/**
 * Answers that pull in different directions, with the trade-off.
 */
conflicts: Array<NoteView>, tips: Array<NoteView>, advice: Array<LocalizedText>, };

export type PrefillView = { team: Team | null, workloads: Workloads | null, scale: Scale | null, ops: Ops | null, hosts: number, 
/**
 * Hosts with cached facts; the CPU and memory totals cover only these.
 */
hostsWithFacts: number, cpuCores: number, memoryBytes: number, 
/**
 * Hosts with facts and less than 4 GiB of memory.
 */
smallHosts: number, 
/**
 * Hosts whose stacks were counted: only those with an open connection, so the guess never
 * connects to a host.
 */
hostsWithStacksCounted: number, stacks: number, };

export type SavedChoiceView = { answers: Answers, platform: Platform, platformName: LocalizedText, runnerUp: Platform, 
/**
 * RFC 3339.
 */
savedAt: string, };

export type RolloutItemView = { id: string, title: LocalizedText, detail: LocalizedText, 
/**
 * Whether Homeport can tick this item by itself.
 */
detectable: boolean, detected: boolean, 
/**
 * The evidence found, such as `nas: caddy:2`, or the saved platform's id.
 */
evidence: Array<string>, 
/**
 * Ticked by hand.
 */
checked: boolean, 
/**
 * Detected or ticked by hand.
 */
done: boolean, };

export type RolloutPhaseView = { id: string, title: LocalizedText, duration: LocalizedText, items: Array<RolloutItemView>, done: number, total: number, };

export type UnreachableHostView = { host: string, code: ErrorCode, };

export type RolloutView = { phases: Array<RolloutPhaseView>, choice: SavedChoiceView | null, 
/**
 * Hosts scanned.
 */
hosts: number, unreachable: Array<UnreachableHostView>, };

export type PrometheusSourceInput = { 
/**
 * The base URL, such as `http://127.0.0.1:9090`.
 */
url: string, 
/**
 * Connect through the host's SSH connection, so the URL is resolved on the host.
 */
throughSsh: boolean, };

export type PrometheusSourceOrigin = "user" | "template";

export type PrometheusSourceView = { hostId: string, url: string, throughSsh: boolean, addedBy: PrometheusSourceOrigin, 
/**
 * RFC 3339 time the source was set.
 */
addedAt: string, };

export type PrometheusTestView = { 
/**
 * Prometheus's version, such as `2.42.0`.
 */
version: string, targetsUp: number, targetsTotal: number, 
/**
 * Time the test took, connection included.
 */
millis: number, };

export type PrometheusSpecialValue = "NaN" | "+Inf" | "-Inf";

export type PrometheusPointView = { 
/**
 * Unix time in milliseconds.
 */
timestampMs: number, value: number | null, special?: PrometheusSpecialValue, };

export type PrometheusSeriesView = { labels: { [key in string]?: string }, points: Array<PrometheusPointView>, };

export type PrometheusSampleView = { labels: { [key in string]?: string }, point: PrometheusPointView, };

export type PrometheusQueryView = { "resultType": "vector", samples: Array<PrometheusSampleView>, } | { "resultType": "matrix", series: Array<PrometheusSeriesView>, } | { "resultType": "scalar", point: PrometheusPointView, } | { "resultType": "string", timestamp_ms: number, value: string, };

export type PrometheusRangeView = { startMs: number, endMs: number, stepMs: number, series: Array<PrometheusSeriesView>, 
/**
 * Warnings Prometheus sent, such as a partial result.
 */
warnings: Array<string>, };

export type MetricsPanel = "cpu" | "cpuCores" | "memory" | "load" | "filesystems" | "diskIo" | "network" | "containerCpu" | "containerMemory" | "containerNetwork" | "containerBlockIo";

export type ChartTheme = "light" | "dark";

export type ChartFormat = "svg" | "png";

export type ChartRequest = { hostId: string, panel: MetricsPanel, 
/**
 * The container's name, for container panels.
 */
container: string | null, fromMs: number, toMs: number, width: number, height: number, theme: ChartTheme, 
/**
 * `en` or `zh-CN`; chart text is drawn in it.
 */
language: string, 
/**
 * The viewer's offset from UTC, for the time labels.
 */
utcOffsetSeconds: number, };

export type PromChartRequest = { hostId: string, promql: string, 
/**
 * A title for the chart; the query when empty.
 */
title: string | null, 
/**
 * `percent`, `bytes`, `bytesPerSecond` or `none`: how the value axis is labelled.
 */
unit: string, fromMs: number, toMs: number, width: number, height: number, theme: ChartTheme, language: string, utcOffsetSeconds: number, };

export type PlotAreaView = { left: number, top: number, width: number, height: number, xMinMs: number, xMaxMs: number, yMin: number, yMax: number, };

export type ChartPointView = { t: number, v: number | null, };

export type ChartSeriesView = { label: string, 
/**
 * The line's CSS color.
 */
color: string, points: Array<ChartPointView>, };

export type ChartView = { svg: string, plot: PlotAreaView, 
/**
 * `percent`, `bytes`, `bytesPerSecond` or `none`, so the readout formats values as the
 * axis does.
 */
unit: string, series: Array<ChartSeriesView>, 
/**
 * `raw`, `1m` or `15m`: which stored resolution the range was read at.
 */
resolution: string, 
/**
 * Whether the range had no data at all.
 */
empty: boolean, 
/**
 * The reason the chart has no data when its source failed, such as an unreachable Prometheus;
 * the chart then draws the reason across the plot.
 */
error: IpcError | null, };

export type CollectReportView = { hostId: string, hostName: string, 
/**
 * When the samples were stamped, Unix milliseconds.
 */
takenAtMs: number, samples: number, containers: number, 
/**
 * Round trip of the host's script, when the host has a shell.
 */
scriptMs: number | null, containersMs: number | null, 
/**
 * The host's clock minus this computer's.
 */
clockSkewMs: number | null, 
/**
 * Whether the skew is large enough to warn about (over 2 s).
 */
clockSkewed: boolean, 
/**
 * Whether nothing was collected because a collection of this host was still running.
 */
skipped: boolean, 
/**
 * Parts left out, as English text for logs and the CLI.
 */
warnings: Array<string>, 
/**
 * The error when nothing could be collected.
 */
error: IpcError | null, };

export type MetricsSettingsView = { intervalSeconds: number, retentionDays: number, };

export type SeriesView = { metric: string, labels: { [key in string]?: string }, };

export type PowerMode = "average" | "profile";

export type Period = "month" | "year";

export type HardwareItem = { name: string, price: number, 
/**
 * Expected years of service before it is replaced.
 */
lifeYears: number, 
/**
 * Sale price at the end of its life; 0 when it is thrown away.
 */
resale: number, };

export type Device = { name: string, 
/**
 * How many identical devices run.
 */
quantity: number, mode: PowerMode, 
/**
 * Watts on average; used in `average` mode.
 */
averageWatts: number, 
/**
 * Watts when idle; used in `profile` mode.
 */
idleWatts: number, 
/**
 * Watts under load; used in `profile` mode.
 */
loadWatts: number, 
/**
 * Hours a day at load, 0 to 24; used in `profile` mode.
 */
hoursAtLoad: number, };

export type RunningCost = { name: string, amount: number, period: Period, };

export type Upkeep = { 
/**
 * Hours of upkeep a month: updates, backups, fixing what broke.
 */
hoursPerMonth: number, 
/**
 * Value of one hour of the owner's time; 0 leaves time out.
 */
hourValue: number, };

export type Subscription = { name: string, amount: number, period: Period, 
/**
 * The catalog entry it was picked from; `null` when typed in.
 */
catalogId: string | null, };

export type Scenario = { 
/**
 * Format version, 1.
 */
version: number, name: string, 
/**
 * ISO 4217 code of every amount in the scenario, such as `USD` or `CNY`.
 */
currency: string, hardware: Array<HardwareItem>, devices: Array<Device>, 
/**
 * Price of one kilowatt-hour of electricity.
 */
kwhPrice: number, 
/**
 * Costs of running besides electricity: a domain, offsite storage, spare disks.
 */
runningCosts: Array<RunningCost>, upkeep: Upkeep, 
/**
 * The subscriptions that self-hosting replaces.
 */
subscriptions: Array<Subscription>, 
/**
 * Years the chart spans, 1 to 30.
 */
horizonYears: number, };

export type ProblemKind = "missing" | "negative" | "notPositive" | "notFinite" | "tooLarge" | "tooSmall" | "unknownCurrency" | "unsupportedVersion" | "resaleAbovePrice" | "tooMany";

export type Problem = { 
/**
 * Path of the field in the scenario JSON, such as `hardware[1].lifeYears`.
 */
field: string, 
/**
 * The value as given.
 */
value: string, kind: ProblemKind, 
/**
 * The bound the value broke, such as `24` for hours at load; empty when there is none.
 */
limit: string, 
/**
 * English sentence with the fix, for the CLI and the logs.
 */
message: string, };

export type NeverReason = "noSaving" | "hardwareWearsOut" | "tooSlow";

export type NetPosition = { years: number, 
/**
 * Subscriptions avoided minus everything self-hosting cost until then; negative while
 * self-hosting is behind.
 */
amount: number, };

export type Outcome = { includesTime: boolean, 
/**
 * Electricity, other running costs and, when included, time, for one month.
 */
runningPerMonth: number, runningPerYear: number, 
/**
 * Subscriptions avoided minus running costs, for one year; negative when running costs more.
 */
savingPerYear: number, 
/**
 * Years until the saving has covered the hardware, rounded to 2 decimals; `null` when it
 * never pays back.
 */
paybackYears: number | null, 
/**
 * The first whole month at whose end self-hosting has cost no more than the subscriptions
 * would have, counting from 1; 0 when no hardware is bought. `null` when it never pays back.
 */
breakEvenMonth: number | null, 
/**
 * Set exactly when `payback_years` is `null`.
 */
neverReason: NeverReason | null, 
/**
 * After 1, 3 and 5 years.
 */
netPositions: Array<NetPosition>, };

export type Breakdown = { 
/**
 * Everything bought at month 0.
 */
hardwarePrice: number, 
/**
 * Price minus resale, spread over each item's life.
 */
hardwarePerYear: number, 
/**
 * All devices together, in watts.
 */
averageWatts: number, kwhPerYear: number, electricityPerYear: number, otherRunningPerYear: number, 
/**
 * Upkeep hours times the hour value.
 */
timePerYear: number, subscriptionsPerYear: number, };

export type SensitivityCase = "base" | "electricityPlus50" | "lifeMinusOneYear" | "withoutElectricity";

export type SensitivityRow = { case: SensitivityCase, runningPerYear: number, paybackYears: number | null, breakEvenMonth: number | null, neverReason: NeverReason | null, 
/**
 * The net position after 5 years.
 */
netAfter5Years: number, };

export type Analysis = { currency: string, horizonYears: number, breakdown: Breakdown, withoutTime: Outcome, withTime: Outcome, sensitivity: Array<SensitivityRow>, };

export type DetectedApp = { id: string, name: string, 
/**
 * The image it was recognized by.
 */
image: string, };

export type Prefill = { devices: Array<Device>, apps: Array<DetectedApp>, subscriptions: Array<Subscription>, };

export type CostCurrencyView = { 
/**
 * ISO 4217 code, such as `USD`.
 */
code: string, name: LocalizedText, symbol: string, 
/**
 * Decimals shown for amounts.
 */
decimals: number, 
/**
 * Rounded typical household price of one kilowatt-hour.
 */
kwhPrice: number, 
/**
 * Source of `kwh_price`.
 */
kwhSource: string, };

export type CostCatalogEntryView = { id: string, name: string, 
/**
 * Kind of service, such as `photos`, translated as `cost.category.<id>`.
 */
category: string, 
/**
 * Published price for one month in `currency`.
 */
monthlyPrice: number, currency: string, 
/**
 * The date the price applies to, `YYYY-MM-DD`.
 */
pricedOn: string, 
/**
 * Names of the self-hosted apps that replace it, such as `Immich`.
 */
replacedBy: Array<string>, note: LocalizedText | null, };

export type CostPresetView = { id: string, name: LocalizedText, description: LocalizedText, 
/**
 * Source of the preset's figures.
 */
source: LocalizedText, scenario: Scenario, };

export type CostReferenceView = { currencies: Array<CostCurrencyView>, 
/**
 * The date of the exchange rates that convert catalog prices, `YYYY-MM-DD`.
 */
rateDate: string, presets: Array<CostPresetView>, catalog: Array<CostCatalogEntryView>, };

export type CostCalculationView = { problems: Array<Problem>, 
/**
 * `null` exactly when `problems` is not empty.
 */
analysis: Analysis | null, };

export type CostTheme = "light" | "dark";

export type CostExportFormat = "json" | "png" | "pdf";

export type CostExportView = { 
/**
 * The absolute path written.
 */
path: string, bytes: number, };

export type SavedCostScenarioView = { id: string, name: string, 
/**
 * `null` when the stored text no longer parses, with the reason in `problem`.
 */
scenario: Scenario | null, 
/**
 * `null` when the scenario is invalid.
 */
analysis: Analysis | null, problem: string | null, 
/**
 * RFC 3339.
 */
createdAt: string, 
/**
 * RFC 3339.
 */
updatedAt: string, };

export type CostPrefillView = { prefill: Prefill, hosts: number, 
/**
 * Hosts whose stacks were read: only those with an open connection, so the prefill never
 * connects to a host.
 */
hostsWithStacksRead: number, };

export type AlertCommentView = { id: string, author: string, body: string, createdAt: string, };

export type AlertView = { id: string, 
/**
 * `homeport`, `prometheus-file`, or an outside source such as Alertmanager.
 */
source: string, 
/**
 * The rule id, such as `filesystem_full`, which selects the translated title.
 */
rule: string, 
/**
 * The rule's alert name, such as `FilesystemFull`, when the rule is known.
 */
ruleName: string | null, hostId: string | null, hostName: string | null, 
/**
 * The container, mount, endpoint or plan the alert is about; empty for the host itself.
 */
service: string, 
/**
 * `P0` to `P3`.
 */
severity: string, 
/**
 * `firing`, `acknowledged` or `resolved`.
 */
state: string, params: { [key in string]?: string }, 
/**
 * How many times the event was seen while the alert was open.
 */
count: number, 
/**
 * RFC 3339 times.
 */
firstSeen: string, lastSeen: string, resolvedAt: string | null, acknowledgedAt: string | null, silencedUntil: string | null, 
/**
 * `rule` or `user`.
 */
resolvedBy: string | null, 
/**
 * When a response is due: first seen plus the severity's target (P0 at once, P1 1 h,
 * P2 4 h, P3 24 h).
 */
dueAt: string | null, 
/**
 * Firing, not acknowledged, and past `dueAt`.
 */
overdue: boolean, silenced: boolean, comments: Array<AlertCommentView>, };

export type AlertFilterInput = { 
/**
 * `true` for the open alerts, `false` for the history of resolved ones.
 */
open: boolean | null, 
/**
 * `firing`, `acknowledged`, `resolved`.
 */
states: Array<string>, 
/**
 * `P0` to `P3`.
 */
severities: Array<string>, hostId: string | null, source: string | null, search: string | null, 
/**
 * At most this many; default 500.
 */
limit: number | null, };

export type AlertRuleView = { id: string, name: string, 
/**
 * `builtin` or `prometheus-file`.
 */
source: string, enabled: boolean, 
/**
 * `threshold`, `hostUnreachable` or `prometheusOnly`.
 */
kind: string, metric: string | null, 
/**
 * `>`, `>=`, `<`, `<=`, `==` or `!=`.
 */
op: string | null, threshold: number | null, 
/**
 * The window of an increase over a counter, when the rule takes one.
 */
increaseSeconds: number | null, forSeconds: number, severity: string, 
/**
 * The rule in PromQL.
 */
expr: string, group: string | null, labels: { [key in string]?: string }, annotations: { [key in string]?: string }, 
/**
 * Whether Homeport evaluates the rule. An imported rule that is not `metric op number`
 * runs only in Prometheus.
 */
evaluatedHere: boolean, 
/**
 * The flapping guard, when the rule has one instead of a `for` duration.
 */
flap: FlapSetting | null, 
/**
 * Prometheus's `keep_firing_for`, such as `5m`.
 */
keepFiringFor: string | null, };

export type AlertRuleUpdate = { enabled: boolean | null, threshold: number | null, forSeconds: number | null, severity: string | null, 
/**
 * Sets the flapping guard; `clear_flap` removes it.
 */
flap: FlapSetting | null, clearFlap: boolean | null, };

export type FlapSetting = { downAfter: number, upAfter: number, renotifyMinutes: number, maxRenotify: number, };

export type NewRuleInput = { 
/**
 * The alert name, such as `HighLoad`; the rule's id is `custom:<name>`.
 */
name: string, metric: string, 
/**
 * Labels a series must carry, such as `mount` = `/`.
 */
matchers: { [key in string]?: string }, 
/**
 * `>`, `>=`, `<`, `<=`, `==` or `!=`.
 */
op: string, threshold: number, 
/**
 * Compare the increase over this window instead of the newest value (counters).
 */
increaseSeconds: number | null, forSeconds: number, 
/**
 * `P0` to `P3`.
 */
severity: string, summary: string | null, flap: FlapSetting | null, };

export type RuleImportView = { imported: Array<AlertRuleView>, 
/**
 * Earlier imported rules of the same groups that the import replaced.
 */
replaced: number, 
/**
 * Recording rules, which Homeport does not import.
 */
skippedRecords: Array<string>, 
/**
 * Whether the file was a top-level list that was wrapped into one group.
 */
wrapped: boolean, };

export type RuleExportView = { path: string, rules: number, };

export type ChannelKind = "ntfy" | "gotify" | "webhook" | "smtp" | "telegram" | "dingtalk" | "wecom" | "feishu";

export type SecretField = "url" | "token" | "signingSecret" | "password";

export type SmtpSecurity = "none" | "starttls" | "tls";

export type ChannelSettings = { "kind": "ntfy", server: string, topic: string, } | { "kind": "gotify", server: string, } | { "kind": "webhook", } | { "kind": "smtp", host: string, port: number, security: SmtpSecurity, 
/**
 * The login; empty to send without authentication.
 */
username: string, from: string, to: Array<string>, } | { "kind": "telegram", apiUrl: string, chatId: string, } | { "kind": "dingtalk", } | { "kind": "wecom", } | { "kind": "feishu", };

export type QuietHours = { enabled: boolean, start: string, end: string, };

export type NotifyChannelView = { id: string, name: string, enabled: boolean, settings: ChannelSettings, secretsSet: Array<SecretField>, 
/**
 * Required secrets that are not set; the channel cannot send until they are.
 */
secretsMissing: Array<SecretField>, };

export type NotifySecretInput = { field: SecretField, value: string, };

export type NotifyChannelInput = { id: string | null, name: string, enabled: boolean, settings: ChannelSettings, secrets: Array<NotifySecretInput>, };

export type NotifyTestView = { 
/**
 * The HTTP status, or the SMTP reply code for mail.
 */
status: number, elapsedMs: number, };

export type TlsEndpoint = { 
/**
 * Empty for a new endpoint.
 */
id: string, 
/**
 * Host name or IP address to connect to.
 */
address: string, port: number, 
/**
 * The name sent as SNI and checked against the certificate; empty means `address`.
 */
serverName: string, 
/**
 * The Homeport host whose metrics get this endpoint's series.
 */
hostId: string | null, 
/**
 * A CA certificate (PEM) trusted for this endpoint besides the OS's.
 */
trustedCaPem: string | null, };

export type TlsReport = { 
/**
 * RFC 3339 time of the check.
 */
checkedAt: string, 
/**
 * Why no certificate could be read: no connection, no TLS, or the deadline.
 */
error: string | null, 
/**
 * Whole days until `not_after`, rounded toward zero: 2.5 days left is 2, expired 1.5 days
 * ago is -1. Use `expired` to tell a certificate that expired within the last day.
 */
daysLeft: number | null, notBefore: string | null, notAfter: string | null, issuer: string | null, subject: string | null, 
/**
 * DNS names and IP addresses of the subject alternative names, else the common names.
 */
names: Array<string>, nameMismatch: boolean, expired: boolean, notYetValid: boolean, 
/**
 * Issuer and subject are the same and the server sent no other certificate.
 */
selfSigned: boolean, 
/**
 * The chain leads to a CA of the OS or the endpoint's own CA, judged at a time inside the
 * leaf's validity, so an expired certificate from a trusted CA still counts as trusted.
 */
trusted: boolean, 
/**
 * Why the chain is not trusted.
 */
trustDetail: string | null, chainLength: number, };

export type TlsEndpointView = { endpoint: TlsEndpoint, report: TlsReport | null, };

export type AlertmanagerSource = { 
/**
 * Empty for a new source.
 */
id: string, hostId: string | null, 
/**
 * The base URL, such as `http://127.0.0.1:9093`.
 */
url: string, 
/**
 * Whether the host's SSH connection opens the connection (only for a host's source).
 */
throughSsh: boolean, };

export type Matcher = { name: string, value: string, isRegex: boolean, 
/**
 * `false` for `!=` and `!~`. Alertmanager 0.22 added it; older servers ignore it.
 */
isEqual: boolean, };

export type Silence = { id: string, matchers: Array<Matcher>, startsAt: string, endsAt: string, createdBy: string, comment: string, 
/**
 * `active`, `pending` or `expired`.
 */
state: string, };

export type NewSilence = { matchers: Array<Matcher>, 
/**
 * RFC 3339 times.
 */
startsAt: string, endsAt: string, createdBy: string, comment: string, };

export type AlertmanagerSyncView = { opened: number, resolved: number, 
/**
 * Active alerts the server reported.
 */
active: number, };

export type PlanDefinition = { name: string, 
/**
 * The host's id or name. The local engine (`local`) runs restic on this computer.
 */
host: string, items: Array<BackupItem>, 
/**
 * At least one repository without `copyFrom`, which restic backs up to directly.
 */
repositories: Array<RepositoryDefinition>, 
/**
 * A 5-field cron expression in this computer's local time.
 */
schedule: string, retention: Retention, rpoHours: number, rtoHours: number, drill: DrillSettings, 
/**
 * A disabled plan keeps its history but runs only by hand.
 */
enabled: boolean, };

export type BackupItem = { "kind": "path", path: string, } | { "kind": "volume", volume: string, } | { "kind": "stack", project: string, } | { "kind": "database", container: string, 
/**
 * `postgres`, `mysql` or `mariadb`.
 */
engine: string, 
/**
 * The database user the dump connects as; the default is `postgres` for PostgreSQL
 * and `root` for MySQL and MariaDB.
 */
user?: string | null, };

export type RepositoryDefinition = { 
/**
 * A short name, unique in the plan, used in stage records and keychain entries.
 */
name: string, 
/**
 * An absolute path on the host, `sftp:user@host:/path`, `rclone:remote:path` or
 * `s3:https://server/bucket/path`, as restic spells repositories.
 */
location: string, 
/**
 * The name of a local repository of this plan that rclone copies here after each backup,
 * instead of restic backing up to this location itself. This location must then be
 * `rclone:remote:path`.
 */
copyFrom?: string | null, 
/**
 * The storage's place, seen from the plan's host, for the 3-2-1 check. When missing, the
 * check assumes the worst case of the location's kind: a local path is on the live
 * data's disk, an SFTP server at the same site, S3 and rclone offsite at an unknown
 * distance.
 */
place?: RepositoryPlace | null, 
/**
 * The distance between the live data and an offsite repository, in kilometres.
 */
distanceKm?: number | null, };

export type RepositoryPlace = "sourceDisk" | "otherDisk" | "sameHost" | "sameSite" | "offsite";

export type Finding = { "code": "too_few_copies", copies: number, required: number, } | { "code": "too_few_media", media: number, required: number, } | { "code": "no_offsite_copy", min_distance_km: number, } | { "code": "offsite_too_close", repository: string, distance_km: number, min_distance_km: number, } | { "code": "offsite_distance_unknown", repository: string, min_distance_km: number, } | { "code": "same_disk_as_source", repository: string, } | { "code": "no_good_snapshot", repository: string, };

export type Rule321Report = { 
/**
 * Copies with the live data included.
 */
copies: number, 
/**
 * Different kinds of media among the counted copies, the live data's disk included.
 */
media: number, 
/**
 * Counted copies at another site, whatever their distance.
 */
offsite_copies: number, 
/**
 * Findings in a fixed order: the rule's three parts first, then advice per repository in
 * the order given.
 */
findings: Array<Finding>, };

export type Retention = { keepDaily: number, keepWeekly: number, keepMonthly: number, };

export type DrillSettings = { schedule: string, 
/**
 * How many files each drill restores and checks.
 */
files: number, 
/**
 * Pick the files at random; otherwise the first files of each item in path order.
 */
random: boolean, 
/**
 * The folder on the host the drill makes its scratch folder in.
 */
scratchDir: string, };

export type StoredPlan = { id: string, hostId: string, definition: PlanDefinition, createdAt: string, updatedAt: string, };

export type RunKind = "backup" | "restore" | "drill" | "unlock" | "init";

export type RunTrigger = "manual" | "schedule" | "catchUp";

export type RunStatus = "running" | "succeeded" | "failed" | "cancelled" | "skipped";

export type StageRecord = { position: number, 
/**
 * `dump`, `backup`, `forget`, `check`, `copy`, `unlock`, `init`, `restore`, `verify` or
 * `cleanup`.
 */
name: string, repository: string, status: RunStatus, startedAt: string, durationMs: number, exitStatus: number | null, 
/**
 * The last lines of the stage's output.
 */
output: string, };

export type RunRecord = { id: string, planId: string, kind: RunKind, trigger: RunTrigger, status: RunStatus, startedAt: string, finishedAt: string | null, 
/**
 * The `ErrorCode` of a failed run, as the UI spells it.
 */
errorCode: string | null, errorMessage: string | null, snapshotIds: Array<string>, filesTotal: number, bytesTotal: number, remotePids: Array<number>, stages: Array<StageRecord>, };

export type DrillFile = { path: string, size: number, 
/**
 * The SHA-256 of the restored copy, empty when it is missing.
 */
restoredSha256: string, 
/**
 * The SHA-256 of `restic dump` of the same file.
 */
snapshotSha256: string, ok: boolean, };

export type DrillDatabase = { 
/**
 * The plan's container the dump came from.
 */
container: string, engine: string, 
/**
 * The databases the dump creates.
 */
expected: Array<string>, 
/**
 * Those the scratch server lacked after the load.
 */
missing: Array<string>, 
/**
 * Restoring the dump file, starting the server and loading the dump.
 */
durationMs: number, ok: boolean, 
/**
 * The reason the load failed, empty when it passed.
 */
failure: string, };

export type DrillRecord = { id: string, planId: string, runId: string, startedAt: string, passed: boolean, snapshotId: string, filesChecked: number, bytesChecked: number, 
/**
 * The measured recovery time: restoring the files plus restoring and loading each
 * database dump. Hash checks are not part of it.
 */
durationMs: number, rtoTargetSeconds: number, failure: string, files: Array<DrillFile>, databases: Array<DrillDatabase>, };

export type BackupStatus = { percent_done: number, total_files: number, files_done: number, total_bytes: number, bytes_done: number, 
/**
 * restic's estimate; 0.14 leaves it out until it can tell.
 */
seconds_remaining: number | null, current_files: Array<string>, };

export type RunEvent = { "type": "started", runId: string, planId: string, kind: RunKind, } | { "type": "stageStarted", position: number, name: string, repository: string, } | { "type": "progress", repository: string, status: BackupStatus, } | { "type": "stageFinished", position: number, name: string, repository: string, status: RunStatus, durationMs: number, } | { "type": "finished", runId: string, status: RunStatus, };

export type Snapshot = { id: string, short_id: string, 
/**
 * RFC 3339 with nanoseconds, as restic writes it.
 */
time: string, paths: Array<string>, hostname: string, username: string, tags: Array<string> | null, };

export type Node = { name: string, 
/**
 * `file`, `dir`, `symlink`, `dev`, `chardev`, `fifo` or `socket`.
 */
type: string, path: string, uid: number, gid: number, size: number | null, permissions: string, mtime: string, };

export type LockHolder = { host: string, pid: number, user: string, 
/**
 * The age as restic prints it, such as `9h0m0s` or `1.935162872s`.
 */
age: string, 
/**
 * The lock's creation time as restic prints it (local time of the machine running restic).
 */
createdAt: string, storageId: string, exclusive: boolean, };

export type RestoreRequest = { 
/**
 * A snapshot id (short or full) or `latest`.
 */
snapshot: string, 
/**
 * Absolute paths in the snapshot; empty restores the whole snapshot.
 */
paths: Array<string>, 
/**
 * The folder on the host the files are restored under; `None` restores to the original
 * paths, which must then lie within the plan's items.
 */
target: string | null, };

export type RestoreAction = "create" | "overwrite" | "outside";

export type RestorePreviewEntry = { path: string, destination: string, kind: string, action: RestoreAction, };

export type RestorePreview = { 
/**
 * The folder every restored file must stay inside.
 */
root: string, 
/**
 * The files that would be overwritten or land outside the root first, then new ones, at
 * most [`MAX_PREVIEW_ENTRIES`].
 */
entries: Array<RestorePreviewEntry>, createCount: number, overwriteCount: number, outsideCount: number, };

export type DatabaseEngine = "postgres" | "mysql" | "mariadb";

export type Evidence = { "kind": "image", "value": string } | { "kind": "process", "value": string } | { "kind": "environment", "value": string };

export type DatabaseTarget = { 
/**
 * The container's name or ID, as `docker exec` takes it.
 */
container: string, engine: DatabaseEngine, 
/**
 * The database user the dump connects as. PostgreSQL: `POSTGRES_USER` or `postgres`.
 * MySQL and MariaDB: `root`, because only root can read every database.
 */
user: string, 
/**
 * The numeric user ID the server process runs as. PostgreSQL commands run as this user,
 * so peer authentication on the local socket accepts them.
 */
serverUid: number | null, };

export type DiscoveredDatabase = { target: DatabaseTarget, containerId: string, image: string, evidence: Array<Evidence>, 
/**
 * The name of the environment variable that contains the root password, if the container
 * sets one. The value itself is never read out of the container.
 */
passwordVariable: string | null, };

export type DatabaseDestination = { "kind": "running", container: string, } | { "kind": "new", container: string, image: string, environmentFrom: string | null, };

export type DatabaseRestoreRequest = { 
/**
 * A snapshot id or `latest`.
 */
snapshot: string, 
/**
 * The plan's database item, by the container name the plan gives it.
 */
database: string, destination: DatabaseDestination, };

export type StackMount = { service: string, destination: string, };

export type StackVolume = { name: string, 
/**
 * The volume's folder on the host, as `docker inspect` reports it.
 */
mountpoint: string, 
/**
 * The services that mount it, with their mount paths.
 */
mounts: Array<StackMount>, 
/**
 * The volume contains a database server's files, which come back from its dump instead.
 */
database: boolean, };

export type StackDatabase = { service: string, 
/**
 * The container's name when backed up; the dump file is named after it.
 */
container: string, engine: DatabaseEngine, user: string, };

export type StackManifest = { project: string, 
/**
 * The project folder on the host, where the Compose files and `.env` are.
 */
workingDir: string, 
/**
 * The Compose files, as absolute paths on the host.
 */
configFiles: Array<string>, volumes: Array<StackVolume>, 
/**
 * Bind-mount sources outside the project folder.
 */
binds: Array<string>, 
/**
 * Bind-mount sources that hold a database server's files, inside the project folder or
 * not. They are left out of the backup and come back empty, filled by the dump.
 */
databaseBinds: Array<string>, databases: Array<StackDatabase>, };

export type StackRestoreRequest = { 
/**
 * A snapshot id or `latest`.
 */
snapshot: string, 
/**
 * The plan's stack item, by project name.
 */
project: string, 
/**
 * The host to restore to, by id or name; the plan's host when empty.
 */
host: string | null, 
/**
 * The project name on the target; the original when empty.
 */
name: string | null, 
/**
 * The project folder on the target; the original when empty.
 */
directory: string | null, };

export type BackupPlanInput = { 
/**
 * Empty for a new plan; the id of the plan to change otherwise.
 */
id: string | null, definition: PlanDefinition, 
/**
 * The password of existing repositories. Empty keeps the stored one, or generates a new
 * one for a new plan.
 */
password: string | null, 
/**
 * S3 keys of the plan's S3 repositories; a repository not listed keeps its stored keys.
 */
s3Keys: Array<S3KeyInput>, };

export type S3KeyInput = { repository: string, accessKeyId: string, secretAccessKey: string, };

export type BackupPlanView = { plan: StoredPlan, hostName: string, 
/**
 * The schedule in plain words, English and Simplified Chinese.
 */
scheduleEn: string, scheduleZhCn: string, 
/**
 * The next scheduled run (RFC 3339, UTC), when the plan is enabled.
 */
nextRunAt: string | null, lastRun: RunRecord | null, lastSuccessAt: string | null, 
/**
 * Seconds since the last successful backup; `None` when there was none.
 */
lastSuccessAgeSeconds: number | null, 
/**
 * True when the last successful backup is younger than the plan's RPO.
 */
rpoMet: boolean, lastDrill: DrillRecord | null, 
/**
 * The repositories that have S3 keys in the keychain.
 */
s3KeysSet: Array<string>, 
/**
 * The 3-2-1 check of the plan's items (all go to every repository, so one report covers
 * them), counting only repositories with a good snapshot.
 */
rule321: Rule321Report, 
/**
 * The same check as if every repository already held a good snapshot: what the plan
 * gives once it has run.
 */
rule321Planned: Rule321Report, };

export type SchedulePreviewView = { en: string, zhCn: string, 
/**
 * The next three runs, RFC 3339 in UTC.
 */
nextRuns: Array<string>, };

export type BackupToolsView = { host: string, 
/**
 * `restic version`'s first line; `None` when restic is missing.
 */
restic: string | null, rclone: string | null, resticInstall: string, rcloneInstall: string, };

export type DueRun = { planId: string, planName: string, 
/**
 * `backup` or `drill`.
 */
kind: RunKind, 
/**
 * `schedule` when the time has just come, `catchUp` when it passed while Homeport was
 * closed.
 */
trigger: RunTrigger, 
/**
 * The scheduled time (RFC 3339, UTC).
 */
dueAt: string, };

export type DrillReportView = { 
/**
 * `json`, `csv` or `markdown`.
 */
format: string, 
/**
 * A suggested file name, such as `nas-drills.csv`.
 */
fileName: string, text: string, };
