//! Error messages in the user's language for the CLI, from the same catalogs the UI uses.
//!
//! The UI's catalogs (`ui/src/lib/i18n/*.json`) are compiled in, so the CLI and the window
//! word every error the same way. Error messages use only plain `{name}` placeholders, which
//! are filled from [`IpcError::params`].

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::IpcError;

const EN: &str = include_str!("../../../ui/src/lib/i18n/en.json");
const ZH_CN: &str = include_str!("../../../ui/src/lib/i18n/zh-CN.json");

/// A catalog language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    ZhCn,
}

impl Locale {
    /// Picks the catalog for a POSIX or BCP 47 locale name: any Chinese locale gets
    /// Simplified Chinese, everything else English.
    pub fn from_name(name: &str) -> Self {
        if name.to_ascii_lowercase().starts_with("zh") {
            Locale::ZhCn
        } else {
            Locale::En
        }
    }

    /// Reads the locale the way POSIX programs do: `LC_ALL`, then `LC_MESSAGES`, then `LANG`,
    /// and the OS setting when none is set.
    pub fn from_environment() -> Self {
        let from_env = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty());
        let name = from_env.or_else(sys_locale::get_locale).unwrap_or_default();
        Self::from_name(&name)
    }
}

/// Returns the translated message for `err`, or its English `message` when the catalog has
/// no entry for its code.
pub fn localized_error(err: &IpcError, locale: Locale) -> String {
    let code = serde_json::to_value(err.code)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default();
    let Some(template) = error_templates(locale).get(&code) else {
        return err.message.clone();
    };
    fill(template, err)
}

fn fill(template: &str, err: &IpcError) -> String {
    let mut text = template.to_string();
    for (name, value) in &err.params {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

fn error_templates(locale: Locale) -> &'static HashMap<String, String> {
    static EN_ERRORS: OnceLock<HashMap<String, String>> = OnceLock::new();
    static ZH_ERRORS: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, source) = match locale {
        Locale::En => (&EN_ERRORS, EN),
        Locale::ZhCn => (&ZH_ERRORS, ZH_CN),
    };
    cell.get_or_init(|| parse_errors(source))
}

fn parse_errors(catalog: &str) -> HashMap<String, String> {
    let parsed: serde_json::Value = serde_json::from_str(catalog).unwrap_or_default();
    parsed
        .get("error")
        .and_then(|errors| errors.as_object())
        .map(|errors| {
            errors
                .iter()
                .filter_map(|(code, text)| text.as_str().map(|text| (code.clone(), text.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeport_core::Error;

    #[test]
    fn locale_names_map_to_catalogs() {
        assert_eq!(Locale::from_name("zh_CN.UTF-8"), Locale::ZhCn);
        assert_eq!(Locale::from_name("zh-TW"), Locale::ZhCn);
        assert_eq!(Locale::from_name("en_US.UTF-8"), Locale::En);
        assert_eq!(Locale::from_name("C"), Locale::En);
    }

    #[test]
    fn chinese_message_fills_params() {
        let err = IpcError::from(Error::HostNameTaken("nas".into()));
        let text = localized_error(&err, Locale::ZhCn);
        assert!(text.contains("nas"), "the host name is filled in: {text}");
        assert!(!text.contains('{'), "no placeholder is left: {text}");
        assert_ne!(text, err.message, "the Chinese catalog is used");
    }

    #[test]
    fn every_code_has_a_message_in_both_catalogs() {
        let samples = [
            Error::invalid("port", "0", "use 1 to 65535"),
            Error::HostUnreachable {
                host: "nas".into(),
                port: 22,
                detail: "refused".into(),
            },
            Error::DockerPermissionDenied {
                host: "nas".into(),
                user: "me".into(),
                socket: "/s".into(),
            },
            Error::KeychainLocked {
                detail: "locked".into(),
            },
        ];
        for err in samples {
            let ipc = IpcError::from(err);
            for locale in [Locale::En, Locale::ZhCn] {
                let text = localized_error(&ipc, locale);
                assert!(
                    !text.contains('{'),
                    "{:?} in {locale:?} leaves a placeholder: {text}",
                    ipc.code
                );
            }
        }
    }
}
