//! What the rules hand to notification channels: an alert and why it is being sent now.

use super::model::Alert;

/// Why a notification goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NoticeKind {
    /// The alert opened (its rule went down, or an outside source reported it).
    Opened,
    /// A reminder while the alert stays open, as the flapping guard allows.
    Reminder,
    /// The alert resolved.
    Resolved,
}

/// One notification to send through every enabled channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertNotice {
    pub alert: Alert,
    pub kind: NoticeKind,
    /// The host's name, for the message text; the alert carries only its id.
    pub host_name: Option<String>,
}
