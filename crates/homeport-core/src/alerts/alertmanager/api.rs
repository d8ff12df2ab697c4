//! The Alertmanager API v2 calls Homeport makes: `GET /api/v2/alerts`, `GET /api/v2/silences`,
//! `POST /api/v2/silences` and `DELETE /api/v2/silence/{id}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::Method;

use crate::error::{Error, Result};
use crate::monitoring::prometheus::{Endpoint, Reply, Route};
use crate::ssh::SshSession;

/// An alert as `GET /api/v2/alerts` returns it (the fields Homeport reads).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerAlert {
    pub fingerprint: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: String,
    pub status: AlertStatus,
}

/// `active`, `suppressed` (silenced or inhibited) or `unprocessed`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct AlertStatus {
    pub state: String,
}

/// A label matcher of a silence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    /// `false` for `!=` and `!~`. Alertmanager 0.22 added it; older servers ignore it.
    #[serde(default = "default_true")]
    pub is_equal: bool,
}

fn default_true() -> bool {
    true
}

/// A silence as `GET /api/v2/silences` returns it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
    /// `active`, `pending` or `expired`.
    pub state: String,
}

/// A silence to create.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewSilence {
    pub matchers: Vec<Matcher>,
    /// RFC 3339 times.
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSilence {
    id: String,
    matchers: Vec<Matcher>,
    starts_at: String,
    ends_at: String,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
    status: AlertStatus,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedSilence {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

/// A client for one Alertmanager.
pub struct AlertmanagerClient {
    endpoint: Endpoint,
    route: Route,
}

impl AlertmanagerClient {
    /// A client that connects from this computer.
    pub fn direct(url: &str) -> Result<Self> {
        Ok(Self {
            endpoint: Endpoint::parse(url, false)?,
            route: Route::direct()?,
        })
    }

    /// A client whose connections the host behind `session` opens.
    pub fn through_ssh(url: &str, session: Arc<SshSession>) -> Result<Self> {
        Ok(Self {
            endpoint: Endpoint::parse(url, true)?,
            route: Route::Ssh(session),
        })
    }

    /// Returns the alerts Alertmanager has now, in every state.
    pub async fn alerts(&self) -> Result<Vec<AlertmanagerAlert>> {
        let reply = self.call(Method::GET, "api/v2/alerts", None).await?;
        self.parse(&reply, "the alert list")
    }

    /// Returns every silence Alertmanager keeps, expired ones included.
    pub async fn silences(&self) -> Result<Vec<Silence>> {
        let reply = self.call(Method::GET, "api/v2/silences", None).await?;
        let raw: Vec<RawSilence> = self.parse(&reply, "the silence list")?;
        Ok(raw
            .into_iter()
            .map(|silence| Silence {
                id: silence.id,
                matchers: silence.matchers,
                starts_at: silence.starts_at,
                ends_at: silence.ends_at,
                created_by: silence.created_by,
                comment: silence.comment,
                state: silence.status.state,
            })
            .collect())
    }

    /// Creates a silence and returns its id.
    pub async fn create_silence(&self, silence: &NewSilence) -> Result<String> {
        if silence.matchers.is_empty() {
            return Err(Error::invalid("matchers", "", "add at least one matcher"));
        }
        let body = serde_json::to_vec(silence).map_err(|err| Error::Internal(err.to_string()))?;
        let reply = self.call(Method::POST, "api/v2/silences", Some(&body)).await?;
        let created: CreatedSilence = self.parse(&reply, "the created silence")?;
        Ok(created.silence_id)
    }

    /// Expires (deletes) the silence `id`.
    pub async fn expire_silence(&self, id: &str) -> Result<()> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::invalid("silence", id, "not a silence id"));
        }
        self.call(Method::DELETE, &format!("api/v2/silence/{id}"), None).await?;
        Ok(())
    }

    async fn call(&self, method: Method, path: &str, json: Option<&[u8]>) -> Result<Reply> {
        let url = self.endpoint.api_url(path, &[]);
        let reply = self
            .route
            .send(method, &self.endpoint, &url, json)
            .await
            .map_err(|err| match err {
                Error::PrometheusUnreachable { detail, .. } => Error::AlertmanagerFailed {
                    url: self.endpoint.as_str().to_string(),
                    detail,
                },
                Error::PrometheusResponseTooLarge { limit_mib, .. } => Error::AlertmanagerFailed {
                    url: self.endpoint.as_str().to_string(),
                    detail: format!("the response is larger than {limit_mib} MiB"),
                },
                other => other,
            })?;
        if !(200..300).contains(&reply.status) {
            let text = String::from_utf8_lossy(&reply.body);
            return Err(Error::AlertmanagerFailed {
                url: self.endpoint.as_str().to_string(),
                detail: format!(
                    "HTTP {}: {}",
                    reply.status,
                    text.trim().chars().take(300).collect::<String>()
                ),
            });
        }
        Ok(reply)
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, reply: &Reply, what: &str) -> Result<T> {
        serde_json::from_slice(&reply.body).map_err(|err| Error::AlertmanagerFailed {
            url: self.endpoint.as_str().to_string(),
            detail: format!("{what} is not Alertmanager API v2 JSON: {err}"),
        })
    }
}
