//! Notification texts in the user's language, from the `notify.message` section of the UI's
//! catalogs, so the window and the messages word alerts the same way.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use homeport_core::alerts::notify::Message;
use homeport_core::alerts::{AlertNotice, NoticeKind, Severity};
use serde_json::Value;

use crate::messages::Locale;

const EN: &str = include_str!("../../../../ui/src/lib/i18n/en.json");
const ZH_CN: &str = include_str!("../../../../ui/src/lib/i18n/zh-CN.json");

/// Returns the `notify.message` and `notify.tray` texts of `locale`, keyed by name (tray keys
/// as `tray.<name>`).
fn texts(locale: Locale) -> &'static BTreeMap<String, String> {
    static EN_TEXTS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    static ZH_TEXTS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    let (cell, catalog) = match locale {
        Locale::En => (&EN_TEXTS, EN),
        Locale::ZhCn => (&ZH_TEXTS, ZH_CN),
    };
    cell.get_or_init(|| {
        let parsed: Value = serde_json::from_str(catalog).unwrap_or_default();
        let mut texts = section(&parsed, "/notify/message", "");
        texts.extend(section(&parsed, "/notify/tray", "tray."));
        texts.extend(section(&parsed, "/alerts/rule", "rule."));
        texts
    })
}

fn section(catalog: &Value, pointer: &str, prefix: &str) -> BTreeMap<String, String> {
    catalog
        .pointer(pointer)
        .and_then(Value::as_object)
        .map(|section| {
            section
                .iter()
                .filter_map(|(key, text)| text.as_str().map(|text| (format!("{prefix}{key}"), text.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Fills `{name}` placeholders of the text `key` in `locale`. A key missing from the catalog
/// yields the key itself, which a test rules out for the keys used here.
pub fn render(locale: Locale, key: &str, values: &[(&str, &str)]) -> String {
    let mut text = texts(locale).get(key).cloned().unwrap_or_else(|| key.to_string());
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Builds the message for an alert notice.
pub fn notice_message(notice: &AlertNotice, locale: Locale) -> Message {
    let alert = &notice.alert;
    let host = notice.host_name.clone().or_else(|| alert.params.get("host").cloned());
    let value = alert
        .params
        .get("value")
        .or_else(|| alert.params.get("detail"))
        .cloned();
    let severity = alert.severity.as_str();
    let target = host.clone().unwrap_or_else(|| render(locale, "noHost", &[]));
    let title_key = match notice.kind {
        NoticeKind::Opened => "titleOpened",
        NoticeKind::Reminder => "titleReminder",
        NoticeKind::Resolved => "titleResolved",
    };
    // The inbox's title of a built-in rule, then the rule's alert name, then its id.
    let rule_title = texts(locale)
        .get(&format!("rule.{}", alert.rule))
        .or_else(|| alert.params.get("name"))
        .cloned()
        .unwrap_or_else(|| alert.rule.clone());
    let title = render(
        locale,
        title_key,
        &[("severity", severity), ("rule", &rule_title), ("host", &target)],
    );

    let count = alert.count.to_string();
    let mut lines = vec![
        render(
            locale,
            "lineSeverity",
            &[
                ("severity", severity),
                ("target", response_target(alert.severity, locale).as_str()),
            ],
        ),
        render(locale, "lineHost", &[("host", &target)]),
        render(locale, "lineRule", &[("rule", &alert.rule)]),
    ];
    if !alert.service.is_empty() {
        lines.push(render(locale, "lineService", &[("service", &alert.service)]));
    }
    if let Some(value) = &value {
        lines.push(render(locale, "lineValue", &[("value", value)]));
    }
    let seen_key = if alert.count > 1 { "lineSeen" } else { "lineSeenOnce" };
    lines.push(render(
        locale,
        seen_key,
        &[("count", &count), ("since", &alert.first_seen)],
    ));

    Message {
        title,
        body: lines.join("\n"),
        severity: alert.severity,
        kind: Some(notice.kind),
        alert_id: Some(alert.id.clone()),
        rule: alert.rule.clone(),
        host,
        value,
    }
}

/// Builds the message a channel's Test button sends.
pub fn test_message(channel_name: &str, locale: Locale) -> Message {
    Message {
        title: render(locale, "testTitle", &[]),
        body: render(locale, "testBody", &[("channel", channel_name)]),
        severity: Severity::P3,
        kind: None,
        alert_id: None,
        rule: "test".to_string(),
        host: None,
        value: None,
    }
}

/// Builds the one summary of the messages held during quiet hours. Its severity is the
/// highest held one.
pub fn summary_message(held: &[Message], locale: Locale) -> Message {
    let count = held.len().to_string();
    let severity = held
        .iter()
        .map(|message| message.severity)
        .min()
        .unwrap_or(Severity::P3);
    let mut lines = vec![render(locale, "summaryIntro", &[("count", &count)])];
    lines.extend(held.iter().map(|message| format!("- {}", message.title)));
    Message {
        title: render(locale, "summaryTitle", &[("count", &count)]),
        body: lines.join("\n"),
        severity,
        kind: None,
        alert_id: None,
        rule: "quiet_hours_summary".to_string(),
        host: None,
        value: None,
    }
}

fn response_target(severity: Severity, locale: Locale) -> String {
    let key = match severity {
        Severity::P0 => "targetP0",
        Severity::P1 => "targetP1",
        Severity::P2 => "targetP2",
        Severity::P3 => "targetP3",
    };
    render(locale, key, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [&str; 22] = [
        "tray.show",
        "tray.inbox",
        "tray.quit",
        "tray.tooltip",
        "noHost",
        "titleOpened",
        "titleReminder",
        "titleResolved",
        "lineSeverity",
        "lineHost",
        "lineRule",
        "lineService",
        "lineValue",
        "lineSeen",
        "testTitle",
        "testBody",
        "summaryTitle",
        "summaryIntro",
        "targetP0",
        "targetP1",
        "targetP2",
        "targetP3",
    ];

    #[test]
    fn every_key_is_in_both_catalogs() {
        for locale in [Locale::En, Locale::ZhCn] {
            for key in KEYS {
                assert!(
                    texts(locale).contains_key(key),
                    "notify.message.{key} is missing for {locale:?}"
                );
            }
        }
    }

    #[test]
    fn notice_message_names_severity_host_rule_value() {
        let alert = homeport_core::alerts::Alert {
            id: "a1".into(),
            source: "homeport".into(),
            fingerprint: "f".into(),
            rule: "filesystem_full".into(),
            host_id: Some("h1".into()),
            service: String::new(),
            severity: Severity::P2,
            state: homeport_core::alerts::AlertState::Firing,
            params: [("value".to_string(), "93 %".to_string())].into(),
            count: 3,
            first_seen: "2026-12-05T07:00:00Z".into(),
            last_seen: "2026-12-05T07:05:00Z".into(),
            resolved_at: None,
            acknowledged_at: None,
            silenced_until: None,
            resolved_by: None,
        };
        let notice = AlertNotice {
            alert,
            kind: NoticeKind::Opened,
            host_name: Some("nas".into()),
        };
        for locale in [Locale::En, Locale::ZhCn] {
            let message = notice_message(&notice, locale);
            assert!(message.title.contains("P2"), "{}", message.title);
            assert!(message.title.contains("nas"), "{}", message.title);
            assert!(
                !message.title.contains("filesystem_full"),
                "the rule's title, not its id: {}",
                message.title
            );
            assert!(message.body.contains("filesystem_full"), "{}", message.body);
            assert!(message.body.contains("93 %"), "{}", message.body);
            assert!(message.body.contains('3'), "{}", message.body);
            assert!(
                !message.body.contains('{'),
                "every placeholder is filled: {}",
                message.body
            );
        }
        let chinese = notice_message(&notice, Locale::ZhCn);
        assert_ne!(chinese.title, notice_message(&notice, Locale::En).title);
        assert!(chinese.title.contains("文件系统"), "{}", chinese.title);

        let mut once = notice.clone();
        once.alert.count = 1;
        once.alert.rule = "custom:HighLoad".into();
        once.alert.params.insert("name".into(), "HighLoad".into());
        let message = notice_message(&once, Locale::En);
        assert!(
            message.title.contains("HighLoad") && !message.title.contains("custom:"),
            "{}",
            message.title
        );
        assert!(message.body.contains("First seen"), "{}", message.body);
    }
}
