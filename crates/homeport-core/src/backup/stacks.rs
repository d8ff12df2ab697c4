//! Stacks as backup items. A plan names a Compose project, and each run finds what belongs to
//! it on the host through Compose's container labels: the project folder with its Compose
//! files, named volumes, bind mounts outside the folder, and database servers.
//!
//! The result is a manifest, saved as JSON in the snapshot next to the database dumps, so a
//! restore finds everything again without the original host.
//!
//! A database's own volume is left out of the backup: a copy of a live server's files may not
//! be consistent, and the dump taken in the same run is. A restore starts the server on an
//! empty volume and loads the dump.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::databases::{detect, ContainerFacts, DatabaseEngine, DatabaseTarget, DockerCli};
use super::restore::is_within;
use super::shell::HostShell;
use crate::error::{Error, Result};

/// Compose's label with the project name, on every container, network and volume it makes.
pub const PROJECT_LABEL: &str = "com.docker.compose.project";
const SERVICE_LABEL: &str = "com.docker.compose.service";
const WORKING_DIR_LABEL: &str = "com.docker.compose.project.working_dir";
const CONFIG_FILES_LABEL: &str = "com.docker.compose.project.config_files";
/// Set to `True` on containers of `docker compose run`.
const ONE_OFF_LABEL: &str = "com.docker.compose.oneoff";

/// The folder, inside a run's dump folder, that contains the stacks' manifests.
pub const MANIFEST_DIR: &str = "stacks";

/// Everything a stack restore needs to know about a stack, as it was when backed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StackManifest {
    pub project: String,
    /// The project folder on the host, where the Compose files and `.env` are.
    pub working_dir: String,
    /// The Compose files, as absolute paths on the host.
    pub config_files: Vec<String>,
    pub volumes: Vec<StackVolume>,
    /// Bind-mount sources outside the project folder.
    pub binds: Vec<String>,
    /// Bind-mount sources that hold a database server's files, inside the project folder or
    /// not. They are left out of the backup and come back empty, filled by the dump.
    #[serde(default)]
    pub database_binds: Vec<String>,
    pub databases: Vec<StackDatabase>,
}

/// A named volume of the stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StackVolume {
    pub name: String,
    /// The volume's folder on the host, as `docker inspect` reports it.
    pub mountpoint: String,
    /// The services that mount it, with their mount paths.
    pub mounts: Vec<StackMount>,
    /// The volume contains a database server's files, which come back from its dump instead.
    pub database: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StackMount {
    pub service: String,
    pub destination: String,
}

/// A database server of the stack, dumped in each run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StackDatabase {
    pub service: String,
    /// The container's name when backed up; the dump file is named after it.
    pub container: String,
    pub engine: DatabaseEngine,
    pub user: String,
}

impl StackDatabase {
    pub fn target(&self) -> DatabaseTarget {
        DatabaseTarget {
            container: self.container.clone(),
            engine: self.engine,
            user: self.user.clone(),
            server_uid: None,
        }
    }
}

impl StackManifest {
    /// Returns the paths restic backs up for the stack: the project folder, bind sources
    /// outside it, and the folders of volumes that are not a database's. [`Self::excluded`]
    /// lists what is left out of them.
    pub fn backup_paths(&self) -> Vec<String> {
        let mut paths = vec![self.working_dir.clone()];
        paths.extend(self.binds.iter().cloned());
        paths.extend(
            self.volumes
                .iter()
                .filter(|volume| !volume.database)
                .map(|volume| volume.mountpoint.clone()),
        );
        paths
    }

    /// Returns the database servers' bind folders, which restic leaves out of the backup.
    pub fn excluded(&self) -> &[String] {
        &self.database_binds
    }
}

/// Checks a project name as Compose v2 accepts it: lowercase letters, digits, `_` and `-`,
/// starting with a letter or digit.
pub fn check_project_name(field: &'static str, name: &str) -> Result<()> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
        && name.len() <= 63;
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            name,
            "a Compose project name has lowercase letters, digits, '_' and '-', and starts with a letter or digit",
        ))
    }
}

/// Finds the stack `project` on the host through its containers' labels.
pub async fn resolve(shell: &HostShell, docker: &DockerCli, project: &str) -> Result<StackManifest> {
    check_project_name("items.project", project)?;
    let mut list = docker.command()?;
    list.extend([
        "ps".to_string(),
        "--all".to_string(),
        "--quiet".to_string(),
        "--no-trunc".to_string(),
        "--filter".to_string(),
        format!("label={PROJECT_LABEL}={project}"),
    ]);
    let listed = shell.exec(&list).await?;
    if listed.exit_status != Some(0) {
        return Err(not_found(project, listed.stderr.trim()));
    }
    let ids: Vec<String> = listed.stdout.split_whitespace().map(str::to_string).collect();
    if ids.is_empty() {
        return Err(not_found(project, "no container carries its Compose label"));
    }
    let mut inspect = docker.command()?;
    inspect.extend(["inspect".to_string(), "--type".to_string(), "container".to_string()]);
    inspect.extend(ids);
    let inspected = shell.exec(&inspect).await?;
    if inspected.exit_status != Some(0) {
        return Err(not_found(project, inspected.stderr.trim()));
    }
    let containers: Vec<InspectedContainer> = serde_json::from_str(&inspected.stdout)
        .map_err(|err| Error::Internal(format!("docker inspect printed JSON this version does not read: {err}")))?;
    manifest_from(project, &containers)
}

/// Checks that the host's user can read every folder the stack's backup needs, and names the
/// first it cannot. Named volumes live under Docker's data folder, which only root can read on
/// most hosts, and restic would otherwise fail half-way with a permission error.
pub async fn check_readable(shell: &HostShell, manifest: &StackManifest) -> Result<()> {
    let mut argv = vec![
        "sh".to_string(),
        "-c".to_string(),
        r#"for path do [ -r "$path" ] && [ -x "$path" ] || printf '%s\n' "$path"; done"#.to_string(),
        "sh".to_string(),
    ];
    argv.extend(manifest.backup_paths());
    let output = shell.exec(&argv).await?;
    let Some(path) = output.stdout.lines().next().filter(|path| !path.is_empty()) else {
        return Ok(());
    };
    let is_volume = manifest.volumes.iter().any(|volume| volume.mountpoint == path);
    let fix = if is_volume {
        format!(
            "stack {}: the host's user cannot read this volume folder, which Docker keeps readable by root only; connect to the host as root for this plan, or run the plan on the local engine",
            manifest.project
        )
    } else {
        format!(
            "stack {}: the host's user cannot read this folder; give that user read access, or connect as root for this plan",
            manifest.project
        )
    };
    Err(Error::invalid("items.project", path, fix))
}

fn not_found(project: &str, detail: &str) -> Error {
    Error::invalid(
        "items.project",
        project,
        format!("the stack is not on the host ({detail}); deploy it first, or remove it from the plan"),
    )
}

/// The parts of `docker inspect` output the manifest reads. Environment values are read
/// only to learn variable names, `POSTGRES_USER` and `PGDATA`. [`ContainerFacts`] drops the rest.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedContainer {
    name: String,
    config: InspectedConfig,
    #[serde(default)]
    state: Option<InspectedState>,
    #[serde(default)]
    mounts: Vec<InspectedMount>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedConfig {
    #[serde(default)]
    image: String,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedState {
    #[serde(default)]
    running: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedMount {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    destination: String,
}

/// Bind sources that are system paths, not stack data: backing them up copies the host, and
/// restoring them would write over it. `/` itself is an ancestor of the project folder and
/// left out for that reason.
const SYSTEM_PATHS: [&str; 8] = [
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/var/run",
    "/var/lib/docker",
    "/etc/localtime",
    "/etc/timezone",
];

/// Returns the folder a database server keeps its files in: `PGDATA` when the container sets
/// it, else the official images' default.
fn data_path(engine: DatabaseEngine, env: &[String]) -> String {
    match engine {
        DatabaseEngine::Postgres => env
            .iter()
            .find_map(|entry| entry.strip_prefix("PGDATA="))
            .filter(|value| value.starts_with('/'))
            .unwrap_or("/var/lib/postgresql/data")
            .trim_end_matches('/')
            .to_string(),
        DatabaseEngine::Mysql | DatabaseEngine::Mariadb => "/var/lib/mysql".to_string(),
    }
}

fn manifest_from(project: &str, containers: &[InspectedContainer]) -> Result<StackManifest> {
    let mut working_dir = None;
    let mut config_files = Vec::new();
    let mut volumes: BTreeMap<String, StackVolume> = BTreeMap::new();
    let mut binds = BTreeSet::new();
    let mut database_binds = BTreeSet::new();
    let mut databases = Vec::new();

    for container in containers {
        let labels = container.config.labels.clone().unwrap_or_default();
        let service = labels.get(SERVICE_LABEL).cloned().unwrap_or_default();
        if working_dir.is_none() {
            working_dir = labels.get(WORKING_DIR_LABEL).cloned();
            config_files = labels
                .get(CONFIG_FILES_LABEL)
                .map(|files| files.split(',').map(str::to_string).collect())
                .unwrap_or_default();
        }

        // Only a running service container is dumped: `docker exec` needs it running, and a
        // one-off `compose run` container is not part of the stack.
        let running = container.state.as_ref().is_some_and(|state| state.running);
        let one_off = labels
            .get(ONE_OFF_LABEL)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"));
        if one_off {
            continue;
        }
        let env = container.config.env.as_deref().unwrap_or_default();
        let mut facts = ContainerFacts {
            image: container.config.image.clone(),
            ..Default::default()
        };
        facts.set_environment(env);
        let database = detect(&facts).map(|(engine, _, _)| engine);
        let data = database.map(|engine| data_path(engine, env));
        if let (Some(engine), true) = (database, running) {
            let user = match engine {
                DatabaseEngine::Postgres => facts.postgres_user.clone().unwrap_or_else(|| "postgres".to_string()),
                DatabaseEngine::Mysql | DatabaseEngine::Mariadb => "root".to_string(),
            };
            databases.push(StackDatabase {
                service: service.clone(),
                container: container.name.trim_start_matches('/').to_string(),
                engine,
                user,
            });
        }

        for mount in &container.mounts {
            // The server's own files come back from its dump, so they are neither backed up
            // (a copy of a live server's files may not load) nor restored.
            let server_files = running && data.as_deref().is_some_and(|data| is_within(data, &mount.destination));
            match (mount.kind.as_str(), &mount.name) {
                ("volume", Some(name)) => {
                    let volume = volumes.entry(name.clone()).or_insert_with(|| StackVolume {
                        name: name.clone(),
                        mountpoint: mount.source.clone(),
                        mounts: Vec::new(),
                        database: false,
                    });
                    volume.database |= server_files;
                    volume.mounts.push(StackMount {
                        service: service.clone(),
                        destination: mount.destination.clone(),
                    });
                }
                ("bind", _) if server_files => {
                    database_binds.insert(mount.source.clone());
                }
                ("bind", _) => {
                    binds.insert(mount.source.clone());
                }
                _ => {}
            }
        }
    }

    let Some(working_dir) = working_dir.filter(|dir| dir.starts_with('/')) else {
        return Err(Error::invalid(
            "items.project",
            project,
            "its containers do not name their project folder (label com.docker.compose.project.working_dir); back up its folder as a path instead",
        ));
    };
    // A bind of the project folder itself, or of a folder above it, is covered by the folder
    // or would copy far more than the stack.
    let binds = binds
        .into_iter()
        .filter(|source| {
            !is_within(source, &working_dir)
                && !is_within(&working_dir, source)
                && !SYSTEM_PATHS.iter().any(|system| is_within(source, system))
        })
        .collect();
    databases.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(StackManifest {
        project: project.to_string(),
        working_dir,
        config_files,
        volumes: volumes.into_values().collect(),
        binds,
        database_binds: database_binds.into_iter().collect(),
        databases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSPECT: &str = r#"[
      {"Name": "/shop-db-1", "State": {"Running": true},
       "Config": {"Image": "postgres:16", "Env": ["POSTGRES_PASSWORD=hunter2", "POSTGRES_USER=shop", "PGDATA=/var/lib/postgresql/data/pgdata"],
                  "Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "db",
                             "com.docker.compose.project.working_dir": "/opt/stacks/shop",
                             "com.docker.compose.project.config_files": "/opt/stacks/shop/compose.yaml,/opt/stacks/shop/compose.override.yaml"}},
       "Mounts": [{"Type": "volume", "Name": "shop_db", "Source": "/var/lib/docker/volumes/shop_db/_data", "Destination": "/var/lib/postgresql/data"},
                  {"Type": "volume", "Name": "shop_dumps", "Source": "/var/lib/docker/volumes/shop_dumps/_data", "Destination": "/backups"}]},
      {"Name": "/shop-app-1", "State": {"Running": true},
       "Config": {"Image": "ghcr.io/example/shop:2", "Env": ["DATABASE_URL=postgres://shop:hunter2@db/shop"],
                  "Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "app",
                             "com.docker.compose.project.working_dir": "/opt/stacks/shop"}},
       "Mounts": [{"Type": "bind", "Source": "/opt/stacks/shop/config", "Destination": "/config"},
                  {"Type": "bind", "Source": "/srv/media", "Destination": "/media"},
                  {"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock"},
                  {"Type": "bind", "Source": "/etc/timezone", "Destination": "/etc/timezone"},
                  {"Type": "bind", "Source": "/opt/stacks", "Destination": "/stacks"},
                  {"Type": "volume", "Name": "shop_uploads", "Source": "/var/lib/docker/volumes/shop_uploads/_data", "Destination": "/uploads"}]},
      {"Name": "/shop-cache-1", "State": {"Running": true},
       "Config": {"Image": "mariadb:11", "Env": ["MARIADB_ROOT_PASSWORD=x"],
                  "Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "cache",
                             "com.docker.compose.project.working_dir": "/opt/stacks/shop"}},
       "Mounts": [{"Type": "bind", "Source": "/opt/stacks/shop/mysql", "Destination": "/var/lib/mysql"}]},
      {"Name": "/shop-db-run-1a2b", "State": {"Running": true},
       "Config": {"Image": "postgres:16", "Env": ["PGDATA=/data"],
                  "Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "db",
                             "com.docker.compose.oneoff": "True"}},
       "Mounts": []},
      {"Name": "/shop-old-1", "State": {"Running": false},
       "Config": {"Image": "postgres:12", "Env": [],
                  "Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "old"}},
       "Mounts": []}
    ]"#;

    fn manifest() -> StackManifest {
        let containers: Vec<InspectedContainer> = serde_json::from_str(INSPECT).unwrap();
        manifest_from("shop", &containers).unwrap()
    }

    #[test]
    fn manifest_reads_folder_and_files() {
        let manifest = manifest();
        assert_eq!(manifest.working_dir, "/opt/stacks/shop");
        assert_eq!(manifest.config_files.len(), 2);
    }

    #[test]
    fn manifest_leaves_out_system_and_enclosing_binds() {
        assert_eq!(manifest().binds, ["/srv/media"]);
    }

    #[test]
    fn manifest_dumps_running_service_databases_only() {
        let manifest = manifest();
        let services: Vec<&str> = manifest.databases.iter().map(|db| db.service.as_str()).collect();
        assert_eq!(services, ["cache", "db"]);
        assert_eq!(manifest.databases[1].user, "shop");
        assert_eq!(manifest.databases[1].container, "shop-db-1");
    }

    #[test]
    fn manifest_marks_server_files_only() {
        let manifest = manifest();
        let database_volumes: Vec<&str> = manifest
            .volumes
            .iter()
            .filter(|volume| volume.database)
            .map(|volume| volume.name.as_str())
            .collect();
        assert_eq!(database_volumes, ["shop_db"]);
        assert_eq!(manifest.database_binds, ["/opt/stacks/shop/mysql"]);
        assert_eq!(manifest.excluded(), ["/opt/stacks/shop/mysql"]);
    }

    #[test]
    fn manifest_backup_paths_skip_server_files() {
        assert_eq!(
            manifest().backup_paths(),
            [
                "/opt/stacks/shop",
                "/srv/media",
                "/var/lib/docker/volumes/shop_dumps/_data",
                "/var/lib/docker/volumes/shop_uploads/_data"
            ]
        );
    }

    #[test]
    fn manifest_keeps_no_environment_value() {
        let json = serde_json::to_string(&manifest()).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
    }

    #[test]
    fn project_names_follow_compose() {
        assert!(check_project_name("project", "shop_2-a").is_ok());
        assert!(check_project_name("project", "Shop").is_err());
        assert!(check_project_name("project", "-x").is_err());
        assert!(check_project_name("project", "a b").is_err());
    }
}
