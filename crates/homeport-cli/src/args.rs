//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Manage Homeport hosts and their Docker containers from the shell.
#[derive(Debug, Parser)]
#[command(name = "homeport", version = long_version(), about)]
pub struct Cli {
    /// Print machine-readable JSON (schema in docs/cli.md) instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

fn long_version() -> &'static str {
    let (version, commit) = homeport_api::version();
    Box::leak(format!("{version} ({commit})").into_boxed_str())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, check and remove hosts.
    #[command(subcommand)]
    Host(HostCommand),
    /// List and control the containers of a host.
    #[command(subcommand)]
    Container(ContainerCommand),
    /// See every host at once.
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// List and control the Compose projects (stacks) of a host.
    #[command(subcommand)]
    Stack(StackCommand),
    /// Browse and render stack templates, and import Portainer and CasaOS templates.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Recommend an orchestrator for the homelab.
    #[command(subcommand)]
    Orchestrator(crate::orchestrators::OrchestratorCommand),
    /// Show the rollout plan's checklist with what is done, and tick items by hand.
    Rollout(crate::orchestrators::RolloutArgs),
    /// Calculate the cost and payback of self-hosting.
    #[command(subcommand)]
    Cost(crate::cost::CostCommand),
    /// Collect host and container metrics, query them and draw charts.
    #[command(subcommand)]
    Metrics(crate::metrics::MetricsCommand),
    /// List, acknowledge, silence, resolve and comment on alerts.
    #[command(subcommand)]
    Alerts(crate::alerts::AlertsCommand),
    /// List and change alert rules; import and export Prometheus rule files.
    #[command(subcommand)]
    Rules(crate::alerts::RulesCommand),
    /// Back up with restic: plans, runs, snapshots, restores and restore drills.
    #[command(subcommand)]
    Backup(crate::backup::BackupCommand),
    /// Export Homeport's configuration to a file, or import one, without secrets.
    #[command(subcommand)]
    Config(crate::config::ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// List the built-in templates, then the imported ones with their source.
    Ls,
    /// Print a template's description, parameters (with the reason for each default) and
    /// compose.yaml.
    Show {
        /// Template id, such as jellyfin, or SOURCE/ID for an imported template, such as 2/web.
        id: String,
    },
    /// Fill in a template's parameters. Prints compose.yaml, or with --out writes
    /// compose.yaml, .env (generated passwords included, mode 0600) and the other files.
    Render {
        /// Template id, such as jellyfin, or SOURCE/ID for an imported template, such as 2/web.
        id: String,
        /// A parameter value as NAME=VALUE; repeat for more.
        #[arg(long = "set")]
        values: Vec<String>,
        /// A new or empty folder to write the stack's files into.
        #[arg(long)]
        out: Option<String>,
    },
    /// Import a Portainer App Templates file (JSON, versions 1 to 3) or a CasaOS app (a
    /// Compose file with x-casaos, an app folder, or a folder of app folders). A broken file
    /// is reported with its line and column, and nothing is imported.
    Import {
        /// A file or folder path, or an http(s) URL.
        location: String,
    },
    /// List the imported template sources with their ids.
    Sources,
    /// Read an imported source again from its file or URL and replace its templates.
    RefreshSource {
        /// Source id, as `homeport template sources` lists it.
        id: i64,
    },
    /// Remove an imported source and its templates. Deployed stacks stay on their hosts.
    RemoveSource {
        /// Source id, as `homeport template sources` lists it.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Check Compose files and list every problem; exit status 1 when any is an error.
    Validate(ComposeFiles),
    /// Turn a docker run command into a Compose service, listing what became of every flag.
    /// Give the command after --, or - to read it from stdin.
    FromRun {
        #[arg(required = true, allow_hyphen_values = true, trailing_var_arg = true)]
        command: Vec<String>,
    },
    /// Convert Compose files for another orchestrator: a Docker Swarm stack file, Kubernetes or
    /// K3s manifests, or a Nomad job. Prints the file without --out; what the target cannot
    /// express goes to stderr as warnings (in the output with --json).
    Export(StackExport),
    /// Print the normalised, interpolated and merged model, as docker compose config does.
    Config {
        #[command(flatten)]
        files: ComposeFiles,
        /// Activate this profile; repeat for more.
        #[arg(long = "profile")]
        profiles: Vec<String>,
    },
    /// List the Compose projects on a host, including ones made with docker compose.
    Ls {
        /// Host name or id.
        #[arg(long)]
        host: String,
    },
    /// Start every container of a stack, in the order Compose created them.
    Start(StackTarget),
    /// Stop every container of a stack, newest first.
    Stop(StackTarget),
    /// Stop, then start every container of a stack.
    Restart(StackTarget),
    /// Deploy Compose files to a host so that docker compose lists the stack. Stage lines go to
    /// stderr (JSON lines with --json); Ctrl-C cancels and removes what the deploy created.
    Deploy(StackDeploy),
    /// Compare each service's image with the digest its registry has now, asked through the
    /// host's engine. Nothing is pulled or changed.
    Updates(StackTarget),
    /// Pull the newer images and replace only the containers of services whose image changed,
    /// keeping their Compose labels. Stage lines go to stderr (JSON lines with --json); Ctrl-C
    /// cancels and puts the old containers back.
    Update {
        #[command(flatten)]
        target: StackTarget,
        /// Consider only this service; repeat for more. Every service when unset.
        #[arg(long = "service")]
        services: Vec<String>,
    },
    /// Stop and remove a stack's containers and networks, as docker compose down does.
    Down {
        #[command(flatten)]
        target: StackTarget,
        /// Remove the stack's named volumes too, and with them its data.
        #[arg(long)]
        volumes: bool,
    },
}

#[derive(Debug, Args)]
pub struct ComposeFiles {
    /// The Compose file, then override files in order.
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Read variables from this file instead of the project's .env.
    #[arg(long)]
    pub env_file: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackExport {
    #[command(flatten)]
    pub files: ComposeFiles,
    /// swarm, kubernetes, k3s or nomad.
    #[arg(long = "to", value_parser = ["swarm", "kubernetes", "k3s", "nomad"])]
    pub target: String,
    /// Write the files into this folder (created when missing) instead of printing them. A
    /// failed export leaves the folder as it was.
    #[arg(long)]
    pub out: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackDeploy {
    #[command(flatten)]
    pub files: ComposeFiles,
    /// Host name or id.
    #[arg(long)]
    pub host: String,
    /// The Compose project name on the host; the project's own name when unset.
    #[arg(long)]
    pub name: Option<String>,
    /// Activate this profile; repeat for more.
    #[arg(long = "profile")]
    pub profiles: Vec<String>,
    /// A file the services need, relative to the first Compose file's folder; repeat for more.
    #[arg(long = "extra-file")]
    pub extra_files: Vec<String>,
    /// The folder on SSH hosts that contains each stack's folder.
    #[arg(long, default_value = "/opt/stacks")]
    pub base_dir: String,
    /// Print what the deploy would create, replace or keep per service, and change nothing.
    #[arg(long)]
    pub preview: bool,
}

#[derive(Debug, Args)]
pub struct StackTarget {
    /// The stack's Compose project name.
    pub name: String,
    /// Host name or id.
    #[arg(long)]
    pub host: String,
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Connect to every host at once and print its state and container counts.
    Status {
        /// Seconds each host may take before it counts as unreachable.
        #[arg(long, default_value_t = 5.0)]
        timeout: f64,
    },
}

#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Connect to a server over SSH and save it as a host.
    Add(HostAdd),
    /// Save a Docker engine reached without SSH: a socket on this machine, or a TCP endpoint.
    AddEngine(HostAddEngine),
    /// List saved hosts, and the local Docker engine when present.
    List,
    /// Remove a host and its keychain entry.
    Remove {
        /// Host name or id.
        host: String,
    },
    /// Connect to a host's Docker engine and print its version.
    Check {
        /// Host name or id.
        host: String,
    },
    /// Print a host's OS, kernel, CPU, memory, filesystems, Docker version and uptime.
    Facts {
        /// Host name or id.
        host: String,
        /// Print the facts read last time, without connecting; fails when none were read yet.
        #[arg(long)]
        cached: bool,
    },
    /// Copy a local file to a host over SFTP, replacing the file there only once it is complete.
    Put {
        /// Host name or id.
        host: String,
        /// The local file to copy.
        local: String,
        /// The absolute path to write on the host.
        remote: String,
    },
    /// Copy a file from a host over SFTP, replacing the local file only once it is complete.
    Get {
        /// Host name or id.
        host: String,
        /// The absolute path of the file on the host.
        remote: String,
        /// The local file to write.
        local: String,
    },
    /// Import hosts from an OpenSSH client configuration, with keys from known_hosts.
    ImportSshConfig(ImportSshConfig),
    /// Import the engines of Docker CLI contexts and DOCKER_HOST (ssh://, unix:// and tcp://).
    ImportDocker(ImportDocker),
    /// Trust a host's new SSH key after you verified its fingerprint out of band.
    ReplaceKey {
        /// Host name or id.
        host: String,
        /// The new key's fingerprint, as `SHA256:…`.
        #[arg(long)]
        fingerprint: String,
    },
}

#[derive(Debug, Args)]
pub struct HostAdd {
    /// A name for the host, used by other commands.
    #[arg(long)]
    pub name: String,
    /// Host name or IP address of the SSH server.
    #[arg(long)]
    pub address: String,
    /// SSH port.
    #[arg(long, default_value_t = 22)]
    pub port: u32,
    /// Login user.
    #[arg(long)]
    pub user: String,
    /// Authentication method.
    #[arg(long, value_enum)]
    pub auth: AuthArg,
    /// Private key file, for `--auth key`.
    #[arg(long)]
    pub key_file: Option<String>,
    /// Docker socket path on the host [default: /var/run/docker.sock].
    #[arg(long)]
    pub docker_socket: Option<String>,
    /// A saved host (name or id) to reach this one through, as OpenSSH's ProxyJump does.
    #[arg(long)]
    pub jump_host: Option<String>,
    /// Group shown in the fleet view.
    #[arg(long)]
    pub group: Option<String>,
    /// Tag for the fleet view; repeat for more than one.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Read the password (or key passphrase) from the first line of stdin.
    #[arg(long)]
    pub secret_stdin: bool,
    /// Trust the host key with this fingerprint (`SHA256:…`). Without it, an unknown key is
    /// printed and nothing is saved.
    #[arg(long)]
    pub trust: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("endpoint").required(true).args(["socket", "tcp"])))]
pub struct HostAddEngine {
    /// A name for the host, used by other commands.
    #[arg(long)]
    pub name: String,
    /// The engine's Unix socket on this machine, such as /run/user/1000/docker.sock.
    #[arg(long)]
    pub socket: Option<String>,
    /// The engine's TCP endpoint as HOST:PORT ([IPV6]:PORT for IPv6 addresses).
    #[arg(long)]
    pub tcp: Option<String>,
    /// CA certificate that signed the engine's certificate; turns on TLS.
    #[arg(long, requires = "tcp")]
    pub tls_ca: Option<String>,
    /// Client certificate for an engine that requires one (dockerd --tlsverify).
    #[arg(long, requires_all = ["tls_ca", "tls_key"])]
    pub tls_cert: Option<String>,
    /// Private key of the client certificate. Its path is saved; the key is never copied.
    #[arg(long, requires_all = ["tls_ca", "tls_cert"])]
    pub tls_key: Option<String>,
    /// Group shown in the fleet view.
    #[arg(long)]
    pub group: Option<String>,
    /// Tag for the fleet view; repeat for more than one.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportSshConfig {
    /// The configuration file to read [default: ~/.ssh/config].
    #[arg(long)]
    pub file: Option<String>,
    /// A known_hosts file to read instead of ~/.ssh/known_hosts and known_hosts2; repeat for
    /// more.
    #[arg(long = "known-hosts")]
    pub known_hosts: Vec<String>,
    /// Print what would be imported and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import only if the files still give the preview with this digest (the `digest` field of
    /// `--dry-run --json`), so what is written is exactly what was reviewed.
    #[arg(long)]
    pub digest: Option<String>,
    /// Import only this alias (and the jump hosts it needs); repeat for more. Without it, every
    /// host the preview recommends is imported.
    #[arg(long = "alias")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportDocker {
    /// The Docker configuration folder with config.json and contexts [default: $DOCKER_CONFIG,
    /// else ~/.docker].
    #[arg(long)]
    pub docker_config: Option<String>,
    /// The SSH configuration that resolves ssh:// contexts, as the docker CLI's ssh does
    /// [default: ~/.ssh/config].
    #[arg(long)]
    pub ssh_config: Option<String>,
    /// A known_hosts file to read instead of ~/.ssh/known_hosts and known_hosts2; repeat for
    /// more.
    #[arg(long = "known-hosts")]
    pub known_hosts: Vec<String>,
    /// Print what would be imported and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import only if the contexts still give the preview with this digest (the `digest` field
    /// of `--dry-run --json`).
    #[arg(long)]
    pub digest: Option<String>,
    /// Import only this context (DOCKER_HOST for the environment's endpoint); repeat for more.
    /// Without it, every engine the preview recommends is imported.
    #[arg(long = "context")]
    pub contexts: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AuthArg {
    Key,
    Agent,
    Password,
}

impl From<AuthArg> for homeport_api::AuthMethod {
    fn from(auth: AuthArg) -> Self {
        match auth {
            AuthArg::Key => homeport_api::AuthMethod::Key,
            AuthArg::Agent => homeport_api::AuthMethod::Agent,
            AuthArg::Password => homeport_api::AuthMethod::Password,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// List all containers of a host.
    Ls {
        /// Host name or id.
        #[arg(long)]
        host: String,
    },
    /// Start a container.
    Start(ContainerTarget),
    /// Stop a container (SIGTERM, then SIGKILL after 10 s).
    Stop(ContainerTarget),
    /// Restart a container.
    Restart(ContainerTarget),
    /// Remove a stopped container.
    Rm(ContainerTarget),
    /// Print a container's logs.
    Logs {
        #[command(flatten)]
        target: ContainerTarget,
        /// Number of lines from the end; 0 prints all.
        #[arg(long, default_value_t = 100)]
        tail: u32,
        /// Keep printing new lines until Ctrl-C.
        #[arg(long, short)]
        follow: bool,
    },
}

#[derive(Debug, Args)]
pub struct ContainerTarget {
    /// Host name or id.
    #[arg(long)]
    pub host: String,
    /// Container name or id.
    pub container: String,
}
