//! SSH connections to hosts, built on `russh` (pure Rust, async, so nothing blocks the runtime).
//!
//! [`connect`] opens a session, verifies the host key against the one the user trusted, and
//! authenticates with a key file, the ssh-agent or a password. A session then runs remote
//! commands ([`SshSession::exec`], arguments quoted in [`quote`]) and opens channels to Unix
//! sockets on the host, which is how Docker is reached.

mod auth;
pub use auth::load_key;
mod hostkey;
pub mod quote;
mod session;

pub use hostkey::{fingerprint_of, KeyPolicy, SeenKey};
pub use session::{connect, ExecOutput, SshAuth, SshSession, SshTarget};
