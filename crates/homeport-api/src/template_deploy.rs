//! Deploying a catalog template to a host in one step: render it, keep its generated passwords
//! in the OS keychain, and deploy the rendered files as a stack.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use homeport_core::hosts::HostService;
use homeport_core::monitoring::sources;
use homeport_core::secrets::{Keychain, Secret, SecretKey};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::prometheus::monitoring_prometheus_port;
use crate::stacks::{deploy_stack, DeployEvent, DeployResult, StackDeployInput};
use crate::{Api, ApiResult, IpcError, Sink, SubscriptionId};

/// An event of a template deploy: progress, then one `done` or `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TemplateDeployEvent {
    Progress { event: DeployEvent },
    Done { result: DeployResult },
    Error { error: IpcError },
}

/// A template deploy request from the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDeployInput {
    pub template_id: String,
    pub host_id: String,
    /// The stack's name on the host, which is also its Compose project name.
    pub name: String,
    /// Values of the template's plain parameters; passwords are generated or reused.
    pub values: BTreeMap<String, String>,
    /// The folder on an SSH host under which the stack's folder is made; `/opt/stacks` when
    /// unset. The login user must be allowed to write there.
    #[serde(default)]
    pub base_dir: Option<String>,
}

impl Api {
    /// Starts deploying a template and returns the id that `subscription_cancel` cancels it
    /// with. Passwords stored for this host and stack name are reused. New ones are stored in
    /// the keychain before anything reaches the host, so a failed deploy loses none.
    pub async fn template_deploy(
        &self,
        input: TemplateDeployInput,
        mut sink: Sink<TemplateDeployEvent>,
    ) -> ApiResult<SubscriptionId> {
        let Prepared {
            name,
            host_id,
            folder,
            deploy_input,
            profiles,
            prometheus_port,
        } = self.prepare(&input, true).await?;
        tracing::info!(host_id = %host_id, stack = %name, template = %input.template_id, "template deploy started");

        let hosts = self.hosts.clone();
        Ok(self.subscriptions.spawn(move |cancel: CancellationToken| {
            let task = tokio::spawn(async move {
                let forward = |event: DeployEvent| {
                    let _ = sink(TemplateDeployEvent::Progress { event });
                };
                let result =
                    deploy_stack(&hosts, &host_id, &deploy_input, Some(&name), &profiles, forward, cancel).await;
                // The folder contains the passwords, so it is removed as soon as the deploy is over.
                drop(folder);
                if let (Ok(_), Some(port)) = (&result, prometheus_port) {
                    register_prometheus(&hosts, &host_id, port).await;
                }
                let event = match result {
                    Ok(result) => TemplateDeployEvent::Done { result },
                    Err(error) => TemplateDeployEvent::Error { error },
                };
                let _ = sink(event);
            });
            async move {
                let _ = task.await;
            }
        }))
    }
}

impl Api {
    /// Says per service what deploying the template as `input.name` would create, replace or
    /// keep on the host, and changes nothing. Stored passwords are used, so an unchanged
    /// redeploy shows as unchanged; no new password is stored.
    pub async fn template_deploy_preview(
        &self,
        input: &TemplateDeployInput,
    ) -> ApiResult<Vec<crate::stacks::ServicePreviewView>> {
        // The folder must outlive the preview, which reads the files in it.
        let prepared = self.prepare(input, false).await?;
        self.stack_deploy_preview(
            &prepared.host_id,
            &prepared.deploy_input,
            Some(&prepared.name),
            &prepared.profiles,
        )
        .await
    }
}

/// A rendered template, written to a private folder, ready to deploy or preview.
struct Prepared {
    name: String,
    host_id: String,
    /// Removed when dropped, because its `.env` contains the passwords.
    folder: tempfile::TempDir,
    deploy_input: StackDeployInput,
    profiles: Vec<String>,
    /// The host port of the monitoring template's Prometheus, registered as the host's
    /// Prometheus source after a successful deploy; `None` for other templates.
    prometheus_port: Option<u16>,
}

impl Api {
    /// Renders `input`'s template with the passwords stored for its host and stack name, and
    /// writes the files. With `store_new`, passwords generated now go to the keychain first.
    async fn prepare(&self, input: &TemplateDeployInput, store_new: bool) -> ApiResult<Prepared> {
        let name = validate_stack_name(&input.name)?;
        let host = self.hosts.get(&input.host_id).await?;
        let template = self.find_template(&input.template_id).await?;

        let stored = load_secrets(&host.id, &name, template.secret_names()).await?;
        let rendered = template.render(&input.values, &stored)?;
        if store_new {
            store_secrets(&host.id, &name, &rendered.secrets).await?;
        }

        let folder = write_stack_folder(&rendered.compose, rendered.env.expose(), &rendered.files)?;
        let deploy_input = StackDeployInput {
            files: vec![folder.path().join("compose.yaml").display().to_string()],
            env_file: Some(folder.path().join(".env").display().to_string()),
            extra_files: rendered.files.iter().map(|file| file.path.clone()).collect(),
            base_dir: input.base_dir.clone().filter(|dir| !dir.trim().is_empty()),
        };
        Ok(Prepared {
            profiles: profiles_of(rendered.env.expose()),
            prometheus_port: monitoring_prometheus_port(&input.template_id, rendered.env.expose()),
            name,
            host_id: host.id,
            folder,
            deploy_input,
        })
    }
}

/// Registers the deployed monitoring stack's Prometheus as the host's source. The deploy has
/// succeeded, so a failure here is logged and does not turn it into an error.
async fn register_prometheus(hosts: &HostService, host_id: &str, port: u16) {
    match sources::register_template_prometheus(hosts.store(), host_id, port).await {
        Ok(source) => tracing::info!(host_id, url = %source.url, "monitoring deploy registered its Prometheus source"),
        Err(err) => {
            tracing::warn!(host_id, port, error = %err, "cannot register the monitoring stack's Prometheus source")
        }
    }
}

/// Accepts the names Compose accepts for a project: lower-case letters, digits, `-` and `_`,
/// starting with a letter or digit.
pub(crate) fn validate_stack_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.len() <= 63;
    if !valid {
        return Err(Error::invalid(
            "name",
            name,
            "use lower-case letters, digits, '-' and '_', starting with a letter or digit, such as media-1",
        )
        .into());
    }
    Ok(name.to_string())
}

/// Returns the profiles the rendered `.env` selects through `COMPOSE_PROFILES`, as Compose reads them.
fn profiles_of(env: &str) -> Vec<String> {
    homeport_compose::dotenv::parse_dotenv(env, &|_| None)
        .unwrap_or_default()
        .into_iter()
        .find(|(key, _)| key == "COMPOSE_PROFILES")
        .map(|(_, value)| {
            value
                .split(',')
                .map(str::trim)
                .filter(|profile| !profile.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Writes the rendered files into a new private folder, which is removed when dropped.
pub(crate) fn write_stack_folder(
    compose: &str,
    env: &str,
    files: &[homeport_core::catalog::StackFile],
) -> ApiResult<tempfile::TempDir> {
    let fail = |err: std::io::Error| Error::Internal(format!("cannot prepare the stack's files: {err}"));
    let folder = tempfile::Builder::new()
        .prefix("homeport-stack-")
        .tempdir()
        .map_err(fail)?;
    write_private(&folder.path().join("compose.yaml"), compose).map_err(fail)?;
    write_private(&folder.path().join(".env"), env).map_err(fail)?;
    for file in files {
        let path = folder.path().join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        write_private(&path, &file.contents).map_err(fail)?;
    }
    Ok(folder)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

async fn load_secrets(host_id: &str, stack: &str, names: &[String]) -> ApiResult<BTreeMap<String, Secret>> {
    let keys: Vec<(String, SecretKey)> = names
        .iter()
        .map(|name| (name.clone(), SecretKey::stack_secret(host_id, stack, name)))
        .collect();
    let loaded = tokio::task::spawn_blocking(move || {
        let keychain = Keychain;
        let mut found = BTreeMap::new();
        for (name, key) in keys {
            if let Some(secret) = keychain.load(&key)? {
                found.insert(name, secret);
            }
        }
        Ok::<_, Error>(found)
    })
    .await
    .map_err(|err| Error::Internal(format!("keychain task failed: {err}")))??;
    Ok(loaded)
}

async fn store_secrets(host_id: &str, stack: &str, secrets: &BTreeMap<String, Secret>) -> ApiResult<()> {
    let entries: Vec<(SecretKey, Secret)> = secrets
        .iter()
        .map(|(name, secret)| (SecretKey::stack_secret(host_id, stack, name), secret.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let keychain = Keychain;
        for (key, secret) in entries {
            keychain.store(&key, &secret)?;
        }
        Ok::<_, Error>(())
    })
    .await
    .map_err(|err| Error::Internal(format!("keychain task failed: {err}")))??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_follow_compose() {
        assert_eq!(validate_stack_name(" media-1 ").unwrap(), "media-1");
        for bad in ["", "Media", "-x", "a b", "x/y"] {
            assert!(validate_stack_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn profiles_come_from_compose_profiles() {
        assert_eq!(
            profiles_of("A='1'\nCOMPOSE_PROFILES='intel,extra'\n"),
            vec!["intel", "extra"]
        );
        assert!(profiles_of("A=1\n").is_empty());
    }
}
