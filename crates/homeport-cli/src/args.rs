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
}

#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Connect to a server over SSH and save it as a host.
    Add(HostAdd),
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
    /// Read the password (or key passphrase) from the first line of stdin.
    #[arg(long)]
    pub secret_stdin: bool,
    /// Trust the host key with this fingerprint (`SHA256:…`). Without it, an unknown key is
    /// printed and nothing is saved.
    #[arg(long)]
    pub trust: Option<String>,
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
