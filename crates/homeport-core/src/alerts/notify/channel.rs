//! Notification channels: their kinds, the settings kept in the database, and the secrets
//! each kind keeps in the OS keychain.

use crate::error::{Error, Result};

/// The services Homeport sends notifications to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Ntfy,
    Gotify,
    Webhook,
    Smtp,
    Telegram,
    DingTalk,
    WeCom,
    Feishu,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 8] = [
        ChannelKind::Ntfy,
        ChannelKind::Gotify,
        ChannelKind::Webhook,
        ChannelKind::Smtp,
        ChannelKind::Telegram,
        ChannelKind::DingTalk,
        ChannelKind::WeCom,
        ChannelKind::Feishu,
    ];

    /// Returns the stored spelling, the same as the serde one.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Ntfy => "ntfy",
            ChannelKind::Gotify => "gotify",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Smtp => "smtp",
            ChannelKind::Telegram => "telegram",
            ChannelKind::DingTalk => "dingtalk",
            ChannelKind::WeCom => "wecom",
            ChannelKind::Feishu => "feishu",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or_else(|| Error::Storage(format!("unknown notification channel kind '{value}' in the database")))
    }

    /// Returns the secrets this kind uses, each with whether a message cannot be sent without it.
    pub fn secret_fields(self) -> &'static [(SecretField, bool)] {
        match self {
            ChannelKind::Ntfy => &[(SecretField::Token, false)],
            ChannelKind::Gotify => &[(SecretField::Token, true)],
            ChannelKind::Webhook => &[(SecretField::Url, true), (SecretField::Token, false)],
            ChannelKind::Smtp => &[(SecretField::Password, false)],
            ChannelKind::Telegram => &[(SecretField::Token, true)],
            ChannelKind::DingTalk | ChannelKind::Feishu => {
                &[(SecretField::Url, true), (SecretField::SigningSecret, false)]
            }
            ChannelKind::WeCom => &[(SecretField::Url, true)],
        }
    }
}

/// A secret of a channel, stored in the keychain under `notify/<channel id>/<field>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SecretField {
    /// A webhook URL whose path or query contains the key (DingTalk, WeCom, Feishu, webhook).
    Url,
    /// An access token: ntfy, Gotify application token, Telegram bot token, webhook bearer.
    Token,
    /// The signing secret of a DingTalk or Feishu bot (`SEC…` for DingTalk).
    SigningSecret,
    /// The SMTP password.
    Password,
}

impl SecretField {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretField::Url => "url",
            SecretField::Token => "token",
            SecretField::SigningSecret => "signingSecret",
            SecretField::Password => "password",
        }
    }
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP, for a relay on the local network. Credentials travel unencrypted.
    None,
    /// STARTTLS on the submission port (587), required: a server without it is an error.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// The settings of a channel that are not secret, kept in `notify_channels.settings`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ChannelSettings {
    /// Publishes to `topic` on an ntfy server, such as `https://ntfy.sh`.
    Ntfy {
        server: String,
        topic: String,
    },
    /// Posts to a Gotify server's `/message` endpoint.
    Gotify {
        server: String,
    },
    /// Posts Homeport's own JSON to a URL kept in the keychain.
    Webhook {},
    #[serde(rename_all = "camelCase")]
    Smtp {
        host: String,
        port: u16,
        security: SmtpSecurity,
        /// The login; empty to send without authentication.
        username: String,
        from: String,
        to: Vec<String>,
    },
    /// Sends to `chat_id` through the Bot API at `api_url` (`https://api.telegram.org`, or a
    /// self-hosted Bot API server).
    #[serde(rename_all = "camelCase")]
    Telegram {
        api_url: String,
        chat_id: String,
    },
    #[serde(rename = "dingtalk")]
    DingTalk {},
    #[serde(rename = "wecom")]
    WeCom {},
    Feishu {},
}

impl ChannelSettings {
    pub fn kind(&self) -> ChannelKind {
        match self {
            ChannelSettings::Ntfy { .. } => ChannelKind::Ntfy,
            ChannelSettings::Gotify { .. } => ChannelKind::Gotify,
            ChannelSettings::Webhook {} => ChannelKind::Webhook,
            ChannelSettings::Smtp { .. } => ChannelKind::Smtp,
            ChannelSettings::Telegram { .. } => ChannelKind::Telegram,
            ChannelSettings::DingTalk {} => ChannelKind::DingTalk,
            ChannelSettings::WeCom {} => ChannelKind::WeCom,
            ChannelSettings::Feishu {} => ChannelKind::Feishu,
        }
    }

    /// Checks every field and returns the settings with whitespace trimmed and trailing
    /// slashes removed from server URLs.
    pub fn validated(&self) -> Result<Self> {
        let settings = match self {
            ChannelSettings::Ntfy { server, topic } => {
                let topic = topic.trim();
                if topic.is_empty() || topic.contains('/') || topic.len() > 64 {
                    return Err(invalid(
                        "topic",
                        topic,
                        "enter a topic name of 1 to 64 characters without '/'",
                    ));
                }
                ChannelSettings::Ntfy {
                    server: http_url("server", server)?,
                    topic: topic.to_string(),
                }
            }
            ChannelSettings::Gotify { server } => ChannelSettings::Gotify {
                server: http_url("server", server)?,
            },
            ChannelSettings::Smtp {
                host,
                port,
                security,
                username,
                from,
                to,
            } => {
                let host = host.trim();
                if host.is_empty() || host.contains(char::is_whitespace) {
                    return Err(invalid("host", host, "enter the SMTP server's host name or address"));
                }
                if *port == 0 {
                    return Err(invalid(
                        "port",
                        "0",
                        "enter the SMTP port, usually 587 (STARTTLS) or 465 (TLS)",
                    ));
                }
                let from = mailbox("from", from)?;
                let to = to
                    .iter()
                    .filter(|address| !address.trim().is_empty())
                    .map(|address| mailbox("to", address))
                    .collect::<Result<Vec<_>>>()?;
                if to.is_empty() {
                    return Err(invalid("to", "", "enter at least one recipient address"));
                }
                ChannelSettings::Smtp {
                    host: host.to_string(),
                    port: *port,
                    security: *security,
                    username: username.trim().to_string(),
                    from,
                    to,
                }
            }
            ChannelSettings::Telegram { api_url, chat_id } => {
                let chat_id = chat_id.trim();
                let numeric = chat_id.strip_prefix('-').unwrap_or(chat_id);
                let valid = (!numeric.is_empty() && numeric.chars().all(|c| c.is_ascii_digit()))
                    || (chat_id.starts_with('@') && chat_id.len() > 1);
                if !valid {
                    return Err(invalid(
                        "chatId",
                        chat_id,
                        "enter a numeric chat id (negative for groups) or @channelname",
                    ));
                }
                let api_url = if api_url.trim().is_empty() {
                    TELEGRAM_API_URL.to_string()
                } else {
                    http_url("apiUrl", api_url)?
                };
                ChannelSettings::Telegram {
                    api_url,
                    chat_id: chat_id.to_string(),
                }
            }
            other @ (ChannelSettings::Webhook {}
            | ChannelSettings::DingTalk {}
            | ChannelSettings::WeCom {}
            | ChannelSettings::Feishu {}) => other.clone(),
        };
        Ok(settings)
    }
}

/// The public Telegram Bot API.
pub const TELEGRAM_API_URL: &str = "https://api.telegram.org";

/// A channel as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub settings: ChannelSettings,
    /// The secret fields that have a keychain entry, as recorded when they were saved.
    pub secrets_set: Vec<SecretField>,
}

/// Checks an http or https URL and returns it without a trailing slash.
pub(crate) fn http_url(field: &'static str, value: &str) -> Result<String> {
    let trimmed = value.trim().trim_end_matches('/');
    match url::Url::parse(trimmed) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(trimmed.to_string()),
        Ok(_) => Err(invalid(field, trimmed, "enter an http:// or https:// address")),
        Err(err) => Err(invalid(field, trimmed, &format!("not a valid URL ({err})"))),
    }
}

fn mailbox(field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    match value.parse::<lettre::message::Mailbox>() {
        Ok(_) => Ok(value.to_string()),
        Err(err) => Err(invalid(field, value, &format!("not a valid mail address ({err})"))),
    }
}

fn invalid(field: &'static str, value: &str, reason: &str) -> Error {
    Error::InvalidInput {
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_json() {
        let settings = ChannelSettings::Telegram {
            api_url: TELEGRAM_API_URL.into(),
            chat_id: "-100123".into(),
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"telegram","apiUrl":"https://api.telegram.org","chatId":"-100123"}"#
        );
        assert_eq!(serde_json::from_str::<ChannelSettings>(&json).unwrap(), settings);
        let ding: ChannelSettings = serde_json::from_str(r#"{"kind":"dingtalk"}"#).unwrap();
        assert_eq!(ding.kind(), ChannelKind::DingTalk);
    }

    #[test]
    fn kind_spelling_matches_serde() {
        for kind in ChannelKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(ChannelKind::parse(kind.as_str()).unwrap(), kind);
        }
    }

    #[test]
    fn validation_rejects_bad_fields() {
        let bad_topic = ChannelSettings::Ntfy {
            server: "https://ntfy.sh".into(),
            topic: "a/b".into(),
        };
        assert!(matches!(
            bad_topic.validated(),
            Err(Error::InvalidInput { field: "topic", .. })
        ));

        let bad_server = ChannelSettings::Gotify {
            server: "ftp://x".into(),
        };
        assert!(matches!(
            bad_server.validated(),
            Err(Error::InvalidInput { field: "server", .. })
        ));

        let bad_chat = ChannelSettings::Telegram {
            api_url: String::new(),
            chat_id: "abc".into(),
        };
        assert!(matches!(
            bad_chat.validated(),
            Err(Error::InvalidInput { field: "chatId", .. })
        ));

        let no_recipient = ChannelSettings::Smtp {
            host: "mail.example.org".into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: String::new(),
            from: "homeport@example.org".into(),
            to: vec![" ".into()],
        };
        assert!(matches!(
            no_recipient.validated(),
            Err(Error::InvalidInput { field: "to", .. })
        ));
    }

    #[test]
    fn validation_normalizes_urls_and_defaults() {
        let ntfy = ChannelSettings::Ntfy {
            server: " https://ntfy.example.org/ ".into(),
            topic: " alerts ".into(),
        };
        assert_eq!(
            ntfy.validated().unwrap(),
            ChannelSettings::Ntfy {
                server: "https://ntfy.example.org".into(),
                topic: "alerts".into()
            }
        );
        let telegram = ChannelSettings::Telegram {
            api_url: String::new(),
            chat_id: "@ops".into(),
        };
        let ChannelSettings::Telegram { api_url, .. } = telegram.validated().unwrap() else {
            unreachable!()
        };
        assert_eq!(api_url, TELEGRAM_API_URL);
    }
}
