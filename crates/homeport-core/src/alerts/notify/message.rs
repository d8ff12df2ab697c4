//! The text a channel sends, already in the user's language, with the facts behind it.

use crate::alerts::{NoticeKind, Severity};

/// One notification as every channel sends it. The API layer renders `title` and `body` in the
/// user's language; channels only arrange them in their provider's format.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub title: String,
    pub body: String,
    pub severity: Severity,
    /// Why it is sent, or `None` for a test message.
    pub kind: Option<NoticeKind>,
    pub alert_id: Option<String>,
    pub rule: String,
    pub host: Option<String>,
    /// The observed value the rule reported, such as `87 %`, when it has one.
    pub value: Option<String>,
}

impl Message {
    /// Returns the title and body as one plain text, for services without a title field.
    pub fn plain_text(&self) -> String {
        format!("{}\n{}", self.title, self.body)
    }
}
