//! Notification commands, desktop notifications, the tray icon with the open alert count, and
//! the minute loop that sends the summary when quiet hours end. Each command forwards to the
//! `homeport-api` function of the same name.

use std::time::Duration;

use homeport_api::alertmanager::{AlertmanagerSyncView, SYNC_INTERVAL};
use homeport_api::notify::{DesktopNotice, NotifyChannelInput, NotifyChannelView, NotifyTestView, TrayLabels};
use homeport_api::tls_checks::{TlsEndpointView, CHECK_INTERVAL};
use homeport_api::{Api, IpcError};
use homeport_core::alerts::alertmanager::{AlertmanagerSource, NewSilence, Silence};
use homeport_core::alerts::notify::{local_minute_of_day, QuietHours};
use homeport_core::alerts::tls::{TlsEndpoint, TlsReport};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_notification::NotificationExt;

/// The tray icon's id.
pub const TRAY_ID: &str = "main";

/// The event the window receives when the tray's "Open inbox" is chosen.
pub const OPEN_INBOX_EVENT: &str = "tray-open-inbox";

/// How often the tray's count is refreshed and held notices are checked.
const TICK: Duration = Duration::from_secs(30);

/// Routes the API's desktop notices to the system's notification service. A desktop without
/// one (a bare X server, as in the window tests) only logs the failure.
pub fn install_desktop_notifier(app: &AppHandle) {
    let app = app.clone();
    Api::set_desktop_notifier(move |notice: DesktopNotice| {
        let shown = app
            .notification()
            .builder()
            .title(&notice.title)
            .body(&notice.body)
            .show();
        if let Err(err) = shown {
            tracing::warn!(error = %err, severity = notice.severity.as_str(), "desktop notification failed");
        }
    });
}

/// Builds the tray icon. Returns `None` when the desktop has no tray (the error is logged),
/// because the app must start without one.
pub async fn build_tray(app: &AppHandle) -> Option<TrayIcon> {
    let labels = app.state::<Api>().notify_tray_labels().await;
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tray(app, &labels)));
    match built {
        Ok(Ok(tray)) => Some(tray),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "cannot create the tray icon; continuing without it");
            None
        }
        // tray-icon panics when no appindicator library can be loaded.
        Err(_) => {
            tracing::warn!("the tray icon panicked while loading; continuing without it");
            None
        }
    }
}

fn tray(app: &AppHandle, labels: &TrayLabels) -> tauri::Result<TrayIcon> {
    let show = MenuItem::with_id(app, "show", &labels.show, true, None::<&str>)?;
    let inbox = MenuItem::with_id(app, "inbox", &labels.inbox, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", &labels.quit, true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &inbox, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip("Homeport")
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => show_window(app),
            "inbox" => {
                show_window(app);
                if let Err(err) = app.emit(OPEN_INBOX_EVENT, ()) {
                    tracing::warn!(error = %err, "cannot ask the window to open the inbox");
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)
}

fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Refreshes the tray's open alert count, sends the quiet hours summary when they are over,
/// and checks every TLS endpoint every 6 hours (first at start), for as long as the app runs.
pub async fn run_notify_loop(app: AppHandle) {
    let tray = build_tray(&app).await;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_tls_check: Option<tokio::time::Instant> = None;
    let mut last_alertmanager_sync: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        let api = app.state::<Api>();
        if last_alertmanager_sync.is_none_or(|at| at.elapsed() >= SYNC_INTERVAL) {
            last_alertmanager_sync = Some(tokio::time::Instant::now());
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(err) = app.state::<Api>().alertmanager_sync_all().await {
                    tracing::warn!(error = %err, "cannot sync Alertmanager");
                }
            });
        }
        if last_tls_check.is_none_or(|at| at.elapsed() >= CHECK_INTERVAL) {
            last_tls_check = Some(tokio::time::Instant::now());
            let app = app.clone();
            // A slow endpoint must not hold up the tray and the quiet hours summary.
            tauri::async_runtime::spawn(async move {
                if let Err(err) = app.state::<Api>().tls_check_all().await {
                    tracing::warn!(error = %err, "cannot run the TLS checks");
                }
            });
        }
        if let Some(tray) = &tray {
            match api.alerts_open_count().await {
                Ok(count) => {
                    let text = api.notify_tray_tooltip(count).await;
                    let _ = tray.set_tooltip(Some(&text));
                    // Linux trays show no tooltip; the title is the text beside the icon.
                    let _ = tray.set_title(Some(if count == 0 { String::new() } else { count.to_string() }));
                }
                Err(err) => tracing::debug!(error = %err, "cannot count open alerts for the tray"),
            }
        }
        if let Err(err) = api.notify_flush_held(local_minute_of_day()).await {
            tracing::warn!(error = %err, "cannot send the quiet hours summary");
        }
    }
}

#[tauri::command]
pub async fn notify_channels(api: State<'_, Api>) -> Result<Vec<NotifyChannelView>, IpcError> {
    api.notify_channels().await
}

#[tauri::command]
pub async fn notify_channel_save(
    api: State<'_, Api>,
    input: NotifyChannelInput,
) -> Result<NotifyChannelView, IpcError> {
    api.notify_channel_save(input).await
}

#[tauri::command]
pub async fn notify_channel_remove(api: State<'_, Api>, id: String) -> Result<(), IpcError> {
    api.notify_channel_remove(&id).await
}

#[tauri::command]
pub async fn notify_channel_test(api: State<'_, Api>, id: String) -> Result<NotifyTestView, IpcError> {
    api.notify_channel_test(&id).await
}

#[tauri::command]
pub async fn notify_quiet_hours(api: State<'_, Api>) -> Result<QuietHours, IpcError> {
    api.notify_quiet_hours().await
}

#[tauri::command]
pub async fn notify_quiet_hours_set(api: State<'_, Api>, hours: QuietHours) -> Result<QuietHours, IpcError> {
    api.notify_quiet_hours_set(hours).await
}

#[tauri::command]
pub async fn notify_held_count(api: State<'_, Api>) -> Result<u32, IpcError> {
    api.notify_held_count().await
}

#[tauri::command]
pub async fn tls_endpoints(api: State<'_, Api>) -> Result<Vec<TlsEndpointView>, IpcError> {
    api.tls_endpoints().await
}

#[tauri::command]
pub async fn tls_endpoint_save(api: State<'_, Api>, endpoint: TlsEndpoint) -> Result<TlsEndpointView, IpcError> {
    api.tls_endpoint_save(endpoint).await
}

#[tauri::command]
pub async fn tls_endpoint_remove(api: State<'_, Api>, id: String) -> Result<(), IpcError> {
    api.tls_endpoint_remove(&id).await
}

#[tauri::command]
pub async fn tls_check(api: State<'_, Api>, id: String) -> Result<TlsReport, IpcError> {
    api.tls_check(&id).await
}

#[tauri::command]
pub async fn alertmanager_sources(api: State<'_, Api>) -> Result<Vec<AlertmanagerSource>, IpcError> {
    api.alertmanager_sources().await
}

#[tauri::command]
pub async fn alertmanager_source_set(
    api: State<'_, Api>,
    source: AlertmanagerSource,
) -> Result<AlertmanagerSource, IpcError> {
    api.alertmanager_source_set(source).await
}

#[tauri::command]
pub async fn alertmanager_source_remove(api: State<'_, Api>, id: String) -> Result<(), IpcError> {
    api.alertmanager_source_remove(&id).await
}

#[tauri::command]
pub async fn alertmanager_sync(api: State<'_, Api>, id: String) -> Result<AlertmanagerSyncView, IpcError> {
    api.alertmanager_sync(&id).await
}

#[tauri::command]
pub async fn alertmanager_silences(api: State<'_, Api>, id: String) -> Result<Vec<Silence>, IpcError> {
    api.alertmanager_silences(&id).await
}

#[tauri::command]
pub async fn alertmanager_silence_create(
    api: State<'_, Api>,
    id: String,
    silence: NewSilence,
) -> Result<String, IpcError> {
    api.alertmanager_silence_create(&id, silence).await
}

#[tauri::command]
pub async fn alertmanager_silence_expire(api: State<'_, Api>, id: String, silence_id: String) -> Result<(), IpcError> {
    api.alertmanager_silence_expire(&id, &silence_id).await
}
