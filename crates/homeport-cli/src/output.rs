//! Text and JSON output. The JSON shapes are the IPC types, documented in docs/cli.md.

use std::io::Write;

use homeport_api::{
    ContainerView, DockerInfo, FleetHost, HostFactsView, HostView, ImportPreview, ImportResult, IpcError,
};
use serde::Serialize;

use crate::selection::SkippedHost;

/// Names where an import candidate's engine is, as [`target_of`] does for saved hosts.
fn candidate_target(candidate: &homeport_api::ImportCandidateView) -> String {
    engine_target(
        candidate.kind,
        &candidate.user,
        &candidate.address,
        candidate.port,
        candidate.docker_socket.as_deref().unwrap_or(""),
        candidate.tls.is_some(),
    )
}

/// Names where a host's engine is: `user@address:port` over SSH, else the socket or endpoint.
fn target_of(host: &HostView) -> String {
    engine_target(
        host.kind,
        &host.user,
        &host.address,
        host.port,
        &host.docker_socket,
        host.tls.is_some(),
    )
}

fn engine_target(
    kind: homeport_api::HostKind,
    user: &str,
    address: &str,
    port: u16,
    socket: &str,
    tls: bool,
) -> String {
    use homeport_api::HostKind;
    match kind {
        HostKind::Local | HostKind::Socket => format!("unix://{socket}"),
        HostKind::Tcp if tls => format!("tcp://{}:{port} (TLS)", bracketed(address)),
        HostKind::Tcp => format!("tcp://{}:{port}", bracketed(address)),
        HostKind::Ssh => format!("{user}@{}:{port}", bracketed(address)),
    }
}

fn bracketed(address: &str) -> String {
    if address.contains(':') {
        format!("[{address}]")
    } else {
        address.to_string()
    }
}

/// Prints results as text or JSON.
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn hosts(&self, hosts: &[HostView]) {
        if self.json {
            return print_json(&hosts);
        }
        println!("{:<20} {:<6} {:<32} {:<8}", "NAME", "KIND", "TARGET", "AUTH");
        for host in hosts {
            let target = target_of(host);
            let kind = serde_json::to_value(host.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            let auth = serde_json::to_value(host.auth)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            println!("{:<20} {:<6} {:<32} {:<8}", host.name, kind, target, auth);
        }
    }

    pub fn host(&self, host: &HostView) {
        if self.json {
            return print_json(host);
        }
        println!("host '{}' ({})", host.name, target_of(host));
        if let Some(fingerprint) = &host.host_key_fingerprint {
            println!("trusted host key {fingerprint}");
        }
    }

    pub fn docker_info(&self, info: &DockerInfo) {
        if self.json {
            return print_json(info);
        }
        println!(
            "Docker {} (API {}) on {}: {} of {} containers running",
            info.server_version, info.api_version, info.os, info.containers_running, info.containers_total
        );
    }

    pub fn containers(&self, containers: &[ContainerView]) {
        if self.json {
            return print_json(&containers);
        }
        println!("{:<14} {:<24} {:<28} {:<10} STATUS", "ID", "NAME", "IMAGE", "STATE");
        for container in containers {
            let short_id: String = container.id.chars().take(12).collect();
            println!(
                "{:<14} {:<24} {:<28} {:<10} {}",
                short_id, container.name, container.image, container.state, container.status
            );
        }
    }

    pub fn fleet(&self, fleet: &[FleetHost]) {
        if self.json {
            return print_json(&fleet);
        }
        println!(
            "{:<20} {:<18} {:>7} {:>7} {:>6} {:>6} {:>7}",
            "NAME", "STATE", "RUNNING", "STOPPED", "TOTAL", "ALERTS", "MS"
        );
        for entry in fleet {
            let state = enum_text(&entry.state);
            let (running, stopped, total) = match &entry.containers {
                Some(counts) => (
                    counts.running.to_string(),
                    (counts.exited + counts.created + counts.dead).to_string(),
                    counts.total.to_string(),
                ),
                None => ("-".into(), "-".into(), "-".into()),
            };
            println!(
                "{:<20} {:<18} {:>7} {:>7} {:>6} {:>6} {:>7}",
                entry.host.name,
                state,
                running,
                stopped,
                total,
                entry.open_alerts.len(),
                entry.elapsed_ms
            );
            if let Some(error) = &entry.error {
                println!("    {}", error.message);
            }
            for alert in &entry.open_alerts {
                println!(
                    "    {} {} since {} ({}x)",
                    alert.severity, alert.rule, alert.first_seen, alert.count
                );
            }
        }
    }

    pub fn compose_report(&self, report: &homeport_api::ComposeReport) {
        if self.json {
            return print_json(report);
        }
        for diagnostic in &report.diagnostics {
            let mut line = format!(
                "{}:{}:{}: {}: {}",
                diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.severity, diagnostic.message
            );
            if !diagnostic.value.is_empty() {
                line.push_str(&format!(" (value '{}')", diagnostic.value));
            }
            if !diagnostic.hint.is_empty() {
                line.push_str(&format!("; {}", diagnostic.hint));
            }
            println!("{line}");
        }
        for risk in &report.risks {
            println!("risk: service '{}': {}: {}", risk.service, risk.value, risk.reason);
        }
        let errors = report.diagnostics.iter().filter(|d| d.severity == "error").count();
        let warnings = report.diagnostics.len() - errors;
        match &report.project {
            Some(project) if report.valid => println!(
                "project '{project}': {} services, {warnings} warnings",
                report.services.len()
            ),
            _ => println!("{errors} errors, {warnings} warnings"),
        }
    }

    /// Prints the Compose file on stdout and the fate of every flag on stderr, so the output can
    /// be redirected into a file while the report stays on the terminal.
    pub fn run_conversion(&self, conversion: &homeport_api::RunConversionView) {
        if self.json {
            return print_json(conversion);
        }
        print!("{}", conversion.compose_file);
        if !conversion.compose_file.ends_with('\n') {
            println!();
        }
        for flag in &conversion.flags {
            let what = match (&flag.key, &flag.reason) {
                (Some(key), _) => format!("-> {key}"),
                (None, Some(reason)) => format!("{}: {reason}", flag.fate),
                (None, None) => flag.fate.clone(),
            };
            let value = flag
                .value
                .as_deref()
                .map(|value| format!(" {value}"))
                .unwrap_or_default();
            eprintln!("{}{value} {what}", flag.flag);
            if let Some(note) = &flag.note {
                eprintln!("    {note}");
            }
        }
    }

    pub fn deploy_preview(&self, previews: &[homeport_api::ServicePreviewView]) {
        if self.json {
            return print_json(&previews);
        }
        for preview in previews {
            let what = match preview.change.as_str() {
                "new" => "created",
                "config" => "replaced: its configuration changed",
                "image" => "replaced: its image is another one now",
                "unchanged" => "kept as it is",
                "removed" => "not in the files any more; left as it is (stack down removes it)",
                other => other,
            };
            println!("{:<24} {what}", preview.service);
        }
    }

    /// Prints a JSON value, indented, in text mode too: it is the command's only output.
    pub fn json_value(&self, value: &serde_json::Value) {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    }

    pub fn stacks(&self, stacks: &[homeport_api::StackView]) {
        if self.json {
            return print_json(&stacks);
        }
        println!(
            "{:<24} {:<8} {:>7} {:>6}  WORKING DIR",
            "NAME", "STATUS", "RUNNING", "TOTAL"
        );
        for stack in stacks {
            println!(
                "{:<24} {:<8} {:>7} {:>6}  {}",
                stack.name,
                enum_text(&stack.status),
                stack.containers.running,
                stack.containers.total,
                stack.working_dir.as_deref().unwrap_or("-")
            );
        }
    }

    pub fn facts(&self, facts: &HostFactsView) {
        if self.json {
            return print_json(facts);
        }
        let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
        println!("OS        {} {}", text(&facts.os_name), text(&facts.os_version));
        println!("kernel    {} ({})", text(&facts.kernel), text(&facts.architecture));
        println!(
            "CPU       {} x {}",
            facts.cpu_cores.map_or("-".into(), |cores| cores.to_string()),
            text(&facts.cpu_model)
        );
        println!(
            "memory    {} MiB total, {} MiB available",
            facts
                .memory_total_bytes
                .map_or("-".into(), |bytes| (bytes >> 20).to_string()),
            facts
                .memory_available_bytes
                .map_or("-".into(), |bytes| (bytes >> 20).to_string())
        );
        println!(
            "Docker    {} ({})",
            text(&facts.docker_version),
            text(&facts.docker_storage_driver)
        );
        println!(
            "uptime    {}",
            facts
                .uptime_seconds
                .map_or("-".into(), |seconds| format!("{} h", seconds / 3600))
        );
        for filesystem in &facts.filesystems {
            let snapshots = if filesystem.snapshots { " snapshots" } else { "" };
            println!(
                "disk      {} {} {} GiB, {} GiB free{snapshots}",
                filesystem.mount_point,
                filesystem.fs_type,
                filesystem.size_bytes >> 30,
                filesystem.available_bytes >> 30
            );
        }
        println!("read at   {}", facts.read_at);
    }

    pub fn import_preview(&self, preview: &ImportPreview) {
        if self.json {
            return print_json(preview);
        }
        println!("read {}", preview.config_files.join(", "));
        println!(
            "{:<20} {:<10} {:<36} {:<10} {:<12} JUMP",
            "NAME", "ACTION", "TARGET", "AUTH", "HOST KEY"
        );
        for candidate in &preview.candidates {
            let marker = if candidate.recommended { ' ' } else { '!' };
            println!(
                "{marker}{:<19} {:<10} {:<36} {:<10} {:<12} {}",
                candidate.name,
                enum_text(&candidate.action),
                candidate_target(candidate),
                enum_text(&candidate.auth),
                enum_text(&candidate.host_key),
                candidate.jump_alias.as_deref().unwrap_or("-"),
            );
            for problem in &candidate.problems {
                println!("    {}", problem.message);
            }
        }
        for problem in &preview.known_hosts_problems {
            println!("known_hosts: {problem}");
        }
        for problem in &preview.docker_problems {
            println!("docker: {problem}");
        }
        println!("hosts marked ! are not imported unless named with --alias (--context for import-docker)");
    }

    pub fn import_result(&self, preview: &ImportPreview, result: &ImportResult, skipped: &[SkippedHost]) {
        if self.json {
            return print_json(&serde_json::json!({ "preview": preview, "result": result, "skipped": skipped }));
        }
        println!(
            "added {}, updated {}, unchanged {}, skipped {}",
            result.added.len(),
            result.updated.len(),
            result.unchanged.len(),
            skipped.len()
        );
        for (label, names) in [("added", &result.added), ("updated", &result.updated)] {
            for name in names {
                println!("  {label} {name}");
            }
        }
        for host in skipped {
            println!("  skipped {} ({})", host.name, host.reason.text());
        }
    }

    pub fn deploy_result(&self, host: &str, result: &homeport_api::DeployResult) {
        if self.json {
            return print_json(result);
        }
        println!(
            "deployed stack '{}' on {host} in {} ms: {} changed, {} unchanged",
            result.name,
            result.millis,
            result.changed.len(),
            result.unchanged.len()
        );
        for attribute in &result.unsupported {
            println!("  not applied: {attribute}");
        }
    }

    /// Prints the update check as a table of SERVICE IMAGE LOCAL REMOTE STATUS, with digests
    /// shortened; JSON keeps them whole.
    pub fn image_updates(&self, checks: &[homeport_api::ImageUpdateView]) {
        if self.json {
            return print_json(&checks);
        }
        let rows: Vec<[String; 5]> = checks
            .iter()
            .map(|check| {
                [
                    check.service.clone(),
                    check.image.clone(),
                    short_digest(check.local_digest.as_deref()),
                    short_digest(check.remote_digest.as_deref()),
                    update_status_text(check),
                ]
            })
            .collect();
        let width = |column: usize, header: &str| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([header.len()])
                .max()
                .unwrap_or_default()
        };
        let (service, image, local, remote) = (
            width(0, "SERVICE"),
            width(1, "IMAGE"),
            width(2, "LOCAL"),
            width(3, "REMOTE"),
        );
        println!(
            "{:<service$}  {:<image$}  {:<local$}  {:<remote$}  STATUS",
            "SERVICE", "IMAGE", "LOCAL", "REMOTE"
        );
        for row in &rows {
            println!(
                "{:<service$}  {:<image$}  {:<local$}  {:<remote$}  {}",
                row[0], row[1], row[2], row[3], row[4]
            );
        }
    }

    pub fn update_result(&self, host: &str, result: &homeport_api::StackUpdateResult) {
        if self.json {
            return print_json(result);
        }
        println!(
            "updated stack '{}' on {host} in {} ms: {} updated, {} unchanged",
            result.name,
            result.millis,
            result.updated.len(),
            result.unchanged.len()
        );
        for service in &result.updated {
            println!("  updated: {service}");
        }
    }

    pub fn done(&self, message: &str) {
        if self.json {
            return print_json(&serde_json::json!({ "ok": true, "message": message }));
        }
        println!("{message}");
    }

    pub fn log_line(&self, stderr: bool, text: &str) {
        if self.json {
            let stream = if stderr { "stderr" } else { "stdout" };
            return print_json(&serde_json::json!({ "stream": stream, "text": text }));
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
    }

    pub fn error(&self, err: &IpcError) {
        if self.json {
            // The message is English whatever the locale, in the command line's words, and the
            // code and params stay the API's.
            let mut error = serde_json::to_value(err).unwrap_or_default();
            error["message"] = crate::messages::error_text(err, homeport_api::messages::Locale::En).into();
            let text = serde_json::to_string(&serde_json::json!({ "error": error })).unwrap_or_default();
            eprintln!("{text}");
            return;
        }
        let locale = homeport_api::messages::Locale::from_environment();
        eprintln!("homeport: {}", crate::messages::error_text(err, locale));
        if err.code == homeport_core::ErrorCode::HostKeyUnknown {
            if let Some(fingerprint) = err.params.get("fingerprint") {
                let hint = match locale {
                    homeport_api::messages::Locale::En => format!(
                        "compare it with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the server, then run the same command with --trust {fingerprint}"
                    ),
                    homeport_api::messages::Locale::ZhCn => format!(
                        "请在服务器上用 `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` 核对该指纹，然后加上 --trust {fingerprint} 重新运行同一命令"
                    ),
                };
                eprintln!("homeport: {hint}");
            }
        }
    }
}

/// Returns an enum's serde spelling, such as `online` or `new`.
fn enum_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(String::from))
        .unwrap_or_default()
}

fn print_json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => println!("{text}"),
        Err(err) => eprintln!("homeport: cannot encode output: {err}"),
    }
}

/// Prints one deploy event on stderr: a line per stage start, output line and stage end, or
/// the event as one JSON line when `json` is set. Layer progress is printed only as JSON.
pub fn print_deploy_event(json: bool, event: &homeport_api::DeployEvent) {
    use homeport_api::DeployEvent;
    if json {
        if let Ok(line) = serde_json::to_string(event) {
            eprintln!("{line}");
        }
        return;
    }
    match event {
        DeployEvent::StageStarted { stage } => eprintln!("{}: started", stage_name(*stage)),
        DeployEvent::Line { stage, service, text } => match service {
            Some(service) => eprintln!("{}: {service}: {text}", stage_name(*stage)),
            None => eprintln!("{}: {text}", stage_name(*stage)),
        },
        DeployEvent::Layer { .. } => {}
        DeployEvent::StageFinished { stage, outcome, millis } => {
            let outcome = match outcome {
                homeport_api::DeployOutcome::Done => "done",
                homeport_api::DeployOutcome::Skipped => "skipped",
                homeport_api::DeployOutcome::Failed => "failed",
            };
            eprintln!("{}: {outcome} in {millis} ms", stage_name(*stage));
        }
    }
}

fn stage_name(stage: homeport_api::DeployStage) -> &'static str {
    match stage {
        homeport_api::DeployStage::WriteFiles => "write files",
        homeport_api::DeployStage::Validate => "validate",
        homeport_api::DeployStage::Pull => "pull",
        homeport_api::DeployStage::Create => "create",
        homeport_api::DeployStage::Start => "start",
        homeport_api::DeployStage::WaitHealthy => "wait healthy",
    }
}

/// Shortens `sha256:<64 hex>` to `sha256:` and 12 digits, as `docker images --digests` does;
/// `-` when there is none.
fn short_digest(digest: Option<&str>) -> String {
    let Some(digest) = digest else {
        return "-".to_string();
    };
    let end = digest.find(':').map_or(0, |colon| colon + 1) + 12;
    digest.get(..end).unwrap_or(digest).to_string()
}

fn update_status_text(check: &homeport_api::ImageUpdateView) -> String {
    use homeport_api::ImageUpdateStatus;
    match check.status {
        ImageUpdateStatus::UpToDate => "up to date".to_string(),
        ImageUpdateStatus::UpdateAvailable => "update available".to_string(),
        ImageUpdateStatus::LocalOnly => "local only (no registry digest)".to_string(),
        ImageUpdateStatus::Pinned => "pinned by digest".to_string(),
        ImageUpdateStatus::RegistryError => {
            format!("registry error: {}", check.error.as_deref().unwrap_or("unknown"))
        }
    }
}
