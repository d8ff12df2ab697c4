//! Settings and facts about the installation.

use crate::{Api, ApiResult, AppInfo, Language, Settings};

const LANGUAGE_KEY: &str = "language";

impl Api {
    /// Reads the settings, with defaults for what was never set.
    pub async fn settings_get(&self) -> ApiResult<Settings> {
        let stored = self.hosts.store().setting(LANGUAGE_KEY).await?;
        Ok(Settings {
            language: stored.as_deref().map(Language::parse).unwrap_or(Language::System),
        })
    }

    /// Saves the settings and returns them as stored.
    pub async fn settings_set(&self, settings: Settings) -> ApiResult<Settings> {
        self.hosts
            .store()
            .set_setting(LANGUAGE_KEY, settings.language.as_str())
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
