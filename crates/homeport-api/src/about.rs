//! The About section's facts and the desktop settings: update checks and starting in the tray.
//!
//! Update checks are off until the user turns them on, so a new installation sends no request
//! to any update server. The desktop shell reads these settings; nothing here fetches anything.

use std::path::Path;

use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use crate::{Api, ApiResult};

const CHECK_UPDATES_KEY: &str = "updates.check";
const UPDATE_FEED_URL_KEY: &str = "updates.feed_url";
const START_MINIMIZED_KEY: &str = "window.start_minimized";

/// Longest feed URL accepted, so a pasted document cannot end up in the settings table.
const MAX_FEED_URL_LEN: usize = 2048;

/// Version, build and folders of this installation, for the About section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AboutInfo {
    pub version: String,
    /// Short git commit hash, or `unknown` for a build outside a git checkout.
    pub commit: String,
    /// Folder of the database.
    pub data_dir: String,
    pub log_dir: String,
    /// Folder of the desktop app's own files (the remembered window size and position); `None`
    /// for the CLI.
    pub config_dir: Option<String>,
}

/// Settings of the desktop app itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DesktopSettings {
    /// Whether the app checks the update feed for a newer version at start and on request.
    pub check_updates: bool,
    /// The `https:` URL of the update feed. `None` uses `plugins.updater.endpoints` from the
    /// desktop shell's tauri.conf.json.
    pub update_feed_url: Option<String>,
    /// Whether the app starts with its window hidden and only the tray icon shown.
    pub start_minimized: bool,
}

/// A newer version the update feed offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInfo {
    pub version: String,
    pub current_version: String,
    /// Publication date as RFC 3339, when the feed gives one.
    pub date: Option<String>,
    /// Release notes as the feed gives them (plain text or Markdown).
    pub notes: Option<String>,
}

impl Api {
    /// Returns version, commit and folders. `config_dir` is the desktop shell's own folder.
    pub fn app_about(&self, config_dir: Option<&Path>) -> AboutInfo {
        let (version, commit) = crate::version();
        AboutInfo {
            version: version.to_string(),
            commit: commit.to_string(),
            data_dir: self.paths.data_dir.display().to_string(),
            log_dir: self.paths.log_dir.display().to_string(),
            config_dir: config_dir.map(|dir| dir.display().to_string()),
        }
    }

    /// Reads the desktop settings. A new installation has every one of them off.
    pub async fn desktop_settings_get(&self) -> ApiResult<DesktopSettings> {
        let store = self.hosts.store();
        let check_updates = store.setting(CHECK_UPDATES_KEY).await?;
        let feed_url = store.setting(UPDATE_FEED_URL_KEY).await?;
        let start_minimized = store.setting(START_MINIMIZED_KEY).await?;
        Ok(DesktopSettings {
            check_updates: check_updates.as_deref() == Some("true"),
            update_feed_url: feed_url.filter(|url| !url.is_empty()),
            start_minimized: start_minimized.as_deref() == Some("true"),
        })
    }

    /// Checks and saves the desktop settings, and returns them as stored. An invalid feed URL
    /// is rejected before anything is written.
    pub async fn desktop_settings_set(&self, settings: DesktopSettings) -> ApiResult<DesktopSettings> {
        let feed_url = match settings.update_feed_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(validate_feed_url(url)?),
        };

        let store = self.hosts.store();
        store
            .set_setting(CHECK_UPDATES_KEY, bool_text(settings.check_updates))
            .await?;
        store
            .set_setting(UPDATE_FEED_URL_KEY, feed_url.as_deref().unwrap_or(""))
            .await?;
        store
            .set_setting(START_MINIMIZED_KEY, bool_text(settings.start_minimized))
            .await?;
        tracing::info!(
            check_updates = settings.check_updates,
            custom_feed = feed_url.is_some(),
            start_minimized = settings.start_minimized,
            "desktop settings saved"
        );
        self.desktop_settings_get().await
    }
}

fn bool_text(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// Accepts an absolute `https:` URL without user name or password, since the updater sends no
/// credentials and an `http:` feed could be replaced on the way.
pub fn validate_feed_url(url: &str) -> Result<String, Error> {
    if url.len() > MAX_FEED_URL_LEN {
        return Err(Error::invalid(
            "updateFeedUrl",
            format!("{}…", url.chars().take(60).collect::<String>()),
            format!("the URL is longer than {MAX_FEED_URL_LEN} characters; enter the feed's address only"),
        ));
    }
    let parsed = Url::parse(url).map_err(|err| {
        Error::invalid(
            "updateFeedUrl",
            url,
            format!("{err}; enter a full address such as https://example.org/homeport/latest.json"),
        )
    })?;
    if parsed.scheme() != "https" {
        return Err(Error::invalid(
            "updateFeedUrl",
            url,
            "the feed must use https:, so nobody on the way can change what it lists",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid(
            "updateFeedUrl",
            url,
            "remove the user name and password from the URL; the feed must be readable without them",
        ));
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_url_accepts_https() {
        let url = validate_feed_url("https://updates.example.org/homeport/{{target}}/latest.json").unwrap();
        assert!(url.starts_with("https://updates.example.org/"));
    }

    #[test]
    fn feed_url_rejects_other_schemes() {
        for bad in [
            "http://updates.example.org/latest.json",
            "file:///tmp/latest.json",
            "ftp://example.org/x",
        ] {
            let err = validate_feed_url(bad).unwrap_err();
            assert_eq!(err.code(), homeport_core::ErrorCode::InvalidInput, "{bad}");
            assert!(err.to_string().contains("https"), "{bad}: {err}");
        }
    }

    #[test]
    fn feed_url_rejects_credentials() {
        let err = validate_feed_url("https://user:secret@example.org/latest.json").unwrap_err();
        assert!(err.to_string().contains("user name"), "{err}");
    }

    #[test]
    fn feed_url_rejects_text_that_is_no_url() {
        let err = validate_feed_url("updates please").unwrap_err();
        assert!(err.to_string().contains("updateFeedUrl"), "{err}");
    }

    #[test]
    fn feed_url_rejects_long_text() {
        let long = format!("https://example.org/{}", "a".repeat(MAX_FEED_URL_LEN));
        assert!(validate_feed_url(&long).is_err());
    }
}
