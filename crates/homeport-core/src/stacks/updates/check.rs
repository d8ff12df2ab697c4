//! The update check: each service's image reference and the `RepoDigests` of the image its
//! container runs, compared with the digest the registry returns through the engine.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::query_parameters::ListContainersOptions;
use futures_util::future::join_all;

use super::reference::{digests_for, ImageReference};
use super::{ImageCheck, UpdateStatus, REGISTRY_TIMEOUT};
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::stacks::labels;

/// A container of the project, as listed.
#[derive(Debug, Clone)]
pub(super) struct ServiceContainer {
    pub id: String,
    pub name: String,
    /// Docker's word for its state, such as `running` or `exited`.
    pub state: String,
    pub created: i64,
}

/// A service of the project with its containers, oldest first.
#[derive(Debug, Clone)]
pub(super) struct ProjectService {
    pub name: String,
    pub containers: Vec<ServiceContainer>,
}

/// What the local side alone decides about a service's image.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LocalVerdict {
    Pinned {
        digest: String,
    },
    LocalOnly,
    /// The registry must be asked. `local` contains the image's digests in the repository.
    Compare {
        local: Vec<String>,
    },
}

/// The image a service's newest container runs.
struct LocalImage {
    service: String,
    reference: String,
    verdict: LocalVerdict,
}

/// Compares every service of the stack `name` with the registry. Changes nothing.
#[tracing::instrument(skip(engine), fields(host = %engine.host))]
pub async fn check(engine: &DockerEngine, name: &str) -> Result<Vec<ImageCheck>> {
    let services = project_services(engine, name).await?;
    let checks = check_services(engine, &services).await?;
    let available = checks
        .iter()
        .filter(|check| check.status == UpdateStatus::UpdateAvailable)
        .count();
    tracing::info!(services = checks.len(), available, "stack update check done");
    Ok(checks)
}

/// Lists the services of the project `name` (without `docker compose run` containers), by
/// name. Fails with `StackNotFound` when the project has no container.
pub(super) async fn project_services(engine: &DockerEngine, name: &str) -> Result<Vec<ProjectService>> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([(
            "label".to_string(),
            vec![format!("{}={name}", labels::PROJECT)],
        )])),
        ..Default::default()
    };
    let list = engine
        .docker
        .list_containers(Some(options))
        .await
        .map_err(|err| engine.map_error(err))?;

    let mut services: BTreeMap<String, Vec<ServiceContainer>> = BTreeMap::new();
    for container in list {
        let container_labels = container.labels.unwrap_or_default();
        let oneoff = container_labels
            .get(labels::ONEOFF)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"));
        let Some(service) = container_labels.get(labels::SERVICE).filter(|_| !oneoff) else {
            continue;
        };
        let container_name = container
            .names
            .iter()
            .flatten()
            .next()
            .map(|name| name.trim_start_matches('/').to_string())
            .unwrap_or_default();
        services.entry(service.clone()).or_default().push(ServiceContainer {
            id: container.id.unwrap_or_default(),
            name: container_name,
            state: container.state.map(|state| state.to_string()).unwrap_or_default(),
            created: container.created.unwrap_or_default(),
        });
    }
    if services.is_empty() {
        return Err(Error::StackNotFound {
            host: engine.host.clone(),
            stack: name.to_string(),
        });
    }
    Ok(services
        .into_iter()
        .map(|(name, mut containers)| {
            containers.sort_by_key(|container| container.created);
            ProjectService { name, containers }
        })
        .collect())
}

/// Checks `services`. Each registry digest is asked for once, and all of them at once.
pub(super) async fn check_services(engine: &DockerEngine, services: &[ProjectService]) -> Result<Vec<ImageCheck>> {
    let mut locals = Vec::new();
    for service in services {
        if let Some(local) = local_image(engine, service).await? {
            locals.push(local);
        }
    }

    let references: BTreeSet<String> = locals
        .iter()
        .filter(|local| matches!(local.verdict, LocalVerdict::Compare { .. }))
        .map(|local| local.reference.clone())
        .collect();
    let answers = join_all(references.iter().map(|reference| remote_digest(engine, reference))).await;
    let mut remote: HashMap<String, std::result::Result<String, String>> = HashMap::new();
    for (reference, answer) in references.into_iter().zip(answers) {
        remote.insert(reference, answer?);
    }

    Ok(locals
        .into_iter()
        .map(|local| {
            let answer = remote.get(local.reference.as_str());
            let (local_digest, remote_digest, status) = decide(&local.verdict, answer);
            ImageCheck {
                service: local.service,
                image: local.reference,
                local_digest,
                remote_digest,
                status,
            }
        })
        .collect())
}

/// Reads the reference and the image of the service's newest container. Returns `None` when
/// the container disappeared since the listing.
async fn local_image(engine: &DockerEngine, service: &ProjectService) -> Result<Option<LocalImage>> {
    let Some(newest) = service.containers.last() else {
        return Ok(None);
    };
    let container = match engine.docker.inspect_container(&newest.id, None).await {
        Ok(container) => container,
        Err(err) if is_not_found(&err) => return Ok(None),
        Err(err) => return Err(engine.map_error(err)),
    };
    // `Config.Image` keeps the reference the container was created with, while the listing
    // shows the image id once the tag has moved to another image.
    let reference = container.config.and_then(|config| config.image).unwrap_or_default();
    let image_id = container.image.unwrap_or_default();
    let repo_digests = match engine.docker.inspect_image(&image_id).await {
        Ok(image) => image.repo_digests.unwrap_or_default(),
        Err(err) if is_not_found(&err) => Vec::new(),
        Err(err) => return Err(engine.map_error(err)),
    };
    Ok(Some(LocalImage {
        service: service.name.clone(),
        verdict: local_verdict(&reference, &repo_digests),
        reference,
    }))
}

fn local_verdict(reference: &str, repo_digests: &[String]) -> LocalVerdict {
    let Some(parsed) = ImageReference::parse(reference) else {
        // An image id names no repository.
        return LocalVerdict::LocalOnly;
    };
    if let Some(digest) = parsed.digest.clone() {
        return LocalVerdict::Pinned { digest };
    }
    let local = digests_for(repo_digests, &parsed.repository());
    if local.is_empty() {
        LocalVerdict::LocalOnly
    } else {
        LocalVerdict::Compare { local }
    }
}

/// Returns the local digest, the remote digest and the status of one service.
fn decide(
    verdict: &LocalVerdict,
    remote: Option<&std::result::Result<String, String>>,
) -> (Option<String>, Option<String>, UpdateStatus) {
    match (verdict, remote) {
        (LocalVerdict::Pinned { digest }, _) => (Some(digest.clone()), None, UpdateStatus::Pinned),
        (LocalVerdict::LocalOnly, _) => (None, None, UpdateStatus::LocalOnly),
        (LocalVerdict::Compare { local }, Some(Ok(remote))) => {
            // An image pulled under several digests of one repository (an index and one of
            // its manifests) is current when any of them is the registry's.
            let matching = local.iter().find(|digest| *digest == remote);
            let status = if matching.is_some() {
                UpdateStatus::UpToDate
            } else {
                UpdateStatus::UpdateAvailable
            };
            let local_digest = matching.or(local.first()).cloned();
            (local_digest, Some(remote.clone()), status)
        }
        (LocalVerdict::Compare { local }, Some(Err(message))) => (
            local.first().cloned(),
            None,
            UpdateStatus::RegistryError {
                message: message.clone(),
            },
        ),
        (LocalVerdict::Compare { local }, None) => (
            local.first().cloned(),
            None,
            UpdateStatus::RegistryError {
                message: "the registry was not asked".to_string(),
            },
        ),
    }
}

/// Requests the registry's digest of `reference` from the engine. The inner error comes from
/// the registry (or is a timeout), and the check reports it per service. The outer error is
/// the engine's own and fails the whole check.
///
/// NOTE: no `X-Registry-Auth` header is sent, because the deploy's pull sends none either. A
/// registry that requires a login therefore returns an authentication error here.
async fn remote_digest(engine: &DockerEngine, reference: &str) -> Result<std::result::Result<String, String>> {
    let request = engine.docker.inspect_registry_image(reference, None);
    let answer = match tokio::time::timeout(REGISTRY_TIMEOUT, request).await {
        Err(_) => {
            tracing::warn!(image = reference, "registry digest timed out");
            return Ok(Err(format!(
                "the engine got no answer from the registry within {} s",
                REGISTRY_TIMEOUT.as_secs()
            )));
        }
        Ok(answer) => answer,
    };
    match answer {
        Ok(inspect) => Ok(inspect
            .descriptor
            .digest
            .filter(|digest| !digest.is_empty())
            .ok_or_else(|| "the registry returned no digest".to_string())),
        Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
            tracing::info!(image = reference, error = %message, "registry digest failed");
            Ok(Err(message.trim_end().to_string()))
        }
        Err(err) => Err(engine.map_error(err)),
    }
}

pub(super) fn is_not_found(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    const NEW: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000002";

    #[test]
    fn verdict_pinned_local_only_or_compare() {
        let pinned = local_verdict(&format!("127.0.0.9:5000/hp/app@{OLD}"), &[]);
        assert_eq!(pinned, LocalVerdict::Pinned { digest: OLD.into() });

        let built = local_verdict("homeport-lab/busybox:1", &[]);
        assert_eq!(built, LocalVerdict::LocalOnly);

        let other_repository = local_verdict("127.0.0.9:5000/hp/app:1", &[format!("127.0.0.9:5000/hp/base@{OLD}")]);
        assert_eq!(
            other_repository,
            LocalVerdict::LocalOnly,
            "digests of other repositories do not count"
        );

        let image_id = local_verdict(&format!("sha256:{}", "e".repeat(64)), &[]);
        assert_eq!(image_id, LocalVerdict::LocalOnly);

        let compare = local_verdict("127.0.0.9:5000/hp/app:1", &[format!("127.0.0.9:5000/hp/app@{OLD}")]);
        assert_eq!(
            compare,
            LocalVerdict::Compare {
                local: vec![OLD.into()]
            }
        );
    }

    #[test]
    fn decide_compares_digests() {
        let compare = LocalVerdict::Compare {
            local: vec![OLD.into()],
        };

        let same = decide(&compare, Some(&Ok(OLD.into())));
        assert_eq!(same, (Some(OLD.into()), Some(OLD.into()), UpdateStatus::UpToDate));

        let newer = decide(&compare, Some(&Ok(NEW.into())));
        assert_eq!(
            newer,
            (Some(OLD.into()), Some(NEW.into()), UpdateStatus::UpdateAvailable)
        );

        let failed = decide(&compare, Some(&Err("manifest unknown".into())));
        assert_eq!(
            failed.2,
            UpdateStatus::RegistryError {
                message: "manifest unknown".into()
            }
        );
        assert_eq!(failed.0.as_deref(), Some(OLD));
    }

    #[test]
    fn decide_any_matching_digest_is_current() {
        let compare = LocalVerdict::Compare {
            local: vec![OLD.into(), NEW.into()],
        };
        let (local, _, status) = decide(&compare, Some(&Ok(NEW.into())));
        assert_eq!(status, UpdateStatus::UpToDate);
        assert_eq!(local.as_deref(), Some(NEW));
    }

    #[test]
    fn decide_skips_registry_for_pinned_and_local() {
        let pinned = decide(&LocalVerdict::Pinned { digest: OLD.into() }, None);
        assert_eq!(pinned, (Some(OLD.into()), None, UpdateStatus::Pinned));
        let local = decide(&LocalVerdict::LocalOnly, None);
        assert_eq!(local, (None, None, UpdateStatus::LocalOnly));
    }
}
