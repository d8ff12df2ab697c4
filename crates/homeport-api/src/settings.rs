//! Settings and facts about the installation.

use crate::{Api, ApiResult, AppInfo, Language, Settings, Theme};

const LANGUAGE_KEY: &str = "language";
const THEME_KEY: &str = "theme";
const FIRST_RUN_DONE_KEY: &str = "first_run_done";

impl Api {
    /// Reads the settings, with defaults for what was never set.
    pub async fn settings_get(&self) -> ApiResult<Settings> {
        let store = self.hosts.store();
        let stored = store.setting(LANGUAGE_KEY).await?;
        let theme = store.setting(THEME_KEY).await?;
        let first_run_done = store.setting(FIRST_RUN_DONE_KEY).await?;
        Ok(Settings {
            language: stored.as_deref().map(Language::parse).unwrap_or(Language::System),
            theme: theme.as_deref().map(Theme::parse).unwrap_or_default(),
            first_run_done: first_run_done.as_deref() == Some("true"),
        })
    }

    /// Saves the settings and returns them as stored.
    pub async fn settings_set(&self, settings: Settings) -> ApiResult<Settings> {
        self.hosts
            .store()
            .set_setting(LANGUAGE_KEY, settings.language.as_str())
            .await?;
        self.hosts
            .store()
            .set_setting(THEME_KEY, settings.theme.as_str())
            .await?;
        let first_run_done = if settings.first_run_done { "true" } else { "false" };
        self.hosts
            .store()
            .set_setting(FIRST_RUN_DONE_KEY, first_run_done)
            .await?;
        self.settings_get().await
    }

    /// Returns version, commit, OS locale and folders.
    pub fn app_info(&self) -> AppInfo {
        let (version, commit) = crate::version();
        AppInfo {
            version: version.to_string(),
            commit: commit.to_string(),
            os_locale: sys_locale::get_locale(),
            data_dir: self.paths.data_dir.display().to_string(),
            log_dir: self.paths.log_dir.display().to_string(),
        }
    }
}
