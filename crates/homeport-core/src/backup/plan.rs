//! The backup plan: what to protect on which host, where restic stores it, when it runs, how
//! long snapshots are kept, and the recovery targets. Plans are JSON, read strictly, so the CLI's
//! plan files and the desktop wizard go through the same checks.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The recovery point objective when a plan names none: the newest good snapshot may be at
/// most this old.
pub const DEFAULT_RPO_HOURS: u32 = 24;
/// The recovery time objective when a plan names none: a restore should take at most this long.
pub const DEFAULT_RTO_HOURS: u32 = 4;
/// Daily at 02:30, in this computer's local time.
pub const DEFAULT_SCHEDULE: &str = "30 2 * * *";
/// Quarterly at 04:00 on the first day of January, April, July and October.
pub const DEFAULT_DRILL_SCHEDULE: &str = "0 4 1 1,4,7,10 *";
/// How many files a drill restores and checks when the plan names no number.
pub const DEFAULT_DRILL_FILES: u32 = 20;

/// The folder of Docker's named volumes with the default `data-root`.
// NOTE: a host whose dockerd sets another `data-root` needs its volumes listed as paths.
pub const DOCKER_VOLUMES_DIR: &str = "/var/lib/docker/volumes";

/// A backup plan as the user writes it (a plan file, or the wizard's result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanDefinition {
    pub name: String,
    /// The host's id or name. The local engine (`local`) runs restic on this computer.
    pub host: String,
    pub items: Vec<BackupItem>,
    /// At least one repository without `copyFrom`, which restic backs up to directly.
    pub repositories: Vec<RepositoryDefinition>,
    /// A 5-field cron expression in this computer's local time.
    #[serde(default = "default_schedule")]
    pub schedule: String,
    #[serde(default)]
    pub retention: Retention,
    #[serde(default = "default_rpo_hours")]
    pub rpo_hours: u32,
    #[serde(default = "default_rto_hours")]
    pub rto_hours: u32,
    #[serde(default)]
    pub drill: DrillSettings,
    /// A disabled plan keeps its history but runs only by hand.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

/// One thing a plan protects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "kind", deny_unknown_fields)]
pub enum BackupItem {
    /// A folder or file on the host, such as a bind mount or a configuration folder.
    Path { path: String },
    /// A named Docker volume, backed up from its folder under [`DOCKER_VOLUMES_DIR`].
    Volume { volume: String },
    /// A Compose project on the host: its folder, bind mounts, named volumes and databases,
    /// found by its labels at each run (see [`super::stacks`]).
    Stack { project: String },
    /// A database in a running container, dumped before the backup.
    Database {
        container: String,
        /// `postgres`, `mysql` or `mariadb`.
        engine: String,
        /// The database user the dump connects as; the default is `postgres` for PostgreSQL
        /// and `root` for MySQL and MariaDB.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
    },
}

/// One restic repository, or an rclone copy of another repository of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepositoryDefinition {
    /// A short name, unique in the plan, used in stage records and keychain entries.
    pub name: String,
    /// An absolute path on the host, `sftp:user@host:/path`, `rclone:remote:path` or
    /// `s3:https://server/bucket/path`, as restic spells repositories.
    pub location: String,
    /// The name of a local repository of this plan that rclone copies here after each backup,
    /// instead of restic backing up to this location itself. This location must then be
    /// `rclone:remote:path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_from: Option<String>,
    /// The storage's place, seen from the plan's host, for the 3-2-1 check. When missing, the
    /// check assumes the worst case of the location's kind: a local path is on the live
    /// data's disk, an SFTP server at the same site, S3 and rclone offsite at an unknown
    /// distance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<RepositoryPlace>,
    /// The distance between the live data and an offsite repository, in kilometres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<u32>,
}

/// The place of a repository's storage, seen from the plan's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RepositoryPlace {
    /// A folder on the disk (or pool) the protected data is on.
    SourceDisk,
    /// A folder on another disk of the same host, such as a USB disk.
    OtherDisk,
    /// A server on the plan's host itself, reached over the network.
    SameHost,
    /// Another machine at the same site.
    SameSite,
    /// Another site; `distanceKm` gives the distance.
    Offsite,
}

impl RepositoryPlace {
    /// Returns the name as plan files spell it, such as `otherDisk`.
    pub fn as_str(self) -> &'static str {
        match self {
            RepositoryPlace::SourceDisk => "sourceDisk",
            RepositoryPlace::OtherDisk => "otherDisk",
            RepositoryPlace::SameHost => "sameHost",
            RepositoryPlace::SameSite => "sameSite",
            RepositoryPlace::Offsite => "offsite",
        }
    }
}

impl RepositoryDefinition {
    /// Returns the place the 3-2-1 check uses: the one given, or the worst case of the
    /// location's kind.
    pub fn effective_place(&self) -> RepositoryPlace {
        if let Some(place) = self.place {
            return place;
        }
        match Location::parse("repositories.location", &self.location) {
            Ok(Location::Local(_)) | Err(_) => RepositoryPlace::SourceDisk,
            Ok(Location::Sftp(_)) => RepositoryPlace::SameSite,
            Ok(Location::Rclone { .. } | Location::S3(_)) => RepositoryPlace::Offsite,
        }
    }
}

/// The snapshots `restic forget --prune` keeps. All zero keeps everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retention {
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            keep_daily: 7,
            keep_weekly: 4,
            keep_monthly: 12,
        }
    }
}

impl Retention {
    /// Returns whether the policy removes nothing, so the forget stage is skipped.
    pub fn keeps_everything(&self) -> bool {
        self.keep_daily == 0 && self.keep_weekly == 0 && self.keep_monthly == 0
    }
}

/// When and how restore drills run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DrillSettings {
    #[serde(default = "default_drill_schedule")]
    pub schedule: String,
    /// How many files each drill restores and checks.
    #[serde(default = "default_drill_files")]
    pub files: u32,
    /// Pick the files at random; otherwise the first files of each item in path order.
    #[serde(default = "default_true")]
    pub random: bool,
    /// The folder on the host the drill makes its scratch folder in.
    #[serde(default = "default_scratch_dir")]
    pub scratch_dir: String,
}

impl Default for DrillSettings {
    fn default() -> Self {
        Self {
            schedule: default_drill_schedule(),
            files: DEFAULT_DRILL_FILES,
            random: true,
            scratch_dir: default_scratch_dir(),
        }
    }
}

fn default_schedule() -> String {
    DEFAULT_SCHEDULE.to_string()
}
fn default_drill_schedule() -> String {
    DEFAULT_DRILL_SCHEDULE.to_string()
}
fn default_rpo_hours() -> u32 {
    DEFAULT_RPO_HOURS
}
fn default_rto_hours() -> u32 {
    DEFAULT_RTO_HOURS
}
fn default_drill_files() -> u32 {
    DEFAULT_DRILL_FILES
}
fn default_scratch_dir() -> String {
    "/tmp".to_string()
}
fn default_true() -> bool {
    true
}

/// A repository location, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A folder on the host (a local disk, or a mounted disk or share).
    Local(String),
    Sftp(String),
    /// `rclone:remote:path`; the remote is set up in rclone's own configuration on the host.
    Rclone {
        remote_path: String,
    },
    S3(String),
}

impl Location {
    /// Parses a repository location as restic spells it.
    pub fn parse(field: &'static str, value: &str) -> Result<Self> {
        let fix = "use an absolute path on the host, sftp:user@host:/path, rclone:remote:path or s3:https://server/bucket/path";
        if value.trim() != value || value.is_empty() {
            return Err(Error::invalid(field, value, fix));
        }
        if value.starts_with('/') {
            check_absolute_path(field, value)?;
            return Ok(Location::Local(value.to_string()));
        }
        if let Some(rest) = value.strip_prefix("sftp:") {
            let valid = rest.contains(':') && !rest.starts_with(':') && !rest.ends_with(':');
            if !valid {
                return Err(Error::invalid(field, value, "an SFTP location is sftp:user@host:/path"));
            }
            return Ok(Location::Sftp(value.to_string()));
        }
        if let Some(rest) = value.strip_prefix("rclone:") {
            let valid = matches!(rest.split_once(':'), Some((remote, _)) if !remote.is_empty());
            if !valid {
                return Err(Error::invalid(
                    field,
                    value,
                    "an rclone location is rclone:remote:path, with a remote set up by `rclone config` on the host",
                ));
            }
            return Ok(Location::Rclone {
                remote_path: rest.to_string(),
            });
        }
        if let Some(rest) = value.strip_prefix("s3:") {
            if rest.is_empty() {
                return Err(Error::invalid(
                    field,
                    value,
                    "an S3 location is s3:https://server/bucket/path",
                ));
            }
            return Ok(Location::S3(value.to_string()));
        }
        Err(Error::invalid(field, value, fix))
    }

    /// Returns the kind's name as the UI and the 3-2-1 check spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            Location::Local(_) => "local",
            Location::Sftp(_) => "sftp",
            Location::Rclone { .. } => "rclone",
            Location::S3(_) => "s3",
        }
    }
}

/// Rejects a place that cannot hold for the location's kind, and a distance without offsite.
pub fn check_place(repository: &RepositoryDefinition, location: &Location) -> Result<()> {
    if let Some(place) = repository.place {
        let local_place = matches!(place, RepositoryPlace::SourceDisk | RepositoryPlace::OtherDisk);
        let local_location = matches!(location, Location::Local(_));
        if local_place != local_location {
            let fix = if local_location {
                "a folder on the host is on the live data's disk (sourceDisk) or another disk of the host (otherDisk)"
            } else {
                "a repository reached over the network is on this host (sameHost), at the same site (sameSite) or offsite"
            };
            return Err(Error::invalid("repositories.place", place.as_str(), fix));
        }
    }
    if let Some(km) = repository.distance_km {
        if repository.effective_place() != RepositoryPlace::Offsite {
            return Err(Error::invalid(
                "repositories.distanceKm",
                km.to_string(),
                "give a distance only for an offsite repository (place offsite)",
            ));
        }
        if km > 40_075 {
            return Err(Error::invalid(
                "repositories.distanceKm",
                km.to_string(),
                "use a distance in kilometres, at most 40075",
            ));
        }
    }
    Ok(())
}

/// Rejects a path that is not absolute or that contains `.`, `..`, empty parts or control
/// characters, so a path means the same thing to the shell, restic and Homeport's own checks.
pub fn check_absolute_path(field: &'static str, value: &str) -> Result<()> {
    if !value.starts_with('/') {
        return Err(Error::invalid(field, value, "use an absolute path that starts with /"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            value,
            "the path contains a control character; remove it",
        ));
    }
    if value == "/" {
        return Ok(());
    }
    let body = value.strip_suffix('/').unwrap_or(value);
    for part in body[1..].split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err(Error::invalid(
                field,
                value,
                "the path contains an empty, '.' or '..' part; write it without them",
            ));
        }
    }
    Ok(())
}

/// Parses a plan file strictly: unknown fields, wrong types and missing fields are errors with
/// their line and column, then the plan's values are checked.
pub fn parse_plan_json(file: &str, text: &str) -> Result<PlanDefinition> {
    let plan: PlanDefinition = serde_json::from_str(text).map_err(|err| Error::ConfigInvalid {
        file: file.to_string(),
        line: err.line(),
        column: err.column(),
        detail: err.to_string(),
    })?;
    plan.validate()?;
    Ok(plan)
}

impl PlanDefinition {
    /// Checks every value; the first problem is returned with its field and fix.
    pub fn validate(&self) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty() || name.len() > 64 || name != self.name {
            return Err(Error::invalid(
                "name",
                &self.name,
                "use 1 to 64 characters without leading or trailing spaces",
            ));
        }
        if self.host.trim().is_empty() {
            return Err(Error::invalid("host", &self.host, "name the host the plan runs on"));
        }
        if self.items.is_empty() {
            return Err(Error::invalid(
                "items",
                "[]",
                "add at least one path, volume or database",
            ));
        }
        for item in &self.items {
            item.validate()?;
        }
        self.validate_repositories()?;
        if self.schedule.split_whitespace().count() != 5 && !self.schedule.starts_with('@') {
            return Err(Error::invalid(
                "schedule",
                &self.schedule,
                "use a 5-field cron expression (minute hour day month weekday), such as 30 2 * * *",
            ));
        }
        if self.rpo_hours == 0 || self.rpo_hours > 24 * 366 {
            return Err(Error::invalid(
                "rpoHours",
                self.rpo_hours.to_string(),
                "use 1 to 8784 hours",
            ));
        }
        if self.rto_hours == 0 || self.rto_hours > 24 * 366 {
            return Err(Error::invalid(
                "rtoHours",
                self.rto_hours.to_string(),
                "use 1 to 8784 hours",
            ));
        }
        if self.drill.files == 0 || self.drill.files > 10_000 {
            return Err(Error::invalid(
                "drill.files",
                self.drill.files.to_string(),
                "use 1 to 10000 files",
            ));
        }
        check_absolute_path("drill.scratchDir", &self.drill.scratch_dir)?;
        Ok(())
    }

    fn validate_repositories(&self) -> Result<()> {
        if !self
            .repositories
            .iter()
            .any(|repository| repository.copy_from.is_none())
        {
            return Err(Error::invalid(
                "repositories",
                format!("{} repositories", self.repositories.len()),
                "add at least one repository that restic backs up to (without copyFrom)",
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for repository in &self.repositories {
            let valid_name = !repository.name.is_empty()
                && repository.name.len() <= 32
                && repository
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid_name {
                return Err(Error::invalid(
                    "repositories.name",
                    &repository.name,
                    "use 1 to 32 letters, digits, '-' or '_'",
                ));
            }
            if !names.insert(repository.name.as_str()) {
                return Err(Error::invalid(
                    "repositories.name",
                    &repository.name,
                    "each repository of a plan needs its own name",
                ));
            }
            let location = Location::parse("repositories.location", &repository.location)?;
            check_place(repository, &location)?;
            if let Some(source) = &repository.copy_from {
                self.validate_copy(repository, &location, source)?;
            }
        }
        Ok(())
    }

    fn validate_copy(&self, repository: &RepositoryDefinition, location: &Location, source: &str) -> Result<()> {
        if !matches!(location, Location::Rclone { .. }) {
            return Err(Error::invalid(
                "repositories.location",
                &repository.location,
                "a repository with copyFrom is an rclone copy; use rclone:remote:path",
            ));
        }
        let source_repository = self
            .repositories
            .iter()
            .find(|candidate| candidate.name == source && candidate.copy_from.is_none());
        let source_is_local = source_repository
            .map(|candidate| {
                matches!(
                    Location::parse("repositories.location", &candidate.location),
                    Ok(Location::Local(_))
                )
            })
            .unwrap_or(false);
        if !source_is_local {
            return Err(Error::invalid(
                "repositories.copyFrom",
                source,
                "name a repository of this plan whose location is a folder on the host",
            ));
        }
        Ok(())
    }

    /// Returns the repositories restic backs up to directly, in plan order.
    pub fn primary_repositories(&self) -> impl Iterator<Item = &RepositoryDefinition> {
        self.repositories
            .iter()
            .filter(|repository| repository.copy_from.is_none())
    }

    /// Returns the folders and files restic backs up: paths as given, volumes as their data
    /// folders, and the dump folder when the plan has databases or stacks. A stack's own
    /// folders are found at run time and added by the run.
    pub fn backup_paths(&self, dump_dir: &str) -> Vec<String> {
        let mut paths = Vec::new();
        for item in &self.items {
            match item {
                BackupItem::Path { path } => paths.push(path.trim_end_matches('/').to_string()),
                BackupItem::Volume { volume } => paths.push(volume_data_path(volume)),
                BackupItem::Database { .. } | BackupItem::Stack { .. } => {
                    if !paths.iter().any(|path| path == dump_dir) {
                        paths.push(dump_dir.to_string());
                    }
                }
            }
        }
        paths
    }
}

impl BackupItem {
    fn validate(&self) -> Result<()> {
        match self {
            BackupItem::Path { path } => check_absolute_path("items.path", path),
            BackupItem::Stack { project } => super::stacks::check_project_name("items.project", project),
            BackupItem::Volume { volume } => {
                // Docker's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*
                let valid = volume.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                    && volume
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
                if valid {
                    Ok(())
                } else {
                    Err(Error::invalid(
                        "items.volume",
                        volume,
                        "use a Docker volume name: letters, digits, '_', '.' and '-', starting with a letter or digit",
                    ))
                }
            }
            BackupItem::Database { container, engine, .. } => {
                if container.trim().is_empty() {
                    return Err(Error::invalid(
                        "items.container",
                        container,
                        "name the database container",
                    ));
                }
                if !matches!(engine.as_str(), "postgres" | "mysql" | "mariadb") {
                    return Err(Error::invalid("items.engine", engine, "use postgres, mysql or mariadb"));
                }
                Ok(())
            }
        }
    }
}

/// Generates a repository password: 32 random bytes from the OS, as 43 URL-safe base64
/// characters, so it survives every shell, config file and clipboard unchanged.
pub fn generate_password() -> Result<crate::secrets::Secret> {
    use base64::Engine as _;
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|err| Error::Internal(format!("the OS random source failed: {err}")))?;
    Ok(crate::secrets::Secret::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_ref()),
    ))
}

/// Rejects a password that cannot travel as one line of stdin to restic.
pub fn check_password(value: &str) -> Result<()> {
    if value.is_empty() || value.contains(['\n', '\r', '\0']) {
        return Err(Error::invalid(
            "password",
            "[redacted]",
            "the repository password must be one line and not empty",
        ));
    }
    Ok(())
}

/// Returns the folder that contains a named volume's files.
pub fn volume_data_path(volume: &str) -> String {
    format!("{DOCKER_VOLUMES_DIR}/{volume}/_data")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
  "name": "nas",
  "host": "local",
  "items": [{"kind": "path", "path": "/srv/data"}],
  "repositories": [{"name": "disk", "location": "/mnt/backup/restic"}]
}"#;

    #[test]
    fn minimal_plan_gets_defaults() {
        let plan = parse_plan_json("plan.json", MINIMAL).expect("valid plan");
        assert_eq!(plan.rpo_hours, 24);
        assert_eq!(plan.rto_hours, 4);
        assert_eq!(plan.schedule, DEFAULT_SCHEDULE);
        assert_eq!(plan.drill.schedule, DEFAULT_DRILL_SCHEDULE);
        assert_eq!(plan.retention, Retention::default());
        assert!(plan.enabled);
    }

    #[test]
    fn unknown_field_reports_line_and_column() {
        let text = MINIMAL.replace("\"host\": \"local\",", "\"host\": \"local\",\n  \"hots\": 1,");
        let err = parse_plan_json("plan.json", &text).unwrap_err();
        let Error::ConfigInvalid {
            line, column, detail, ..
        } = err
        else {
            panic!("expected ConfigInvalid, got {err:?}");
        };
        assert_eq!(line, 4);
        assert!(column > 0, "column {column}");
        assert!(detail.contains("hots"), "{detail}");
    }

    #[test]
    fn locations_parse_by_kind() {
        let kinds: Vec<_> = [
            "/srv/restic",
            "sftp:backup@nas:/srv/restic",
            "rclone:b2:bucket/restic",
            "s3:https://s3.example.test/bucket/restic",
        ]
        .iter()
        .map(|value| Location::parse("location", value).unwrap().kind())
        .collect();
        assert_eq!(kinds, ["local", "sftp", "rclone", "s3"]);
    }

    #[test]
    fn places_must_fit_the_location() {
        let plan = |repository: &str| {
            let text = format!(
                r#"{{"name":"nas","host":"local","items":[{{"kind":"path","path":"/srv"}}],"repositories":[{repository}]}}"#
            );
            parse_plan_json("plan.json", &text)
        };
        assert!(plan(r#"{"name":"usb","location":"/mnt/usb","place":"otherDisk"}"#).is_ok());
        assert!(plan(r#"{"name":"b2","location":"rclone:b2:x","place":"offsite","distanceKm":80}"#).is_ok());
        // S3 without a place is offsite already, so a distance fits.
        assert!(plan(r#"{"name":"s3","location":"s3:https://s3.example.test/b","distanceKm":300}"#).is_ok());
        let err = plan(r#"{"name":"usb","location":"/mnt/usb","place":"offsite"}"#).unwrap_err();
        assert!(err.to_string().contains("repositories.place"), "{err}");
        let err = plan(r#"{"name":"nas2","location":"sftp:u@nas2:/r","place":"sameSite","distanceKm":3}"#).unwrap_err();
        assert!(err.to_string().contains("distanceKm"), "{err}");
    }

    #[test]
    fn bad_locations_are_rejected() {
        for value in [
            "relative/path",
            "/srv/../etc",
            "sftp:nohost",
            "rclone::path",
            "s3:",
            " /srv",
            "ftp://x",
        ] {
            let err = Location::parse("location", value).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{value}: {err:?}");
        }
    }

    #[test]
    fn copy_must_come_from_local_repository() {
        let mut plan = parse_plan_json("plan.json", MINIMAL).unwrap();
        plan.repositories.push(RepositoryDefinition {
            name: "offsite".into(),
            location: "rclone:remote:restic".into(),
            copy_from: Some("disk".into()),
            place: None,
            distance_km: None,
        });
        plan.validate().expect("copy of the local repository");

        plan.repositories[1].copy_from = Some("missing".into());
        let err = plan.validate().unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");

        plan.repositories[1].copy_from = Some("disk".into());
        plan.repositories[1].location = "/mnt/other".into();
        assert!(plan.validate().is_err(), "a copy target must be an rclone location");
    }

    #[test]
    fn backup_paths_map_volumes_and_dumps() {
        let mut plan = parse_plan_json("plan.json", MINIMAL).unwrap();
        plan.items.push(BackupItem::Volume {
            volume: "app_db".into(),
        });
        plan.items.push(BackupItem::Database {
            container: "db".into(),
            engine: "postgres".into(),
            user: None,
        });
        assert_eq!(
            plan.backup_paths("/var/tmp/homeport-dumps/p1"),
            [
                "/srv/data",
                "/var/lib/docker/volumes/app_db/_data",
                "/var/tmp/homeport-dumps/p1"
            ]
        );
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let first = generate_password().unwrap();
        let second = generate_password().unwrap();
        assert_eq!(first.expose().len(), 43);
        assert_ne!(first.expose(), second.expose());
        check_password(first.expose()).expect("a generated password is valid");
        assert!(check_password("two\nlines").is_err());
    }

    #[test]
    fn duplicate_repository_names_are_rejected() {
        let mut plan = parse_plan_json("plan.json", MINIMAL).unwrap();
        plan.repositories.push(plan.repositories[0].clone());
        assert!(plan.validate().is_err());
    }
}
