// The only module that calls Tauri's `invoke`. Every function rejects with an `IpcError`, so
// screens can always render `error.<code>` without checking what kind of value they caught.

import { Channel, invoke } from '@tauri-apps/api/core';
import { isErrorCode } from './errorCodes';
import type { ConfigExportView, ConfigImportView, LocalEngineView } from './types';
import type {
  AlertmanagerSource,
  AlertmanagerSyncView,
  NewSilence,
  NotifyChannelInput,
  NotifyChannelView,
  NotifyTestView,
  QuietHours,
  Silence,
  TlsEndpoint,
  TlsEndpointView,
  TlsReport,
} from './types';
import type {
  AlertFilterInput,
  AlertRuleUpdate,
  NewRuleInput,
  AlertRuleView,
  AlertView,
  RuleExportView,
  RuleImportView,
} from './types';
import type {
  AboutInfo,
  AppInfo,
  DesktopSettings,
  UpdateInfo,
  BuilderDeployInput,
  BuilderDraft,
  ExportView,
  BuilderEdit,
  BuilderState,
  StackDraft,
  SwarmDeployView,
  ContainerAction,
  ContainerEvent,
  ContainerView,
  DockerInfo,
  EngineInput,
  FleetHost,
  HostFactsView,
  HostInput,
  HostView,
  ImageUpdateView,
  ImportFiles,
  ImportPreview,
  ImportResult,
  RunConversionView,
  ServicePreviewView,
  IpcError,
  LogEvent,
  MemoryUsage,
  RenderedTemplate,
  Settings,
  StackActionKind,
  StackUpdateEvent,
  StackView,
  TemplateSourceView,
  TemplateView,
  TemplateDeployEvent,
  TemplateDeployInput,
  TerminalEvent,
  TerminalTarget,
  TransferEvent,
} from './types';
import type {
  CostCalculationView,
  CostExportFormat,
  CostExportView,
  CostPrefillView,
  CostReferenceView,
  CostTheme,
  SavedCostScenarioView,
  Scenario,
  Subscription,
} from './types';
import type {
  Answers,
  PrefillView,
  RecommendationView,
  RolloutView,
  SavedChoiceView,
  WizardView,
} from './types';
import type {
  ChartFormat,
  ChartRequest,
  ChartView,
  CollectReportView,
  PromChartRequest,
  MetricsSettingsView,
  SeriesView,
} from './types';

import type {
  PrometheusQueryView,
  PrometheusRangeView,
  PrometheusSourceInput,
  PrometheusSourceView,
  PrometheusTestView,
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

export function configExport(path: string): Promise<ConfigExportView> {
  return call('config_export', { path });
}

export function configImportPreview(path: string): Promise<ConfigImportView> {
  return call('config_import_preview', { path });
}

export function configImportApply(path: string): Promise<ConfigImportView> {
  return call('config_import_apply', { path });
}

export function localEngine(): Promise<LocalEngineView> {
  return call('local_engine');
}

export function hostList(): Promise<HostView[]> {
  return call('host_list');
}

export function hostAdd(input: HostInput, trustedKey: string | null): Promise<HostView> {
  return call('host_add', { input, trustedKey });
}

export function hostAddEngine(input: EngineInput): Promise<HostView> {
  return call('host_add_engine', { input });
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

/** Returns the host's facts: cached ones, unless `refresh` is set or none are cached. */
export function hostFacts(id: string, refresh: boolean): Promise<HostFactsView> {
  return call('host_facts', { id, refresh });
}

export function hostReplaceKey(id: string, fingerprint: string): Promise<HostView> {
  return call('host_replace_key', { id, fingerprint });
}

/**
 * Connects to every host at once and returns each one's state and container counts.
 * `timeoutMs` limits each host separately, and the backend's default is 5000 ms.
 */
export function fleetStatus(timeoutMs?: number): Promise<FleetHost[]> {
  return call('fleet_status', timeoutMs === undefined ? {} : { timeoutMs });
}

/** Reads the SSH configuration and known_hosts files and returns what importing would do. */
export function sshImportPreview(files: ImportFiles): Promise<ImportPreview> {
  return call('ssh_import_preview', { files });
}

/**
 * Imports the hosts named in `aliases`, plus the jump hosts they need, from the preview with
 * `digest`. Rejects with InvalidInput when the files changed since that preview.
 */
export function sshImportApply(
  files: ImportFiles,
  digest: string,
  aliases: string[],
): Promise<ImportResult> {
  return call('ssh_import_apply', { files, digest, aliases });
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

/** Lists the Compose projects on a host, including ones started with `docker compose`. */
export function stackList(hostId: string): Promise<StackView[]> {
  return call('stack_list', { hostId });
}

/**
 * Starts, stops, restarts or takes down every container of a stack. `removeVolumes` applies
 * only to `down`, and deletes the stack's named volumes with their data.
 */
export function stackAction(
  hostId: string,
  name: string,
  action: StackActionKind,
  removeVolumes: boolean,
): Promise<null> {
  return call('stack_action', { hostId, name, action, removeVolumes });
}

/**
 * Compares each service's image with the digest its registry has now, asked through the host's
 * engine. Nothing is pulled or changed.
 */
export function stackUpdateCheck(hostId: string, name: string): Promise<ImageUpdateView[]> {
  return call('stack_update_check', { hostId, name });
}

/**
 * Pulls the newer images of `services` (every service when empty) and replaces only the
 * containers whose image changed. Progress, then one `done` or `error` event, arrive on
 * `onEvent`; `subscriptionCancel` with the returned id cancels the update and puts the old
 * containers back.
 */
export async function stackUpdate(
  hostId: string,
  name: string,
  services: string[],
  onEvent: (event: StackUpdateEvent) => void,
): Promise<SubscriptionId> {
  try {
    const channel = new Channel<StackUpdateEvent>(onEvent);
    return await invoke<SubscriptionId>('stack_update', { hostId, name, services, onEvent: channel });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Lists the built-in stack templates sorted by id, then the imported ones by source. */
export function templateList(): Promise<TemplateView[]> {
  return call('template_list');
}

export function templateShow(id: string): Promise<TemplateView> {
  return call('template_show', { id });
}

/**
 * Renders a template with `values` for its plain parameters and generates its passwords. The
 * result's `env` contains those passwords, so callers must not display or keep it.
 */
export function templateRender(
  id: string,
  values: Record<string, string>,
): Promise<RenderedTemplate> {
  return call('template_render', { id, values });
}

/** Lists the imported template sources, oldest first. */
export function templateSourceList(): Promise<TemplateSourceView[]> {
  return call('template_source_list');
}

/**
 * Imports a Portainer template file or CasaOS app from a path on this computer or an http(s)
 * URL. A broken source rejects with `TemplateSourceInvalid` (file, line, column) and nothing is
 * imported.
 */
export function templateSourceImport(location: string): Promise<TemplateSourceView> {
  return call('template_source_import', { location });
}

/** Reads a source again and replaces its templates; a failed read keeps the old ones. */
export function templateSourceRefresh(id: number): Promise<TemplateSourceView> {
  return call('template_source_refresh', { id });
}

/** Removes a source and its templates from the Catalog. */
export function templateSourceRemove(id: number): Promise<null> {
  return call('template_source_remove', { id });
}

/** Opens an `https:` URL in the system browser. The backend rejects other schemes. */
export function openExternal(url: string): Promise<null> {
  return call('open_external', { url });
}

/** Terminal id returned by `terminalOpen`, to pass to the other terminal commands. */
export type TerminalId = number;

/**
 * Opens a terminal on a host: its login shell, or a shell in a running container. Output and
 * then one `exit` event arrive on `onEvent`; the terminal runs until it exits or
 * `terminalClose`.
 */
export async function terminalOpen(
  hostId: string,
  target: TerminalTarget,
  cols: number,
  rows: number,
  onEvent: (event: TerminalEvent) => void,
): Promise<TerminalId> {
  try {
    const channel = new Channel<TerminalEvent>(onEvent);
    return await invoke<TerminalId>('terminal_open', {
      hostId,
      target,
      cols,
      rows,
      onEvent: channel,
    });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Sends input bytes, as a JSON array of numbers; the backend takes at most 1 MiB per call. */
export function terminalWrite(id: TerminalId, data: Uint8Array): Promise<null> {
  return call('terminal_write', { id, data: Array.from(data) });
}

export function terminalResize(id: TerminalId, cols: number, rows: number): Promise<null> {
  return call('terminal_resize', { id, cols, rows });
}

/** Closes a terminal. Ids that are unknown or already ended are ignored. */
export function terminalClose(id: TerminalId): Promise<null> {
  return call('terminal_close', { id });
}

/**
 * Uploads the local file at the absolute path `localPath` to the absolute path `remotePath` on
 * an SSH host. Progress and then one `done` or `error` event arrive on `onEvent`. Cancel with
 * `subscriptionCancel(id)`, which ends the transfer with the error `Cancelled` unless every byte
 * was already written.
 */
export async function fileUpload(
  hostId: string,
  localPath: string,
  remotePath: string,
  onEvent: (event: TransferEvent) => void,
): Promise<SubscriptionId> {
  try {
    const channel = new Channel<TransferEvent>(onEvent);
    return await invoke<SubscriptionId>('file_upload', {
      hostId,
      localPath,
      remotePath,
      onEvent: channel,
    });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Says per service what deploying a template would create, replace or keep; changes nothing. */
export function templateDeployPreview(input: TemplateDeployInput): Promise<ServicePreviewView[]> {
  return call('template_deploy_preview', { input });
}

/** Exports the builder's draft to `swarm`, `kubernetes`, `k3s` or `nomad`: files and warnings. */
export function stackExportDraft(draft: BuilderDraft, target: string): Promise<ExportView> {
  return call('stack_export_draft', { draft, target });
}

/** Exports the draft and writes the files into `folder`, all of them or none. */
export function stackExportSave(draft: BuilderDraft, target: string, folder: string): Promise<ExportView> {
  return call('stack_export_save', { draft, target, folder });
}

/** Converts a pasted `docker run` command into a Compose service, reporting every flag. */
export function dockerRunConvert(command: string): Promise<RunConversionView> {
  return call('docker_run_convert', { command });
}

/**
 * Deploys a catalog template to a host. Stage progress and then one `done` or `error` event
 * arrive on `onEvent`. `subscriptionCancel(id)` cancels the deploy, which then removes what it
 * created and ends with the error `Cancelled`.
 */
export async function templateDeploy(
  input: TemplateDeployInput,
  onEvent: (event: TemplateDeployEvent) => void,
): Promise<SubscriptionId> {
  try {
    const channel = new Channel<TemplateDeployEvent>(onEvent);
    return await invoke<SubscriptionId>('template_deploy', { input, onEvent: channel });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/**
 * Downloads `remotePath` on an SSH host to the absolute local path `localPath`. Events and
 * cancelling work as in `fileUpload`.
 */
export async function fileDownload(
  hostId: string,
  remotePath: string,
  localPath: string,
  onEvent: (event: TransferEvent) => void,
): Promise<SubscriptionId> {
  try {
    const channel = new Channel<TransferEvent>(onEvent);
    return await invoke<SubscriptionId>('file_download', {
      hostId,
      remotePath,
      localPath,
      onEvent: channel,
    });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Reads a builder draft: what the canvas draws, every problem, and the generated Caddyfile. */
export function builderOpen(draft: BuilderDraft): Promise<BuilderState> {
  return call('builder_open', { draft });
}

/** Applies one canvas change to the draft's compose.yaml; the draft is unchanged on an error. */
export function builderEdit(draft: BuilderDraft, edit: BuilderEdit): Promise<BuilderState> {
  return call('builder_edit', { draft, edit });
}

/** Adds a catalog template's services, `.env` entries and files to the draft. */
export function builderAddTemplate(draft: BuilderDraft, templateId: string): Promise<BuilderState> {
  return call('builder_add_template', { draft, templateId });
}

/** Says per service what deploying the draft would create, replace or keep; changes nothing. */
export function builderDeployPreview(input: BuilderDeployInput): Promise<ServicePreviewView[]> {
  return call('builder_deploy_preview', { input });
}

/** Deploys the draft. Progress and then one `done` or `error` event arrive on `onEvent`. */
export async function builderDeploy(
  input: BuilderDeployInput,
  onEvent: (event: TemplateDeployEvent) => void,
): Promise<SubscriptionId> {
  try {
    const channel = new Channel<TemplateDeployEvent>(onEvent);
    return await invoke<SubscriptionId>('builder_deploy', { input, onEvent: channel });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Reads a deployed stack's compose.yaml, `.env` and Caddyfile from its host into a draft. */
export function builderOpenStack(hostId: string, name: string): Promise<StackDraft> {
  return call('builder_open_stack', { hostId, name });
}

/** Keeps the builder draft's `.env` text in the OS keychain; an empty text deletes it. */
export function builderEnvSave(env: string): Promise<null> {
  return call('builder_env_save', { env });
}

/** Returns the builder draft's `.env` text from the OS keychain, or an empty text. */
export function builderEnvLoad(): Promise<string> {
  return call('builder_env_load');
}

/** Returns the orchestrator wizard's questions, capability matrix and advice. */
export function orchestratorWizard(): Promise<WizardView> {
  return call('orchestrator_wizard');
}

/** Recommends an orchestrator for a complete set of answers. */
export function orchestratorRecommend(answers: Answers): Promise<RecommendationView> {
  return call('orchestrator_recommend', { answers });
}

/** Guesses wizard answers from the stored hosts and facts, without connecting to a host. */
export function orchestratorPrefill(): Promise<PrefillView> {
  return call('orchestrator_prefill');
}

/** Saves the recommendation for `answers` as the chosen orchestrator. */
export function orchestratorSave(answers: Answers): Promise<SavedChoiceView> {
  return call('orchestrator_save', { answers });
}

/** Returns the saved orchestrator, or `null` when none was saved. */
export function orchestratorChoice(): Promise<SavedChoiceView | null> {
  return call('orchestrator_choice');
}

/** Scans every host and returns the rollout plan; `timeoutMs` is each host's limit. */
export function rolloutStatus(timeoutMs?: number): Promise<RolloutView> {
  return call('rollout_status', { timeoutMs: timeoutMs ?? null });
}

/** Ticks or unticks a rollout item by hand. */
export function rolloutCheck(item: string, checked: boolean): Promise<null> {
  return call('rollout_check', { item, checked });
}

/** Deploys the draft as a Swarm stack to a host whose engine is a swarm manager. */
export function stackExportSwarmDeploy(hostId: string, draft: BuilderDraft, stack: string): Promise<SwarmDeployView> {
  return call('stack_export_swarm_deploy', { hostId, draft, stack });
}

/** Collects one host now and stores the samples. */
export function metricsCollectOnce(hostId: string): Promise<CollectReportView> {
  return call('metrics_collect_once', { hostId });
}

/** Renders a chart of stored series as SVG, with its pixel mapping and drawn points. */
export function metricsChart(request: ChartRequest): Promise<ChartView> {
  return call('metrics_chart', { request });
}

/** Charts a PromQL range query on the host's Prometheus source. An unreachable server gives a
 * chart with the reason drawn on it and in `error`; a rejected query rejects with its position. */
export function metricsPrometheusChart(request: PromChartRequest): Promise<ChartView> {
  return call('metrics_prometheus_chart', { request });
}

/** Writes a chart to `path` as SVG or PNG; resolves to the path written. */
export function metricsChartSave(request: ChartRequest, format: ChartFormat, path: string): Promise<string> {
  return call('metrics_chart_save', { request, format, path });
}

/** Returns a host's collection interval and retention. */
export function metricsSettings(hostId: string): Promise<MetricsSettingsView> {
  return call('metrics_settings', { hostId });
}

/** Sets a host's collection interval (5–3600 s) and retention (1–400 days). */
export function metricsSettingsSet(hostId: string, settings: MetricsSettingsView): Promise<MetricsSettingsView> {
  return call('metrics_settings_set', { hostId, settings });
}

/** Lists a host's stored series, optionally of one metric. */
export function metricsSeries(hostId: string, metric?: string): Promise<SeriesView[]> {
  return call('metrics_series', { hostId, metric: metric ?? null });
}

/** Returns a host's Prometheus source, or `null` when it has none. */
export function prometheusSourceGet(host: string): Promise<PrometheusSourceView | null> {
  return call('prometheus_source_get', { host });
}

/** Sets a host's Prometheus source, replacing any earlier one. */
export function prometheusSourceSet(host: string, input: PrometheusSourceInput): Promise<PrometheusSourceView> {
  return call('prometheus_source_set', { host, input });
}

/** Removes a host's Prometheus source; resolves to whether it had one. */
export function prometheusSourceRemove(host: string): Promise<boolean> {
  return call('prometheus_source_remove', { host });
}

/** Tests `input`, or the stored source when `input` is null: version and targets up. */
export function prometheusSourceTest(host: string, input: PrometheusSourceInput | null): Promise<PrometheusTestView> {
  return call('prometheus_source_test', { host, input });
}

/** Evaluates PromQL on the host's Prometheus at `atMs` (Unix ms), or now when null. */
export function prometheusQuery(host: string, promql: string, atMs: number | null = null): Promise<PrometheusQueryView> {
  return call('prometheus_query', { host, promql, atMs });
}

/**
 * Evaluates PromQL over a range. Without `stepMs` a step giving about 600 points is picked;
 * every series has a point per step, `value: null` in gaps.
 */
export function prometheusQueryRange(
  host: string,
  promql: string,
  fromMs: number,
  toMs: number,
  stepMs: number | null = null,
): Promise<PrometheusRangeView> {
  return call('prometheus_query_range', { host, promql, fromMs, toMs, stepMs });
}

/** Returns the cost calculator's currencies, presets and subscription catalog. */
export function costReference(): Promise<CostReferenceView> {
  return call('cost_reference');
}

/** Returns a catalog subscription as a scenario entry priced in `currency`. */
export function costCatalogSubscription(id: string, currency: string): Promise<Subscription> {
  return call('cost_catalog_subscription', { id, currency });
}

/** Calculates a scenario, or lists every invalid value. */
export function costCalculate(scenario: Scenario): Promise<CostCalculationView> {
  return call('cost_calculate', { scenario });
}

/** Draws the payback chart of a valid scenario as SVG text. */
export function costChartSvg(
  scenario: Scenario,
  language: 'en' | 'zh-CN',
  theme: CostTheme,
  width: number,
  height: number,
): Promise<string> {
  return call('cost_chart_svg', { scenario, language, theme, width, height });
}

/** Writes the scenario file or the report to the absolute `path`. */
export function costExport(
  scenario: Scenario,
  format: CostExportFormat,
  language: 'en' | 'zh-CN',
  path: string,
): Promise<CostExportView> {
  return call('cost_export', { scenario, format, language, path });
}

/** Suggests a file in the downloads folder for an export. */
export function costExportSuggestedPath(name: string, format: CostExportFormat): Promise<string> {
  return call('cost_export_suggested_path', { name, format });
}

/** Returns the saved scenarios with their results. */
export function costScenarios(): Promise<SavedCostScenarioView[]> {
  return call('cost_scenarios');
}

/** Saves a valid scenario under `name`, replacing one saved under that name. */
export function costScenarioSave(name: string, scenario: Scenario): Promise<SavedCostScenarioView> {
  return call('cost_scenario_save', { name, scenario });
}

/** Deletes a saved scenario. */
export function costScenarioDelete(id: string): Promise<null> {
  return call('cost_scenario_delete', { id });
}

/** Suggests devices and subscriptions from the stored hosts and deployed apps. */
export function costPrefill(currency: string): Promise<CostPrefillView> {
  return call('cost_prefill', { currency });
}

/** Lists the notification channels; secrets are only reported as set or missing. */
export function notifyChannels(): Promise<NotifyChannelView[]> {
  return call('notify_channels', {});
}

/** Adds (`id` null) or changes a channel; secrets go to the OS keychain, an empty value deletes one. */
export function notifyChannelSave(input: NotifyChannelInput): Promise<NotifyChannelView> {
  return call('notify_channel_save', { input });
}

/** Removes a channel and its keychain entries. */
export function notifyChannelRemove(id: string): Promise<void> {
  return call('notify_channel_remove', { id });
}

/** Sends a test message through a channel and returns the HTTP status or SMTP reply code. */
export function notifyChannelTest(id: string): Promise<NotifyTestView> {
  return call('notify_channel_test', { id });
}

/** Returns the quiet hours (local time). */
export function notifyQuietHours(): Promise<QuietHours> {
  return call('notify_quiet_hours', {});
}

/** Saves the quiet hours; times are `HH:MM`. */
export function notifyQuietHoursSet(hours: QuietHours): Promise<QuietHours> {
  return call('notify_quiet_hours_set', { hours });
}

/** Returns how many notifications wait for the end of quiet hours. */
export function notifyHeldCount(): Promise<number> {
  return call('notify_held_count', {});
}

/** Lists alerts for the inbox: open ones (`open: true`) or the history of resolved ones. */
export function alertsList(filter: AlertFilterInput): Promise<AlertView[]> {
  return call('alerts_list', { filter });
}

/** Acknowledges an alert, which stops its response timer. */
export function alertsAck(id: string): Promise<AlertView> {
  return call('alerts_ack', { id });
}

/** Silences an alert's notifications for `minutes`, or ends the silence with null. */
export function alertsSilence(id: string, minutes: number | null): Promise<AlertView> {
  return call('alerts_silence', { id, minutes });
}

/** Resolves an alert by hand. */
export function alertsResolve(id: string): Promise<AlertView> {
  return call('alerts_resolve', { id });
}

/** Adds a comment to an alert. */
export function alertsComment(id: string, text: string): Promise<AlertView> {
  return call('alerts_comment', { id, text });
}

/** Lists the built-in and imported alert rules. */
export function alertsRules(): Promise<AlertRuleView[]> {
  return call('alerts_rules', {});
}

/** Changes a rule's switch, threshold, `for` duration, severity or flapping guard. */
export function alertsRuleUpdate(id: string, update: AlertRuleUpdate): Promise<AlertRuleView> {
  return call('alerts_rule_update', { id, update });
}

/** Adds a threshold rule over Homeport's metrics. */
export function alertsRuleCreate(rule: NewRuleInput): Promise<AlertRuleView> {
  return call('alerts_rule_create', { rule });
}

/** Removes an added or imported rule. */
export function alertsRuleRemove(id: string): Promise<void> {
  return call('alerts_rule_remove', { id });
}

/** Imports a Prometheus rule file; `wrap` wraps a bare list of rules into one group. */
export function alertsRulesImport(path: string, wrap: boolean): Promise<RuleImportView> {
  return call('alerts_rules_import', { path, wrap });
}

/** Writes the enabled rules to a Prometheus rule file. */
export function alertsRulesExport(path: string): Promise<RuleExportView> {
  return call('alerts_rules_export', { path });
}

/** Lists the TLS endpoints with their last reports. */
export function tlsEndpoints(): Promise<TlsEndpointView[]> {
  return call('tls_endpoints', {});
}

/** Adds (empty `id`) or changes a TLS endpoint and checks it at once. */
export function tlsEndpointSave(endpoint: TlsEndpoint): Promise<TlsEndpointView> {
  return call('tls_endpoint_save', { endpoint });
}

/** Removes a TLS endpoint and its report. */
export function tlsEndpointRemove(id: string): Promise<void> {
  return call('tls_endpoint_remove', { id });
}

/** Checks one TLS endpoint now. */
export function tlsCheck(id: string): Promise<TlsReport> {
  return call('tls_check', { id });
}

/** Lists the Alertmanager servers. */
export function alertmanagerSources(): Promise<AlertmanagerSource[]> {
  return call('alertmanager_sources', {});
}

/** Sets the global (no host) or a host's Alertmanager, replacing the earlier one. */
export function alertmanagerSourceSet(source: AlertmanagerSource): Promise<AlertmanagerSource> {
  return call('alertmanager_source_set', { source });
}

/** Removes an Alertmanager server. */
export function alertmanagerSourceRemove(id: string): Promise<void> {
  return call('alertmanager_source_remove', { id });
}

/** Pulls the server's alerts into the inbox now. */
export function alertmanagerSync(id: string): Promise<AlertmanagerSyncView> {
  return call('alertmanager_sync', { id });
}

/** Lists the server's silences. */
export function alertmanagerSilences(id: string): Promise<Silence[]> {
  return call('alertmanager_silences', { id });
}

/** Creates a silence and resolves to its id. */
export function alertmanagerSilenceCreate(id: string, silence: NewSilence): Promise<string> {
  return call('alertmanager_silence_create', { id, silence });
}

/** Expires a silence. */
export function alertmanagerSilenceExpire(id: string, silenceId: string): Promise<void> {
  return call('alertmanager_silence_expire', { id, silenceId });
}

/** Returns version, commit and folders for the About section. */
export function appAbout(): Promise<AboutInfo> {
  return call('app_about');
}

/** Opens the data or log folder in the file manager. */
export function appFolderOpen(folder: 'data' | 'logs'): Promise<void> {
  return call('app_folder_open', { folder });
}

export function desktopSettingsGet(): Promise<DesktopSettings> {
  return call('desktop_settings_get');
}

export function desktopSettingsSet(settings: DesktopSettings): Promise<DesktopSettings> {
  return call('desktop_settings_set', { settings });
}

/** Returns what the last update check of this run found, without asking the feed. */
export function updateStatus(): Promise<UpdateInfo | null> {
  return call('update_status');
}

/** Asks the update feed for a newer version; rejects while update checks are off. */
export function updateCheck(): Promise<UpdateInfo | null> {
  return call('update_check');
}

/** Downloads, verifies and installs the newer version, then restarts the app. */
export function updateInstall(): Promise<void> {
  return call('update_install');
}

// Backups: plans, runs, snapshots, restores and drills. Runs send events on a channel, and
// the returned promise resolves to the run's record when it ends. `backupCancel` stops a run.

import type {
  BackupPlanInput,
  BackupPlanView,
  BackupToolsView,
  DatabaseRestoreRequest,
  DiscoveredDatabase,
  DrillRecord,
  DrillReportView,
  Node as SnapshotNode,
  PlanDefinition,
  RepositoryDefinition,
  RestorePreview,
  RestoreRequest,
  Rule321Report,
  RunEvent,
  RunRecord,
  SchedulePreviewView,
  Snapshot,
  StackManifest,
  StackRestoreRequest,
} from './types';

async function callWithRunEvents<T>(
  command: string,
  args: Record<string, unknown>,
  onEvent: (event: RunEvent) => void,
): Promise<T> {
  try {
    const channel = new Channel<RunEvent>(onEvent);
    return await invoke<T>(command, { ...args, onEvent: channel });
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Lists the backup plans with their last run, last good backup and RPO state. */
export function backupPlans(): Promise<BackupPlanView[]> {
  return call('backup_plans');
}

/** Checks a plan file's text without saving it. Errors carry the line and column. */
export function backupPlanParse(file: string, text: string): Promise<PlanDefinition> {
  return call('backup_plan_parse', { file, text });
}

/** Describes a cron schedule in both languages with its next runs; errors carry the column. */
export function backupSchedulePreview(schedule: string): Promise<SchedulePreviewView> {
  return call('backup_schedule_preview', { schedule });
}

/** Validates and stores a plan. A new plan gets a generated repository password. */
export function backupPlanSave(input: BackupPlanInput): Promise<BackupPlanView> {
  return call('backup_plan_save', { input });
}

export function backupPlanRemove(plan: string): Promise<void> {
  return call('backup_plan_remove', { plan });
}

/** Runs `restic init` for the plan's repositories that do not exist yet. */
export function backupPlanInit(plan: string, onEvent: (event: RunEvent) => void): Promise<RunRecord> {
  return callWithRunEvents('backup_plan_init', { plan }, onEvent);
}

/** Reports whether restic and rclone are installed on a host, with install commands. */
export function backupTools(hostId: string): Promise<BackupToolsView> {
  return call('backup_tools', { hostId });
}

/** Runs a plan now: dump, backup, forget, check and copy, with progress on `onEvent`. */
export function backupRun(plan: string, onEvent: (event: RunEvent) => void): Promise<RunRecord> {
  return callWithRunEvents('backup_run', { plan }, onEvent);
}

/** Cancels the plan's backup, restore or drill in progress; resolves to whether one ran. */
export function backupCancel(plan: string): Promise<boolean> {
  return call('backup_cancel', { plan });
}

/** Lists the plan's newest runs with their stages. */
export function backupRuns(plan: string, limit: number): Promise<RunRecord[]> {
  return call('backup_runs', { plan, limit });
}

/** Removes stale locks, or every lock when `removeAll` and `confirmed` are both set. */
export function backupUnlock(plan: string, removeAll: boolean, confirmed: boolean): Promise<RunRecord> {
  return call('backup_unlock', { plan, removeAll, confirmed });
}

export function backupSnapshots(plan: string): Promise<Snapshot[]> {
  return call('backup_snapshots', { plan });
}

/** Lists one folder level of a snapshot. */
export function backupFiles(plan: string, snapshot: string, folder: string): Promise<SnapshotNode[]> {
  return call('backup_files', { plan, snapshot, folder });
}

/** Lists what a restore would create, overwrite or put outside its target, changing nothing. */
export function backupRestorePreview(plan: string, request: RestoreRequest): Promise<RestorePreview> {
  return call('backup_restore_preview', { plan, request });
}

export function backupRestore(
  plan: string,
  request: RestoreRequest,
  overwriteConfirmed: boolean,
  onEvent: (event: RunEvent) => void,
): Promise<RunRecord> {
  return callWithRunEvents('backup_restore', { plan, request, overwriteConfirmed }, onEvent);
}

/** Lists the PostgreSQL, MySQL and MariaDB servers running in containers on a host. */
export function backupDatabases(hostId: string): Promise<DiscoveredDatabase[]> {
  return call('backup_databases', { hostId });
}

/** Checks repositories against the 3-2-1 rule as if each held a good snapshot. */
export function backupRule321Preview(repositories: RepositoryDefinition[]): Promise<Rule321Report> {
  return call('backup_rule321_preview', { repositories });
}

/**
 * Restores a plan's database dump into its running container (`confirmed` must be set, as it
 * replaces the databases there) or into a new container from an image already on the host.
 */
export function backupRestoreDatabase(
  plan: string,
  request: DatabaseRestoreRequest,
  confirmed: boolean,
  onEvent: (event: RunEvent) => void,
): Promise<RunRecord> {
  return callWithRunEvents('backup_restore_database', { plan, request, confirmed }, onEvent);
}

/** Reads the manifest of one of the plan's stacks from a snapshot: its folder, volumes, bind mounts and databases. */
export function backupStackManifest(plan: string, snapshot: string, project: string): Promise<StackManifest> {
  return call('backup_stack_manifest', { plan, snapshot, project });
}

/**
 * Restores one of the plan's stacks to the plan's host or another one. restic runs on the
 * target host. When a stack of the target name exists there, the API rejects the request
 * unless `confirmed` is set, and then removes that stack's containers and volumes first.
 */
export function backupRestoreStack(
  plan: string,
  request: StackRestoreRequest,
  confirmed: boolean,
  onEvent: (event: RunEvent) => void,
): Promise<RunRecord> {
  return callWithRunEvents('backup_restore_stack', { plan, request, confirmed }, onEvent);
}

/** Restores sample files of the newest snapshot and compares their checksums. */
export function backupDrill(plan: string, random: boolean | null, onEvent: (event: RunEvent) => void): Promise<DrillRecord> {
  return callWithRunEvents('backup_drill', { plan, random }, onEvent);
}

export function backupDrills(plan: string): Promise<DrillRecord[]> {
  return call('backup_drills', { plan });
}

/** Returns the plan's drill history as `json`, `csv` or `markdown` text. */
export function backupDrillReport(plan: string, format: string): Promise<DrillReportView> {
  return call('backup_drill_report', { plan, format });
}
