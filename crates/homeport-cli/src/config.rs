//! `homeport config export|import`: move Homeport's configuration to another computer as one
//! JSON file without secrets. `--json` prints the API's views (`ConfigExportView`,
//! `ConfigImportView`) unchanged.

use clap::Subcommand;
use homeport_api::config_transfer::{count_actions, ConfigImportView, SecretToEnterView};
use homeport_api::{Api, IpcError};

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write hosts, trusted host keys, template sources, alert rules, notification channels,
    /// TLS endpoints, cost scenarios, metric settings and backup plans to one JSON file.
    /// Passwords, key passphrases, channel tokens and repository passwords are left out and
    /// listed for re-entry.
    Export {
        /// The file to write, such as homeport-config.json; an existing file is replaced.
        #[arg(long, value_name = "FILE")]
        out: String,
    },
    /// Add what an exported file contains and this computer lacks, in one transaction. Items
    /// already present (same name, address or id) are kept unchanged.
    Import {
        /// A file written by `homeport config export`.
        file: String,
        /// Print what would be added and skipped, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Tells whether the command writes nothing.
pub fn is_dry_run(command: &ConfigCommand) -> bool {
    matches!(command, ConfigCommand::Import { dry_run: true, .. })
}

pub async fn run(api: &Api, command: ConfigCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        ConfigCommand::Export { out } => {
            let view = api.config_export(&out).await?;
            if output.json {
                output.json_value(&serde_json::to_value(&view).unwrap_or_default());
                return Ok(());
            }
            output.done(&format!("Wrote {} host(s) to {}", view.hosts, view.path));
            print_secrets(&view.secrets_to_enter, "After importing, enter these again");
        }
        ConfigCommand::Import { file, dry_run } => {
            let view = if dry_run {
                api.config_import_preview(&file).await?
            } else {
                api.config_import_apply(&file).await?
            };
            if output.json {
                output.json_value(&serde_json::to_value(&view).unwrap_or_default());
                return Ok(());
            }
            print_plan(&view);
        }
    }
    Ok(())
}

fn print_plan(view: &ConfigImportView) {
    for item in &view.items {
        println!("{:<6}  {:<18}  {}", item.action, item.section, item.name);
    }
    let (added, updated, skipped) = count_actions(view);
    if view.applied {
        println!("Imported: {added} added, {updated} updated, {skipped} already present and kept.");
    } else {
        println!("Dry run, nothing written: {added} to add, {updated} to update, {skipped} already present.");
    }
    print_secrets(&view.secrets_to_enter, "Enter these again (edit the host or channel)");
}

fn print_secrets(secrets: &[SecretToEnterView], heading: &str) {
    if secrets.is_empty() {
        return;
    }
    println!("{heading}:");
    for secret in secrets {
        let owner = match secret.owner_kind.as_str() {
            "host" => "host",
            "backupPlan" => "backup plan",
            _ => "channel",
        };
        println!("  {owner} {}: {}", secret.owner, secret_label(&secret.secret));
    }
}

fn secret_label(secret: &str) -> &str {
    match secret {
        "keyPassphrase" => "key passphrase",
        "signingSecret" => "signing secret",
        "url" => "webhook URL",
        "repositoryPassword" => "repository password",
        "s3Keys" => "S3 access key ID and secret key",
        other => other,
    }
}
