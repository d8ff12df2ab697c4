//! One HTTP request to Prometheus (or Alertmanager), directly (http or https, hyper with
//! rustls) or through a host's SSH connection (HTTP/1.1 over a direct-tcpip channel), with a
//! deadline and a size limit.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::Method;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

use super::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::ssh::SshSession;
use crate::template_sources::fetch::{error_chain, tls_config};

/// The largest response read, 16 MiB. A range query at the limit of 11,000 points takes about
/// 30 bytes per point, so this fits about 50 such series: more than a chart can show.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The deadline of one request, connection included. Queries also pass Prometheus a shorter
/// `timeout`, so the server gives up first and reports it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The route of requests to the server.
pub(crate) enum Route {
    Direct(HttpClient),
    /// Through this session's host: the endpoint's host and port are resolved there.
    Ssh(Arc<SshSession>),
}

/// A response: HTTP status and the whole body.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Route {
    pub fn direct() -> Result<Self> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let tls = tls_config().map_err(Error::Internal)?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Route::Direct(Client::builder(TokioExecutor::new()).build(https)))
    }

    /// Sends `GET url` and reads the response within [`REQUEST_TIMEOUT`].
    pub async fn get(&self, endpoint: &Endpoint, url: &url::Url) -> Result<Reply> {
        self.send(Method::GET, endpoint, url, None).await
    }

    /// Sends `method url` with an optional JSON body and reads the response within
    /// [`REQUEST_TIMEOUT`].
    pub async fn send(
        &self,
        method: Method,
        endpoint: &Endpoint,
        url: &url::Url,
        json: Option<&[u8]>,
    ) -> Result<Reply> {
        let unreachable = |detail: String| Error::PrometheusUnreachable {
            url: endpoint.as_str().to_string(),
            detail,
        };
        let exchange = async {
            let response = match self {
                Route::Direct(client) => {
                    let request = request(method.clone(), url.as_str(), endpoint, json)?;
                    client
                        .request(request)
                        .await
                        .map_err(|err| unreachable(error_chain(&err)))?
                }
                Route::Ssh(session) => send_through_ssh(session, method.clone(), endpoint, url, json).await?,
            };
            read(endpoint, response).await
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(result) => result,
            Err(_) => Err(unreachable(format!(
                "no complete response within {} seconds",
                REQUEST_TIMEOUT.as_secs()
            ))),
        }
    }
}

fn request(method: Method, uri: &str, endpoint: &Endpoint, json: Option<&[u8]>) -> Result<hyper::Request<Full<Bytes>>> {
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header(HOST, endpoint.authority())
        .header(USER_AGENT, concat!("Homeport/", env!("CARGO_PKG_VERSION")))
        .header(ACCEPT, "application/json");
    if json.is_some() {
        builder = builder.header(CONTENT_TYPE, "application/json");
    }
    builder
        .body(Full::new(Bytes::copy_from_slice(json.unwrap_or_default())))
        .map_err(|err| Error::Internal(format!("cannot build the request for {uri}: {err}")))
}

/// Opens a channel from the host to the endpoint and speaks HTTP/1.1 on it. One channel per
/// request: channels are cheap on an open SSH connection, and nothing needs to be pooled.
async fn send_through_ssh(
    session: &SshSession,
    method: Method,
    endpoint: &Endpoint,
    url: &url::Url,
    json: Option<&[u8]>,
) -> Result<hyper::Response<Incoming>> {
    let ssh_host = session.target().address.clone();
    let unreachable = |detail: String| Error::PrometheusUnreachable {
        url: endpoint.as_str().to_string(),
        detail,
    };
    let channel = tokio::time::timeout(CONNECT_TIMEOUT, session.open_tcp(&endpoint.host(), endpoint.port()))
        .await
        .map_err(|_| {
            unreachable(format!(
                "the SSH host {ssh_host} did not open a connection within 10 seconds"
            ))
        })?
        .map_err(|err| {
            unreachable(format!(
                "the SSH host {ssh_host} could not connect to {}:{} ({err})",
                endpoint.host(),
                endpoint.port()
            ))
        })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(channel.into_stream()))
        .await
        .map_err(|err| unreachable(error_chain(&err)))?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(error = %err, "HTTP connection to Prometheus through SSH ended with an error");
        }
    });

    // Through a channel the request line carries only the path: the host is in `Host`.
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    sender
        .send_request(request(method, &path, endpoint, json)?)
        .await
        .map_err(|err| unreachable(error_chain(&err)))
}

async fn read(endpoint: &Endpoint, response: hyper::Response<Incoming>) -> Result<Reply> {
    let too_large = || Error::PrometheusResponseTooLarge {
        url: endpoint.as_str().to_string(),
        limit_mib: (MAX_RESPONSE_BYTES / (1024 * 1024)) as u32,
    };
    let status = response.status().as_u16();
    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large());
    }

    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| Error::PrometheusUnreachable {
            url: endpoint.as_str().to_string(),
            detail: format!("the response broke off: {}", error_chain(&err)),
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > MAX_RESPONSE_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Reply { status, body: bytes })
}
