//! Each notification channel against a real server on loopback: a small HTTP/1.1 server that
//! records requests, and a minimal SMTP receiver. Request shapes follow each service's
//! documentation; the signatures are recomputed here from the recorded timestamp.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use homeport_core::alerts::notify::{
    self, Channel, ChannelSecrets, ChannelSettings, Message, SecretField, SmtpSecurity,
};
use homeport_core::alerts::{NoticeKind, Severity};
use homeport_core::secrets::Secret;
use homeport_core::ErrorCode;
use serde_json::Value;
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap()
    }

    fn query(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&format!("http://x{}", self.target)).unwrap();
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// Serves one canned response to every request and records the requests. Stops with the test.
async fn http_server(status: u16, response_body: &'static str) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let log = recorded.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                reader.read_line(&mut request_line).await.unwrap();
                let mut parts = request_line.split_whitespace();
                let method = parts.next().unwrap_or_default().to_string();
                let target = parts.next().unwrap_or_default().to_string();
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).await.unwrap();
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    let (name, value) = line.split_once(':').unwrap();
                    headers.push((name.trim().to_string(), value.trim().to_string()));
                }
                let length: usize = headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                    .map(|(_, value)| value.parse().unwrap())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                reader.read_exact(&mut body).await.unwrap();
                log.lock().unwrap().push(Recorded {
                    method,
                    target,
                    headers,
                    body,
                });
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{response_body}",
                    response_body.len()
                );
                let mut stream = reader.into_inner();
                stream.write_all(response.as_bytes()).await.unwrap();
                stream.shutdown().await.ok();
            });
        }
    });
    (format!("http://{address}"), recorded)
}

fn channel(settings: ChannelSettings) -> Channel {
    Channel {
        id: "test-channel".into(),
        name: "Team chat".into(),
        enabled: true,
        settings,
        secrets_set: Vec::new(),
    }
}

fn secrets(entries: &[(SecretField, &str)]) -> ChannelSecrets {
    entries
        .iter()
        .map(|(field, value)| (*field, Secret::new(*value)))
        .collect()
}

fn message() -> Message {
    Message {
        title: "[P1] Memory high on nas".into(),
        body: "container_memory_high: 91 % (limit 80 %)".into(),
        severity: Severity::P1,
        kind: Some(NoticeKind::Opened),
        alert_id: Some("a1".into()),
        rule: "container_memory_high".into(),
        host: Some("nas".into()),
        value: Some("91 %".into()),
    }
}

fn only(recorded: &Arc<Mutex<Vec<Recorded>>>) -> Recorded {
    let requests = recorded.lock().unwrap();
    assert_eq!(requests.len(), 1, "exactly one request is sent");
    requests[0].clone()
}

#[tokio::test]
async fn ntfy_publishes_json_with_token() {
    let (base, recorded) = http_server(200, r#"{"id":"x"}"#).await;
    let channel = channel(ChannelSettings::Ntfy {
        server: base,
        topic: "homeport-alerts".into(),
    });
    let delivery = notify::send(&channel, &secrets(&[(SecretField::Token, "tk_abc")]), &message())
        .await
        .unwrap();
    assert_eq!(delivery.status, 200);

    let request = only(&recorded);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/");
    assert_eq!(request.header("authorization"), Some("Bearer tk_abc"));
    let body = request.json();
    assert_eq!(body["topic"], "homeport-alerts");
    assert_eq!(body["title"], "[P1] Memory high on nas");
    assert_eq!(body["message"], "container_memory_high: 91 % (limit 80 %)");
    assert_eq!(body["priority"], 4);
    assert!(body["tags"].is_array());
}

#[tokio::test]
async fn gotify_posts_message_with_app_token() {
    let (base, recorded) = http_server(200, r#"{"id":1}"#).await;
    let channel = channel(ChannelSettings::Gotify { server: base });
    notify::send(&channel, &secrets(&[(SecretField::Token, "AppTok")]), &message())
        .await
        .unwrap();

    let request = only(&recorded);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/message");
    assert_eq!(request.header("x-gotify-key"), Some("AppTok"));
    let body = request.json();
    assert_eq!(body["title"], "[P1] Memory high on nas");
    assert_eq!(body["message"], "container_memory_high: 91 % (limit 80 %)");
    assert_eq!(body["priority"], 8);
}

#[tokio::test]
async fn webhook_posts_homeport_json() {
    let (base, recorded) = http_server(204, "").await;
    let channel = channel(ChannelSettings::Webhook {});
    let url = format!("{base}/hooks/alerts?key=s3cret");
    let delivery = notify::send(
        &channel,
        &secrets(&[(SecretField::Url, &url), (SecretField::Token, "bearer-1")]),
        &message(),
    )
    .await
    .unwrap();
    assert_eq!(delivery.status, 204);

    let request = only(&recorded);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/hooks/alerts");
    assert_eq!(request.query("key").as_deref(), Some("s3cret"));
    assert_eq!(request.header("authorization"), Some("Bearer bearer-1"));
    assert!(request.header("content-type").unwrap().starts_with("application/json"));
    let body = request.json();
    assert_eq!(body["version"], 1);
    assert_eq!(body["event"], "opened");
    assert_eq!(body["severity"], "P1");
    assert_eq!(body["rule"], "container_memory_high");
    assert_eq!(body["host"], "nas");
    assert_eq!(body["value"], "91 %");
    assert_eq!(body["alertId"], "a1");
}

#[tokio::test]
async fn telegram_sends_message_to_chat() {
    let (base, recorded) = http_server(200, r#"{"ok":true,"result":{}}"#).await;
    let channel = channel(ChannelSettings::Telegram {
        api_url: base,
        chat_id: "-100123".into(),
    });
    notify::send(&channel, &secrets(&[(SecretField::Token, "123:ABC")]), &message())
        .await
        .unwrap();

    let request = only(&recorded);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/bot123:ABC/sendMessage");
    let body = request.json();
    assert_eq!(body["chat_id"], "-100123");
    assert_eq!(
        body["text"],
        "[P1] Memory high on nas\ncontainer_memory_high: 91 % (limit 80 %)"
    );
}

#[tokio::test]
async fn dingtalk_signs_the_url() {
    let (base, recorded) = http_server(200, r#"{"errcode":0,"errmsg":"ok"}"#).await;
    let channel = channel(ChannelSettings::DingTalk {});
    let url = format!("{base}/robot/send?access_token=tok123");
    notify::send(
        &channel,
        &secrets(&[(SecretField::Url, &url), (SecretField::SigningSecret, "SECabc")]),
        &message(),
    )
    .await
    .unwrap();

    let request = only(&recorded);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/robot/send");
    assert_eq!(request.query("access_token").as_deref(), Some("tok123"));
    let timestamp = request.query("timestamp").expect("timestamp in the query");
    let sign = request.query("sign").expect("sign in the query");
    assert_eq!(timestamp.len(), 13, "DingTalk timestamps are milliseconds");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"SECabc").unwrap();
    mac.update(format!("{timestamp}\nSECabc").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(sign, expected);
    let body = request.json();
    assert_eq!(body["msgtype"], "text");
    assert!(body["text"]["content"].as_str().unwrap().contains("Memory high"));
}

#[tokio::test]
async fn dingtalk_error_code_is_a_failure() {
    let (base, _recorded) = http_server(200, r#"{"errcode":310000,"errmsg":"sign not match"}"#).await;
    let channel = channel(ChannelSettings::DingTalk {});
    let url = format!("{base}/robot/send?access_token=tok123");
    let err = notify::send(&channel, &secrets(&[(SecretField::Url, &url)]), &message())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotifyFailed);
    let text = err.to_string();
    assert!(text.contains("310000"), "{text}");
    assert!(text.contains("sign not match"), "{text}");
    assert!(!text.contains("tok123"), "the access token must not appear: {text}");
}

#[tokio::test]
async fn wecom_posts_text() {
    let (base, recorded) = http_server(200, r#"{"errcode":0,"errmsg":"ok"}"#).await;
    let channel = channel(ChannelSettings::WeCom {});
    let url = format!("{base}/cgi-bin/webhook/send?key=wkey");
    notify::send(&channel, &secrets(&[(SecretField::Url, &url)]), &message())
        .await
        .unwrap();

    let request = only(&recorded);
    assert_eq!(request.path(), "/cgi-bin/webhook/send");
    assert_eq!(request.query("key").as_deref(), Some("wkey"));
    let body = request.json();
    assert_eq!(body["msgtype"], "text");
    assert!(body["text"]["content"]
        .as_str()
        .unwrap()
        .starts_with("[P1] Memory high on nas\n"));
}

#[tokio::test]
async fn feishu_signs_the_body() {
    let (base, recorded) = http_server(200, r#"{"code":0,"msg":"success","data":{}}"#).await;
    let channel = channel(ChannelSettings::Feishu {});
    let url = format!("{base}/open-apis/bot/v2/hook/abc-def");
    notify::send(
        &channel,
        &secrets(&[(SecretField::Url, &url), (SecretField::SigningSecret, "fsecret")]),
        &message(),
    )
    .await
    .unwrap();

    let request = only(&recorded);
    assert_eq!(request.path(), "/open-apis/bot/v2/hook/abc-def");
    let body = request.json();
    assert_eq!(body["msg_type"], "text");
    assert!(body["content"]["text"].as_str().unwrap().contains("Memory high"));
    let timestamp = body["timestamp"].as_str().expect("timestamp is a string");
    assert_eq!(timestamp.len(), 10, "Feishu timestamps are seconds");
    let mac = Hmac::<Sha256>::new_from_slice(format!("{timestamp}\nfsecret").as_bytes()).unwrap();
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(body["sign"], expected);
}

#[tokio::test]
async fn http_error_reports_status() {
    let (base, _recorded) = http_server(
        401,
        r#"{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token"}"#,
    )
    .await;
    let channel = channel(ChannelSettings::Gotify { server: base });
    let err = notify::send(&channel, &secrets(&[(SecretField::Token, "wrong")]), &message())
        .await
        .unwrap_err();
    match &err {
        homeport_core::Error::NotifyFailed { status, channel, .. } => {
            assert_eq!(*status, Some(401));
            assert_eq!(channel, "Team chat");
        }
        other => panic!("expected NotifyFailed, got {other:?}"),
    }
    assert!(err.to_string().contains("status 401"), "{err}");
}

#[tokio::test]
async fn missing_secret_fails_before_sending() {
    let (base, recorded) = http_server(200, "{}").await;
    let channel = channel(ChannelSettings::Gotify { server: base });
    let err = notify::send(&channel, &ChannelSecrets::new(), &message())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotifyFailed);
    assert!(recorded.lock().unwrap().is_empty(), "nothing is sent without the token");
}

#[tokio::test]
async fn refused_connection_is_a_failure() {
    // Bind and drop to get a port with no listener.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let channel = channel(ChannelSettings::Ntfy {
        server: format!("http://127.0.0.1:{port}"),
        topic: "t".into(),
    });
    let err = notify::send(&channel, &ChannelSecrets::new(), &message())
        .await
        .unwrap_err();
    match err {
        homeport_core::Error::NotifyFailed { status, detail, .. } => {
            assert_eq!(status, None);
            assert!(detail.to_lowercase().contains("refused"), "{detail}");
        }
        other => panic!("expected NotifyFailed, got {other:?}"),
    }
}

/// A minimal SMTP receiver: accepts one mail without authentication and returns its envelope
/// and DATA text.
async fn smtp_server() -> (u16, tokio::task::JoinHandle<(Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        write.write_all(b"220 localhost ESMTP test\r\n").await.unwrap();
        let mut envelope = Vec::new();
        let mut data = String::new();
        for _ in 0..100 {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            let command = line.trim_end().to_string();
            let verb = command
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" | "HELO" => write.write_all(b"250-localhost\r\n250 8BITMIME\r\n").await.unwrap(),
                "MAIL" | "RCPT" => {
                    envelope.push(command);
                    write.write_all(b"250 OK\r\n").await.unwrap();
                }
                "DATA" => {
                    write.write_all(b"354 go ahead\r\n").await.unwrap();
                    loop {
                        let mut data_line = String::new();
                        reader.read_line(&mut data_line).await.unwrap();
                        if data_line == ".\r\n" {
                            break;
                        }
                        data.push_str(&data_line);
                    }
                    write.write_all(b"250 queued\r\n").await.unwrap();
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => write.write_all(b"502 not implemented\r\n").await.unwrap(),
            }
        }
        (envelope, data)
    });
    (port, task)
}

#[tokio::test]
async fn smtp_delivers_plain_text_mail() {
    let (port, server) = smtp_server().await;
    let channel = channel(ChannelSettings::Smtp {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        username: String::new(),
        from: "Homeport <homeport@example.org>".into(),
        to: vec!["ops@example.org".into(), "oncall@example.org".into()],
    });
    let delivery = notify::send(&channel, &ChannelSecrets::new(), &message())
        .await
        .unwrap();
    assert_eq!(delivery.status, 250);

    let (envelope, data) = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(envelope[0], "MAIL FROM:<homeport@example.org>");
    assert!(
        envelope.contains(&"RCPT TO:<ops@example.org>".to_string()),
        "{envelope:?}"
    );
    assert!(
        envelope.contains(&"RCPT TO:<oncall@example.org>".to_string()),
        "{envelope:?}"
    );
    assert!(data.contains("Subject: [P1] Memory high on nas"), "{data}");
    assert!(data.contains("container_memory_high: 91 % (limit 80 %)"), "{data}");
    assert!(data.to_ascii_lowercase().contains("content-type: text/plain"), "{data}");
}

#[tokio::test]
async fn smtp_starttls_required_but_missing_fails() {
    let (port, _server) = smtp_server().await;
    let channel = channel(ChannelSettings::Smtp {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::StartTls,
        username: String::new(),
        from: "homeport@example.org".into(),
        to: vec!["ops@example.org".into()],
    });
    let err = notify::send(&channel, &ChannelSecrets::new(), &message())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotifyFailed, "{err}");
}
