//! Keeps the window on the app's own pages and opens checked external links in the browser.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::Runtime;
use url::Url;

use homeport_api::IpcError;
use homeport_core::Error;

/// Builds a plugin that cancels every navigation away from the bundled UI.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_url(url);
            if !allowed {
                tracing::warn!(url = %url, "blocked navigation away from the app");
            }
            allowed
        })
        .build()
}

/// Returns whether `url` is one of the app's own pages: the custom protocol in release
/// builds, and the Vite dev server in debug builds.
pub fn is_app_url(url: &Url) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", Some("localhost")) => true,
        ("http" | "https", Some("tauri.localhost")) => true,
        ("http", Some("localhost")) => cfg!(debug_assertions) && url.port() == Some(1420),
        _ => false,
    }
}

/// Opens `url` in the default browser if it is an `https:` link.
pub fn open_external(url: &str) -> Result<(), IpcError> {
    let parsed = Url::parse(url).map_err(|err| Error::invalid("url", url, err.to_string()))?;
    if parsed.scheme() != "https" {
        return Err(Error::invalid("url", url, "only https links can be opened").into());
    }
    tauri_plugin_opener::open_url(parsed.as_str(), None::<&str>)
        .map_err(|err| IpcError::from(Error::Internal(format!("cannot open the browser: {err}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_app_pages_are_allowed() {
        assert!(is_app_url(&Url::parse("tauri://localhost/index.html").unwrap()));
        assert!(is_app_url(&Url::parse("http://tauri.localhost/").unwrap()));
        assert!(!is_app_url(&Url::parse("https://example.com/").unwrap()));
        assert!(!is_app_url(&Url::parse("file:///etc/passwd").unwrap()));
    }

    #[test]
    fn external_links_must_be_https() {
        for bad in [
            "http://example.com",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
        ] {
            let err = open_external(bad).unwrap_err();
            assert_eq!(err.code, homeport_core::ErrorCode::InvalidInput, "{bad}");
        }
    }
}
