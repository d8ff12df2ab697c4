//! User authentication: key file, ssh-agent or password.

use std::sync::Arc;

use russh::client::{AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::agent::client::AgentClient;
use russh::keys::agent::AgentIdentity;
use russh::keys::PrivateKeyWithHashAlg;
use russh::MethodKind;

use super::session::{SshAuth, SshTarget, Verifier};
use crate::error::{Error, Result};

pub(crate) async fn authenticate(handle: &mut Handle<Verifier>, target: &SshTarget) -> Result<()> {
    let accepted = match &target.auth {
        SshAuth::Password(password) => authenticate_with_password(handle, target, password.expose()).await?,
        SshAuth::Key { path, passphrase } => {
            let key = load_key(path, passphrase.as_ref().map(|secret| secret.expose()))?;
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .map_err(|err| transport(target, err))?
                .flatten();
            let result = handle
                .authenticate_publickey(&target.user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
                .await
                .map_err(|err| transport(target, err))?;
            result.success()
        }
        SshAuth::Agent => authenticate_with_agent(handle, target).await?,
    };

    if !accepted {
        return Err(Error::AuthFailed {
            host: target.address.clone(),
            user: target.user.clone(),
            method: target.auth.method_name(),
        });
    }
    Ok(())
}

/// The maximum number of keyboard-interactive rounds. PAM requests the password once, so a
/// server that sends more requests expects something a stored password cannot give.
const MAX_KEYBOARD_INTERACTIVE_ROUNDS: usize = 4;

/// Tries the `password` method, then `keyboard-interactive` when the server offers it, as
/// OpenSSH does for a server whose PAM stack asks for the password (common with
/// `UsePAM yes` and `PasswordAuthentication no`).
async fn authenticate_with_password(handle: &mut Handle<Verifier>, target: &SshTarget, password: &str) -> Result<bool> {
    let result = handle
        .authenticate_password(&target.user, password)
        .await
        .map_err(|err| transport(target, err))?;
    let remaining = match result {
        AuthResult::Success => return Ok(true),
        AuthResult::Failure { remaining_methods, .. } => remaining_methods,
    };
    if !remaining.contains(&MethodKind::KeyboardInteractive) {
        return Ok(false);
    }

    let mut response = handle
        .authenticate_keyboard_interactive_start(&target.user, None)
        .await
        .map_err(|err| transport(target, err))?;
    for _ in 0..MAX_KEYBOARD_INTERACTIVE_ROUNDS {
        let prompts = match response {
            KeyboardInteractiveAuthResponse::Success => return Ok(true),
            KeyboardInteractiveAuthResponse::Failure { .. } => return Ok(false),
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => prompts,
        };
        // An info request without prompts (a banner) gets an empty response. Each hidden
        // prompt gets the password. A visible prompt, such as a user name or a one-time code
        // with echo, cannot be filled from the keychain, so the login fails instead.
        if prompts.iter().any(|prompt| prompt.echo) {
            tracing::info!(
                prompts = prompts.len(),
                "keyboard-interactive requests visible input, which Homeport cannot supply"
            );
            return Ok(false);
        }
        let answers = prompts.iter().map(|_| password.to_string()).collect();
        response = handle
            .authenticate_keyboard_interactive_respond(answers)
            .await
            .map_err(|err| transport(target, err))?;
    }
    Ok(false)
}

/// Reads and decrypts a private key file.
pub fn load_key(path: &std::path::Path, passphrase: Option<&str>) -> Result<russh::keys::PrivateKey> {
    let text = std::fs::read_to_string(path).map_err(|err| Error::KeyFileUnreadable {
        path: path.display().to_string(),
        detail: err.to_string(),
    })?;
    match russh::keys::decode_secret_key(&text, passphrase) {
        Ok(key) => Ok(key),
        Err(russh::keys::Error::KeyIsEncrypted) => Err(Error::PassphraseWrong {
            path: path.display().to_string(),
        }),
        // An encrypted key decoded with the wrong passphrase fails its integrity check, which
        // surfaces as a decoding error rather than a dedicated variant.
        Err(_) if passphrase.is_some() => Err(Error::PassphraseWrong {
            path: path.display().to_string(),
        }),
        Err(err) => Err(Error::KeyFileUnreadable {
            path: path.display().to_string(),
            detail: err.to_string(),
        }),
    }
}

/// Tries each identity the agent holds, as OpenSSH does, until the server accepts one.
async fn authenticate_with_agent(handle: &mut Handle<Verifier>, target: &SshTarget) -> Result<bool> {
    let mut agent = AgentClient::connect_env()
        .await
        .map_err(|err| Error::AgentUnavailable {
            detail: err.to_string(),
        })?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|err| Error::AgentUnavailable {
            detail: err.to_string(),
        })?;
    if identities.is_empty() {
        return Err(Error::AgentUnavailable {
            detail: "the agent holds no keys".into(),
        });
    }

    let hash = handle
        .best_supported_rsa_hash()
        .await
        .map_err(|err| transport(target, err))?
        .flatten();
    for identity in identities {
        let AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        match handle
            .authenticate_publickey_with(&target.user, key, hash, &mut agent)
            .await
        {
            Ok(AuthResult::Success) => return Ok(true),
            Ok(AuthResult::Failure { .. }) => continue,
            Err(err) => tracing::debug!(error = %err, "agent identity failed"),
        }
    }
    Ok(false)
}

fn transport(target: &SshTarget, err: russh::Error) -> Error {
    Error::HostUnreachable {
        host: target.address.clone(),
        port: target.port,
        detail: err.to_string(),
    }
}
