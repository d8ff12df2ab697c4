//! Desktop integration: one app per data folder, the remembered window size and position,
//! starting in the tray, and the About section's commands.

use std::path::{Path, PathBuf};
use std::time::Duration;

use homeport_api::{AboutInfo, Api, DesktopSettings, IpcError};
use homeport_core::Error;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, State, Wry};
use tauri_plugin_window_state::StateFlags;

use crate::notify::TRAY_ID;

type CommandResult<T> = Result<T, IpcError>;

/// The window every launch shows and every second launch brings to the front.
const MAIN_WINDOW: &str = "main";

/// How long a start in the tray waits for the tray icon before it shows the window instead.
const TRAY_WAIT: Duration = Duration::from_secs(10);

/// Builds the plugin that makes a second launch on the same data folder focus the first
/// window and exit with code 0. Register it before every other plugin, so the second process
/// stops before the others start their work.
///
/// On Linux the running app owns a D-Bus name on the session bus, derived from the data
/// folder, so test runs and portable installations with their own `HOMEPORT_DATA_DIR` do not
/// stop each other. Without a session bus every launch runs (the plugin logs a warning).
/// NOTE: on Windows and macOS the plugin ignores the D-Bus name and allows one app per user.
pub fn single_instance(data_dir: &Path) -> TauriPlugin<Wry> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(dbus_id(data_dir))
        .callback(|app, _argv, _cwd| {
            tracing::info!("a second launch handed over to this app; showing the window");
            show_main_window(app);
        })
        .build()
}

/// Returns `org.homeport.Homeport.d<16 hex digits>`, a valid D-Bus name element for any path.
fn dbus_id(data_dir: &Path) -> String {
    let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let hex: String = digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
    format!("org.homeport.Homeport.d{hex}")
}

/// Builds the plugin that saves the window's size, position and maximized state when the app
/// closes and restores them at the next start. Visibility is left out: whether the window shows
/// at start is the "start in the tray" setting's job.
pub fn window_state() -> TauriPlugin<Wry> {
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .build()
}

/// Shows the main window at start, unless the user chose to start in the tray. The window is
/// created hidden (`visible: false` in tauri.conf.json) so that a start in the tray does not
/// flash it. When the desktop shows no tray icon within [`TRAY_WAIT`], the window is shown
/// anyway, since there would be no other way to open it.
pub fn show_at_start(app: &AppHandle) {
    let api = app.state::<Api>();
    let start_minimized = match tauri::async_runtime::block_on(api.desktop_settings_get()) {
        Ok(settings) => settings.start_minimized,
        Err(err) => {
            tracing::warn!(error = %err.message, "cannot read the desktop settings; showing the window");
            false
        }
    };
    if !start_minimized {
        show_main_window(app);
        return;
    }

    tracing::info!("starting in the tray");
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let deadline = tokio::time::Instant::now() + TRAY_WAIT;
        while tokio::time::Instant::now() < deadline {
            if app.tray_by_id(TRAY_ID).is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tracing::warn!("no tray icon appeared; showing the window instead of starting in the tray");
        show_main_window(&app);
    });
}

/// Shows, restores and focuses the main window.
pub fn show_main_window(app: &AppHandle) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        tracing::warn!("the main window is missing");
        return;
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
}

/// Returns the app's own folder (the remembered window state lives there).
fn config_dir(app: &AppHandle) -> Option<PathBuf> {
    app.path().app_config_dir().ok()
}

#[tauri::command]
pub fn app_about(app: AppHandle, api: State<'_, Api>) -> AboutInfo {
    api.app_about(config_dir(&app).as_deref())
}

#[tauri::command]
pub async fn desktop_settings_get(api: State<'_, Api>) -> CommandResult<DesktopSettings> {
    api.desktop_settings_get().await
}

#[tauri::command]
pub async fn desktop_settings_set(api: State<'_, Api>, settings: DesktopSettings) -> CommandResult<DesktopSettings> {
    api.desktop_settings_set(settings).await
}

/// The folders the About section may open. The window names one of these, never a path, so
/// it cannot open anything else on disk.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AppFolder {
    Data,
    Logs,
}

/// Opens the data or log folder in the file manager.
#[tauri::command]
pub fn app_folder_open(api: State<'_, Api>, folder: AppFolder) -> CommandResult<()> {
    let paths = api.paths();
    let path = match folder {
        AppFolder::Data => &paths.data_dir,
        AppFolder::Logs => &paths.log_dir,
    };
    tracing::info!(?folder, path = %path.display(), "opening a folder in the file manager");
    tauri_plugin_opener::open_path(path, None::<&str>).map_err(|err| {
        IpcError::from(Error::Internal(format!(
            "cannot open {} in the file manager: {err}",
            path.display()
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbus_id_is_valid_name() {
        let id = dbus_id(Path::new("/tmp/some folder/with-dashes.and.dots"));
        let last = id.rsplit('.').next().unwrap();
        assert!(id.starts_with("org.homeport.Homeport.d"), "{id}");
        assert_eq!(last.len(), 17, "{id}");
        assert!(last.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
    }

    #[test]
    fn dbus_id_differs_per_folder() {
        assert_ne!(dbus_id(Path::new("/tmp/a")), dbus_id(Path::new("/tmp/b")));
        assert_eq!(dbus_id(Path::new("/tmp/a")), dbus_id(Path::new("/tmp/a")));
    }
}
