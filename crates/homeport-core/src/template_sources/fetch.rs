//! Downloads a template list over http or https: one GET, with redirects followed, a size
//! limit and a deadline, through the hyper and rustls stack bollard already brings in.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, CONTENT_LENGTH, LOCATION, USER_AGENT};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::error::{Error, Result};

/// The largest download, 8 MiB. By estimate, Portainer's own template list is a few hundred
/// KiB, so this is far above a real list while it bounds what a wrong URL makes Homeport read.
pub const MAX_DOWNLOAD_BYTES: usize = 8 * 1024 * 1024;

const MAX_REDIRECTS: usize = 5;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The deadline for the whole download, redirects included.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Downloads `url` as UTF-8 text. Fails with [`Error::DownloadFailed`] naming the URL and
/// the cause: no connection, a TLS error, a status other than 2xx, a body over
/// [`MAX_DOWNLOAD_BYTES`], text that is not UTF-8, or the deadline.
pub(super) async fn download(url: &str) -> Result<String> {
    let fail = |detail: String| Error::DownloadFailed {
        url: url.to_string(),
        detail,
    };
    match tokio::time::timeout(DOWNLOAD_TIMEOUT, follow_redirects(url)).await {
        Ok(result) => result.map_err(fail),
        Err(_) => Err(fail(format!(
            "no complete response within {} seconds",
            DOWNLOAD_TIMEOUT.as_secs()
        ))),
    }
}

async fn follow_redirects(start: &str) -> Result<String, String> {
    let client = client()?;
    let mut current = url::Url::parse(start).map_err(|err| format!("not a valid URL ({err})"))?;
    for _ in 0..=MAX_REDIRECTS {
        // A fragment is never sent, and the http crate rejects a URI that has one.
        current.set_fragment(None);
        let request = hyper::Request::get(current.as_str())
            .header(USER_AGENT, concat!("Homeport/", env!("CARGO_PKG_VERSION")))
            .header(ACCEPT, "application/json, application/yaml, text/yaml, text/plain, */*")
            .body(Empty::<Bytes>::new())
            .map_err(|err| format!("cannot build the request: {err}"))?;
        let response = client.request(request).await.map_err(|err| error_chain(&err))?;
        let status = response.status();

        if status.is_redirection() {
            let target = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| format!("the server sent HTTP {status} without a Location header"))?;
            current = redirect_target(&current, target)?;
            tracing::debug!(to = %current, "template download redirected");
            continue;
        }
        if !status.is_success() {
            return Err(format!("the server returned HTTP {status}"));
        }
        return read_body(response).await;
    }
    Err(format!("the server redirected more than {MAX_REDIRECTS} times"))
}

/// Resolves a `Location` header against the current URL. A redirect may not leave http(s),
/// add credentials or go from https to http, since the user checked only the first address.
fn redirect_target(current: &url::Url, target: &str) -> Result<url::Url, String> {
    let next = current
        .join(target)
        .map_err(|err| format!("the server redirected to an invalid address '{target}' ({err})"))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(format!(
            "the server redirected to '{next}', which is not an http(s) URL"
        ));
    }
    if current.scheme() == "https" && next.scheme() == "http" {
        return Err(format!("the server redirected from https to the unencrypted '{next}'"));
    }
    if !next.username().is_empty() || next.password().is_some() {
        return Err("the server redirected to an address with a user name or password".to_string());
    }
    Ok(next)
}

async fn read_body(response: hyper::Response<Incoming>) -> Result<String, String> {
    let too_large = || format!("the file is larger than {} MiB", MAX_DOWNLOAD_BYTES / (1024 * 1024));
    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_DOWNLOAD_BYTES as u64) {
        return Err(too_large());
    }

    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| format!("the download broke off: {}", error_chain(&err)))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > MAX_DOWNLOAD_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
    String::from_utf8(bytes).map_err(|err| {
        format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            err.utf8_error().valid_up_to()
        )
    })
}

fn client() -> Result<HttpClient, String> {
    let mut http = HttpConnector::new();
    // The connector also carries https, which hyper-rustls takes over.
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config()?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// Trusts the operating system's CA certificates, as a browser on the same machine does.
// rustls 0.23 marks ring's provider deprecated because it lacks post-quantum key exchange;
// ring is the provider russh and the TCP engine connection already use.
#[allow(deprecated)]
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    if !native.errors.is_empty() {
        tracing::debug!(
            errors = native.errors.len(),
            "some OS CA certificates could not be read"
        );
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(added, ignored, "OS CA certificates loaded for template downloads");

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("cannot set up TLS: {err}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Joins an error with its sources, because hyper's own text ("client error (Connect)")
/// hides the cause, such as "Connection refused" or an unknown certificate issuer.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_http() {
        let https = url::Url::parse("https://example.org/a/list.json").unwrap();
        assert_eq!(
            redirect_target(&https, "other.json").unwrap().as_str(),
            "https://example.org/a/other.json"
        );
        assert!(redirect_target(&https, "http://example.org/list.json").is_err());
        assert!(redirect_target(&https, "file:///etc/passwd").is_err());
        assert!(redirect_target(&https, "https://u:p@example.org/").is_err());

        let http = url::Url::parse("http://127.0.0.1:8080/list.json").unwrap();
        assert_eq!(
            redirect_target(&http, "https://example.org/list.json")
                .unwrap()
                .as_str(),
            "https://example.org/list.json"
        );
    }
}
