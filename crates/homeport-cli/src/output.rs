//! Text and JSON output. The JSON shapes are the IPC types, documented in docs/cli.md.

use std::io::Write;

use homeport_api::{ContainerView, DockerInfo, HostView, IpcError};
use serde::Serialize;

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
            let target = if host.kind == homeport_api::HostKind::Local {
                host.docker_socket.clone()
            } else {
                format!("{}@{}:{}", host.user, host.address, host.port)
            };
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
        println!("host '{}' ({}@{}:{})", host.name, host.user, host.address, host.port);
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
            let text = serde_json::to_string(&serde_json::json!({ "error": err })).unwrap_or_default();
            eprintln!("{text}");
            return;
        }
        let locale = homeport_api::messages::Locale::from_environment();
        eprintln!("homeport: {}", homeport_api::messages::localized_error(err, locale));
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

fn print_json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => println!("{text}"),
        Err(err) => eprintln!("homeport: cannot encode output: {err}"),
    }
}
