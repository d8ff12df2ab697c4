//! Axis label text: values with their unit, and times in the caller's UTC offset.

use time::{OffsetDateTime, UtcOffset};

/// The unit of a chart's values, which decides the y-axis labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Plain numbers.
    #[default]
    None,
    /// Percent, 0 to 100; the axis shows at least 0 to 100.
    Percent,
    /// Bytes, with binary prefixes (KiB, MiB, …).
    Bytes,
    /// Bytes per second, with binary prefixes.
    BytesPerSecond,
}

const BINARY_PREFIXES: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

impl Unit {
    /// Formats `value` for an axis label or a readout.
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::None => trim_number(value),
            Unit::Percent => format!("{}%", trim_number(value)),
            Unit::Bytes => format_binary(value),
            Unit::BytesPerSecond => format!("{}/s", format_binary(value)),
        }
    }
}

fn format_binary(value: f64) -> String {
    let mut scaled = value;
    let mut prefix = 0;
    while scaled.abs() >= 1024.0 && prefix + 1 < BINARY_PREFIXES.len() {
        scaled /= 1024.0;
        prefix += 1;
    }
    format!("{} {}", trim_number(scaled), BINARY_PREFIXES[prefix])
}

/// Formats with up to two decimals for small numbers and none for large ones, without
/// trailing zeros.
fn trim_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let decimals = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" {
        "0".into()
    } else {
        text
    }
}

/// Formats a Unix time in milliseconds for the time axis: `HH:MM` when the axis spans up to
/// a day, `MM-DD HH:MM` up to a week, `MM-DD` beyond.
pub fn format_time(timestamp_ms: i64, span_ms: i64, utc_offset_seconds: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(utc_offset_seconds).unwrap_or(UtcOffset::UTC);
    let Ok(time) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(timestamp_ms) * 1_000_000) else {
        return timestamp_ms.to_string();
    };
    let time = time.to_offset(offset);
    const DAY_MS: i64 = 86_400_000;
    if span_ms <= DAY_MS {
        format!("{:02}:{:02}", time.hour(), time.minute())
    } else if span_ms <= 7 * DAY_MS {
        format!(
            "{:02}-{:02} {:02}:{:02}",
            u8::from(time.month()),
            time.day(),
            time.hour(),
            time.minute()
        )
    } else {
        format!("{:02}-{:02}", u8::from(time.month()), time.day())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_format_with_binary_prefixes() {
        assert_eq!(Unit::Bytes.format(512.0), "512 B");
        assert_eq!(Unit::Bytes.format(1536.0), "1.5 KiB");
        assert_eq!(Unit::Bytes.format(8.0 * 1024.0 * 1024.0 * 1024.0), "8 GiB");
        assert_eq!(Unit::BytesPerSecond.format(3.25 * 1024.0 * 1024.0), "3.25 MiB/s");
        assert_eq!(Unit::Percent.format(42.0), "42%");
        assert_eq!(Unit::Percent.format(7.5), "7.5%");
        assert_eq!(Unit::None.format(-0.0001), "0");
        assert_eq!(Unit::None.format(1234.6), "1235");
    }

    #[test]
    fn time_labels_follow_span_and_offset() {
        // 2023-11-14 22:13:20 UTC.
        let timestamp = 1_700_000_000_000;
        assert_eq!(format_time(timestamp, 3_600_000, 0), "22:13");
        assert_eq!(format_time(timestamp, 3_600_000, 8 * 3600), "06:13");
        assert_eq!(format_time(timestamp, 3 * 86_400_000, 0), "11-14 22:13");
        assert_eq!(format_time(timestamp, 30 * 86_400_000, 8 * 3600), "11-15");
    }
}
