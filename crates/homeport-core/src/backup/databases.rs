//! Databases in running containers: finding PostgreSQL, MySQL and MariaDB servers through the
//! Docker API, and the commands that dump them to a gzip file on the host and load a dump back.
//!
//! A dump runs on the host as `docker exec CONTAINER sh -c SCRIPT` piped through `gzip`, so the
//! host needs the docker CLI and gzip, and nothing but the compressed dump leaves the
//! container. Passwords never appear in any argv: the script inside the container reads the
//! root password from the container's own environment (`MYSQL_ROOT_PASSWORD` and the like) and
//! hands it to the client in `MYSQL_PWD`. PostgreSQL dumps use the local socket as the
//! server's own user, which the official image trusts and Debian's packages let in by peer
//! authentication.

use std::collections::BTreeSet;

use bollard::query_parameters::{ListContainersOptions, TopOptions};

use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::ssh::validate_container_ref;

/// A database server kind that Homeport can dump and restore.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseEngine {
    Postgres,
    Mysql,
    Mariadb,
}

impl DatabaseEngine {
    /// Returns the name used in file names and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseEngine::Postgres => "postgres",
            DatabaseEngine::Mysql => "mysql",
            DatabaseEngine::Mariadb => "mariadb",
        }
    }
}

/// A reason discovery decided that a container runs a database server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Evidence {
    /// The image's repository name, such as `postgres` or `bitnami/mariadb`.
    Image(String),
    /// A server process running in the container, such as `postgres` or `mariadbd`.
    Process(String),
    /// An environment variable that only the server's image sets. Only the name is kept.
    Environment(String),
}

/// A database server to dump from or restore into.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseTarget {
    /// The container's name or ID, as `docker exec` takes it.
    pub container: String,
    pub engine: DatabaseEngine,
    /// The database user the dump connects as. PostgreSQL: `POSTGRES_USER` or `postgres`.
    /// MySQL and MariaDB: `root`, because only root can read every database.
    pub user: String,
    /// The numeric user ID the server process runs as. PostgreSQL commands run as this user,
    /// so peer authentication on the local socket accepts them.
    pub server_uid: Option<u32>,
}

/// A database server found in a running container.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredDatabase {
    pub target: DatabaseTarget,
    pub container_id: String,
    pub image: String,
    pub evidence: Vec<Evidence>,
    /// The name of the environment variable that contains the root password, if the container
    /// sets one. The value itself is never read out of the container.
    pub password_variable: Option<String>,
}

/// The `docker` command on the host, with the engine address when it is not the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerCli {
    /// The value of `docker -H`, such as `unix:///run/user/1000/docker.sock`.
    pub host: Option<String>,
}

impl DockerCli {
    /// Returns `docker`, with `-H ADDRESS` when the engine is not the default one.
    pub fn command(&self) -> Result<Vec<String>> {
        self.argv()
    }

    fn argv(&self) -> Result<Vec<String>> {
        let mut argv = vec!["docker".to_string()];
        if let Some(host) = &self.host {
            if host.is_empty() || host.starts_with('-') || !host.contains("://") {
                return Err(Error::InvalidInput {
                    field: "docker host",
                    value: host.clone(),
                    reason: "expected an engine address such as unix:///var/run/docker.sock".to_string(),
                });
            }
            argv.push("-H".to_string());
            argv.push(host.clone());
        }
        Ok(argv)
    }
}

/// Environment variables that only database server images set, with the engine they point to.
/// Client settings such as `POSTGRES_HOST` or `MYSQL_HOST` are left out on purpose: the
/// application containers that connect to a database carry them too.
const SERVER_VARIABLES: [(&str, DatabaseEngine); 8] = [
    ("PGDATA", DatabaseEngine::Postgres),
    ("MARIADB_ROOT_PASSWORD", DatabaseEngine::Mariadb),
    ("MARIADB_ROOT_PASSWORD_FILE", DatabaseEngine::Mariadb),
    ("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", DatabaseEngine::Mariadb),
    ("MARIADB_RANDOM_ROOT_PASSWORD", DatabaseEngine::Mariadb),
    ("MYSQL_ROOT_PASSWORD", DatabaseEngine::Mysql),
    ("MYSQL_ROOT_PASSWORD_FILE", DatabaseEngine::Mysql),
    ("MYSQL_ALLOW_EMPTY_PASSWORD", DatabaseEngine::Mysql),
];

/// The variables the dump script reads the root password from, in the order it tries them.
const PASSWORD_VARIABLES: [&str; 4] = [
    "MARIADB_ROOT_PASSWORD_FILE",
    "MYSQL_ROOT_PASSWORD_FILE",
    "MARIADB_ROOT_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
];

/// Words in image repository names that mark a database server image.
const IMAGE_WORDS: [(&str, DatabaseEngine); 6] = [
    ("postgres", DatabaseEngine::Postgres),
    ("postgis", DatabaseEngine::Postgres),
    ("timescaledb", DatabaseEngine::Postgres),
    ("mariadb", DatabaseEngine::Mariadb),
    ("mysql", DatabaseEngine::Mysql),
    ("percona", DatabaseEngine::Mysql),
];

/// The facts discovery reads about one container. Environment values are dropped on input, so a
/// password in them cannot reach a log or a result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerFacts {
    pub image: String,
    /// Variable names only.
    pub env_names: Vec<String>,
    /// `POSTGRES_USER`, which is a user name, not a secret.
    pub postgres_user: Option<String>,
    /// Each process as (user ID, command line). `None` when the engine could not list them.
    pub processes: Option<Vec<(Option<u32>, String)>>,
}

impl ContainerFacts {
    /// Keeps the names of `KEY=VALUE` entries and the value of `POSTGRES_USER` only.
    pub fn set_environment(&mut self, env: &[String]) {
        for entry in env {
            let (name, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
            if name == "POSTGRES_USER" && !value.is_empty() {
                self.postgres_user = Some(value.to_string());
            }
            self.env_names.push(name.to_string());
        }
    }
}

/// Returns the repository part of an image reference in lower case, without registry, tag
/// or digest.
fn image_repository(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = without_digest.split('/').collect();
    // A first part with a dot, a colon or `localhost` is a registry address.
    if parts.len() > 1 && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost") {
        parts.remove(0);
    }
    let repository = parts.join("/");
    let last_slash = repository.rfind('/').map_or(0, |index| index + 1);
    let without_tag = match repository[last_slash..].find(':') {
        Some(colon) => &repository[..last_slash + colon],
        None => repository.as_str(),
    };
    without_tag.to_ascii_lowercase()
}

/// Returns the engine of a server process, from the program name of its command line. PostgreSQL's
/// worker processes rename themselves `postgres: checkpointer` and so on.
fn process_engine(command_line: &str) -> Option<(DatabaseEngine, String)> {
    let program = command_line.split_whitespace().next()?;
    let name = program.rsplit('/').next()?.trim_end_matches(':');
    let engine = match name {
        "postgres" | "postmaster" => DatabaseEngine::Postgres,
        "mariadbd" => DatabaseEngine::Mariadb,
        "mysqld" => DatabaseEngine::Mysql,
        _ => return None,
    };
    Some((engine, name.to_string()))
}

/// Decides whether a container runs a database server, and which.
///
/// A running server process decides. Image names and variables alone are not enough when the
/// process list is known, because exporters and admin tools (`postgres-exporter`,
/// `mysqld-exporter`) carry the same words. When the engine could not list processes, the
/// image name or a server-only variable decides. MariaDB's images also set `MYSQL_*` variables
/// and ship a `mysqld` name, so any MariaDB evidence makes it MariaDB.
pub fn detect(facts: &ContainerFacts) -> Option<(DatabaseEngine, Vec<Evidence>, Option<u32>)> {
    let mut evidence: BTreeSet<(DatabaseEngine, Evidence)> = BTreeSet::new();
    let repository = image_repository(&facts.image);
    let image_name = repository.rsplit('/').next().unwrap_or(&repository);
    for (word, engine) in IMAGE_WORDS {
        if image_name.contains(word) && !image_name.contains("exporter") {
            evidence.insert((engine, Evidence::Image(repository.clone())));
        }
    }
    for name in &facts.env_names {
        if let Some((_, engine)) = SERVER_VARIABLES.iter().find(|(variable, _)| variable == name) {
            evidence.insert((*engine, Evidence::Environment(name.clone())));
        }
    }

    let mut server_uid = None;
    let mut process_engines = BTreeSet::new();
    if let Some(processes) = &facts.processes {
        for (uid, command_line) in processes {
            if let Some((engine, name)) = process_engine(command_line) {
                process_engines.insert(engine);
                evidence.insert((engine, Evidence::Process(name)));
                server_uid = server_uid.or(*uid);
            }
        }
        if process_engines.is_empty() {
            return None;
        }
    }

    let engines: BTreeSet<DatabaseEngine> = if process_engines.is_empty() {
        evidence.iter().map(|(engine, _)| *engine).collect()
    } else {
        process_engines
    };
    let engine = if engines.contains(&DatabaseEngine::Mariadb)
        || (engines.contains(&DatabaseEngine::Mysql)
            && evidence.iter().any(|(engine, _)| *engine == DatabaseEngine::Mariadb))
    {
        DatabaseEngine::Mariadb
    } else if engines.len() == 1 {
        *engines.iter().next()?
    } else if engines.contains(&DatabaseEngine::Postgres) && !engines.contains(&DatabaseEngine::Mysql) {
        DatabaseEngine::Postgres
    } else {
        // Both PostgreSQL and MySQL evidence without a process to settle it: not a guess to
        // act on.
        return None;
    };

    let same_family = |other: DatabaseEngine| match engine {
        DatabaseEngine::Postgres => other == DatabaseEngine::Postgres,
        _ => other != DatabaseEngine::Postgres,
    };
    let kept: Vec<Evidence> = evidence
        .into_iter()
        .filter(|(other, _)| same_family(*other))
        .map(|(_, evidence)| evidence)
        .collect();
    Some((engine, kept, server_uid))
}

/// Builds the discovery result for one container from what was read about it.
pub fn discovered(container_id: &str, container_name: &str, facts: &ContainerFacts) -> Option<DiscoveredDatabase> {
    let (engine, evidence, server_uid) = detect(facts)?;
    let user = match engine {
        DatabaseEngine::Postgres => facts.postgres_user.clone().unwrap_or_else(|| "postgres".to_string()),
        DatabaseEngine::Mysql | DatabaseEngine::Mariadb => "root".to_string(),
    };
    let password_variable = match engine {
        DatabaseEngine::Postgres => None,
        DatabaseEngine::Mysql | DatabaseEngine::Mariadb => PASSWORD_VARIABLES
            .iter()
            .find(|variable| facts.env_names.iter().any(|name| name == *variable))
            .map(|variable| variable.to_string()),
    };
    Some(DiscoveredDatabase {
        target: DatabaseTarget {
            container: container_name.to_string(),
            engine,
            user,
            server_uid,
        },
        container_id: container_id.to_string(),
        image: facts.image.clone(),
        evidence,
        password_variable,
    })
}

/// The `ps` columns requested from the engine. The engine needs the PID column to tell which
/// processes belong to the container.
const TOP_PS_ARGS: &str = "-o pid,uid,args";

/// Lists the database servers in the running containers of `engine`, sorted by container
/// name. A container that stops while it is read is left out.
#[tracing::instrument(skip(engine), fields(host = %engine.host()))]
pub async fn discover(engine: &DockerEngine) -> Result<Vec<DiscoveredDatabase>> {
    let containers = engine
        .docker
        .list_containers(Some(ListContainersOptions::default()))
        .await
        .map_err(|err| engine.map_error(err))?;

    let reads = containers.into_iter().filter_map(|container| {
        let id = container.id?;
        let name = container
            .names
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(|name| name.trim_start_matches('/').to_string())
            .unwrap_or_else(|| id.clone());
        Some(async move {
            let facts = read_facts(engine, &id).await;
            (id, name, facts)
        })
    });
    let mut found = Vec::new();
    for (id, name, facts) in futures_util::future::join_all(reads).await {
        match facts {
            Ok(facts) => found.extend(discovered(&id, &name, &facts)),
            // NOTE: a container that cannot be inspected is skipped rather than failing the
            // whole list, and the warning names it.
            Err(err) => {
                tracing::warn!(container = %name, error = %err, "skipped a container during database discovery")
            }
        }
    }
    found.sort_by(|a, b| a.target.container.cmp(&b.target.container));
    tracing::info!(count = found.len(), "database discovery done");
    Ok(found)
}

async fn read_facts(engine: &DockerEngine, id: &str) -> Result<ContainerFacts> {
    let details = engine
        .docker
        .inspect_container(id, None)
        .await
        .map_err(|err| engine.map_error(err))?;
    let config = details.config.unwrap_or_default();
    let mut facts = ContainerFacts {
        image: config.image.unwrap_or_default(),
        ..Default::default()
    };
    facts.set_environment(&config.env.unwrap_or_default());

    let options = TopOptions {
        ps_args: TOP_PS_ARGS.to_string(),
    };
    facts.processes = match engine.docker.top_processes(id, Some(options)).await {
        Ok(top) => Some(processes_from_top(
            &top.titles.unwrap_or_default(),
            &top.processes.unwrap_or_default(),
        )),
        Err(err) => {
            tracing::debug!(container = id, error = %err, "could not list processes; deciding by image and environment");
            None
        }
    };
    Ok(facts)
}

/// Turns `docker top` rows into (user ID, command line) by the column titles.
fn processes_from_top(titles: &[String], rows: &[Vec<String>]) -> Vec<(Option<u32>, String)> {
    let column = |names: &[&str]| titles.iter().position(|title| names.contains(&title.as_str()));
    let Some(command) = column(&["COMMAND", "CMD", "ARGS"]) else {
        return Vec::new();
    };
    let uid = column(&["UID"]);
    rows.iter()
        .filter_map(|row| {
            let command_line = row.get(command)?.clone();
            let uid = uid
                .and_then(|index| row.get(index))
                .and_then(|value| value.trim().parse().ok());
            Some((uid, command_line))
        })
        .collect()
}

/// Dumps every PostgreSQL database and role as SQL. `$1` is the database user.
const POSTGRES_DUMP_SCRIPT: &str = r#"exec pg_dumpall -U "$1""#;

/// Loads an SQL dump from stdin. `$1` is the database user. psql goes on after a failing
/// statement, as a pg_dumpall dump expects: it creates the role it runs as, which exists.
const POSTGRES_RESTORE_SCRIPT: &str = r#"exec psql -X -q -U "$1" -d postgres -f -"#;

/// Prints the name of every database, one per line. `$1` is the database user.
const POSTGRES_LIST_SCRIPT: &str = r#"exec psql -X -A -t -U "$1" -d postgres -c 'SELECT datname FROM pg_database'"#;

/// Exits 0 once the server accepts connections over TCP on the container's loopback. The
/// official image first runs a temporary server for its set-up on the socket only and then
/// restarts it, so a check on the socket can pass too early. `$1` is the database user.
// NOTE: a server configured to listen on no TCP address never passes this check.
const POSTGRES_READY_SCRIPT: &str = r#"exec pg_isready -q -h 127.0.0.1 -U "$1" -d postgres"#;

/// Drops each database named after `$1` (the user), so a dump loads into a clean server.
/// `WITH (FORCE)` (PostgreSQL 13 and later) ends other sessions in the same statement; older
/// servers end them first. The names reach SQL as psql variables, quoted by psql.
const POSTGRES_DROP_SCRIPT: &str = r#"user=$1
shift
version=$(psql -X -A -t -U "$user" -d postgres -c 'SHOW server_version_num') || exit 1
for db do
  if [ "$version" -ge 130000 ]; then
    sql='DROP DATABASE IF EXISTS :"db" WITH (FORCE);'
  else
    sql="SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS :\"db\";"
  fi
  printf '%s\n' "$sql" | psql -X -q -v ON_ERROR_STOP=1 -U "$user" -d postgres -v db="$db" || exit 1
done"#;

/// Sets MYSQL_PWD from the container's root password variables, the first one set, reading a
/// `_FILE` variable's file. Without any, the client logs in as root without a password, which
/// Debian's packages allow over the socket. Then picks the client program: MariaDB 11 images
/// ship only the `mariadb-*` names.
const MYSQL_LOGIN_PREAMBLE: &str = r#"if [ -n "${MARIADB_ROOT_PASSWORD_FILE:-}" ]; then MYSQL_PWD=$(cat "$MARIADB_ROOT_PASSWORD_FILE") || exit 1; export MYSQL_PWD
elif [ -n "${MYSQL_ROOT_PASSWORD_FILE:-}" ]; then MYSQL_PWD=$(cat "$MYSQL_ROOT_PASSWORD_FILE") || exit 1; export MYSQL_PWD
elif [ -n "${MARIADB_ROOT_PASSWORD:-}" ]; then MYSQL_PWD=$MARIADB_ROOT_PASSWORD; export MYSQL_PWD
elif [ -n "${MYSQL_ROOT_PASSWORD:-}" ]; then MYSQL_PWD=$MYSQL_ROOT_PASSWORD; export MYSQL_PWD
fi
pick() { for program in "$@"; do if command -v "$program" >/dev/null 2>&1; then echo "$program"; return 0; fi; done; echo "none of $* is installed in the container" >&2; exit 127; }
"#;

/// Dumps every database with routines and events in one consistent InnoDB snapshot.
const MYSQL_DUMP_COMMAND: &str = r#"dump=$(pick mysqldump mariadb-dump) || exit 127
exec "$dump" -u "$1" --all-databases --single-transaction --routines --events"#;

/// Loads an SQL dump from stdin.
const MYSQL_RESTORE_COMMAND: &str = r#"client=$(pick mysql mariadb) || exit 127
exec "$client" -u "$1""#;

/// Prints the name of every database, one per line.
const MYSQL_LIST_COMMAND: &str = r#"client=$(pick mysql mariadb) || exit 127
exec "$client" -u "$1" -N -B -e 'SHOW DATABASES'"#;

/// Exits 0 once the server accepts connections over TCP, for the reason given at
/// [`POSTGRES_READY_SCRIPT`] (the official images' set-up server uses `--skip-networking`).
/// `ping` exits 0 even when the login is refused, which still means the server is up.
const MYSQL_READY_COMMAND: &str = r#"admin=$(pick mysqladmin mariadb-admin) || exit 127
exec "$admin" --protocol=tcp -h 127.0.0.1 -u "$1" ping --silent"#;

/// Runs on the host: `$1` is the dump file, the rest is the dump command. The output goes
/// through gzip into `FILE.partial`, which is renamed to FILE only when both the dump and gzip
/// succeed, so a failed dump never leaves a file that looks complete. POSIX sh has no
/// pipefail, so the dump's exit status comes back on file descriptor 3. The file is created
/// readable by its owner only because it contains every row and password hash of the server.
const DUMP_TO_FILE_SCRIPT: &str = r#"out=$1
shift
partial="$out.partial"
umask 077
dump_status=$( { { "$@"; echo "$?" >&3; } | gzip -c >"$partial"; } 3>&1 )
gzip_status=$?
dump_status=${dump_status:-1}
if [ "$dump_status" -eq 0 ] && [ "$gzip_status" -eq 0 ] && mv -f -- "$partial" "$out"; then
  exit 0
fi
rm -f -- "$partial"
if [ "$dump_status" -ne 0 ]; then
  echo "the database dump failed with exit status $dump_status" >&2
  exit "$dump_status"
fi
echo "gzip could not write $partial (exit status $gzip_status)" >&2
exit 1"#;

/// Runs on the host: `$1` is the gzip dump file, the rest is the load command. Fails when
/// either gzip or the load fails, with the same exit status passing as in the dump script.
const RESTORE_FROM_FILE_SCRIPT: &str = r#"in=$1
shift
gzip_status=$( { { gzip -dc -- "$in"; echo "$?" >&3; } | "$@"; } 3>&1 )
load_status=$?
gzip_status=${gzip_status:-1}
if [ "$gzip_status" -ne 0 ]; then
  echo "could not read the dump $in (gzip exit status $gzip_status)" >&2
  exit 1
fi
if [ "$load_status" -ne 0 ]; then
  echo "loading the dump failed with exit status $load_status" >&2
fi
exit "$load_status""#;

/// The argv name (`$0`) of the scripts, shown by sh in its own error messages.
const SCRIPT_NAME: &str = "homeport-db";

/// The task of a command inside the database container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Dump,
    Restore,
    Ready,
    List,
    Drop,
}

fn container_script(engine: DatabaseEngine, action: Action) -> String {
    match (engine, action) {
        (DatabaseEngine::Postgres, Action::Dump) => POSTGRES_DUMP_SCRIPT.to_string(),
        (DatabaseEngine::Postgres, Action::Restore) => POSTGRES_RESTORE_SCRIPT.to_string(),
        (DatabaseEngine::Postgres, Action::Ready) => POSTGRES_READY_SCRIPT.to_string(),
        (DatabaseEngine::Postgres, Action::List) => POSTGRES_LIST_SCRIPT.to_string(),
        (DatabaseEngine::Postgres, Action::Drop) => POSTGRES_DROP_SCRIPT.to_string(),
        // MySQL dumps drop each table before creating it, so nothing calls this.
        (_, Action::Drop) => "exit 0".to_string(),
        (_, Action::Dump) => format!("{MYSQL_LOGIN_PREAMBLE}{MYSQL_DUMP_COMMAND}"),
        (_, Action::Restore) => format!("{MYSQL_LOGIN_PREAMBLE}{MYSQL_RESTORE_COMMAND}"),
        (_, Action::Ready) => format!("{MYSQL_LOGIN_PREAMBLE}{MYSQL_READY_COMMAND}"),
        (_, Action::List) => format!("{MYSQL_LOGIN_PREAMBLE}{MYSQL_LIST_COMMAND}"),
    }
}

fn validate_target(target: &DatabaseTarget) -> Result<()> {
    validate_container_ref(&target.container)?;
    let user_ok = !target.user.is_empty()
        && target
            .user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if !user_ok {
        return Err(Error::InvalidInput {
            field: "database user",
            value: target.user.clone(),
            reason: "use letters, digits, '_', '-', '.' or '@'".to_string(),
        });
    }
    Ok(())
}

/// `docker exec` of a script inside the database container, as an argv for the host.
fn exec_argv(docker: &DockerCli, target: &DatabaseTarget, action: Action) -> Result<Vec<String>> {
    validate_target(target)?;
    let mut argv = docker.argv()?;
    argv.push("exec".to_string());
    if action == Action::Restore {
        argv.push("-i".to_string());
    }
    if target.engine == DatabaseEngine::Postgres {
        if let Some(uid) = target.server_uid {
            argv.push("-u".to_string());
            argv.push(uid.to_string());
        }
    }
    argv.push(target.container.clone());
    argv.extend([
        "sh".to_string(),
        "-c".to_string(),
        container_script(target.engine, action),
        SCRIPT_NAME.to_string(),
        target.user.clone(),
    ]);
    Ok(argv)
}

/// Builds the argv that writes an uncompressed SQL dump of every database to stdout, for piping into
/// `restic backup --stdin --stdin-filename NAME`. Note that restic saves a snapshot even when
/// the dump fails half-way, so the caller must check this command's exit status and forget
/// that snapshot; [`dump_to_file_argv`] avoids the problem.
pub fn dump_argv(docker: &DockerCli, target: &DatabaseTarget) -> Result<Vec<String>> {
    exec_argv(docker, target, Action::Dump)
}

/// Builds the argv that loads an uncompressed SQL dump from stdin into the server.
pub fn restore_argv(docker: &DockerCli, target: &DatabaseTarget) -> Result<Vec<String>> {
    exec_argv(docker, target, Action::Restore)
}

/// Builds the argv that exits 0 once the server accepts connections, for polling after a container
/// starts.
pub fn ready_argv(docker: &DockerCli, target: &DatabaseTarget) -> Result<Vec<String>> {
    exec_argv(docker, target, Action::Ready)
}

/// Builds the argv that drops the named databases from a PostgreSQL server.
pub fn drop_databases_argv(docker: &DockerCli, target: &DatabaseTarget, names: &[String]) -> Result<Vec<String>> {
    let mut argv = exec_argv(docker, target, Action::Drop)?;
    argv.extend(names.iter().cloned());
    Ok(argv)
}

/// Builds the argv that prints the server's database names, one per line.
pub fn list_argv(docker: &DockerCli, target: &DatabaseTarget) -> Result<Vec<String>> {
    exec_argv(docker, target, Action::List)
}

/// Runs on the host: `$1` is a gzip dump. Prints the dump's `CREATE DATABASE` lines only, so a
/// dump of any size sends a few lines back.
const DUMP_DATABASES_SCRIPT: &str = r#"gzip -dc -- "$1" | grep -E '^CREATE DATABASE '"#;

/// Builds the argv, run on the host, that prints the `CREATE DATABASE` lines of the gzip dump
/// `path`. [`dump_database_names`] reads them.
pub fn dump_databases_argv(path: &str) -> Result<Vec<String>> {
    validate_dump_path(path)?;
    Ok(vec![
        "sh".to_string(),
        "-c".to_string(),
        DUMP_DATABASES_SCRIPT.to_string(),
        SCRIPT_NAME.to_string(),
        path.to_string(),
    ])
}

/// Returns the database names a dump creates, from its `CREATE DATABASE` lines, sorted.
/// pg_dumpall writes `CREATE DATABASE name WITH ...` with `"..."` around names that need it;
/// mysqldump writes `` CREATE DATABASE /*!32312 IF NOT EXISTS*/ `name` ... ``.
pub fn dump_database_names(lines: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in lines.lines() {
        let Some(rest) = line.strip_prefix("CREATE DATABASE ") else {
            continue;
        };
        let name = if let Some(start) = rest.find('`') {
            rest[start + 1..].split('`').next().map(str::to_string)
        } else if let Some(quoted) = rest.strip_prefix('"') {
            quoted.split('"').next().map(str::to_string)
        } else {
            rest.split([' ', ';']).next().map(str::to_string)
        };
        if let Some(name) = name.filter(|name| !name.is_empty()) {
            names.insert(name);
        }
    }
    names
}

fn validate_dump_path(path: &str) -> Result<()> {
    if !path.starts_with('/') || path.ends_with('/') || path.contains('\0') {
        return Err(Error::InvalidInput {
            field: "dump file",
            value: path.to_string(),
            reason: "give an absolute file path on the host, such as /var/backups/homeport/db.sql.gz".to_string(),
        });
    }
    Ok(())
}

/// Builds the argv, run on the host, that dumps the server into the gzip file `path`. The file
/// appears only when the dump succeeded; see [`DUMP_TO_FILE_SCRIPT`].
pub fn dump_to_file_argv(docker: &DockerCli, target: &DatabaseTarget, path: &str) -> Result<Vec<String>> {
    validate_dump_path(path)?;
    let mut argv = vec![
        "sh".to_string(),
        "-c".to_string(),
        DUMP_TO_FILE_SCRIPT.to_string(),
        SCRIPT_NAME.to_string(),
        path.to_string(),
    ];
    argv.extend(dump_argv(docker, target)?);
    Ok(argv)
}

/// Builds the argv, run on the host, that loads the gzip dump `path` into the server.
pub fn restore_from_file_argv(docker: &DockerCli, target: &DatabaseTarget, path: &str) -> Result<Vec<String>> {
    validate_dump_path(path)?;
    let mut argv = vec![
        "sh".to_string(),
        "-c".to_string(),
        RESTORE_FROM_FILE_SCRIPT.to_string(),
        SCRIPT_NAME.to_string(),
        path.to_string(),
    ];
    argv.extend(restore_argv(docker, target)?);
    Ok(argv)
}

/// Returns the dump's file name from container and engine, so dumps of several servers can share a
/// run's folder. Characters other than letters, digits, `.`, `_` and `-` become `_`.
pub fn dump_file_name(target: &DatabaseTarget) -> String {
    let container: String = target
        .container
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{container}.{}.sql.gz", target.engine.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_database_names_read_both_dialects() {
        let lines = "CREATE DATABASE app WITH TEMPLATE = template0 ENCODING = 'UTF8';\n\
CREATE DATABASE \"Mixed Case\" WITH TEMPLATE = template0;\n\
CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n\
CREATE TABLE not_a_database (id int);\n";
        let names: Vec<String> = dump_database_names(lines).into_iter().collect();
        assert_eq!(names, ["Mixed Case", "app", "shop"]);
    }

    fn facts(image: &str, env: &[&str], processes: Option<&[&str]>) -> ContainerFacts {
        let mut facts = ContainerFacts {
            image: image.to_string(),
            processes: processes.map(|list| list.iter().map(|line| (Some(999), line.to_string())).collect()),
            ..Default::default()
        };
        let env: Vec<String> = env.iter().map(|entry| entry.to_string()).collect();
        facts.set_environment(&env);
        facts
    }

    fn engine_of(facts: &ContainerFacts) -> Option<DatabaseEngine> {
        detect(facts).map(|(engine, _, _)| engine)
    }

    fn postgres_target() -> DatabaseTarget {
        DatabaseTarget {
            container: "db".to_string(),
            engine: DatabaseEngine::Postgres,
            user: "app".to_string(),
            server_uid: Some(999),
        }
    }

    fn mariadb_target() -> DatabaseTarget {
        DatabaseTarget {
            container: "maria".to_string(),
            engine: DatabaseEngine::Mariadb,
            user: "root".to_string(),
            server_uid: Some(101),
        }
    }

    #[test]
    fn image_repository_strips_registry_tag_digest() {
        assert_eq!(image_repository("postgres:16"), "postgres");
        assert_eq!(
            image_repository("docker.io/library/postgres:16-alpine"),
            "library/postgres"
        );
        assert_eq!(
            image_repository("registry.local:5000/team/MariaDB:11@sha256:abc"),
            "team/mariadb"
        );
        assert_eq!(image_repository("localhost/mysql"), "mysql");
        assert_eq!(image_repository("bitnami/postgresql"), "bitnami/postgresql");
    }

    #[test]
    fn postgres_by_process() {
        let found = facts(
            "homeport-lab/postgres:15",
            &["PGDATA=/var/lib/postgresql/15/main"],
            Some(&[
                "/usr/lib/postgresql/15/bin/postgres -D /x",
                "postgres: 15/main: checkpointer",
            ]),
        );
        let (engine, evidence, uid) = detect(&found).expect("detected");
        assert_eq!(engine, DatabaseEngine::Postgres);
        assert_eq!(uid, Some(999));
        assert!(evidence.contains(&Evidence::Process("postgres".to_string())));
        assert!(evidence.contains(&Evidence::Environment("PGDATA".to_string())));
        assert!(evidence.contains(&Evidence::Image("homeport-lab/postgres".to_string())));
    }

    #[test]
    fn postgres_process_under_any_image_name() {
        let found = facts("company/app-db:3", &[], Some(&["postgres -c shared_buffers=1GB"]));
        assert_eq!(engine_of(&found), Some(DatabaseEngine::Postgres));
    }

    #[test]
    fn mariadb_even_with_mysql_names() {
        let found = facts("mariadb:10.6", &["MYSQL_ROOT_PASSWORD=s3cret"], Some(&["mysqld"]));
        assert_eq!(engine_of(&found), Some(DatabaseEngine::Mariadb));
        let found = facts("custom:1", &[], Some(&["/usr/sbin/mariadbd --user=mysql"]));
        assert_eq!(engine_of(&found), Some(DatabaseEngine::Mariadb));
    }

    #[test]
    fn mysql_by_process() {
        let found = facts("mysql:8.4", &["MYSQL_ROOT_PASSWORD=x"], Some(&["mysqld"]));
        assert_eq!(engine_of(&found), Some(DatabaseEngine::Mysql));
    }

    #[test]
    fn app_with_client_settings_not_detected() {
        let found = facts(
            "nextcloud:29",
            &["POSTGRES_HOST=db", "POSTGRES_USER=nc", "MYSQL_HOST=db"],
            Some(&["apache2 -DFOREGROUND"]),
        );
        assert_eq!(engine_of(&found), None);
        // Without a process list the client variables still do not count.
        let found = facts("nextcloud:29", &["POSTGRES_HOST=db", "MYSQL_HOST=db"], None);
        assert_eq!(engine_of(&found), None);
    }

    #[test]
    fn exporter_image_not_detected() {
        let found = facts(
            "prometheuscommunity/postgres-exporter",
            &[],
            Some(&["/bin/postgres_exporter"]),
        );
        assert_eq!(engine_of(&found), None);
        assert_eq!(engine_of(&facts("prom/mysqld-exporter", &[], None)), None);
    }

    #[test]
    fn postgres_image_without_server_process() {
        // A postgres image running only a client: the process list decides.
        let found = facts("postgres:16", &[], Some(&["psql -h db"]));
        assert_eq!(engine_of(&found), None);
    }

    #[test]
    fn falls_back_to_image_without_process_list() {
        assert_eq!(
            engine_of(&facts("postgis/postgis:16", &[], None)),
            Some(DatabaseEngine::Postgres)
        );
        assert_eq!(
            engine_of(&facts("bitnami/mariadb", &[], None)),
            Some(DatabaseEngine::Mariadb)
        );
        assert_eq!(
            engine_of(&facts("app:1", &["PGDATA=/data"], None)),
            Some(DatabaseEngine::Postgres)
        );
        assert_eq!(engine_of(&facts("app:1", &[], None)), None);
    }

    #[test]
    fn conflicting_evidence_without_process_is_ignored() {
        let found = facts("postgres-and-mysql:1", &[], None);
        assert_eq!(engine_of(&found), None);
    }

    #[test]
    fn discovered_keeps_no_password() {
        let found = facts(
            "mariadb:11",
            &["MARIADB_ROOT_PASSWORD=Very-Secret-1", "MARIADB_DATABASE=app"],
            Some(&["mariadbd"]),
        );
        let database = discovered("abc123", "maria", &found).expect("detected");
        assert_eq!(database.target.user, "root");
        assert_eq!(database.password_variable.as_deref(), Some("MARIADB_ROOT_PASSWORD"));
        let debug = format!("{database:?} {found:?}");
        assert!(!debug.contains("Very-Secret-1"), "{debug}");
    }

    #[test]
    fn password_file_variable_preferred() {
        let found = facts(
            "mysql:8",
            &["MYSQL_ROOT_PASSWORD_FILE=/run/secrets/root", "MYSQL_ROOT_PASSWORD=x"],
            Some(&["mysqld"]),
        );
        let database = discovered("id", "mysql", &found).unwrap();
        assert_eq!(database.password_variable.as_deref(), Some("MYSQL_ROOT_PASSWORD_FILE"));
    }

    #[test]
    fn postgres_user_from_environment() {
        let found = facts(
            "postgres:16",
            &["POSTGRES_USER=app", "POSTGRES_PASSWORD=pw"],
            Some(&["postgres"]),
        );
        let database = discovered("id", "pg", &found).unwrap();
        assert_eq!(database.target.user, "app");
        assert_eq!(database.password_variable, None);
        let found = facts("postgres:16", &[], Some(&["postgres"]));
        assert_eq!(discovered("id", "pg", &found).unwrap().target.user, "postgres");
    }

    #[test]
    fn top_rows_by_title() {
        let titles = ["PID", "UID", "COMMAND"].map(String::from);
        let rows = vec![
            vec!["10".to_string(), "999".to_string(), "postgres -D /data".to_string()],
            vec!["11".to_string(), "x".to_string(), "sh".to_string()],
        ];
        assert_eq!(
            processes_from_top(&titles, &rows),
            [(Some(999), "postgres -D /data".to_string()), (None, "sh".to_string())]
        );
        assert!(processes_from_top(&["PID".to_string()], &rows).is_empty());
    }

    #[test]
    fn postgres_dump_argv() {
        let argv = dump_argv(&DockerCli::default(), &postgres_target()).unwrap();
        assert_eq!(
            argv,
            [
                "docker",
                "exec",
                "-u",
                "999",
                "db",
                "sh",
                "-c",
                POSTGRES_DUMP_SCRIPT,
                SCRIPT_NAME,
                "app"
            ]
        );
    }

    #[test]
    fn mariadb_dump_argv_has_no_password() {
        let docker = DockerCli {
            host: Some("unix:///run/docker.sock".to_string()),
        };
        let argv = dump_argv(&docker, &mariadb_target()).unwrap();
        assert_eq!(&argv[..5], ["docker", "-H", "unix:///run/docker.sock", "exec", "maria"]);
        let script = &argv[7];
        assert!(script.contains("--all-databases --single-transaction"), "{script}");
        assert!(script.contains("MYSQL_PWD=$MYSQL_ROOT_PASSWORD"), "{script}");
        assert_eq!(argv.last().unwrap(), "root");
    }

    #[test]
    fn restore_argv_reads_stdin() {
        let argv = restore_argv(&DockerCli::default(), &postgres_target()).unwrap();
        assert_eq!(&argv[..3], ["docker", "exec", "-i"]);
        assert!(argv.iter().any(|arg| arg.contains("psql -X -q")));
        let argv = restore_argv(&DockerCli::default(), &mariadb_target()).unwrap();
        // MySQL commands run as the exec's default user (root), not as the server's user.
        assert_eq!(&argv[..4], ["docker", "exec", "-i", "maria"]);
    }

    #[test]
    fn bad_inputs_rejected() {
        let mut target = postgres_target();
        target.user = "app; rm -rf /".to_string();
        let error = dump_argv(&DockerCli::default(), &target).unwrap_err();
        assert!(error.to_string().contains("database user"), "{error}");

        let mut target = postgres_target();
        target.container = "-e".to_string();
        assert!(dump_argv(&DockerCli::default(), &target).is_err());

        let docker = DockerCli {
            host: Some("--config=/x".to_string()),
        };
        let error = dump_argv(&docker, &postgres_target()).unwrap_err();
        assert!(error.to_string().contains("docker host"), "{error}");

        let error = dump_to_file_argv(&DockerCli::default(), &postgres_target(), "relative.sql.gz").unwrap_err();
        assert!(error.to_string().contains("absolute"), "{error}");
    }

    #[test]
    fn dump_file_name_is_safe() {
        let mut target = mariadb_target();
        target.container = "app/db:1".to_string();
        assert_eq!(dump_file_name(&target), "app_db_1.mariadb.sql.gz");
    }

    /// Runs a host script from this module with `sh`, with a fake dump or load command.
    fn run_host_script(script: &str, args: &[&str]) -> std::process::Output {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(SCRIPT_NAME)
            .args(args)
            .output()
            .expect("sh runs")
    }

    #[test]
    fn dump_script_keeps_only_complete_dumps() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("db.sql.gz");
        let out = out.to_str().unwrap();

        let ok = run_host_script(DUMP_TO_FILE_SCRIPT, &[out, "printf", "%s\\n", "CREATE TABLE t;"]);
        assert!(ok.status.success(), "{ok:?}");
        let text = std::process::Command::new("gzip").args(["-dc", out]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&text.stdout), "CREATE TABLE t;\n");
        let mode = std::fs::metadata(out).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);

        std::fs::remove_file(out).unwrap();
        let failed = run_host_script(DUMP_TO_FILE_SCRIPT, &[out, "sh", "-c", "echo partial; exit 3"]);
        assert_eq!(failed.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&failed.stderr).contains("exit status 3"));
        assert!(!std::path::Path::new(out).exists(), "a failed dump leaves no file");
        assert!(!std::path::Path::new(&format!("{out}.partial")).exists());
    }

    #[test]
    fn restore_script_passes_statuses() {
        let dir = tempfile::tempdir().unwrap();
        let dump = dir.path().join("db.sql.gz");
        let dump = dump.to_str().unwrap();
        let made = run_host_script(DUMP_TO_FILE_SCRIPT, &[dump, "echo", "SELECT 1;"]);
        assert!(made.status.success());

        let loaded = run_host_script(RESTORE_FROM_FILE_SCRIPT, &[dump, "grep", "-q", "SELECT 1;"]);
        assert!(loaded.status.success(), "{loaded:?}");

        let rejected = run_host_script(RESTORE_FROM_FILE_SCRIPT, &[dump, "sh", "-c", "cat >/dev/null; exit 5"]);
        assert_eq!(rejected.status.code(), Some(5));

        let missing = format!("{dump}.missing");
        let unreadable = run_host_script(RESTORE_FROM_FILE_SCRIPT, &[&missing, "cat"]);
        assert_eq!(unreadable.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&unreadable.stderr).contains("could not read the dump"));
    }
}
