//! Kubernetes and K3s manifests: a Deployment per service, a Service for its ports, a
//! PersistentVolumeClaim per named volume and an Ingress for each HTTP route.
//!
//! Objects are k8s-openapi structs for Kubernetes 1.32, so a field the schema does not know
//! cannot be written. They are serialised to one multi-document YAML file, and [`parse`] reads
//! it back into the same structs.

use std::collections::{BTreeMap, BTreeSet};

use homeport_compose::model::{ResourceAmounts, Service, VolumeMount as ComposeMount};
use homeport_compose::Project;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource, ExecAction, HTTPGetAction,
    HostPathVolumeSource, PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, PodSpec,
    PodTemplateSpec, Probe, ResourceRequirements, SecretKeySelector, SecurityContext, Service as KubeService,
    ServicePort, ServiceSpec, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend, IngressSpec,
    ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::health::{self, Check, Health};
use crate::names::dns_label;
use crate::{ExportError, ExportFile, ExportInput, Outcome, Warning};

/// Production defaults where Compose sets nothing.
pub const DEFAULT_REQUEST_CPU_MILLI: u64 = 250;
pub const DEFAULT_REQUEST_MEMORY_MIB: u64 = 256;
pub const DEFAULT_LIMIT_CPU_MILLI: u64 = 500;
pub const DEFAULT_LIMIT_MEMORY_MIB: u64 = 512;
/// The size of a claim for a named volume; Compose volumes have none.
pub const DEFAULT_VOLUME_SIZE: &str = "1Gi";

/// Container ports assumed to speak HTTP when published without a route.
const HTTP_PORTS: [u16; 8] = [80, 3000, 5000, 8000, 8080, 8081, 8088, 8888];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Kubernetes,
    /// K3s bundles Traefik as its Ingress controller and the local-path storage provisioner.
    K3s,
}

/// Every object of one export, in the order they are written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifests {
    pub claims: Vec<PersistentVolumeClaim>,
    pub deployments: Vec<Deployment>,
    pub services: Vec<KubeService>,
    pub ingresses: Vec<Ingress>,
}

impl Manifests {
    pub fn to_yaml(&self) -> Result<String, ExportError> {
        let mut documents = Vec::new();
        let serialise = |value: &dyn erased::Yaml| value.yaml();
        for claim in &self.claims {
            documents.push(serialise(claim)?);
        }
        for deployment in &self.deployments {
            documents.push(serialise(deployment)?);
        }
        for service in &self.services {
            documents.push(serialise(service)?);
        }
        for ingress in &self.ingresses {
            documents.push(serialise(ingress)?);
        }
        Ok(documents.join("---\n"))
    }
}

mod erased {
    use crate::ExportError;

    /// Serialises one object to YAML; lets `to_yaml` walk four object types with one closure.
    pub trait Yaml {
        fn yaml(&self) -> Result<String, ExportError>;
    }

    impl<T: serde::Serialize> Yaml for T {
        fn yaml(&self) -> Result<String, ExportError> {
            serde_norway::to_string(self).map_err(|err| ExportError::Serialise {
                target: "kubernetes",
                detail: err.to_string(),
            })
        }
    }
}

/// The reason a manifest file does not parse back.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("document {index}: {detail}")]
    Document { index: usize, detail: String },
    #[error("document {index}: kind '{kind}' is not one Homeport writes")]
    UnknownKind { index: usize, kind: String },
}

/// Reads a multi-document manifest file back into typed objects. Every field must fit the
/// Kubernetes 1.32 schema as k8s-openapi models it; `apiVersion` and `kind` must match the type.
pub fn parse(text: &str) -> Result<Manifests, ParseError> {
    use serde::Deserialize;
    let mut manifests = Manifests::default();
    for (index, document) in serde_norway::Deserializer::from_str(text).enumerate() {
        let value = serde_json::Value::deserialize(document).map_err(|err| ParseError::Document {
            index,
            detail: err.to_string(),
        })?;
        let kind = value
            .get("kind")
            .and_then(|kind| kind.as_str())
            .unwrap_or_default()
            .to_string();
        let detail = |err: serde_json::Error| ParseError::Document {
            index,
            detail: err.to_string(),
        };
        match kind.as_str() {
            "PersistentVolumeClaim" => manifests.claims.push(serde_json::from_value(value).map_err(detail)?),
            "Deployment" => manifests
                .deployments
                .push(serde_json::from_value(value).map_err(detail)?),
            "Service" => manifests.services.push(serde_json::from_value(value).map_err(detail)?),
            "Ingress" => manifests.ingresses.push(serde_json::from_value(value).map_err(detail)?),
            _ => return Err(ParseError::UnknownKind { index, kind }),
        }
    }
    Ok(manifests)
}

pub(crate) fn export(
    project: &Project,
    input: &ExportInput,
    flavour: Flavour,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<ExportFile>, ExportError> {
    let manifests = manifests(project, input, flavour, warnings);
    let path = match flavour {
        Flavour::Kubernetes => "kubernetes.yaml",
        Flavour::K3s => "k3s.yaml",
    };
    Ok(vec![ExportFile {
        path: path.to_string(),
        content: manifests.to_yaml()?,
    }])
}

/// The name of the Secret that secret environment values are read from. Homeport never writes
/// it: the user creates it with the real values.
pub fn secret_name(project: &Project) -> String {
    dns_label(&format!("{}-secrets", project.name))
}

pub fn manifests(project: &Project, input: &ExportInput, flavour: Flavour, warnings: &mut Vec<Warning>) -> Manifests {
    let mut manifests = Manifests::default();
    let mut converter = Converter {
        project,
        input,
        flavour,
        secret_keys: BTreeSet::new(),
        claims: BTreeSet::new(),
        hostless_ingress: None,
    };
    for service in project.services.values().filter(|service| service.is_active(&[])) {
        converter.service(service, &mut manifests, warnings);
    }
    for volume in &converter.claims {
        let Some(resource) = project.volumes.get(volume) else {
            continue;
        };
        if resource.external {
            warnings.push(Warning::stack(
                &format!("volumes.{volume}"),
                Outcome::Action,
                format!(
                    "the volume is external: create a PersistentVolumeClaim named {} before applying",
                    dns_label(&resource.name)
                ),
            ));
            continue;
        }
        manifests.claims.push(converter.claim(volume));
    }
    if !converter.claims.is_empty() {
        warnings.push(Warning::stack(
            "volumes",
            Outcome::Changed,
            format!(
                "Compose volumes have no size: each claim asks for {DEFAULT_VOLUME_SIZE}; change it before applying"
            ),
        ));
    }
    if !converter.secret_keys.is_empty() {
        let keys: Vec<&str> = converter.secret_keys.iter().map(String::as_str).collect();
        let literals: Vec<String> = keys.iter().map(|key| format!("--from-literal={key}=...")).collect();
        warnings.push(Warning::stack(
            "environment",
            Outcome::Action,
            format!(
                "the values of {} are read from Secret {}, which you create: kubectl create secret generic {} {}",
                keys.join(", "),
                secret_name(project),
                secret_name(project),
                literals.join(" ")
            ),
        ));
    }
    let custom_networks: Vec<&String> = project.networks.keys().filter(|key| *key != "default").collect();
    if !custom_networks.is_empty() {
        warnings.push(Warning::stack(
            "networks",
            Outcome::Dropped,
            "Kubernetes puts every pod on one network, so the Compose networks are left out; write NetworkPolicies to keep services apart",
        ));
    }
    for (section, resources) in [("secrets", &project.secrets), ("configs", &project.configs)] {
        for key in resources.keys() {
            warnings.push(Warning::stack(
                &format!("{section}.{key}"),
                Outcome::Dropped,
                format!(
                    "Compose {section} are not converted: create a {} and mount it",
                    if section == "secrets" { "Secret" } else { "ConfigMap" }
                ),
            ));
        }
    }
    manifests
}

struct Converter<'a> {
    project: &'a Project,
    input: &'a ExportInput,
    flavour: Flavour,
    /// Environment variables read from the Secret, across services.
    secret_keys: BTreeSet<String>,
    /// Named volumes some service mounts.
    claims: BTreeSet<String>,
    /// The service whose Ingress has no host; only one can take the path `/`.
    hostless_ingress: Option<String>,
}

impl Converter<'_> {
    fn labels(&self, service: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), dns_label(service)),
            ("app.kubernetes.io/part-of".to_string(), dns_label(&self.project.name)),
        ])
    }

    fn meta(&self, name: String, service: &str) -> ObjectMeta {
        let mut labels = self.labels(service);
        labels.insert("app.kubernetes.io/managed-by".to_string(), "homeport".to_string());
        ObjectMeta {
            name: Some(name),
            labels: Some(labels),
            ..ObjectMeta::default()
        }
    }

    fn service(&mut self, service: &Service, manifests: &mut Manifests, warnings: &mut Vec<Warning>) {
        let name = service.name.as_str();
        let object_name = dns_label(name);
        let mut container = Container {
            name: object_name.clone(),
            image: Some(self.image(service, warnings)),
            command: service.entrypoint.clone(),
            args: service.command.clone(),
            env: Some(self.environment(service)).filter(|env: &Vec<EnvVar>| !env.is_empty()),
            resources: Some(resources(service, warnings)),
            ..Container::default()
        };
        self.probes(service, &mut container, warnings);

        let container_ports = container_ports(service);
        if !container_ports.is_empty() {
            container.ports = Some(
                container_ports
                    .iter()
                    .map(|(port, protocol)| ContainerPort {
                        container_port: i32::from(*port),
                        protocol: Some(protocol.to_ascii_uppercase()),
                        ..ContainerPort::default()
                    })
                    .collect(),
            );
        }

        let (volumes, mounts, uses_claim) = self.volumes(service, warnings);
        if !mounts.is_empty() {
            container.volume_mounts = Some(mounts);
        }
        let mut security = SecurityContext::default();
        let mut has_security = false;
        let mut annotations = BTreeMap::new();
        for (key, value) in &service.other {
            match key.as_str() {
                "working_dir" => container.working_dir = value.as_str().map(str::to_string),
                "tty" => container.tty = value.as_bool(),
                "stdin_open" => container.stdin = value.as_bool(),
                "expose" => {}
                "read_only" => {
                    security.read_only_root_filesystem = value.as_bool();
                    has_security = true;
                }
                "cap_add" | "cap_drop" => {
                    let list: Vec<String> = value
                        .as_array()
                        .map(|items| {
                            items
                                .iter()
                                .filter_map(|item| item.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    let capabilities = security.capabilities.get_or_insert_with(Capabilities::default);
                    if key == "cap_add" {
                        capabilities.add = Some(list);
                        warnings.push(Warning::service(
                            name,
                            key,
                            Outcome::Changed,
                            "written as securityContext.capabilities.add; clusters that enforce the restricted Pod Security Standard reject the pod",
                        ));
                    } else {
                        capabilities.drop = Some(list);
                    }
                    has_security = true;
                }
                "user" => match value.as_str().map(parse_user) {
                    Some(Some((user, group))) => {
                        security.run_as_user = Some(user);
                        security.run_as_group = group;
                        has_security = true;
                    }
                    _ => warnings.push(Warning::service(
                        name,
                        key,
                        Outcome::Dropped,
                        "Kubernetes takes numeric user and group ids only (runAsUser); the user name is left out",
                    )),
                },
                _ => warnings.push(Warning::service(name, key, Outcome::Dropped, unsupported_reason(key))),
            }
        }
        if has_security {
            container.security_context = Some(security);
        }
        if !service.labels.is_empty() {
            annotations.extend(service.labels.clone());
            warnings.push(Warning::service(
                name,
                "labels",
                Outcome::Changed,
                "Compose labels became annotations of the Deployment; tools that read container labels do not see them",
            ));
        }
        if !service.depends_on.is_empty() {
            warnings.push(Warning::service(
                name,
                "depends_on",
                Outcome::Dropped,
                "Kubernetes starts pods in no order; readiness probes keep traffic away until a pod is ready",
            ));
        }
        if let Some(restart) = service.restart.as_deref() {
            if restart != "always" && restart != "unless-stopped" {
                warnings.push(Warning::service(
                    name,
                    "restart",
                    Outcome::Changed,
                    format!("a Deployment always restarts its containers; '{restart}' is not possible there (use a Job for run-once work)"),
                ));
            }
        }
        for (network, settings) in &service.networks {
            if settings.as_ref().is_some_and(|settings| !settings.aliases.is_empty()) {
                warnings.push(Warning::service(
                    name,
                    &format!("networks.{network}.aliases"),
                    Outcome::Dropped,
                    format!("other pods reach the service by its Service name, {object_name}, only"),
                ));
            }
        }

        let mut replicas = 1;
        if let Some(deploy) = &service.deploy {
            for (key, value) in &deploy.other {
                match key.as_str() {
                    "replicas" => replicas = value.as_i64().unwrap_or(1) as i32,
                    _ => warnings.push(Warning::service(
                        name,
                        &format!("deploy.{key}"),
                        Outcome::Dropped,
                        format!("deploy.{key} has no direct Kubernetes form; set it on the Deployment by hand"),
                    )),
                }
            }
        }
        if uses_claim && replicas > 1 {
            warnings.push(Warning::service(
                name,
                "deploy.replicas",
                Outcome::Action,
                "the replicas share a ReadWriteOnce claim, which only pods on one node can mount",
            ));
        }

        let mut metadata = self.meta(object_name.clone(), name);
        if !annotations.is_empty() {
            metadata.annotations = Some(annotations);
        }
        manifests.deployments.push(Deployment {
            metadata,
            spec: Some(DeploymentSpec {
                replicas: Some(replicas),
                selector: LabelSelector {
                    match_labels: Some(self.labels(name)),
                    ..LabelSelector::default()
                },
                // A ReadWriteOnce claim cannot be mounted by the old and the new pod at once,
                // so a rolling update would hang.
                strategy: uses_claim.then(|| DeploymentStrategy {
                    type_: Some("Recreate".to_string()),
                    ..DeploymentStrategy::default()
                }),
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(self.labels(name)),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(PodSpec {
                        containers: vec![container],
                        volumes: Some(volumes).filter(|volumes| !volumes.is_empty()),
                        ..PodSpec::default()
                    }),
                },
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        });

        if !container_ports.is_empty() {
            manifests
                .services
                .push(self.cluster_service(&object_name, name, &container_ports, None));
        }
        self.exposure(service, manifests, warnings);
    }

    fn image(&self, service: &Service, warnings: &mut Vec<Warning>) -> String {
        match (&service.build, &service.image) {
            (Some(_), image) => {
                let image = image
                    .clone()
                    .unwrap_or_else(|| format!("{}-{}", self.project.name, service.name));
                warnings.push(Warning::service(
                    &service.name,
                    "build",
                    Outcome::Action,
                    format!("Kubernetes does not build images: build {image} and push it to a registry the cluster can pull from"),
                ));
                image
            }
            (None, image) => image.clone().unwrap_or_default(),
        }
    }

    fn environment(&mut self, service: &Service) -> Vec<EnvVar> {
        let secret = secret_name(self.project);
        service
            .environment
            .iter()
            .map(|(key, value)| {
                if self.input.is_secret(key, value.as_deref()) {
                    self.secret_keys.insert(key.clone());
                    EnvVar {
                        name: key.clone(),
                        value_from: Some(EnvVarSource {
                            secret_key_ref: Some(SecretKeySelector {
                                name: secret.clone(),
                                key: key.clone(),
                                optional: None,
                            }),
                            ..EnvVarSource::default()
                        }),
                        ..EnvVar::default()
                    }
                } else {
                    EnvVar {
                        name: key.clone(),
                        value: value.clone(),
                        ..EnvVar::default()
                    }
                }
            })
            .collect()
    }

    fn probes(&self, service: &Service, container: &mut Container, warnings: &mut Vec<Warning>) {
        let name = service.name.as_str();
        let healthcheck = service.healthcheck.as_ref();
        let (liveness_action, readiness_action) = match health::read(healthcheck) {
            Health::Disabled => {
                warnings.push(Warning::service(
                    name,
                    "healthcheck",
                    Outcome::Dropped,
                    "the health check is disabled, so no probes are written",
                ));
                return;
            }
            Health::Unset => {
                warnings.push(Warning::service(
                    name,
                    "healthcheck",
                    Outcome::Action,
                    "no health check to translate: the default probes GET /health and /ready on port 8080; change them if the image serves neither",
                ));
                (http_probe("/health", 8080), http_probe("/ready", 8080))
            }
            Health::Check(Check::Http { path, port }) => (http_probe(&path, port), http_probe(&path, port)),
            Health::Check(Check::Exec(command)) => (exec_probe(&command), exec_probe(&command)),
        };
        let seconds = |duration: Option<std::time::Duration>| {
            duration.map(|duration| duration.as_secs().max(1).min(i32::MAX as u64) as i32)
        };
        let mut liveness = Probe {
            initial_delay_seconds: Some(30),
            period_seconds: Some(10),
            failure_threshold: Some(3),
            ..liveness_action
        };
        if let Some(check) = healthcheck {
            liveness.period_seconds = seconds(check.interval).or(liveness.period_seconds);
            liveness.timeout_seconds = seconds(check.timeout);
            liveness.initial_delay_seconds = seconds(check.start_period).or(liveness.initial_delay_seconds);
            liveness.failure_threshold = check
                .retries
                .map(|retries| retries.clamp(1, 100) as i32)
                .or(liveness.failure_threshold);
        }
        container.liveness_probe = Some(liveness);
        container.readiness_probe = Some(Probe {
            initial_delay_seconds: Some(5),
            period_seconds: Some(5),
            ..readiness_action
        });
    }

    fn volumes(&mut self, service: &Service, warnings: &mut Vec<Warning>) -> (Vec<Volume>, Vec<VolumeMount>, bool) {
        let name = service.name.as_str();
        let mut volumes = Vec::new();
        let mut mounts = Vec::new();
        let mut uses_claim = false;
        for (index, mount) in service.volumes.iter().enumerate() {
            let volume_name = format!("v{index}");
            let source = match self.volume_source(name, mount, warnings) {
                Some(source) => source,
                None => continue,
            };
            uses_claim |= source.persistent_volume_claim.is_some();
            volumes.push(Volume {
                name: volume_name.clone(),
                ..source
            });
            mounts.push(VolumeMount {
                name: volume_name,
                mount_path: mount.target.clone(),
                read_only: mount.read_only.then_some(true),
                sub_path: mount.subpath.clone(),
                ..VolumeMount::default()
            });
        }
        (volumes, mounts, uses_claim)
    }

    /// The pod volume for one Compose mount, without its name.
    fn volume_source(&mut self, service: &str, mount: &ComposeMount, warnings: &mut Vec<Warning>) -> Option<Volume> {
        match (mount.kind.as_str(), &mount.source) {
            ("volume", Some(source)) => {
                self.claims.insert(source.clone());
                let claim_name = match self.project.volumes.get(source) {
                    Some(resource) if resource.external => dns_label(&resource.name),
                    _ => dns_label(source),
                };
                Some(Volume {
                    persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                        claim_name,
                        read_only: None,
                    }),
                    ..Volume::default()
                })
            }
            ("volume", None) => {
                warnings.push(Warning::service(
                    service,
                    "volumes",
                    Outcome::Changed,
                    format!(
                        "the anonymous volume at {} became an emptyDir, which is emptied when the pod is replaced",
                        mount.target
                    ),
                ));
                Some(Volume {
                    empty_dir: Some(EmptyDirVolumeSource::default()),
                    ..Volume::default()
                })
            }
            ("tmpfs", _) => Some(Volume {
                empty_dir: Some(EmptyDirVolumeSource {
                    medium: Some("Memory".to_string()),
                    size_limit: mount.tmpfs_size.map(|bytes| Quantity(bytes.to_string())),
                }),
                ..Volume::default()
            }),
            ("bind", Some(source)) => {
                warnings.push(Warning::service(
                    service,
                    "volumes",
                    Outcome::Changed,
                    format!("bind mount {source} became a hostPath volume: the path must exist on the node the pod runs on, and many clusters forbid hostPath"),
                ));
                Some(Volume {
                    host_path: Some(HostPathVolumeSource {
                        path: source.clone(),
                        type_: None,
                    }),
                    ..Volume::default()
                })
            }
            (kind, _) => {
                warnings.push(Warning::service(
                    service,
                    "volumes",
                    Outcome::Dropped,
                    format!("mount type '{kind}' at {} has no Kubernetes form", mount.target),
                ));
                None
            }
        }
    }

    fn claim(&self, volume: &str) -> PersistentVolumeClaim {
        let mut metadata = ObjectMeta {
            name: Some(dns_label(volume)),
            labels: Some(BTreeMap::from([
                ("app.kubernetes.io/part-of".to_string(), dns_label(&self.project.name)),
                ("app.kubernetes.io/managed-by".to_string(), "homeport".to_string()),
            ])),
            ..ObjectMeta::default()
        };
        metadata.name = Some(dns_label(volume));
        PersistentVolumeClaim {
            metadata,
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".to_string()]),
                storage_class_name: (self.flavour == Flavour::K3s).then(|| "local-path".to_string()),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_string(),
                        Quantity(DEFAULT_VOLUME_SIZE.to_string()),
                    )])),
                    ..VolumeResourceRequirements::default()
                }),
                ..PersistentVolumeClaimSpec::default()
            }),
            ..PersistentVolumeClaim::default()
        }
    }

    /// A Service in front of the pods: cluster-internal on the container ports, as Compose
    /// services reach each other, or a LoadBalancer on the published ports.
    fn cluster_service(
        &self,
        object_name: &str,
        service: &str,
        ports: &[(u16, String)],
        published: Option<&[(u16, u16, String)]>,
    ) -> KubeService {
        let service_ports = match published {
            None => ports
                .iter()
                .map(|(port, protocol)| ServicePort {
                    name: Some(format!("{protocol}-{port}")),
                    port: i32::from(*port),
                    target_port: Some(IntOrString::Int(i32::from(*port))),
                    protocol: Some(protocol.to_ascii_uppercase()),
                    ..ServicePort::default()
                })
                .collect(),
            Some(published) => published
                .iter()
                .map(|(published, target, protocol)| ServicePort {
                    name: Some(format!("{protocol}-{published}")),
                    port: i32::from(*published),
                    target_port: Some(IntOrString::Int(i32::from(*target))),
                    protocol: Some(protocol.to_ascii_uppercase()),
                    ..ServicePort::default()
                })
                .collect(),
        };
        KubeService {
            metadata: self.meta(object_name.to_string(), service),
            spec: Some(ServiceSpec {
                selector: Some(self.labels(service)),
                ports: Some(service_ports),
                type_: published.map(|_| "LoadBalancer".to_string()),
                ..ServiceSpec::default()
            }),
            ..KubeService::default()
        }
    }

    /// Makes the service reachable from outside as Compose's published ports and routes did:
    /// an Ingress for HTTP, a LoadBalancer Service for the rest.
    fn exposure(&mut self, service: &Service, manifests: &mut Manifests, warnings: &mut Vec<Warning>) {
        let name = service.name.as_str();
        let object_name = dns_label(name);
        let route = self.input.routes.get(name);
        let mut other_ports = Vec::new();
        let mut http_port = route.map(|route| route.port);
        for port in &service.ports {
            if port.host_ip.is_some() {
                warnings.push(Warning::service(
                    name,
                    "ports",
                    Outcome::Changed,
                    format!(
                        "port {} was bound to one host address; the cluster exposes it on its own addresses",
                        port.target
                    ),
                ));
            }
            let Some(published) = port.published.as_deref() else {
                continue;
            };
            let is_http = port
                .app_protocol
                .as_deref()
                .is_some_and(|protocol| protocol.starts_with("http"))
                || (port.protocol == "tcp" && HTTP_PORTS.contains(&port.target));
            if is_http && (http_port.is_none() || http_port == Some(port.target)) {
                http_port = Some(port.target);
                continue;
            }
            match published.parse::<u16>() {
                Ok(published) => other_ports.push((published, port.target, port.protocol.clone())),
                Err(_) => warnings.push(Warning::service(
                    name,
                    "ports",
                    Outcome::Dropped,
                    format!("the published range {published} has no Service form; list the ports one by one"),
                )),
            }
        }
        if !other_ports.is_empty() {
            let public_name = dns_label(&format!("{name}-public"));
            manifests
                .services
                .push(self.cluster_service(&public_name, name, &[], Some(&other_ports)));
            let message = match self.flavour {
                Flavour::K3s => "non-HTTP published ports became a LoadBalancer Service, which K3s's ServiceLB publishes on every node",
                Flavour::Kubernetes => "non-HTTP published ports became a LoadBalancer Service, which needs a load balancer in the cluster (MetalLB on bare metal)",
            };
            warnings.push(Warning::service(name, "ports", Outcome::Changed, message));
        }
        let Some(port) = http_port else {
            return;
        };
        let host = route.map(|route| route.hostname.clone());
        if host.is_none() {
            if let Some(first) = &self.hostless_ingress {
                warnings.push(Warning::service(
                    name,
                    "ports",
                    Outcome::Dropped,
                    format!("only one Ingress without a hostname can serve '/', and {first} has it; add an x-homeport.route hostname"),
                ));
                return;
            }
            self.hostless_ingress = Some(name.to_string());
            warnings.push(Warning::service(
                name,
                "ports",
                Outcome::Changed,
                format!("published HTTP port {port} became an Ingress for every hostname; add an x-homeport.route hostname to serve one name"),
            ));
        }
        let ingress_class = match self.flavour {
            Flavour::K3s => Some("traefik".to_string()),
            Flavour::Kubernetes => None,
        };
        manifests.ingresses.push(Ingress {
            metadata: self.meta(object_name.clone(), name),
            spec: Some(IngressSpec {
                ingress_class_name: ingress_class,
                rules: Some(vec![IngressRule {
                    host,
                    http: Some(HTTPIngressRuleValue {
                        paths: vec![HTTPIngressPath {
                            path: Some("/".to_string()),
                            path_type: "Prefix".to_string(),
                            backend: IngressBackend {
                                service: Some(IngressServiceBackend {
                                    name: object_name.clone(),
                                    port: Some(ServiceBackendPort {
                                        number: Some(i32::from(port)),
                                        name: None,
                                    }),
                                }),
                                resource: None,
                            },
                        }],
                    }),
                }]),
                ..IngressSpec::default()
            }),
            ..Ingress::default()
        });
        // The Ingress needs a Service port for the route, also when Compose published none.
        if !manifests.services.iter().any(|existing| {
            existing.metadata.name.as_deref() == Some(object_name.as_str())
                && existing
                    .spec
                    .as_ref()
                    .and_then(|spec| spec.ports.as_ref())
                    .is_some_and(|ports| ports.iter().any(|existing| existing.port == i32::from(port)))
        }) {
            manifests
                .services
                .retain(|existing| existing.metadata.name.as_deref() != Some(object_name.as_str()));
            let mut ports = container_ports(service);
            if !ports.iter().any(|(existing, _)| *existing == port) {
                ports.push((port, "tcp".to_string()));
            }
            manifests
                .services
                .push(self.cluster_service(&object_name, name, &ports, None));
        }
    }
}

/// The container's ports: published targets and `expose` entries, once each.
fn container_ports(service: &Service) -> Vec<(u16, String)> {
    let mut ports: Vec<(u16, String)> = Vec::new();
    let mut add = |port: u16, protocol: &str| {
        if !ports
            .iter()
            .any(|(existing, existing_protocol)| *existing == port && existing_protocol == protocol)
        {
            ports.push((port, protocol.to_string()));
        }
    };
    for port in &service.ports {
        add(port.target, &port.protocol);
    }
    if let Some(expose) = service.other.get("expose").and_then(|value| value.as_array()) {
        for entry in expose {
            let text = match entry {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let (port, protocol) = text.split_once('/').unwrap_or((&text, "tcp"));
            if let Ok(port) = port.parse() {
                add(port, protocol);
            }
        }
    }
    ports
}

fn http_probe(path: &str, port: u16) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_string()),
            port: IntOrString::Int(i32::from(port)),
            ..HTTPGetAction::default()
        }),
        ..Probe::default()
    }
}

fn exec_probe(command: &[String]) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(command.to_vec()),
        }),
        ..Probe::default()
    }
}

/// Requests and limits: Compose reservations and limits where set, the production defaults
/// otherwise. A request above its limit is lowered to the limit, which Kubernetes requires.
fn resources(service: &Service, warnings: &mut Vec<Warning>) -> ResourceRequirements {
    let deploy = service.deploy.as_ref();
    let limits = deploy.and_then(|deploy| deploy.limits.as_ref());
    let reservations = deploy.and_then(|deploy| deploy.reservations.as_ref());
    let cpu = |amounts: Option<&ResourceAmounts>, default: u64| {
        amounts
            .and_then(|amounts| amounts.cpus)
            .map_or(default, |cpus| ((cpus * 1000.0).round() as u64).max(1))
    };
    let memory = |amounts: Option<&ResourceAmounts>, default: u64| {
        amounts
            .and_then(|amounts| amounts.memory)
            .unwrap_or(default * 1024 * 1024)
    };
    let limit_cpu = cpu(limits, DEFAULT_LIMIT_CPU_MILLI);
    let limit_memory = memory(limits, DEFAULT_LIMIT_MEMORY_MIB);
    let mut request_cpu = cpu(reservations, DEFAULT_REQUEST_CPU_MILLI);
    let mut request_memory = memory(reservations, DEFAULT_REQUEST_MEMORY_MIB);
    if request_cpu > limit_cpu {
        request_cpu = limit_cpu;
        warnings.push(Warning::service(
            &service.name,
            "deploy.resources",
            Outcome::Changed,
            "the CPU request was lowered to the CPU limit",
        ));
    }
    if request_memory > limit_memory {
        request_memory = limit_memory;
        warnings.push(Warning::service(
            &service.name,
            "deploy.resources",
            Outcome::Changed,
            "the memory request was lowered to the memory limit",
        ));
    }
    if let Some(pids) = limits.and_then(|limits| limits.pids) {
        warnings.push(Warning::service(
            &service.name,
            "deploy.resources.limits.pids",
            Outcome::Dropped,
            format!("a pod cannot set its own process limit ({pids}); the kubelet's --pod-max-pids applies"),
        ));
    }
    let amounts = |cpu: u64, memory: u64| {
        BTreeMap::from([
            ("cpu".to_string(), Quantity(format!("{cpu}m"))),
            ("memory".to_string(), Quantity(memory_quantity(memory))),
        ])
    };
    ResourceRequirements {
        requests: Some(amounts(request_cpu, request_memory)),
        limits: Some(amounts(limit_cpu, limit_memory)),
        ..ResourceRequirements::default()
    }
}

/// Bytes as a Kubernetes quantity: `512Mi`, `2Gi`, or plain bytes.
pub fn memory_quantity(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;
    if bytes > 0 && bytes % GIB == 0 {
        format!("{}Gi", bytes / GIB)
    } else if bytes > 0 && bytes % MIB == 0 {
        format!("{}Mi", bytes / MIB)
    } else {
        bytes.to_string()
    }
}

/// `UID[:GID]` with numbers only.
fn parse_user(text: &str) -> Option<(i64, Option<i64>)> {
    let (user, group) = match text.split_once(':') {
        Some((user, group)) => (user, Some(group.parse().ok()?)),
        None => (text, None),
    };
    Some((user.parse().ok()?, group))
}

fn unsupported_reason(key: &str) -> String {
    match key {
        "privileged" => {
            "privileged containers are left out: production clusters reject them; grant the exact capability instead"
                .to_string()
        }
        "network_mode" => {
            "the pod keeps its own network; host networking would bypass Services and NetworkPolicies".to_string()
        }
        "devices" => "Kubernetes has no device mapping for pods; use a device plugin".to_string(),
        "container_name" => "Kubernetes names pods itself; other pods use the Service name".to_string(),
        "build" => "Kubernetes does not build images".to_string(),
        "links" | "external_links" => "pods reach each other through Services".to_string(),
        _ => format!("Kubernetes has no equivalent of '{key}' that Homeport writes"),
    }
}
