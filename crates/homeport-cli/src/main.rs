//! `homeport`: the desktop app's host and container operations, without the window.
//!
//! It opens the same database (`HOMEPORT_DATA_DIR` or the OS data folder) and the same keychain
//! as the app, and calls the same `homeport-api` functions. `--json` prints the output schema
//! documented in `docs/cli.md`; errors go to stderr, as JSON too when `--json` is given.

mod alerts;
mod args;
mod backup;
mod config;
mod cost;
mod export;
mod messages;
mod metrics;
mod orchestrators;
mod output;
mod selection;
mod templates;

use std::io::BufRead;
use std::process::ExitCode;

use clap::Parser;
use homeport_api::{
    Api, ContainerAction, EngineInput, EngineTlsView, HostInput, IpcError, LogEvent, LogStreamKind, StackActionKind,
    TransferEvent,
};
use homeport_core::paths::AppPaths;

use args::{Cli, Command, ContainerCommand, FleetCommand, HostAddEngine, HostCommand, StackCommand};
use output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let output = Output { json: cli.json };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("homeport: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };

    match runtime.block_on(run(cli.command, &output)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output.error(&err);
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, output: &Output) -> Result<(), IpcError> {
    let paths = AppPaths::resolve()?;
    // With --json, stderr carries JSON only (errors and progress events), so log lines go to
    // the log file alone.
    let stderr_level = if output.json { "off" } else { "warn" };
    // A dry run promises to write nothing, so it creates no folder, log file or database.
    let (api, _guard) = if is_dry_run(&command) {
        homeport_api::logging::init_stderr_only(stderr_level);
        (Api::open_read_only(paths).await?, None)
    } else {
        let _ = paths.create();
        let guard = homeport_api::logging::init(&paths.log_dir, "cli", stderr_level);
        (Api::open(paths).await?, guard)
    };

    let result = run_command(&api, command, output).await;
    // Commands that collect, check or back up may have opened alerts whose notifications are
    // still being sent in the background, and exiting now would drop them.
    api.notify_drain(NOTIFY_DRAIN_TIMEOUT).await;
    result
}

/// How long the CLI waits at exit for notifications still being sent.
const NOTIFY_DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

async fn run_command(api: &Api, command: Command, output: &Output) -> Result<(), IpcError> {
    match command {
        Command::Host(host) => run_host(&api, host, output).await,
        Command::Container(container) => run_container(&api, container, output).await,
        Command::Stack(stack) => run_stack(&api, stack, output).await,
        Command::Template(template) => templates::run(&api, template, output).await,
        Command::Orchestrator(orchestrators::OrchestratorCommand::Recommend(args)) => {
            orchestrators::recommend(&api, args, output).await
        }
        Command::Rollout(args) => orchestrators::rollout(&api, args, output).await,
        Command::Cost(cost) => cost::run(&api, cost, output).await,
        Command::Metrics(metrics) => metrics::run(&api, metrics, output).await,
        Command::Alerts(command) => alerts::run_alerts(&api, command, output).await,
        Command::Rules(command) => alerts::run_rules(&api, command, output).await,
        Command::Backup(command) => backup::run(&api, command, output).await,
        Command::Config(command) => config::run(&api, command, output).await,
        Command::Fleet(FleetCommand::Status { timeout }) => {
            let timeout = std::time::Duration::try_from_secs_f64(timeout)
                .ok()
                .filter(|timeout| *timeout >= MIN_FLEET_TIMEOUT)
                .ok_or(())
                .map_err(|_| {
                    IpcError::from(homeport_core::Error::invalid(
                        "timeout",
                        timeout.to_string(),
                        "give a number of seconds of at least 0.1, such as 5",
                    ))
                })?;
            output.fleet(&api.fleet_status(Some(timeout)).await?);
            Ok(())
        }
    }
}

/// Turns `host add-engine` options into the API's input, splitting `--tcp HOST:PORT`.
fn engine_input(add: HostAddEngine) -> Result<EngineInput, IpcError> {
    let (address, port) = match &add.tcp {
        Some(endpoint) => {
            let (address, port) = split_host_port(endpoint).ok_or_else(|| {
                IpcError::from(homeport_core::Error::invalid(
                    "--tcp",
                    endpoint.as_str(),
                    "write HOST:PORT, such as 192.168.1.20:2376, or [IPV6]:PORT",
                ))
            })?;
            (Some(address), Some(port))
        }
        None => (None, None),
    };
    let absolute = |path: String| -> String {
        let path = std::path::PathBuf::from(path);
        if path.is_absolute() {
            path.to_string_lossy().into_owned()
        } else {
            std::env::current_dir()
                .map(|dir| dir.join(&path))
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned()
        }
    };
    let tls = add.tls_ca.map(|ca| EngineTlsView {
        ca: absolute(ca),
        cert: add.tls_cert.map(absolute),
        key: add.tls_key.map(absolute),
    });
    Ok(EngineInput {
        name: add.name,
        socket: add.socket,
        address,
        port,
        tls,
        group: add.group,
        tags: add.tags,
    })
}

/// Splits `host:port` or `[v6]:port`. Returns `None` without a port or with a bad one.
fn split_host_port(value: &str) -> Option<(String, u32)> {
    let (host, port) = match value.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            (host, after.strip_prefix(':')?)
        }
        None => value.rsplit_once(':')?,
    };
    if host.is_empty() || host.contains(':') && !value.starts_with('[') {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}

/// Tells whether `command` only previews, and so must not write anything.
fn is_dry_run(command: &Command) -> bool {
    match command {
        Command::Host(HostCommand::ImportSshConfig(import)) => import.dry_run,
        Command::Host(HostCommand::ImportDocker(import)) => import.dry_run,
        // A recommendation reads only the rules compiled into the binary.
        Command::Orchestrator(_) => true,
        // The calculator reads only files the user names; `--report` writes its one file.
        Command::Cost(_) => true,
        Command::Config(command) => config::is_dry_run(command),
        _ => false,
    }
}

/// The shortest per-host timeout `fleet status` accepts; anything shorter fails every host.
const MIN_FLEET_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(100);

async fn run_host(api: &Api, command: HostCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        HostCommand::List => output.hosts(&api.host_list().await?),
        HostCommand::Add(add) => {
            let secret = if add.secret_stdin {
                Some(read_secret_line()?)
            } else {
                None
            };
            let input = HostInput {
                name: add.name,
                address: add.address,
                port: add.port,
                user: add.user,
                auth: add.auth.into(),
                key_path: add.key_file,
                docker_socket: add.docker_socket,
                secret,
                jump_host: add.jump_host,
                group: add.group,
                tags: add.tags,
            };
            let host = api.host_add(input, add.trust).await?;
            output.host(&host);
        }
        HostCommand::AddEngine(add) => {
            let input = engine_input(add)?;
            let host = api.host_add_engine(input).await?;
            output.host(&host);
        }
        HostCommand::Remove { host } => {
            api.host_remove(&host).await?;
            output.done(&format!("removed host '{host}'"));
        }
        HostCommand::Check { host } => output.docker_info(&api.host_check(&host).await?),
        HostCommand::Facts { host, cached: false } => output.facts(&api.host_facts(&host, true).await?),
        HostCommand::Facts { host, cached: true } => match api.host_facts_cached(&host).await? {
            Some(facts) => output.facts(&facts),
            None => {
                return Err(homeport_core::Error::invalid(
                    "host",
                    host,
                    "no facts were read from this host yet; run the command without --cached",
                )
                .into())
            }
        },
        HostCommand::Put { host, local, remote } => {
            let (sink, events) = transfer_sink();
            let id = api.file_upload(&host, &local, &remote, sink).await?;
            wait_for_transfer(api, id, events, output).await?
        }
        HostCommand::Get { host, remote, local } => {
            let (sink, events) = transfer_sink();
            let id = api.file_download(&host, &remote, &local, sink).await?;
            wait_for_transfer(api, id, events, output).await?
        }
        HostCommand::ImportSshConfig(import) => {
            let files = homeport_api::ImportFiles {
                config: import.file.clone(),
                known_hosts: (!import.known_hosts.is_empty()).then(|| import.known_hosts.clone()),
                docker: None,
                docker_config: None,
            };
            import_ssh_config(api, files, import, output).await?
        }
        HostCommand::ImportDocker(import) => {
            let files = homeport_api::ImportFiles {
                config: import.ssh_config,
                known_hosts: (!import.known_hosts.is_empty()).then_some(import.known_hosts),
                docker: Some(true),
                docker_config: import.docker_config,
            };
            // Candidates from contexts are keyed `docker-context:NAME`; the environment's
            // endpoint is `env:DOCKER_HOST`.
            let aliases = import
                .contexts
                .into_iter()
                .map(|name| match name.as_str() {
                    "DOCKER_HOST" => "env:DOCKER_HOST".to_string(),
                    _ => format!("docker-context:{name}"),
                })
                .collect();
            let as_import = args::ImportSshConfig {
                file: None,
                known_hosts: Vec::new(),
                dry_run: import.dry_run,
                digest: import.digest,
                aliases,
            };
            import_ssh_config(api, files, as_import, output).await?
        }
        HostCommand::ReplaceKey { host, fingerprint } => {
            let host = api.host_replace_key(&host, &fingerprint).await?;
            output.host(&host);
        }
    }
    Ok(())
}

/// Returns a sink that forwards a transfer's events into a channel.
fn transfer_sink() -> (
    homeport_api::Sink<TransferEvent>,
    tokio::sync::mpsc::UnboundedReceiver<TransferEvent>,
) {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    (Box::new(move |event| sender.send(event).is_ok()), receiver)
}

/// Ctrl-C, SIGTERM and SIGHUP (a closed terminal, `timeout`, a service stop), so that each
/// cancels a transfer and lets it remove its temporary file.
struct StopSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn new() -> Result<Self, IpcError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind| {
                signal(kind).map_err(|err| {
                    IpcError::from(homeport_core::Error::Internal(format!("cannot handle signals: {err}")))
                })
            };
            Ok(Self {
                terminate: listen(SignalKind::terminate())?,
                hangup: listen(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Prints a transfer's progress on stderr until its last event. Ctrl-C cancels the transfer,
/// and the wait goes on until the temporary file is removed and the `Cancelled` error arrives.
async fn wait_for_transfer(
    api: &Api,
    id: homeport_api::SubscriptionId,
    mut events: tokio::sync::mpsc::UnboundedReceiver<TransferEvent>,
    output: &Output,
) -> Result<(), IpcError> {
    let mut cancelled = false;
    let mut stop = StopSignals::new()?;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = stop.recv(), if !cancelled => {
                api.subscription_cancel(id);
                cancelled = true;
                continue;
            }
        };
        match event {
            Some(TransferEvent::Progress { done, total }) if !output.json => eprint!("\r{done} of {total} bytes"),
            Some(TransferEvent::Progress { .. }) => {}
            Some(TransferEvent::Done { bytes, millis }) => {
                if !output.json {
                    eprintln!();
                }
                output.done(&format!("copied {bytes} bytes in {millis} ms"));
                return Ok(());
            }
            Some(TransferEvent::Error { error }) => return Err(error),
            None => return Err(homeport_core::Error::Internal("the transfer ended without a result".into()).into()),
        }
    }
}

/// Previews an import, then applies it unless `--dry-run` is given.
/// Previews an import of `files` and applies it unless `import.dry_run`. The Docker import
/// comes here too, with its options carried in `import`.
async fn import_ssh_config(
    api: &Api,
    files: homeport_api::ImportFiles,
    import: args::ImportSshConfig,
    output: &Output,
) -> Result<(), IpcError> {
    let preview = api.ssh_import_preview(&files).await?;
    if let Some(digest) = &import.digest {
        if digest != &preview.digest {
            return Err(homeport_core::Error::invalid(
                "digest",
                digest.clone(),
                "the files changed since that preview; run --dry-run again",
            )
            .into());
        }
    }
    if import.dry_run {
        output.import_preview(&selection::only_selected(preview, &import.aliases)?);
        return Ok(());
    }
    let named = !import.aliases.is_empty();
    let aliases: Vec<String> = if import.aliases.is_empty() {
        preview
            .candidates
            .iter()
            .filter(|candidate| candidate.recommended)
            .map(|candidate| candidate.alias.clone())
            .collect()
    } else {
        import.aliases
    };
    let result = api.ssh_import_apply(&files, &preview.digest, &aliases).await?;
    let skipped = selection::skipped(&preview, &aliases, named);
    output.import_result(&preview, &result, &skipped);
    Ok(())
}

async fn run_stack(api: &Api, command: StackCommand, output: &Output) -> Result<(), IpcError> {
    let (target, action, volumes) = match command {
        StackCommand::Validate(files) => {
            let report = api.compose_validate(&compose_input(files))?;
            output.compose_report(&report);
            if !report.valid {
                // The report on stdout lists every problem; this only sets the exit status.
                std::process::exit(1);
            }
            return Ok(());
        }
        StackCommand::FromRun { command } => {
            let text = if command == ["-"] {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|err| {
                    IpcError::from(homeport_core::Error::invalid(
                        "command",
                        "-",
                        format!("cannot read stdin: {err}"),
                    ))
                })?;
                text
            } else {
                command
                    .iter()
                    .map(|word| shell_word(word))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            output.run_conversion(&api.docker_run_convert(&text)?);
            return Ok(());
        }
        StackCommand::Export(export) => {
            let input = compose_input(export.files);
            let view = match &export.out {
                Some(folder) => api.stack_export_to(&input, &export.target, folder)?,
                None => api.stack_export(&input, &export.target)?,
            };
            export::print(&view, output.json);
            return Ok(());
        }
        StackCommand::Config { files, profiles } => {
            let config = api.compose_config(&compose_input(files), &profiles)?;
            output.json_value(&config);
            return Ok(());
        }
        StackCommand::Ls { host } => {
            output.stacks(&api.stack_list(&host).await?);
            return Ok(());
        }
        StackCommand::Deploy(deploy) => return deploy_stack(api, deploy, output).await,
        StackCommand::Updates(target) => {
            output.image_updates(&api.stack_update_check(&target.host, &target.name).await?);
            return Ok(());
        }
        StackCommand::Update { target, services } => return update_stack(api, target, services, output).await,
        StackCommand::Start(target) => (target, StackActionKind::Start, false),
        StackCommand::Stop(target) => (target, StackActionKind::Stop, false),
        StackCommand::Restart(target) => (target, StackActionKind::Restart, false),
        StackCommand::Down { target, volumes } => (target, StackActionKind::Down, volumes),
    };
    api.stack_action(&target.host, &target.name, action, volumes).await?;
    let verb = match action {
        StackActionKind::Start => "started",
        StackActionKind::Stop => "stopped",
        StackActionKind::Restart => "restarted",
        StackActionKind::Down if volumes => "took down, volumes included,",
        StackActionKind::Down => "took down",
    };
    output.done(&format!("{verb} stack '{}' on {}", target.name, target.host));
    Ok(())
}

/// Deploys a stack, printing each stage on stderr. The first Ctrl-C, SIGTERM or SIGHUP cancels
/// the deploy, and the wait goes on until its cleanup has run.
async fn deploy_stack(api: &Api, deploy: args::StackDeploy, output: &Output) -> Result<(), IpcError> {
    let input = homeport_api::StackDeployInput {
        files: deploy.files.files,
        env_file: deploy.files.env_file,
        extra_files: deploy.extra_files,
        base_dir: Some(deploy.base_dir),
    };
    if deploy.preview {
        let previews = api
            .stack_deploy_preview(&deploy.host, &input, deploy.name.as_deref(), &deploy.profiles)
            .await?;
        output.deploy_preview(&previews);
        return Ok(());
    }
    let cancel = tokio_util::sync::CancellationToken::new();
    let json = output.json;
    let on_progress = move |event: homeport_api::DeployEvent| output::print_deploy_event(json, &event);
    let running = api.stack_deploy(
        &deploy.host,
        &input,
        deploy.name.as_deref(),
        &deploy.profiles,
        on_progress,
        cancel.clone(),
    );
    tokio::pin!(running);
    let mut stop = StopSignals::new()?;
    let result = loop {
        tokio::select! {
            result = &mut running => break result,
            _ = stop.recv(), if !cancel.is_cancelled() => {
                if !json {
                    eprintln!("cancelling: removing what this deploy created");
                }
                cancel.cancel();
            }
        }
    };
    output.deploy_result(&deploy.host, &result?);
    Ok(())
}

/// Updates a stack's images, printing each stage on stderr. The first Ctrl-C, SIGTERM or SIGHUP
/// cancels the update, and the wait goes on until the old containers are back.
async fn update_stack(
    api: &Api,
    target: args::StackTarget,
    services: Vec<String>,
    output: &Output,
) -> Result<(), IpcError> {
    let cancel = tokio_util::sync::CancellationToken::new();
    let json = output.json;
    let on_progress = move |event: homeport_api::DeployEvent| output::print_deploy_event(json, &event);
    let running = api.stack_update(&target.host, &target.name, &services, on_progress, cancel.clone());
    tokio::pin!(running);
    let mut stop = StopSignals::new()?;
    let result = loop {
        tokio::select! {
            result = &mut running => break result,
            _ = stop.recv(), if !cancel.is_cancelled() => {
                if !json {
                    eprintln!("cancelling: putting the old containers back");
                }
                cancel.cancel();
            }
        }
    };
    output.update_result(&target.host, &result?);
    Ok(())
}

/// Quotes one argument for the docker run parser, which reads shell syntax: the shell already
/// removed the user's quotes, so a value with spaces or quotes gets single quotes again.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn compose_input(files: args::ComposeFiles) -> homeport_api::ComposeInput {
    homeport_api::ComposeInput {
        files: files.files,
        env_file: files.env_file,
    }
}

async fn run_container(api: &Api, command: ContainerCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        ContainerCommand::Ls { host } => output.containers(&api.container_list(&host).await?),
        ContainerCommand::Start(target) => act(api, target, ContainerAction::Start, output).await?,
        ContainerCommand::Stop(target) => act(api, target, ContainerAction::Stop, output).await?,
        ContainerCommand::Restart(target) => act(api, target, ContainerAction::Restart, output).await?,
        ContainerCommand::Rm(target) => act(api, target, ContainerAction::Remove, output).await?,
        ContainerCommand::Logs { target, tail, follow } => {
            stream_logs(api, &target.host, &target.container, tail, follow, output).await?
        }
    }
    Ok(())
}

async fn act(
    api: &Api,
    target: args::ContainerTarget,
    action: ContainerAction,
    output: &Output,
) -> Result<(), IpcError> {
    api.container_action(&target.host, &target.container, action).await?;
    let verb = match action {
        ContainerAction::Start => "started",
        ContainerAction::Stop => "stopped",
        ContainerAction::Restart => "restarted",
        ContainerAction::Remove => "removed",
    };
    output.done(&format!("{verb} container '{}' on '{}'", target.container, target.host));
    Ok(())
}

/// Prints log lines until the stream ends, or until Ctrl-C while following.
async fn stream_logs(
    api: &Api,
    host: &str,
    container: &str,
    tail: u32,
    follow: bool,
    output: &Output,
) -> Result<(), IpcError> {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let id = api
        .container_logs(
            host,
            container,
            tail,
            follow,
            Box::new(move |event| sender.send(event).is_ok()),
        )
        .await?;

    loop {
        let event = tokio::select! {
            event = receiver.recv() => event,
            _ = tokio::signal::ctrl_c() => {
                api.subscription_cancel(id);
                return Ok(());
            }
        };
        match event {
            Some(LogEvent::Line { stream, text }) => output.log_line(stream == LogStreamKind::Stderr, &text),
            Some(LogEvent::Error { error }) => return Err(error),
            Some(LogEvent::End) | None => return Ok(()),
        }
    }
}

/// Reads a password or passphrase from the first line of stdin, so it never appears in argv.
fn read_secret_line() -> Result<String, IpcError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|err| {
        IpcError::from(homeport_core::Error::invalid(
            "secret",
            "",
            format!("cannot read stdin: {err}"),
        ))
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
