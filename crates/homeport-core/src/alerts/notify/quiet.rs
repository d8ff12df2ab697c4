//! Quiet hours: a daily span of local time during which notices below P0 are held and sent
//! later as one summary.

use chrono::Timelike;

use crate::alerts::Severity;
use crate::error::{Error, Result};

/// The user's quiet hours, in local time. `start` and `end` are `HH:MM`; a span whose end is
/// before its start runs past midnight (22:00 to 07:00). Equal times mean no quiet hours.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuietHours {
    pub enabled: bool,
    pub start: String,
    pub end: String,
}

impl Default for QuietHours {
    fn default() -> Self {
        Self {
            enabled: false,
            start: "22:00".to_string(),
            end: "07:00".to_string(),
        }
    }
}

impl QuietHours {
    /// Checks both times and returns the quiet hours with them written as `HH:MM`.
    pub fn validated(&self) -> Result<Self> {
        let start = parse_time("start", &self.start)?;
        let end = parse_time("end", &self.end)?;
        Ok(Self {
            enabled: self.enabled,
            start: format_time(start),
            end: format_time(end),
        })
    }

    /// Returns whether `minute_of_day` (0 to 1439, local time) falls inside the quiet hours.
    pub fn contains(&self, minute_of_day: u16) -> bool {
        if !self.enabled {
            return false;
        }
        let (Ok(start), Ok(end)) = (parse_time("start", &self.start), parse_time("end", &self.end)) else {
            return false;
        };
        if start <= end {
            (start..end).contains(&minute_of_day)
        } else {
            minute_of_day >= start || minute_of_day < end
        }
    }

    /// Returns whether a notice of `severity` sent at `minute_of_day` is held. P0 alerts are
    /// never held: a service that is down must wake someone.
    pub fn holds(&self, severity: Severity, minute_of_day: u16) -> bool {
        severity != Severity::P0 && self.contains(minute_of_day)
    }
}

/// Returns the current minute of the day in the OS's time zone.
pub fn local_minute_of_day() -> u16 {
    let now = chrono::Local::now();
    (now.hour() * 60 + now.minute()) as u16
}

fn parse_time(field: &'static str, value: &str) -> Result<u16> {
    let invalid = || Error::InvalidInput {
        field,
        value: value.to_string(),
        reason: "enter a time as HH:MM, from 00:00 to 23:59".to_string(),
    };
    let (hours, minutes) = value.trim().split_once(':').ok_or_else(invalid)?;
    let hours: u16 = hours.parse().map_err(|_| invalid())?;
    let minutes: u16 = minutes.parse().map_err(|_| invalid())?;
    if hours > 23 || minutes > 59 {
        return Err(invalid());
    }
    Ok(hours * 60 + minutes)
}

fn format_time(minute_of_day: u16) -> String {
    format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(start: &str, end: &str) -> QuietHours {
        QuietHours {
            enabled: true,
            start: start.into(),
            end: end.into(),
        }
    }

    #[test]
    fn span_past_midnight() {
        let hours = quiet("22:00", "07:00");
        assert!(hours.contains(22 * 60));
        assert!(hours.contains(23 * 60 + 59));
        assert!(hours.contains(0));
        assert!(hours.contains(6 * 60 + 59));
        assert!(!hours.contains(7 * 60), "the end minute is outside");
        assert!(!hours.contains(21 * 60 + 59));
        assert!(!hours.contains(12 * 60));
    }

    #[test]
    fn span_within_one_day() {
        let hours = quiet("12:30", "13:30");
        assert!(hours.contains(12 * 60 + 30));
        assert!(!hours.contains(13 * 60 + 30));
        assert!(!hours.contains(0));
    }

    #[test]
    fn equal_times_and_disabled_hold_nothing() {
        assert!(!quiet("08:00", "08:00").contains(8 * 60));
        let mut disabled = quiet("00:00", "23:59");
        disabled.enabled = false;
        assert!(!disabled.contains(60));
    }

    #[test]
    fn p0_is_never_held() {
        let hours = quiet("00:00", "23:59");
        assert!(!hours.holds(Severity::P0, 60));
        assert!(hours.holds(Severity::P1, 60));
        assert!(hours.holds(Severity::P3, 60));
    }

    #[test]
    fn validation_normalizes_and_rejects() {
        assert_eq!(quiet("7:5", "23:00").validated().unwrap().start, "07:05");
        assert!(quiet("24:00", "07:00").validated().is_err());
        assert!(quiet("22:60", "07:00").validated().is_err());
        assert!(quiet("2200", "07:00").validated().is_err());
    }
}
