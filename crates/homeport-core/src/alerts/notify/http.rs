//! One HTTP POST to a notification service, over hyper with rustls (already in the build for
//! bollard), with a connect timeout, an overall deadline and a cap on the response read.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, USER_AGENT};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::template_sources::fetch::{error_chain, tls_config};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The deadline of one request, connection included. Chat services answer in well under a
/// second; a server that takes longer is treated as down so alerts are not held up.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The most of a response body that is read. Services answer with a short JSON status.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A request to send.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The full URL. It may contain a key, so it is never logged.
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// The service's answer: status and the first [`MAX_RESPONSE_BYTES`] of the body.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends `request` within [`REQUEST_TIMEOUT`]. Errors are short English texts without the URL,
/// because the URL may carry a key.
pub async fn post(request: HttpRequest) -> Result<HttpReply, String> {
    match tokio::time::timeout(REQUEST_TIMEOUT, exchange(request)).await {
        Ok(result) => result,
        Err(_) => Err(format!("no response within {} seconds", REQUEST_TIMEOUT.as_secs())),
    }
}

async fn exchange(request: HttpRequest) -> Result<HttpReply, String> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config()?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);

    let mut builder = hyper::Request::post(request.url.as_str())
        .header(USER_AGENT, concat!("Homeport/", env!("CARGO_PKG_VERSION")))
        .header(CONTENT_TYPE, request.content_type);
    for (name, value) in &request.headers {
        builder = builder.header(*name, value.as_str());
    }
    let built = builder
        .body(Full::new(Bytes::from(request.body)))
        .map_err(|err| format!("the request is invalid: {err}"))?;

    let response = client.request(built).await.map_err(|err| error_chain(&err))?;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| format!("the response broke off: {}", error_chain(&err)))?;
        if let Ok(data) = frame.into_data() {
            let room = MAX_RESPONSE_BYTES.saturating_sub(bytes.len());
            bytes.extend_from_slice(&data[..data.len().min(room)]);
            if room <= data.len() {
                break;
            }
        }
    }
    Ok(HttpReply { status, body: bytes })
}
