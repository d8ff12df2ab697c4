//! Mail notifications through the user's SMTP server, with lettre.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::channel::SmtpSecurity;
use super::message::Message;
use crate::secrets::Secret;

/// The deadline of each SMTP command, as lettre applies it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// The parts of an SMTP channel a send needs.
pub struct SmtpTarget<'a> {
    pub host: &'a str,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: &'a str,
    pub password: Option<&'a Secret>,
    pub from: &'a str,
    pub to: &'a [String],
}

/// Sends `message` as a plain-text mail and returns the server's reply code (250 when the
/// server accepted it). Errors return the reply code when the server sent one.
pub async fn send(target: &SmtpTarget<'_>, message: &Message) -> Result<u16, (Option<u16>, String)> {
    let mail = build(target, message).map_err(|detail| (None, detail))?;

    let builder = match target.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(target.host),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(target.host)
            .map_err(|err| (None, format!("cannot set up STARTTLS: {err}")))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(target.host)
            .map_err(|err| (None, format!("cannot set up TLS: {err}")))?,
    };
    let mut builder = builder.port(target.port).timeout(Some(COMMAND_TIMEOUT));
    if !target.username.is_empty() {
        let password = target
            .password
            .map(|secret| secret.expose().to_string())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(target.username.to_string(), password));
    }
    let transport = builder.build();

    match transport.send(mail).await {
        Ok(response) => Ok(u16::from(response.code())),
        Err(err) => {
            let code = err.status().map(u16::from);
            Err((code, crate::template_sources::fetch::error_chain(&err)))
        }
    }
}

fn build(target: &SmtpTarget<'_>, message: &Message) -> Result<lettre::Message, String> {
    let parse = |address: &str| {
        address
            .parse::<Mailbox>()
            .map_err(|err| format!("'{address}' is not a valid mail address ({err})"))
    };
    let mut builder = lettre::Message::builder()
        .from(parse(target.from)?)
        .subject(message.title.as_str())
        .header(ContentType::TEXT_PLAIN);
    for recipient in target.to {
        builder = builder.to(parse(recipient)?);
    }
    builder
        .body(message.body.clone())
        .map_err(|err| format!("cannot build the mail: {err}"))
}
