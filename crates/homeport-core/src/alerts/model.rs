//! The alert model: its severity with the response target, its state, and its values.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::{Error, Result};

/// The source of alerts from Homeport's own rules.
pub const HOMEPORT_SOURCE: &str = "homeport";

/// The urgency of an alert, with the time within which someone should respond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    /// A service is down: respond now.
    P0,
    /// A core function is degraded: respond within 1 hour.
    P1,
    /// A non-core function is affected: respond within 4 hours.
    P2,
    /// Information: respond within 24 hours.
    P3,
}

impl Severity {
    /// Returns the response target. P0 has none to wait for: it is due at once.
    pub fn response_target(self) -> Duration {
        const HOUR: u64 = 60 * 60;
        match self {
            Severity::P0 => Duration::ZERO,
            Severity::P1 => Duration::from_secs(HOUR),
            Severity::P2 => Duration::from_secs(4 * HOUR),
            Severity::P3 => Duration::from_secs(24 * HOUR),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::P0 => "P0",
            Severity::P1 => "P1",
            Severity::P2 => "P2",
            Severity::P3 => "P3",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "P0" => Ok(Severity::P0),
            "P1" => Ok(Severity::P1),
            "P2" => Ok(Severity::P2),
            "P3" => Ok(Severity::P3),
            other => Err(Error::Storage(format!(
                "unknown alert severity '{other}' in the database"
            ))),
        }
    }
}

/// The stage of an alert in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Firing,
    Acknowledged,
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Firing => "firing",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "firing" => Ok(AlertState::Firing),
            "acknowledged" => Ok(AlertState::Acknowledged),
            "resolved" => Ok(AlertState::Resolved),
            other => Err(Error::Storage(format!("unknown alert state '{other}' in the database"))),
        }
    }
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: String,
    pub source: String,
    pub fingerprint: String,
    pub rule: String,
    pub host_id: Option<String>,
    pub service: String,
    pub severity: Severity,
    pub state: AlertState,
    /// Values for the translated message, such as `host` and `detail`.
    pub params: BTreeMap<String, String>,
    /// How many times the event was seen while the alert was open.
    pub count: u32,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    /// When someone acknowledged it (RFC 3339); an acknowledged alert's response timer stops.
    pub acknowledged_at: Option<String>,
    /// Until when it sends no notifications (RFC 3339).
    pub silenced_until: Option<String>,
    /// `rule` when its rule resolved it, `user` when resolved by hand.
    pub resolved_by: Option<String>,
}

impl Alert {
    /// Returns when a response is due: first seen plus the severity's response target.
    pub fn response_due(&self) -> Option<time::OffsetDateTime> {
        let first =
            time::OffsetDateTime::parse(&self.first_seen, &time::format_description::well_known::Rfc3339).ok()?;
        Some(first + self.severity.response_target())
    }

    /// Whether nobody responded within the target: open, not acknowledged, and past due.
    pub fn overdue(&self, now: time::OffsetDateTime) -> bool {
        self.state == AlertState::Firing && self.response_due().is_some_and(|due| now > due)
    }

    /// Whether notifications are held back at `now`.
    pub fn silenced(&self, now: time::OffsetDateTime) -> bool {
        self.silenced_until
            .as_deref()
            .and_then(|until| time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339).ok())
            .is_some_and(|until| now < until)
    }
}

/// A comment on an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertComment {
    pub id: String,
    pub alert_id: String,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

/// Which alerts a listing returns. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Only open alerts (firing or acknowledged), or only resolved ones.
    pub open: Option<bool>,
    pub states: Vec<AlertState>,
    pub severities: Vec<Severity>,
    pub host_id: Option<String>,
    pub source: Option<String>,
    /// Case-insensitive text searched in the rule, service, fingerprint, values and comments.
    pub search: Option<String>,
    /// At most this many, newest first; 0 means the default of 500.
    pub limit: u32,
}

/// An event that opens an alert, or raises the count of the open one with its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub source: String,
    pub fingerprint: String,
    pub rule: String,
    pub host_id: Option<String>,
    pub service: String,
    pub severity: Severity,
    pub params: BTreeMap<String, String>,
}
