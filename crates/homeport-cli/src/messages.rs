//! Error messages in the command line's own words. The shared catalogs speak of the window's
//! form fields and buttons ("save again", a field named `jumpHost`), so this module words the
//! errors that `host` and `import` commands report with options, arguments and commands
//! instead. Every other error keeps the catalog's text. The error codes and params are the
//! API's, unchanged.

use homeport_api::messages::{localized_error, Locale};
use homeport_api::IpcError;
use homeport_core::ErrorCode;

/// Returns the message for `err` in `locale`, worded for the command line.
pub fn error_text(err: &IpcError, locale: Locale) -> String {
    let Some(template) = cli_template(err.code, locale) else {
        return localized_error(err, locale);
    };
    let mut text = template.to_string();
    for (name, value) in &err.params {
        let value = match name.as_str() {
            "detail" => cli_detail(value),
            _ => value.clone(),
        };
        text = text.replace(&format!("{{{name}}}"), &value);
    }
    if let Some(field) = err.params.get("field") {
        text = text.replace("{option}", &option_for_field(field, locale));
    }
    text
}

/// Names the option or argument that sets an `InvalidInput` field, as `--help` shows it.
/// A field the command line has no option for keeps its name.
pub fn option_for_field(field: &str, locale: Locale) -> String {
    let option = match field {
        "name" => "--name",
        "address" => "--address",
        "port" => "--port",
        "user" => "--user",
        "auth" => "--auth",
        "keyPath" => "--key-file",
        "dockerSocket" => "--docker-socket",
        "jumpHost" => "--jump-host",
        "group" => "--group",
        "tags" => "--tag",
        "alias" => "--alias or --context",
        "digest" => "--digest",
        "knownHosts" => "--known-hosts",
        "dockerConfig" => "--docker-config",
        "timeout" => "--timeout",
        "intervalSeconds" => "--interval",
        "retentionDays" => "--retention",
        "container" => "--container",
        "range" => "--since",
        "host" => "HOST",
        "localPath" => "LOCAL",
        "remotePath" => "REMOTE",
        "baseDir" => "--base-dir",
        "envFile" => "--env-file",
        "extraFiles" => "--extra-file",
        "services" => "--service",
        "parameter" => "--set",
        "secret" => {
            return match locale {
                Locale::En => "the password read with --secret-stdin".to_string(),
                Locale::ZhCn => "通过 --secret-stdin 读取的密码".to_string(),
            }
        }
        "plan" => {
            return match locale {
                Locale::En => "the preview's digest".to_string(),
                Locale::ZhCn => "预览的摘要".to_string(),
            }
        }
        other => other,
    };
    option.to_string()
}

/// Rewords the parts of a core error's English detail that tell the user to use the window.
fn cli_detail(detail: &str) -> String {
    const REWORDED: [(&str, &str); 2] = [
        ("leave the field empty", "leave out --secret-stdin"),
        (
            "edit the hosts' jump hosts",
            "remove those hosts and add them again with another --jump-host",
        ),
    ];
    let mut text = detail.to_string();
    for (window, command_line) in REWORDED {
        text = text.replace(window, command_line);
    }
    text
}

/// Returns the command line's own template for `code`, or `None` where the catalog's text
/// suits the command line too. Templates use the error's params and `{option}`.
fn cli_template(code: ErrorCode, locale: Locale) -> Option<&'static str> {
    let (en, zh) = match code {
        ErrorCode::InvalidInput => (
            "Invalid value '{value}' for {option}: {detail}. Correct it and run the command again.",
            "{option} 的值“{value}”无效：{detail}。请修改后重新运行该命令。",
        ),
        ErrorCode::HostNotFound => (
            "No host named or with the id '{host}' exists. Run `homeport host list` to see the saved hosts.",
            "找不到名称或 ID 为“{host}”的主机。请运行 `homeport host list` 查看已保存的主机。",
        ),
        ErrorCode::PassphraseWrong => (
            "The passphrase for the key file {path} is missing or wrong. Pass the correct passphrase on stdin with \
             --secret-stdin and run the command again.",
            "密钥文件 {path} 的口令未提供或不正确。请通过 --secret-stdin 从标准输入提供正确的口令，然后重新运行该命令。",
        ),
        ErrorCode::SecretMissing => (
            "No saved password or passphrase for host '{host}' was found in the OS keychain. If the keychain is \
             locked, unlock it and run the command again; otherwise remove the host with `homeport host remove` \
             and add it again with --secret-stdin.",
            "在系统钥匙串中找不到主机“{host}”保存的密码或私钥口令。如果钥匙串已锁定，请解锁后重新运行该命令；否则请用 \
             `homeport host remove` 移除该主机，再用 --secret-stdin 重新添加。",
        ),
        ErrorCode::HostKeyChanged => (
            "The host key of {host} on port {port} changed from {oldFingerprint} to {fingerprint} ({algorithm}). \
             Someone may be intercepting the connection (a man-in-the-middle attack), so Homeport does not connect. \
             The trusted key is never replaced automatically: only if you know why it changed, run \
             `homeport host replace-key HOST --fingerprint {fingerprint}`.",
            "{host}（端口 {port}）的主机密钥已从 {oldFingerprint} 变为 {fingerprint}（{algorithm}）。连接可能正遭到他人截获\
             （中间人攻击），因此 Homeport 不会连接。已信任的密钥绝不会被自动替换：只有在你清楚密钥为何变更时，才运行 \
             `homeport host replace-key HOST --fingerprint {fingerprint}`。",
        ),
        ErrorCode::DockerUnavailable => (
            "No Docker engine responds at {socket} on {host}. Install or start Docker there, or remove the host and \
             add it again with the correct --docker-socket.",
            "{host} 上的 {socket} 没有响应的 Docker 引擎。请在该主机上安装或启动 Docker，或移除该主机后用正确的 \
             --docker-socket 重新添加。",
        ),
        ErrorCode::DockerError => (
            "Docker on {host} reported an error: {detail}. Run the command again. If it persists, check the Docker \
             daemon logs on that host.",
            "{host} 上的 Docker 报告了错误：{detail}。请重新运行该命令；如果问题依旧，请查看该主机上 Docker 守护进程的日志。",
        ),
        ErrorCode::Storage => (
            "Homeport could not read or write its local database: {detail}. Check that the data folder is writable \
             and the disk has free space (HOMEPORT_DATA_DIR selects another folder), then run the command again.",
            "Homeport 无法读写本地数据库：{detail}。请确认数据目录可写且磁盘有剩余空间（可用 HOMEPORT_DATA_DIR 指定其他目录），\
             然后重新运行该命令。",
        ),
        ErrorCode::Internal => (
            "An unexpected error occurred: {detail}. Run the command again. If it keeps happening, run it with \
             HOMEPORT_LOG=debug and report the output.",
            "发生意外错误：{detail}。请重新运行该命令；如果问题反复出现，请加上 HOMEPORT_LOG=debug 运行并附上输出报告此问题。",
        ),
        _ => return None,
    };
    Some(match locale {
        Locale::En => en,
        Locale::ZhCn => zh,
    })
}

#[cfg(test)]
mod tests {
    use homeport_core::inventory::{AuthMethod, HostDraft};
    use homeport_core::secrets::Secret;
    use homeport_core::Error;

    use super::*;

    /// Words that only make sense in the window.
    const WINDOW_WORDS: [&str; 7] = [
        "save again",
        "Settings",
        "the field",
        "edit the host",
        "reload the host list",
        "host settings",
        "jumpHost",
    ];

    fn assert_cli_wording(err: Error) -> String {
        let ipc = IpcError::from(err);
        for locale in [Locale::En, Locale::ZhCn] {
            let text = error_text(&ipc, locale);
            assert!(!text.contains('{'), "{locale:?} leaves a placeholder: {text}");
            for word in WINDOW_WORDS {
                assert!(!text.contains(word), "{locale:?} says '{word}': {text}");
            }
        }
        error_text(&ipc, Locale::En)
    }

    #[test]
    fn invalid_jump_host_names_the_option() {
        let text = assert_cli_wording(Error::invalid(
            "jumpHost",
            "bastion",
            "no saved host has this name; add the jump host first",
        ));
        assert_eq!(
            text,
            "Invalid value 'bastion' for --jump-host: no saved host has this name; add the jump host first. \
             Correct it and run the command again."
        );
    }

    #[test]
    fn invalid_fields_name_options_and_arguments() {
        for (field, option) in [
            ("keyPath", "--key-file"),
            ("dockerSocket", "--docker-socket"),
            ("remotePath", "REMOTE"),
            ("alias", "--alias or --context"),
            ("timeout", "--timeout"),
            ("envFile", "--env-file"),
            ("baseDir", "--base-dir"),
            ("services", "--service"),
        ] {
            let text = assert_cli_wording(Error::invalid(field, "x", "a reason"));
            assert!(text.contains(&format!(" for {option}: ")), "{field}: {text}");
        }
    }

    #[test]
    fn agent_with_password_says_which_option() {
        let draft = HostDraft {
            name: "nas".into(),
            address: "192.0.2.10".into(),
            port: 22,
            user: "admin".into(),
            auth: Some(AuthMethod::Agent),
            secret: Some(Secret::new("pw")),
            ..HostDraft::default()
        };
        let err = draft.validate().expect_err("agent takes no password");
        let text = assert_cli_wording(err);
        assert!(text.contains("leave out --secret-stdin"), "{text}");
    }

    #[test]
    fn looping_jump_hosts_point_at_the_option() {
        // The reason `HostService` gives for a jump host chain that loops.
        let text = assert_cli_wording(Error::invalid(
            "jumpHost",
            "a1b2",
            "the jump host chain is longer than 8 hosts or loops; edit the hosts' jump hosts",
        ));
        assert!(text.contains("another --jump-host"), "{text}");
    }

    #[test]
    fn host_errors_point_at_commands() {
        let text = assert_cli_wording(Error::HostNotFound("nas".into()));
        assert!(text.contains("homeport host list"), "{text}");
        let text = assert_cli_wording(Error::PassphraseWrong { path: "/k".into() });
        assert!(text.contains("--secret-stdin"), "{text}");
        assert_cli_wording(Error::SecretMissing { host: "nas".into() });
        assert_cli_wording(Error::DockerUnavailable {
            host: "nas".into(),
            socket: "/var/run/docker.sock".into(),
        });
        assert_cli_wording(Error::Storage("disk full".into()));
        assert_cli_wording(Error::Internal("bug".into()));
    }

    #[test]
    fn other_errors_keep_the_catalog_text() {
        let ipc = IpcError::from(Error::HostNameTaken("nas".into()));
        assert_eq!(error_text(&ipc, Locale::En), localized_error(&ipc, Locale::En));
    }
}
