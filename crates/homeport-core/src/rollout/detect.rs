//! Detection of rollout items from the containers on the hosts.
//!
//! [`observe`] lists the containers of every host at once through the connection pool, each
//! host under its own timeout as the fleet view does. [`Observation::detect`] then matches
//! image names, so it can be tested without hosts.

use std::time::Duration;

use futures_util::future::join_all;

use super::checklist::Detect;
use crate::docker::ContainerSummary;
use crate::error::{Error, ErrorCode};
use crate::hosts::HostService;
use crate::inventory::Host;

/// Image repositories (the last path part, without tag or digest) of reverse proxies.
const REVERSE_PROXIES: &[&str] = &["caddy", "nginx-proxy-manager", "traefik"];
/// Reverse proxies that obtain and renew TLS certificates without further setup.
const CERTIFICATE_PROXIES: &[&str] = &["caddy", "nginx-proxy-manager"];
/// Monitoring images, including Grafana's OSS and Enterprise builds.
const MONITORING: &[&str] = &["prometheus", "grafana", "grafana-oss", "grafana-enterprise"];

/// One container seen on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenContainer {
    pub host: String,
    pub image: String,
    pub running: bool,
}

/// The findings of one scan of the hosts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    pub containers: Vec<SeenContainer>,
    /// Hosts whose engine listed its containers.
    pub docker_hosts: Vec<String>,
    /// Hosts whose cached facts report a Docker version, whether or not they responded now.
    pub hosts_with_docker_facts: Vec<String>,
    /// Hosts that did not respond, with the error code, so the screen can show what it missed.
    pub unreachable: Vec<(String, ErrorCode)>,
}

/// A detection result: whether the item is done, and what shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detection {
    pub detected: bool,
    /// Such as `nas: caddy:2` (host and image, with no words to translate), or a host name.
    pub evidence: Vec<String>,
}

/// Lists the containers of every host in `hosts` at once, each within `timeout`.
pub async fn observe(service: &HostService, hosts: Vec<Host>, timeout: Duration) -> Observation {
    let results = join_all(hosts.iter().map(|host| containers_of(service, host, timeout))).await;
    let mut observation = Observation::default();
    for (host, result) in hosts.iter().zip(results) {
        if let Ok(Some(stored)) = service.store().facts(&host.id).await {
            if stored.facts.docker_version.is_some() {
                observation.hosts_with_docker_facts.push(host.name.clone());
            }
        }
        match result {
            Ok(containers) => {
                observation.docker_hosts.push(host.name.clone());
                observation
                    .containers
                    .extend(containers.into_iter().map(|container| SeenContainer {
                        host: host.name.clone(),
                        running: container.state == "running",
                        image: container.image,
                    }));
            }
            Err(err) => {
                tracing::info!(host_id = %host.id, error = %err, "rollout scan could not list containers");
                observation.unreachable.push((host.name.clone(), err.code()));
            }
        }
    }
    observation
}

async fn containers_of(service: &HostService, host: &Host, timeout: Duration) -> crate::Result<Vec<ContainerSummary>> {
    let listing = async {
        let engine = service.engine(&host.id).await?;
        engine.containers().await
    };
    match tokio::time::timeout(timeout, listing).await {
        Ok(Err(err @ Error::DockerConnection { .. })) => {
            service.drop_connection(&host.id).await;
            Err(err)
        }
        Ok(result) => result,
        Err(_) => {
            // A half-open connection may be stuck, so the next scan starts over.
            service.drop_connection(&host.id).await;
            Err(Error::HostUnreachable {
                host: host.address.clone(),
                port: host.port,
                detail: format!("no answer within {} s", timeout.as_secs_f32()),
            })
        }
    }
}

impl Observation {
    /// Applies one detection to what was seen. [`Detect::OrchestratorChosen`] depends on the
    /// store, not on hosts, so the caller answers it and this returns nothing detected.
    pub fn detect(&self, detect: Detect) -> Detection {
        match detect {
            Detect::ContainerRuntime => {
                let mut hosts = self.docker_hosts.clone();
                for host in &self.hosts_with_docker_facts {
                    if !hosts.contains(host) {
                        hosts.push(host.clone());
                    }
                }
                Detection {
                    detected: !hosts.is_empty(),
                    evidence: hosts,
                }
            }
            Detect::ReverseProxy => self.images(REVERSE_PROXIES, false),
            Detect::Certificates => self.images(CERTIFICATE_PROXIES, false),
            Detect::Monitoring => self.images(MONITORING, true),
            Detect::OrchestratorChosen => Detection::default(),
        }
    }

    fn images(&self, repositories: &[&str], running_only: bool) -> Detection {
        let mut evidence: Vec<String> = self
            .containers
            .iter()
            .filter(|container| !running_only || container.running)
            .filter(|container| repositories.contains(&repository(&container.image)))
            .map(|container| format!("{}: {}", container.host, container.image))
            .collect();
        evidence.dedup();
        Detection {
            detected: !evidence.is_empty(),
            evidence,
        }
    }
}

/// Returns an image reference's repository name without registry, namespace, tag or digest:
/// `ghcr.io/org/caddy:2@sha256:…` gives `caddy`. A registry port (`host:5000/caddy`) is not
/// mistaken for a tag, because the tag is only looked for after the last `/`.
pub fn repository(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let name = without_digest.rsplit('/').next().unwrap_or(without_digest);
    name.split(':').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(host: &str, image: &str, running: bool) -> SeenContainer {
        SeenContainer {
            host: host.into(),
            image: image.into(),
            running,
        }
    }

    #[test]
    fn repository_strips_registry_tag_and_digest() {
        assert_eq!(repository("caddy"), "caddy");
        assert_eq!(repository("caddy:2.7-alpine"), "caddy");
        assert_eq!(repository("docker.io/library/traefik:v3.0"), "traefik");
        assert_eq!(repository("jc21/nginx-proxy-manager:latest"), "nginx-proxy-manager");
        assert_eq!(repository("127.0.0.9:5000/grafana/grafana-oss:10"), "grafana-oss");
        assert_eq!(repository("prom/prometheus@sha256:0123abcd"), "prometheus");
        assert_eq!(
            repository("registry:5000/caddy"),
            "caddy",
            "a registry port is not a tag"
        );
    }

    #[test]
    fn proxies_and_certificates_from_images() {
        let observation = Observation {
            containers: vec![
                seen("nas", "traefik:v3", true),
                seen("pi", "lucaslorentz/caddy-docker-proxy:2", true),
                seen("nas", "nginx:1.25", true),
            ],
            ..Observation::default()
        };
        let proxy = observation.detect(Detect::ReverseProxy);
        assert!(proxy.detected);
        assert_eq!(proxy.evidence, ["nas: traefik:v3"]);
        let certificates = observation.detect(Detect::Certificates);
        assert!(
            !certificates.detected,
            "Traefik needs its own ACME setup, and plain nginx none"
        );
    }

    #[test]
    fn stopped_proxy_counts_as_deployed() {
        let observation = Observation {
            containers: vec![seen("nas", "caddy:2", false)],
            ..Observation::default()
        };
        assert!(observation.detect(Detect::ReverseProxy).detected);
        assert!(observation.detect(Detect::Certificates).detected);
    }

    #[test]
    fn monitoring_needs_running_container() {
        let stopped = Observation {
            containers: vec![seen("nas", "prom/prometheus:v2", false)],
            ..Observation::default()
        };
        assert!(!stopped.detect(Detect::Monitoring).detected);
        let running = Observation {
            containers: vec![seen("nas", "grafana/grafana-oss:10", true)],
            ..Observation::default()
        };
        assert_eq!(
            running.detect(Detect::Monitoring).evidence,
            ["nas: grafana/grafana-oss:10"]
        );
    }

    #[test]
    fn runtime_from_engine_or_facts() {
        assert!(!Observation::default().detect(Detect::ContainerRuntime).detected);
        let observation = Observation {
            docker_hosts: vec!["nas".into()],
            hosts_with_docker_facts: vec!["nas".into(), "pi".into()],
            ..Observation::default()
        };
        let runtime = observation.detect(Detect::ContainerRuntime);
        assert!(runtime.detected);
        assert_eq!(runtime.evidence, ["nas", "pi"]);
    }
}
