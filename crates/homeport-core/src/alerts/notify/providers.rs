//! The HTTP request each service expects and how each reports a rejected message. Formats
//! follow each service's documentation: ntfy's JSON publishing (`POST /` with `topic`), Gotify's
//! `POST /message`, Telegram's `sendMessage`, and the custom group bots of DingTalk, WeCom and
//! Feishu, which answer HTTP 200 with an error code in the body.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::channel::{ChannelSettings, SecretField};
use super::http::{HttpReply, HttpRequest};
use super::message::Message;
use super::sign;
use crate::alerts::{NoticeKind, Severity};
use crate::secrets::Secret;

/// The secrets of one channel, loaded from the keychain.
pub type ChannelSecrets = BTreeMap<SecretField, Secret>;

/// The seconds since the Unix epoch a request is signed with, injected so tests can check it.
#[derive(Debug, Clone, Copy)]
pub struct SignTime {
    pub unix_ms: u64,
}

impl SignTime {
    pub fn now() -> Self {
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis() as u64)
            .unwrap_or_default();
        Self { unix_ms }
    }
}

/// Builds the request for an HTTP channel, or returns why it cannot be built. SMTP has no
/// request here: see `smtp.rs`.
pub fn request(
    settings: &ChannelSettings,
    secrets: &ChannelSecrets,
    message: &Message,
    time: SignTime,
) -> Result<HttpRequest, String> {
    let secret = |field: SecretField| secrets.get(&field).map(|value| value.expose().to_string());
    let required = |field: SecretField| {
        secret(field).ok_or_else(|| format!("the {} is missing from the keychain; enter it again", field.as_str()))
    };

    match settings {
        ChannelSettings::Ntfy { server, topic } => {
            let mut headers = Vec::new();
            if let Some(token) = secret(SecretField::Token) {
                headers.push(("authorization", format!("Bearer {token}")));
            }
            let body = json!({
                "topic": topic,
                "title": message.title,
                "message": message.body,
                "priority": ntfy_priority(message),
                "tags": [ntfy_tag(message)],
            });
            Ok(json_request(format!("{server}/"), headers, &body))
        }
        ChannelSettings::Gotify { server } => {
            let headers = vec![("x-gotify-key", required(SecretField::Token)?)];
            let body = json!({
                "title": message.title,
                "message": message.body,
                "priority": gotify_priority(message),
            });
            Ok(json_request(format!("{server}/message"), headers, &body))
        }
        ChannelSettings::Webhook {} => {
            let mut headers = Vec::new();
            if let Some(token) = secret(SecretField::Token) {
                headers.push(("authorization", format!("Bearer {token}")));
            }
            Ok(json_request(
                required(SecretField::Url)?,
                headers,
                &webhook_body(message),
            ))
        }
        ChannelSettings::Telegram { api_url, chat_id } => {
            let token = required(SecretField::Token)?;
            let body = json!({
                "chat_id": chat_id,
                "text": message.plain_text(),
                "disable_web_page_preview": true,
            });
            Ok(json_request(
                format!("{api_url}/bot{token}/sendMessage"),
                Vec::new(),
                &body,
            ))
        }
        ChannelSettings::DingTalk {} => {
            let mut url = parse_url(&required(SecretField::Url)?)?;
            if let Some(signing) = secret(SecretField::SigningSecret) {
                let signature = sign::dingtalk(time.unix_ms, &signing);
                url.query_pairs_mut()
                    .append_pair("timestamp", &time.unix_ms.to_string())
                    .append_pair("sign", &signature);
            }
            let body = json!({ "msgtype": "text", "text": { "content": message.plain_text() } });
            Ok(json_request(url.to_string(), Vec::new(), &body))
        }
        ChannelSettings::WeCom {} => {
            let body = json!({ "msgtype": "text", "text": { "content": message.plain_text() } });
            Ok(json_request(required(SecretField::Url)?, Vec::new(), &body))
        }
        ChannelSettings::Feishu {} => {
            let mut body = json!({ "msg_type": "text", "content": { "text": message.plain_text() } });
            if let Some(signing) = secret(SecretField::SigningSecret) {
                let seconds = time.unix_ms / 1000;
                body["timestamp"] = Value::String(seconds.to_string());
                body["sign"] = Value::String(sign::feishu(seconds, &signing));
            }
            Ok(json_request(required(SecretField::Url)?, Vec::new(), &body))
        }
        ChannelSettings::Smtp { .. } => Err("SMTP channels send mail, not HTTP requests".to_string()),
    }
}

/// Returns why the service rejected the message, or `None` when it accepted it.
pub fn rejection(settings: &ChannelSettings, reply: &HttpReply) -> Option<String> {
    let parsed: Option<Value> = serde_json::from_slice(&reply.body).ok();
    if !(200..300).contains(&reply.status) {
        let detail = parsed
            .as_ref()
            .and_then(|body| {
                ["description", "error_description", "errmsg", "msg", "error", "message"]
                    .iter()
                    .find_map(|key| body.get(*key).and_then(Value::as_str))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| snippet(&reply.body));
        return Some(format!("the server answered HTTP {}: {detail}", reply.status));
    }

    // The bots of these three services answer HTTP 200 even when they drop the message.
    let body = parsed?;
    let code_and_text = match settings {
        ChannelSettings::DingTalk {} | ChannelSettings::WeCom {} => (body.get("errcode"), body.get("errmsg")),
        ChannelSettings::Feishu {} => (body.get("code").or_else(|| body.get("StatusCode")), body.get("msg")),
        ChannelSettings::Telegram { .. } if body.get("ok") == Some(&Value::Bool(false)) => {
            return Some(format!(
                "Telegram did not send the message: {}",
                body.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given")
            ));
        }
        _ => return None,
    };
    match code_and_text {
        (Some(code), text) if code.as_i64() != Some(0) => Some(format!(
            "the bot rejected the message with code {code}: {}",
            text.and_then(Value::as_str).unwrap_or("no reason given")
        )),
        _ => None,
    }
}

/// Homeport's own webhook body, version 1. Fields are stable; new ones may be added.
pub fn webhook_body(message: &Message) -> Value {
    json!({
        "version": 1,
        "source": "homeport",
        "event": match message.kind {
            Some(NoticeKind::Opened) => "opened",
            Some(NoticeKind::Reminder) => "reminder",
            Some(NoticeKind::Resolved) => "resolved",
            None => "test",
        },
        "severity": message.severity.as_str(),
        "title": message.title,
        "message": message.body,
        "rule": message.rule,
        "host": message.host,
        "value": message.value,
        "alertId": message.alert_id,
    })
}

fn json_request(url: String, headers: Vec<(&'static str, String)>, body: &Value) -> HttpRequest {
    HttpRequest {
        url,
        headers,
        content_type: "application/json; charset=utf-8",
        body: body.to_string().into_bytes(),
    }
}

fn parse_url(value: &str) -> Result<url::Url, String> {
    // The URL contains the access token, so the error must not repeat it.
    url::Url::parse(value).map_err(|err| format!("the webhook URL in the keychain is not a valid URL ({err})"))
}

/// ntfy priorities run from 1 (min) to 5 (max); 3 is the default.
fn ntfy_priority(message: &Message) -> u8 {
    if message.kind == Some(NoticeKind::Resolved) {
        return 2;
    }
    match message.severity {
        Severity::P0 => 5,
        Severity::P1 => 4,
        Severity::P2 => 3,
        Severity::P3 => 2,
    }
}

/// An ntfy tag that the apps show as an emoji.
fn ntfy_tag(message: &Message) -> &'static str {
    match (message.kind, message.severity) {
        (Some(NoticeKind::Resolved), _) => "white_check_mark",
        (_, Severity::P0) => "rotating_light",
        (_, Severity::P1) => "warning",
        _ => "information_source",
    }
}

/// Gotify priorities: 8 and above alert loudly on Android, 4 to 7 make a sound, below 4 do not.
fn gotify_priority(message: &Message) -> u8 {
    if message.kind == Some(NoticeKind::Resolved) {
        return 2;
    }
    match message.severity {
        Severity::P0 => 10,
        Severity::P1 => 8,
        Severity::P2 => 5,
        Severity::P3 => 2,
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "empty body".to_string();
    }
    trimmed.chars().take(200).collect()
}
