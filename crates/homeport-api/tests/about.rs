//! The About facts and the desktop settings through the API, against a real database file.

use homeport_api::{Api, DesktopSettings};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use tempfile::TempDir;

async fn open_api(dir: &TempDir) -> Api {
    Api::open(AppPaths::portable(dir.path().to_path_buf()))
        .await
        .expect("the API opens on an empty folder")
}

#[tokio::test]
async fn new_installation_checks_no_updates() {
    let dir = TempDir::new().unwrap();
    let api = open_api(&dir).await;

    let settings = api.desktop_settings_get().await.unwrap();

    assert!(
        !settings.check_updates,
        "update checks must be off until the user turns them on"
    );
    assert_eq!(settings.update_feed_url, None);
    assert!(!settings.start_minimized);
}

#[tokio::test]
async fn desktop_settings_round_trip() {
    let dir = TempDir::new().unwrap();
    let api = open_api(&dir).await;
    let wanted = DesktopSettings {
        check_updates: true,
        update_feed_url: Some("  https://updates.example.org/homeport/latest.json ".to_string()),
        start_minimized: true,
    };

    let saved = api.desktop_settings_set(wanted).await.unwrap();
    drop(api);
    let reopened = open_api(&dir).await.desktop_settings_get().await.unwrap();

    assert_eq!(saved, reopened);
    assert!(reopened.check_updates);
    assert!(reopened.start_minimized);
    assert_eq!(
        reopened.update_feed_url.as_deref(),
        Some("https://updates.example.org/homeport/latest.json")
    );
}

#[tokio::test]
async fn empty_feed_url_clears_it() {
    let dir = TempDir::new().unwrap();
    let api = open_api(&dir).await;
    let mut settings = api.desktop_settings_get().await.unwrap();
    settings.update_feed_url = Some("https://updates.example.org/latest.json".to_string());
    api.desktop_settings_set(settings.clone()).await.unwrap();

    settings.update_feed_url = Some("   ".to_string());
    let saved = api.desktop_settings_set(settings).await.unwrap();

    assert_eq!(saved.update_feed_url, None);
}

#[tokio::test]
async fn http_feed_is_rejected_and_nothing_changes() {
    let dir = TempDir::new().unwrap();
    let api = open_api(&dir).await;
    let request = DesktopSettings {
        check_updates: true,
        update_feed_url: Some("http://updates.example.org/latest.json".to_string()),
        start_minimized: true,
    };

    let err = api.desktop_settings_set(request).await.unwrap_err();

    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("updateFeedUrl"), "{}", err.message);
    let stored = api.desktop_settings_get().await.unwrap();
    assert!(
        !stored.check_updates,
        "a rejected request must not turn update checks on"
    );
    assert!(!stored.start_minimized);
}

#[tokio::test]
async fn about_lists_version_and_folders() {
    let dir = TempDir::new().unwrap();
    let api = open_api(&dir).await;
    let config_dir = dir.path().join("config");

    let about = api.app_about(Some(&config_dir));

    assert_eq!(about.version, env!("CARGO_PKG_VERSION"));
    assert!(!about.commit.is_empty());
    assert_eq!(about.data_dir, dir.path().display().to_string());
    assert_eq!(about.log_dir, dir.path().join("logs").display().to_string());
    assert_eq!(about.config_dir, Some(config_dir.display().to_string()));
}
