//! SSH connections to hosts, built on `russh` (pure Rust, async, so nothing blocks the runtime).
//!
//! [`connect`] opens a session, verifies the host key against the one the user trusted, and
//! authenticates with a key file, the ssh-agent or a password. A session then runs remote
//! commands ([`SshSession::exec`], arguments quoted in [`quote`]) and opens channels to Unix
//! sockets on the host, which is how Docker is reached.

mod auth;
pub use auth::load_key;
mod hostkey;
mod pty;
pub mod quote;
mod session;
pub mod sftp;
mod stream;

pub use hostkey::{fingerprint_of, KeyPolicy, SeenKey};
pub use pty::{
    open_pty, validate_container_ref, Pty, PtyControl, PtyEvent, PtyExit, PtyProgram, PtySize, MAX_PTY_DIMENSION, TERM,
};
pub use session::{connect, connect_via, ExecOutput, SshAuth, SshSession, SshTarget};
pub use stream::{LineSplitter, OutputStream, StreamExit};
// Container terminals (docker/exec.rs) build their Pty from the same queues.
pub(crate) use pty::{pty_queues, PtyInput};
