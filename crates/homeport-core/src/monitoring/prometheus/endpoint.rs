//! The base URL of a Prometheus server, checked once so every request is built from a valid one.

use url::Url;

use crate::error::{Error, Result};

/// A Prometheus base URL: `http(s)://host[:port][/prefix]`, the address a browser opens the
/// Prometheus UI at. A path prefix (Prometheus's `--web.route-prefix`, or a reverse proxy's) is
/// kept, and API paths are appended to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
}

impl Endpoint {
    /// Parses and checks `text`. Through SSH only `http` is accepted: the SSH connection
    /// already encrypts the traffic, and Homeport has no TLS client for a forwarded channel.
    /// A user name or password in the URL is rejected, because the URL is stored as plain text.
    pub fn parse(text: &str, through_ssh: bool) -> Result<Self> {
        let text = text.trim();
        let invalid = |reason: &str| Error::invalid("url", text, reason);
        let mut url = Url::parse(text)
            .map_err(|err| invalid(&format!("not a valid URL ({err}); use the form http://127.0.0.1:9090")))?;
        match url.scheme() {
            "http" => {}
            "https" if !through_ssh => {}
            "https" => {
                return Err(invalid(
                    "use http:// for a source reached through SSH, because the SSH connection already encrypts it",
                ))
            }
            _ => return Err(invalid("use an http:// or https:// URL, such as http://127.0.0.1:9090")),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL has no host; use the form http://127.0.0.1:9090"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "remove the user name and password: Homeport does not send credentials to Prometheus",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                "remove the part after '?' or '#': give only the server's base URL",
            ));
        }
        // A trailing slash lets `Url::join` append `api/v1/...` to the prefix instead of
        // replacing its last segment.
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self { url })
    }

    /// Returns the URL as it is stored and shown, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// Returns the host name or address, as the URL spells it (IPv6 without brackets).
    pub fn host(&self) -> String {
        match self.url.host() {
            Some(url::Host::Ipv6(address)) => address.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        }
    }

    /// Returns the port, or the scheme's default (80 or 443).
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(80)
    }

    /// Returns the `Host` header value: host and explicit port.
    pub(super) fn authority(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// Builds the URL of API path `path` (such as `api/v1/query`) with `params` url-encoded.
    pub(crate) fn api_url(&self, path: &str, params: &[(&str, String)]) -> Url {
        let mut url = self.url.join(path).unwrap_or_else(|_| self.url.clone());
        if !params.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in params {
                pairs.append_pair(name, value);
            }
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_keeps_prefix_and_port() {
        let endpoint = Endpoint::parse(" https://prom.example.org/prometheus ", false).unwrap();
        assert_eq!(endpoint.as_str(), "https://prom.example.org/prometheus");
        assert_eq!(endpoint.port(), 443);
        assert_eq!(
            endpoint
                .api_url("api/v1/query", &[("query", "up{job=\"a b\"}".into())])
                .as_str(),
            "https://prom.example.org/prometheus/api/v1/query?query=up%7Bjob%3D%22a+b%22%7D"
        );

        let endpoint = Endpoint::parse("http://127.0.0.1:9090/", true).unwrap();
        assert_eq!(endpoint.as_str(), "http://127.0.0.1:9090");
        assert_eq!(endpoint.host(), "127.0.0.1");
        assert_eq!(endpoint.port(), 9090);
        assert_eq!(endpoint.authority(), "127.0.0.1:9090");
        assert_eq!(
            endpoint.api_url("-/healthy", &[]).as_str(),
            "http://127.0.0.1:9090/-/healthy"
        );

        let endpoint = Endpoint::parse("http://[::1]:9090", true).unwrap();
        assert_eq!(endpoint.host(), "::1");
        assert_eq!(endpoint.authority(), "[::1]:9090");
    }

    #[test]
    fn endpoint_rejects_unsafe_urls() {
        for (text, through_ssh) in [
            ("127.0.0.1:9090", false),
            ("ftp://example.org", false),
            ("https://127.0.0.1:9090", true),
            ("http://user:secret@example.org", false),
            ("http://example.org/?x=1", false),
            ("http://example.org/#top", false),
            ("", false),
        ] {
            let err = Endpoint::parse(text, through_ssh).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidInput, "{text}");
        }
    }
}
