//! Update checks through tauri-plugin-updater, only when the user has turned them on.
//!
//! The feed is the URL from the desktop settings, or else `plugins.updater.endpoints` in
//! tauri.conf.json (empty in this repository, so a build without a feed checks nothing). The
//! plugin accepts only packages signed with the private key that belongs to
//! `plugins.updater.pubkey`; see docs/packaging.md for making a key pair.

use std::sync::Mutex;
use std::time::Duration;

use homeport_api::{Api, IpcError, UpdateInfo};
use homeport_core::Error;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_updater::{Update, UpdaterExt};
use url::Url;

type CommandResult<T> = Result<T, IpcError>;

/// Limit for one request to the feed or the download.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The result of the last check in this process, so the About section can show what the
/// check at start found without asking the feed again.
#[derive(Default)]
pub struct LatestUpdate(Mutex<Option<UpdateInfo>>);

/// Checks the feed once at start when update checks are on; does nothing otherwise.
pub async fn check_at_start(app: AppHandle) {
    let api = app.state::<Api>();
    match api.desktop_settings_get().await {
        Ok(settings) if settings.check_updates => {}
        Ok(_) => return,
        Err(err) => {
            tracing::warn!(error = %err.message, "cannot read the desktop settings; no update check");
            return;
        }
    }
    match check(&app, &api).await {
        Ok(Some(update)) => tracing::info!(version = %update.version, "an update is available"),
        Ok(None) => tracing::info!("no update available"),
        Err(err) => tracing::warn!(error = %err.message, "the update check failed"),
    }
}

/// Returns what the last check in this process found, without a request.
#[tauri::command]
pub fn update_status(latest: State<'_, LatestUpdate>) -> Option<UpdateInfo> {
    latest.0.lock().map(|found| found.clone()).unwrap_or(None)
}

/// Asks the feed for a newer version. Fails when update checks are off.
#[tauri::command]
pub async fn update_check(app: AppHandle, api: State<'_, Api>) -> CommandResult<Option<UpdateInfo>> {
    check(&app, &api).await
}

/// Downloads the newer version, checks its signature, installs it and restarts the app.
#[tauri::command]
pub async fn update_install(app: AppHandle, api: State<'_, Api>) -> CommandResult<()> {
    let (update, feed) = find_update(&app, &api).await?;
    let Some(update) = update else {
        return Err(Error::invalid("version", env!("CARGO_PKG_VERSION"), "no newer version is available").into());
    };
    tracing::info!(version = %update.version, "downloading and installing an update");
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(|err| download_failed(&feed, err))?;
    tracing::info!(version = %update.version, "update installed; restarting");
    app.restart();
}

async fn check(app: &AppHandle, api: &Api) -> CommandResult<Option<UpdateInfo>> {
    let (update, _) = find_update(app, api).await?;
    let info = update.map(|update| update_info(&update));
    if let Ok(mut latest) = app.state::<LatestUpdate>().0.lock() {
        *latest = info.clone();
    }
    Ok(info)
}

/// Runs one check against the configured feed. Returns the update and the feed's text for
/// error messages.
async fn find_update(app: &AppHandle, api: &Api) -> CommandResult<(Option<Update>, String)> {
    let settings = api.desktop_settings_get().await?;
    if !settings.check_updates {
        return Err(Error::invalid(
            "checkUpdates",
            "off",
            "update checks are off; turn on \"Check for updates\" in Settings first",
        )
        .into());
    }

    let mut builder = app.updater_builder().timeout(REQUEST_TIMEOUT);
    let feed = match settings.update_feed_url {
        Some(url) => {
            let parsed =
                Url::parse(&url).map_err(|err| Error::invalid("updateFeedUrl", url.clone(), err.to_string()))?;
            builder = builder
                .endpoints(vec![parsed])
                .map_err(|err| Error::invalid("updateFeedUrl", url.clone(), err.to_string()))?;
            url
        }
        None => "the feed in tauri.conf.json".to_string(),
    };
    let updater = builder.build().map_err(|err| download_failed(&feed, err))?;
    tracing::info!(feed = %feed, "checking for updates");
    let update = updater.check().await.map_err(|err| download_failed(&feed, err))?;
    Ok((update, feed))
}

fn update_info(update: &Update) -> UpdateInfo {
    UpdateInfo {
        version: update.version.clone(),
        current_version: update.current_version.clone(),
        date: update
            .date
            .and_then(|date| date.format(&time::format_description::well_known::Rfc3339).ok()),
        notes: update.body.clone(),
    }
}

fn download_failed(feed: &str, err: tauri_plugin_updater::Error) -> IpcError {
    let detail = match err {
        tauri_plugin_updater::Error::EmptyEndpoints => {
            "no update feed is set; enter the feed URL in Settings".to_string()
        }
        other => other.to_string(),
    };
    Error::DownloadFailed {
        url: feed.to_string(),
        detail,
    }
    .into()
}
