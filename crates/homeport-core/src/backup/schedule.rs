//! Backup and drill schedules as 5-field cron expressions (minute, hour, day of month, month,
//! day of week), with the next run times, missed runs and a plain-language preview in English
//! and Simplified Chinese.
//!
//! The rules follow Vixie cron as Debian's `cron` runs it, so a plan copied into a crontab on
//! the host fires at the same times:
//! - `*`, lists (`1,15`), ranges (`1-5`), steps (`*/15`, `0-30/10`) and the names `JAN`-`DEC`
//!   and `SUN`-`SAT` in any letter case. Day of week 0 and 7 are both Sunday.
//! - When both day fields are restricted, a day matches if either field matches. A day field
//!   that starts with `*` (including `*/2`) counts as unrestricted.
//! - `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly` and `@yearly` (`@annually`).
//!
//! Times are wall-clock times in the zone of the `DateTime` passed in, at minute resolution.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};

/// The default schedule of restore drills: 04:00 on the first day of each quarter, because a
/// full restore test at least once a quarter is the usual minimum.
pub const DRILL_DEFAULT: &str = "0 4 1 1,4,7,10 *";

/// The maximum number of days `next_after` looks ahead. A valid schedule always fires within
/// it: the rarest one, 29 February, recurs within 8 years (2096 to 2104 has no leap day).
const SEARCH_DAYS: u64 = 8 * 366 + 1;

/// The maximum number of missed runs `missed_runs` counts before it stops and reports the
/// count as capped, so a plan that was off for years does not loop for long.
const MISSED_RUNS_COUNT_LIMIT: usize = 1000;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The number of days each month can have, February in a leap year.
const MAX_DAYS_IN_MONTH: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// One of the five fields, with the values it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl FieldKind {
    const ALL: [FieldKind; 5] = [
        FieldKind::Minute,
        FieldKind::Hour,
        FieldKind::DayOfMonth,
        FieldKind::Month,
        FieldKind::DayOfWeek,
    ];

    fn name(self) -> &'static str {
        match self {
            FieldKind::Minute => "minute",
            FieldKind::Hour => "hour",
            FieldKind::DayOfMonth => "day of month",
            FieldKind::Month => "month",
            FieldKind::DayOfWeek => "day of week",
        }
    }

    /// Returns the smallest and largest value the field accepts. Day of week accepts 7 for Sunday,
    /// which is stored as 0.
    fn bounds(self) -> (u32, u32) {
        match self {
            FieldKind::Minute => (0, 59),
            FieldKind::Hour => (0, 23),
            FieldKind::DayOfMonth => (1, 31),
            FieldKind::Month => (1, 12),
            FieldKind::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> Option<&'static [&'static str]> {
        match self {
            FieldKind::Month => Some(&MONTH_NAMES),
            FieldKind::DayOfWeek => Some(&WEEKDAY_NAMES),
            _ => None,
        }
    }

    /// Returns the value of the first name in [`Self::names`]: months count from 1, weekdays from 0.
    fn first_name_value(self) -> u32 {
        match self {
            FieldKind::Month => 1,
            _ => 0,
        }
    }
}

/// An invalid schedule: where it is, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    /// The whole expression as given.
    pub expression: String,
    /// The 1-based character column where the bad part starts.
    pub column: usize,
    /// The bad part of the expression.
    pub token: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid schedule '{}' at column {} ('{}'): {}. {}",
            self.expression, self.column, self.token, self.problem, self.fix
        )
    }
}

impl std::error::Error for ScheduleError {}

impl From<ScheduleError> for crate::error::Error {
    fn from(err: ScheduleError) -> Self {
        crate::error::Error::InvalidInput {
            field: "schedule",
            value: err.expression.clone(),
            reason: format!("column {} ('{}'): {}. {}", err.column, err.token, err.problem, err.fix),
        }
    }
}

/// The values one field selects, as a bit set, and how it was written (for the preview).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldSet {
    bits: u64,
    /// The field starts with `*`, which cron treats as "not restricted" for the day fields.
    starts_with_star: bool,
    /// The field is exactly `*/N`.
    star_step: Option<u32>,
}

impl FieldSet {
    fn contains(&self, value: u32) -> bool {
        self.bits & (1 << value) != 0
    }

    fn values(&self) -> Vec<u32> {
        (0..64).filter(|value| self.contains(*value)).collect()
    }

    fn is_full(&self, kind: FieldKind) -> bool {
        let (low, high) = kind.bounds();
        let high = if kind == FieldKind::DayOfWeek { 6 } else { high };
        (low..=high).all(|value| self.contains(value))
    }
}

/// A parsed 5-field cron schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    expression: String,
    minutes: FieldSet,
    hours: FieldSet,
    days_of_month: FieldSet,
    months: FieldSet,
    days_of_week: FieldSet,
}

/// The English and Simplified Chinese descriptions of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePreview {
    pub en: String,
    pub zh_cn: String,
}

/// Scheduled runs that did not happen between the last run and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedRuns<Tz: TimeZone> {
    /// How many runs were due, up to the count limit.
    pub count: usize,
    /// More runs were due than `count` shows, because counting stopped at the limit.
    pub count_capped: bool,
    /// The most recent run that was due.
    pub latest: Option<DateTime<Tz>>,
}

impl<Tz: TimeZone> MissedRuns<Tz> {
    /// Returns whether to run once now. Missed backup runs are never replayed one by one: each run
    /// backs up the data as it is now, so a second catch-up run would only repeat the first
    /// and keep the host busy. One run restores the recovery point, and the schedule goes on
    /// from there.
    pub fn catch_up(&self) -> bool {
        self.count > 0
    }
}

impl CronSchedule {
    /// Parses a 5-field expression or an `@` macro. Errors give the column of the bad field.
    pub fn parse(expression: &str) -> Result<Self, ScheduleError> {
        let trimmed = expression.trim();
        let error = |column: usize, token: &str, problem: String, fix: String| ScheduleError {
            expression: expression.to_string(),
            column,
            token: token.to_string(),
            problem,
            fix,
        };

        let leading = expression.chars().take_while(|c| c.is_whitespace()).count();
        if trimmed.is_empty() {
            return Err(error(
                1,
                "",
                "the schedule is empty".to_string(),
                "Write five fields (minute hour day-of-month month day-of-week), such as '30 2 * * *' for 02:30 every day"
                    .to_string(),
            ));
        }
        if trimmed.starts_with('@') {
            let expanded = expand_macro(trimmed).ok_or_else(|| {
                let fix = if trimmed.eq_ignore_ascii_case("@reboot") {
                    "@reboot runs at boot, not at a time; choose a time such as '@daily'"
                } else {
                    "Use @hourly, @daily, @weekly, @monthly or @yearly, or write five fields"
                };
                error(
                    leading + 1,
                    trimmed,
                    "unknown schedule name".to_string(),
                    fix.to_string(),
                )
            })?;
            let mut schedule = Self::parse(expanded).expect("built-in macros are valid");
            schedule.expression = trimmed.to_string();
            return Ok(schedule);
        }

        let tokens = split_with_columns(expression);
        if tokens.len() != FieldKind::ALL.len() {
            let (column, token) = tokens
                .get(FieldKind::ALL.len())
                .map(|(column, token)| (*column, *token))
                .unwrap_or((expression.chars().count() + 1, ""));
            let fix = if tokens.len() == 6 {
                "Remove the sixth field: schedules have no seconds or years field"
            } else {
                "Write exactly five fields: minute hour day-of-month month day-of-week"
            };
            return Err(error(
                column,
                token,
                format!("expected 5 fields, found {}", tokens.len()),
                fix.to_string(),
            ));
        }

        let mut fields = [FieldSet {
            bits: 0,
            starts_with_star: false,
            star_step: None,
        }; 5];
        for (index, kind) in FieldKind::ALL.into_iter().enumerate() {
            let (column, token) = tokens[index];
            fields[index] = parse_field(kind, token, column)
                .map_err(|(column, token, problem, fix)| error(column, &token, problem, fix))?;
        }

        let schedule = Self {
            expression: trimmed.to_string(),
            minutes: fields[0],
            hours: fields[1],
            days_of_month: fields[2],
            months: fields[3],
            days_of_week: fields[4],
        };
        schedule.check_day_exists().map_err(|(problem, fix)| {
            let (column, token) = tokens[2];
            error(column, token, problem, fix)
        })?;
        Ok(schedule)
    }

    /// Returns the expression as given, without surrounding white space.
    pub fn as_str(&self) -> &str {
        &self.expression
    }

    /// Rejects a day of month that no selected month has, such as `30 2` (30 February), which
    /// cron accepts but never runs.
    fn check_day_exists(&self) -> Result<(), (String, String)> {
        if self.days_of_month.starts_with_star || !self.days_of_week.starts_with_star {
            return Ok(());
        }
        let exists = self.months.values().into_iter().any(|month| {
            self.days_of_month
                .values()
                .into_iter()
                .any(|day| day <= MAX_DAYS_IN_MONTH[month as usize - 1])
        });
        if exists {
            return Ok(());
        }
        Err((
            "no selected month has that day, so the schedule would never run".to_string(),
            "Choose a day that exists in the selected months (at most 28 is safe in every month)".to_string(),
        ))
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        if !self.months.contains(date.month()) {
            return false;
        }
        let by_month_day = self.days_of_month.contains(date.day());
        let by_weekday = self.days_of_week.contains(date.weekday().num_days_from_sunday());
        // Cron's rule: either field may match only when both are restricted. Otherwise both
        // must match, and a plain `*` matches every day.
        if self.either_day_field_matches() {
            by_month_day || by_weekday
        } else {
            by_month_day && by_weekday
        }
    }

    /// Returns whether a day matches when either day field matches, which cron does only when
    /// neither day field starts with `*`.
    fn either_day_field_matches(&self) -> bool {
        !self.days_of_month.starts_with_star && !self.days_of_week.starts_with_star
    }

    /// Finds the first time of day at or after `from` on a matching day, if any.
    fn first_time_from(&self, from: NaiveTime) -> Option<NaiveTime> {
        let start_hour = from.hour();
        for hour in start_hour..24 {
            if !self.hours.contains(hour) {
                continue;
            }
            let first_minute = if hour == start_hour { from.minute() } else { 0 };
            if let Some(minute) = (first_minute..60).find(|minute| self.minutes.contains(*minute)) {
                return NaiveTime::from_hms_opt(hour, minute, 0);
            }
        }
        None
    }

    /// Finds the first wall-clock time strictly after `after` (seconds are dropped) that the schedule
    /// selects.
    pub fn next_after_naive(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let after_minute = after.with_second(0)?.with_nanosecond(0)?;
        let start = after_minute.checked_add_signed(Duration::minutes(1))?;
        let mut date = start.date();
        let mut from = start.time();
        // Bounded: a valid schedule matches a day within SEARCH_DAYS (see the constant).
        for _ in 0..SEARCH_DAYS {
            if self.day_matches(date) {
                if let Some(time) = self.first_time_from(from) {
                    return Some(date.and_time(time));
                }
            }
            date = date.checked_add_days(Days::new(1))?;
            from = NaiveTime::MIN;
        }
        None
    }

    /// Finds the first run strictly after `after`, in `after`'s time zone.
    ///
    /// A wall-clock time that a daylight-saving change skips runs at the same minute one hour
    /// later, so the run is late rather than lost. A time that occurs twice when clocks go
    /// back runs only at its first occurrence.
    pub fn next_after<Tz: TimeZone>(&self, after: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        let zone = after.timezone();
        let mut cursor = after.naive_local();
        for _ in 0..SEARCH_DAYS {
            let candidate = self.next_after_naive(cursor)?;
            let resolved = match zone.from_local_datetime(&candidate) {
                chrono::LocalResult::Single(time) => Some(time),
                chrono::LocalResult::Ambiguous(earliest, _) => Some(earliest),
                chrono::LocalResult::None => candidate
                    .checked_add_signed(Duration::hours(1))
                    .and_then(|shifted| zone.from_local_datetime(&shifted).earliest()),
            };
            match resolved {
                Some(time) if time > *after => return Some(time),
                _ => cursor = candidate,
            }
        }
        None
    }

    /// Returns an iterator over the runs after `after`, in order. The iterator ends only where dates run out.
    pub fn upcoming<Tz: TimeZone>(&self, after: DateTime<Tz>) -> Upcoming<'_, Tz> {
        Upcoming {
            schedule: self,
            cursor: after,
        }
    }

    /// Counts the runs that were due after `last_run` up to and including `now`. A clock that
    /// went back (`now` before `last_run`) gives no missed runs.
    pub fn missed_runs<Tz: TimeZone>(&self, last_run: &DateTime<Tz>, now: &DateTime<Tz>) -> MissedRuns<Tz> {
        let mut missed = MissedRuns {
            count: 0,
            count_capped: false,
            latest: None,
        };
        for run in self.upcoming(last_run.clone()) {
            if run > *now {
                break;
            }
            if missed.count == MISSED_RUNS_COUNT_LIMIT {
                missed.count_capped = true;
                // The latest due run is still needed, so jump to it instead of counting on.
                missed.latest = self.last_at_or_before(now, last_run).or(missed.latest);
                break;
            }
            missed.count += 1;
            missed.latest = Some(run);
        }
        missed
    }

    /// Finds the last run at or before `now` and after `floor` by stepping back a day at a
    /// time from `now`.
    fn last_at_or_before<Tz: TimeZone>(&self, now: &DateTime<Tz>, floor: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        let mut day_start = now.clone() - Duration::days(1);
        for _ in 0..SEARCH_DAYS {
            if day_start < *floor {
                day_start = floor.clone();
            }
            let mut latest = None;
            for run in self.upcoming(day_start.clone()) {
                if run > *now {
                    break;
                }
                latest = Some(run);
            }
            if latest.is_some() || day_start == *floor {
                return latest;
            }
            day_start -= Duration::days(1);
        }
        None
    }

    /// Describes the schedule in plain English and Simplified Chinese.
    pub fn describe(&self) -> SchedulePreview {
        preview::describe(self)
    }
}

impl FromStr for CronSchedule {
    type Err = ScheduleError;

    fn from_str(expression: &str) -> Result<Self, Self::Err> {
        Self::parse(expression)
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

impl serde::Serialize for CronSchedule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.expression)
    }
}

impl<'de> serde::Deserialize<'de> for CronSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The runs of a schedule after a time, from [`CronSchedule::upcoming`].
pub struct Upcoming<'a, Tz: TimeZone> {
    schedule: &'a CronSchedule,
    cursor: DateTime<Tz>,
}

impl<Tz: TimeZone> Iterator for Upcoming<'_, Tz> {
    type Item = DateTime<Tz>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.schedule.next_after(&self.cursor)?;
        self.cursor = next.clone();
        Some(next)
    }
}

fn expand_macro(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "@hourly" => Some("0 * * * *"),
        "@daily" | "@midnight" => Some("0 0 * * *"),
        "@weekly" => Some("0 0 * * 0"),
        "@monthly" => Some("0 0 1 * *"),
        "@yearly" | "@annually" => Some("0 0 1 1 *"),
        _ => None,
    }
}

/// Splits on white space and keeps each word's 1-based character column.
fn split_with_columns(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    for (column, (offset, c)) in text.char_indices().enumerate() {
        match (c.is_whitespace(), start) {
            (true, Some((word_column, word_offset))) => {
                words.push((word_column, &text[word_offset..offset]));
                start = None;
            }
            (false, None) => start = Some((column + 1, offset)),
            _ => {}
        }
    }
    if let Some((word_column, word_offset)) = start {
        words.push((word_column, &text[word_offset..]));
    }
    words
}

/// A field error: column, the bad part, the problem and the fix.
type FieldError = (usize, String, String, String);

fn parse_field(kind: FieldKind, token: &str, column: usize) -> Result<FieldSet, FieldError> {
    let mut set = FieldSet {
        bits: 0,
        starts_with_star: token.starts_with('*'),
        star_step: None,
    };
    let mut item_column = column;
    for item in token.split(',') {
        if item.is_empty() {
            return Err((
                item_column,
                token.to_string(),
                format!("empty item in the {} list", kind.name()),
                "Remove the extra comma".to_string(),
            ));
        }
        set.bits |= parse_item(kind, item, item_column)?;
        item_column += item.chars().count() + 1;
    }

    // Sunday may be written 7; store it as 0 so there is one bit per weekday.
    if kind == FieldKind::DayOfWeek && set.bits & (1 << 7) != 0 {
        set.bits = (set.bits & !(1 << 7)) | 1;
    }
    if let Some(step) = token.strip_prefix("*/") {
        set.star_step = step.parse().ok();
    }
    Ok(set)
}

/// Parses one list item (`*`, `N`, `A-B`, with an optional `/STEP`) into a bit set.
fn parse_item(kind: FieldKind, item: &str, column: usize) -> Result<u64, FieldError> {
    let (low, high) = kind.bounds();
    let field = kind.name();
    let fail = |offset: usize, part: &str, problem: String, fix: String| {
        Err((column + offset, part.to_string(), problem, fix))
    };

    // `?` and `#` never occur in cron, while `L` and `W` also occur in names (`JUL`, `WED`),
    // so those two are Quartz syntax only in an item without other letters.
    let only_quartz_letters = !item.chars().any(|c| c.is_ascii_alphabetic() && !"LlWw".contains(c));
    let quartz = item
        .chars()
        .position(|c| matches!(c, '?' | '#') || (only_quartz_letters && matches!(c, 'L' | 'W' | 'l' | 'w')));
    if let Some(bad) = quartz {
        return fail(
            bad,
            item,
            format!("'{}' is not part of cron syntax", item.chars().nth(bad).unwrap_or('?')),
            format!(
                "Use numbers, ranges, lists or steps in the {field} field ('?', 'L', 'W' and '#' are Quartz syntax)"
            ),
        );
    }

    let (range_part, step) = match item.split_once('/') {
        Some((range_part, step_text)) => {
            let step_offset = range_part.chars().count() + 1;
            let step: u32 = match step_text.parse() {
                Ok(step) => step,
                Err(_) => {
                    return fail(
                        step_offset,
                        step_text,
                        format!("the step '{step_text}' is not a number"),
                        "Write the step as a whole number, as in '*/15'".to_string(),
                    )
                }
            };
            if step == 0 {
                return fail(
                    step_offset,
                    step_text,
                    "a step of 0 never advances".to_string(),
                    "Use a step of 1 or more".to_string(),
                );
            }
            if step > high - low + 1 {
                return fail(
                    step_offset,
                    step_text,
                    format!("the step {step} is larger than the {field} range {low}-{high}"),
                    format!("Use a step of at most {}, or list the values you mean", high - low + 1),
                );
            }
            if !range_part.contains('-') && range_part != "*" {
                return fail(
                    0,
                    item,
                    format!("a step needs a range, but '{range_part}' is a single value"),
                    format!("Write '{range_part}-{high}/{step}' to start at {range_part}, or '*/{step}'"),
                );
            }
            (range_part, step)
        }
        None => (item, 1),
    };

    let (start, end) = if range_part == "*" {
        let high = if kind == FieldKind::DayOfWeek { 6 } else { high };
        (low, high)
    } else if let Some((start_text, end_text)) = range_part.split_once('-') {
        let start = parse_value(kind, start_text, column)?;
        let end = parse_value(kind, end_text, column + start_text.chars().count() + 1)?;
        if start > end {
            return fail(
                0,
                range_part,
                format!("the range starts at {start} and ends before it at {end}"),
                format!(
                    "Write the smaller value first, or split it into two ranges such as '{start}-{high},{low}-{end}'"
                ),
            );
        }
        (start, end)
    } else {
        let value = parse_value(kind, range_part, column)?;
        (value, value)
    };

    let mut bits = 0u64;
    let mut value = start;
    while value <= end {
        bits |= 1 << value;
        value += step;
    }
    Ok(bits)
}

/// Parses a number or a name (`JAN`, `MON`) and checks its range.
fn parse_value(kind: FieldKind, text: &str, column: usize) -> Result<u32, FieldError> {
    let (low, high) = kind.bounds();
    let field = kind.name();
    if text.is_empty() {
        return Err((
            column,
            text.to_string(),
            format!("a {field} value is missing"),
            "Write a value on both sides of '-'".to_string(),
        ));
    }
    if let Ok(value) = text.parse::<u32>() {
        if value < low || value > high {
            return Err((
                column,
                text.to_string(),
                format!("{value} is outside the {field} range {low}-{high}"),
                format!("Write a number from {low} to {high} in the {field} field"),
            ));
        }
        return Ok(value);
    }
    if let Some(names) = kind.names() {
        if let Some(index) = names.iter().position(|name| name.eq_ignore_ascii_case(text)) {
            return Ok(kind.first_name_value() + index as u32);
        }
        return Err((
            column,
            text.to_string(),
            format!("'{text}' is not a {field} number or name"),
            format!(
                "Use {low}-{high} or a three-letter name ({} to {})",
                names[0],
                names[names.len() - 1]
            ),
        ));
    }
    Err((
        column,
        text.to_string(),
        format!("'{text}' is not a number"),
        format!("Write a number from {low} to {high} in the {field} field"),
    ))
}

/// Plain-language descriptions. English reads "At 03:00 on Monday and Thursday"; Chinese puts
/// the days first and the time last ("每周一、周四 03:00"), as Chinese schedules are read.
mod preview {
    use super::{CronSchedule, FieldKind, FieldSet, SchedulePreview};

    const WEEKDAYS_EN: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    const WEEKDAYS_ZH: [&str; 7] = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
    const MONTHS_EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];

    /// The maximum number of times of day listed one by one, as in "at 00:00, 06:00, 12:00 and 18:00".
    const MAX_LISTED_TIMES: usize = 12;

    pub(super) fn describe(schedule: &CronSchedule) -> SchedulePreview {
        SchedulePreview {
            en: english(schedule),
            zh_cn: chinese(schedule),
        }
    }

    /// Lists the times of day when both fields are short explicit lists.
    fn listed_times(schedule: &CronSchedule) -> Option<Vec<String>> {
        if schedule.hours.is_full(FieldKind::Hour) || schedule.minutes.is_full(FieldKind::Minute) {
            return None;
        }
        let hours = schedule.hours.values();
        let minutes = schedule.minutes.values();
        if hours.len() * minutes.len() > MAX_LISTED_TIMES {
            return None;
        }
        let mut times = Vec::new();
        for hour in &hours {
            for minute in &minutes {
                times.push(format!("{hour:02}:{minute:02}"));
            }
        }
        Some(times)
    }

    /// Returns a contiguous run of values as (first, last).
    fn contiguous(values: &[u32]) -> Option<(u32, u32)> {
        let first = *values.first()?;
        let last = *values.last()?;
        (values.len() as u32 == last - first + 1 && values.len() > 1).then_some((first, last))
    }

    fn join_en(items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }

    fn join_en_or(items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        }
    }

    fn join_zh(items: &[String]) -> String {
        items.join("、")
    }

    /// Joins two parts of a Chinese sentence with a space only where a Chinese character meets
    /// a digit, as Chinese typesetting spaces numbers.
    fn concat_zh(first: &str, second: &str) -> String {
        let ends_with_cjk = first.chars().last().is_some_and(|c| !c.is_ascii());
        let starts_with_digit = second.chars().next().is_some_and(|c| c.is_ascii_digit());
        let ends_with_digit = first.chars().last().is_some_and(|c| c.is_ascii_digit());
        let starts_with_cjk = second.chars().next().is_some_and(|c| !c.is_ascii());
        if (ends_with_cjk && starts_with_digit) || (ends_with_digit && starts_with_cjk) {
            format!("{first} {second}")
        } else {
            format!("{first}{second}")
        }
    }

    /// Weekday names with runs of three or more days as ranges ("Monday to Friday").
    fn weekdays(set: &FieldSet, names: &[&str; 7], range_word: &str) -> Vec<String> {
        let values = set.values();
        let mut parts = Vec::new();
        let mut index = 0;
        while index < values.len() {
            let mut end = index;
            while end + 1 < values.len() && values[end + 1] == values[end] + 1 {
                end += 1;
            }
            if end - index >= 2 {
                parts.push(format!(
                    "{}{range_word}{}",
                    names[values[index] as usize], names[values[end] as usize]
                ));
            } else {
                for value in &values[index..=end] {
                    parts.push(names[*value as usize].to_string());
                }
            }
            index = end + 1;
        }
        parts
    }

    fn numbers(set: &FieldSet) -> Vec<String> {
        set.values().iter().map(u32::to_string).collect()
    }

    fn english(schedule: &CronSchedule) -> String {
        let days = english_days(schedule);
        match listed_times(schedule) {
            Some(times) => {
                let times = join_en(&times);
                match days {
                    None => format!("Every day at {times}"),
                    Some(days) => format!("At {times} {days}"),
                }
            }
            None => {
                let time = english_time(schedule);
                match days {
                    None => time,
                    Some(days) => format!("{time} {days}"),
                }
            }
        }
    }

    /// "every minute", "every 15 minutes" or "at minute 30".
    fn english_minutes(set: &FieldSet) -> String {
        if set.is_full(FieldKind::Minute) {
            return "Every minute".to_string();
        }
        if let Some(step) = set.star_step {
            return format!("Every {step} minutes");
        }
        let values = numbers(set);
        if values.len() == 1 {
            format!("At minute {}", values[0])
        } else {
            format!("At minutes {}", join_en(&values))
        }
    }

    fn english_time(schedule: &CronSchedule) -> String {
        let minutes = english_minutes(&schedule.minutes);
        let hours = &schedule.hours;
        let minute_list = !schedule.minutes.is_full(FieldKind::Minute) && schedule.minutes.star_step.is_none();
        if hours.is_full(FieldKind::Hour) {
            return if minute_list {
                format!("Every hour, {}", lowercase_first(&minutes))
            } else {
                minutes
            };
        }
        if let Some(step) = hours.star_step {
            return format!("{minutes}, every {step} hours");
        }
        let values = hours.values();
        match contiguous(&values) {
            Some((first, last)) => format!("{minutes} from {first:02}:00 to {last:02}:59"),
            None => {
                let hours: Vec<String> = values.iter().map(|hour| format!("{hour:02}:00")).collect();
                format!("{minutes} in the hours starting {}", join_en(&hours))
            }
        }
    }

    fn lowercase_first(text: &str) -> String {
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    /// Describes the day part, or returns `None` for every day of every month.
    fn english_days(schedule: &CronSchedule) -> Option<String> {
        let by_month_day = !schedule.days_of_month.is_full(FieldKind::DayOfMonth);
        let by_weekday = !schedule.days_of_week.is_full(FieldKind::DayOfWeek);
        let all_months = schedule.months.is_full(FieldKind::Month);
        let month_names: Vec<String> = schedule
            .months
            .values()
            .iter()
            .map(|month| MONTHS_EN[*month as usize - 1].to_string())
            .collect();
        let month_days = || {
            let days = numbers(&schedule.days_of_month);
            let word = if days.len() == 1 { "day" } else { "days" };
            if all_months {
                format!("on {word} {} of the month", join_en(&days))
            } else {
                format!("on {word} {} of {}", join_en(&days), join_en(&month_names))
            }
        };
        let weekdays_text = || {
            format!(
                "on {}",
                join_en(&weekdays(&schedule.days_of_week, &WEEKDAYS_EN, " to "))
            )
        };
        let in_months = if all_months {
            String::new()
        } else {
            format!(" in {}", join_en(&month_names))
        };

        match (by_month_day, by_weekday) {
            (false, false) if all_months => None,
            (false, false) => Some(format!("every day{in_months}")),
            (true, false) => Some(month_days()),
            (false, true) => Some(format!("{}{in_months}", weekdays_text())),
            (true, true) if schedule.either_day_field_matches() => {
                let days = numbers(&schedule.days_of_month);
                Some(format!(
                    "on day {} of the month or {}{in_months}",
                    join_en(&days),
                    weekdays_text()
                ))
            }
            (true, true) => {
                let days = numbers(&schedule.days_of_month);
                Some(format!(
                    "{} when it is day {} of the month{in_months}",
                    weekdays_text(),
                    join_en_or(&days)
                ))
            }
        }
    }

    fn chinese(schedule: &CronSchedule) -> String {
        let days = chinese_days(schedule);
        match listed_times(schedule) {
            Some(times) => format!("{days} {}", join_zh(&times)),
            None => {
                let time = chinese_time(schedule);
                if days == "每天" {
                    time
                } else {
                    format!("{days}，{time}")
                }
            }
        }
    }

    fn chinese_minutes(set: &FieldSet) -> String {
        if set.is_full(FieldKind::Minute) {
            return "每分钟".to_string();
        }
        if let Some(step) = set.star_step {
            return format!("每 {step} 分钟");
        }
        format!("第 {} 分钟", join_zh(&numbers(set)))
    }

    fn chinese_time(schedule: &CronSchedule) -> String {
        let minutes = chinese_minutes(&schedule.minutes);
        let minute_list = !schedule.minutes.is_full(FieldKind::Minute) && schedule.minutes.star_step.is_none();
        let hours = &schedule.hours;
        if hours.is_full(FieldKind::Hour) {
            return if minute_list {
                format!("每小时{minutes}")
            } else {
                minutes
            };
        }
        let hour_part = if let Some(step) = hours.star_step {
            format!("每 {step} 小时")
        } else {
            let values = hours.values();
            match contiguous(&values) {
                Some((first, last)) => format!("{first:02}:00 至 {last:02}:59"),
                None => {
                    let hours: Vec<String> = values.iter().map(|hour| format!("{hour:02} 时")).collect();
                    join_zh(&hours)
                }
            }
        };
        if minute_list {
            format!("{hour_part}的{minutes}")
        } else {
            concat_zh(&hour_part, &minutes)
        }
    }

    fn chinese_days(schedule: &CronSchedule) -> String {
        let by_month_day = !schedule.days_of_month.is_full(FieldKind::DayOfMonth);
        let by_weekday = !schedule.days_of_week.is_full(FieldKind::DayOfWeek);
        let all_months = schedule.months.is_full(FieldKind::Month);
        let months: Vec<String> = schedule
            .months
            .values()
            .iter()
            .map(|month| format!("{month} 月"))
            .collect();
        let month_days: Vec<String> = schedule
            .days_of_month
            .values()
            .iter()
            .map(|day| format!("{day} 日"))
            .collect();
        let weekdays_text = format!("每{}", join_zh(&weekdays(&schedule.days_of_week, &WEEKDAYS_ZH, "至")));

        match (by_month_day, by_weekday, all_months) {
            (false, false, true) => "每天".to_string(),
            (false, false, false) => format!("{}每天", months_prefix(&months)),
            (true, false, true) => format!("每月 {}", join_zh(&month_days)),
            (true, false, false) => concat_zh(&months_prefix(&months), &join_zh(&month_days)),
            (false, true, true) => weekdays_text,
            (false, true, false) => format!("{}{weekdays_text}", months_prefix(&months)),
            (true, true, all) => {
                let prefix = if all { String::new() } else { months_prefix(&months) };
                if schedule.either_day_field_matches() {
                    format!("{prefix}每月 {}或{weekdays_text}", join_zh(&month_days))
                } else {
                    let weekdays = join_zh(&weekdays(&schedule.days_of_week, &WEEKDAYS_ZH, "至"));
                    format!("{prefix}每月 {}中的{weekdays}", join_zh(&month_days))
                }
            }
        }
    }

    /// "每年 1 月、4 月的".
    fn months_prefix(months: &[String]) -> String {
        format!("每年 {}的", join_zh(months))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, NaiveDate, Utc};

    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test time")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        at(text).and_utc()
    }

    fn next(expression: &str, after: &str) -> String {
        let schedule = CronSchedule::parse(expression).expect("valid");
        schedule
            .next_after_naive(at(after))
            .expect("a next run")
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn parse_error(expression: &str) -> ScheduleError {
        CronSchedule::parse(expression).expect_err("invalid")
    }

    fn english(expression: &str) -> String {
        CronSchedule::parse(expression).expect("valid").describe().en
    }

    fn chinese(expression: &str) -> String {
        CronSchedule::parse(expression).expect("valid").describe().zh_cn
    }

    #[test]
    fn daily_time_next_run() {
        assert_eq!(next("30 2 * * *", "2026-03-01 00:00"), "2026-03-01 02:30");
        assert_eq!(next("30 2 * * *", "2026-03-01 02:30"), "2026-03-02 02:30");
        assert_eq!(next("30 2 * * *", "2026-12-31 03:00"), "2027-01-01 02:30");
    }

    #[test]
    fn next_run_is_strictly_after() {
        assert_eq!(next("* * * * *", "2026-03-01 10:15"), "2026-03-01 10:16");
        let schedule = CronSchedule::parse("* * * * *").unwrap();
        let after = at("2026-03-01 10:15") + Duration::seconds(59);
        assert_eq!(schedule.next_after_naive(after), Some(at("2026-03-01 10:16")));
    }

    #[test]
    fn steps_and_ranges() {
        assert_eq!(next("*/15 * * * *", "2026-03-01 10:16"), "2026-03-01 10:30");
        assert_eq!(next("*/15 * * * *", "2026-03-01 10:46"), "2026-03-01 11:00");
        assert_eq!(next("0-30/10 9-17 * * *", "2026-03-01 17:31"), "2026-03-02 09:00");
        assert_eq!(next("5,35 */6 * * *", "2026-03-01 06:06"), "2026-03-01 06:35");
    }

    #[test]
    fn weekday_names_and_sunday_seven() {
        // 2026-03-02 is a Monday.
        assert_eq!(next("0 3 * * MON,THU", "2026-03-02 03:00"), "2026-03-05 03:00");
        assert_eq!(next("0 3 * * mon-fri", "2026-03-06 04:00"), "2026-03-09 03:00");
        assert_eq!(next("0 0 * * 7", "2026-03-02 00:00"), "2026-03-08 00:00");
        assert_eq!(next("0 0 * * 0", "2026-03-02 00:00"), "2026-03-08 00:00");
        assert_eq!(next("0 0 * * 5-7", "2026-03-02 00:00"), "2026-03-06 00:00");
    }

    #[test]
    fn month_names() {
        assert_eq!(next("0 0 1 jan,JUL *", "2026-03-01 00:00"), "2026-07-01 00:00");
        assert_eq!(next("0 0 1 JAN-MAR *", "2026-03-01 00:00"), "2027-01-01 00:00");
    }

    #[test]
    fn both_day_fields_match_either() {
        // Day 15 or any Friday: 2026-03-06 is a Friday, before the 15th.
        assert_eq!(next("0 0 15 * FRI", "2026-03-02 00:00"), "2026-03-06 00:00");
        assert_eq!(next("0 0 15 * FRI", "2026-03-13 00:00"), "2026-03-15 00:00");
    }

    #[test]
    fn starred_step_day_field_is_unrestricted() {
        // `*/2` in the day of month field does not turn on the either-field rule, as in cron:
        // only Mondays on odd days of the month match.
        assert_eq!(next("0 0 */2 * MON", "2026-03-01 00:00"), "2026-03-09 00:00");
    }

    #[test]
    fn leap_day_found_years_ahead() {
        assert_eq!(next("0 0 29 2 *", "2026-03-01 00:00"), "2028-02-29 00:00");
        assert_eq!(next("0 0 29 2 *", "2096-03-01 00:00"), "2104-02-29 00:00");
    }

    #[test]
    fn day_31_skips_short_months() {
        assert_eq!(next("0 0 31 * *", "2026-04-01 00:00"), "2026-05-31 00:00");
    }

    #[test]
    fn macros_expand() {
        assert_eq!(next("@hourly", "2026-03-01 10:15"), "2026-03-01 11:00");
        assert_eq!(next("@daily", "2026-03-01 10:15"), "2026-03-02 00:00");
        assert_eq!(next("@midnight", "2026-03-01 10:15"), "2026-03-02 00:00");
        assert_eq!(next("@weekly", "2026-03-02 10:15"), "2026-03-08 00:00");
        assert_eq!(next("@monthly", "2026-03-02 10:15"), "2026-04-01 00:00");
        assert_eq!(next("@yearly", "2026-03-02 10:15"), "2027-01-01 00:00");
        assert_eq!(next("@ANNUALLY", "2026-03-02 10:15"), "2027-01-01 00:00");
        assert_eq!(CronSchedule::parse(" @daily ").unwrap().as_str(), "@daily");
    }

    #[test]
    fn drill_default_is_quarterly() {
        let schedule = CronSchedule::parse(DRILL_DEFAULT).unwrap();
        let runs: Vec<String> = schedule
            .upcoming(utc("2026-02-10 00:00"))
            .take(5)
            .map(|run| run.format("%Y-%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(
            runs,
            [
                "2026-04-01 04:00",
                "2026-07-01 04:00",
                "2026-10-01 04:00",
                "2027-01-01 04:00",
                "2027-04-01 04:00"
            ]
        );
    }

    #[test]
    fn upcoming_keeps_zone() {
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        let after = zone.from_local_datetime(&at("2026-03-01 23:00")).unwrap();
        let schedule = CronSchedule::parse("30 2 * * *").unwrap();
        let first = schedule.upcoming(after).next().unwrap();
        assert_eq!(first.to_rfc3339(), "2026-03-02T02:30:00+08:00");
    }

    #[test]
    fn whitespace_between_fields() {
        assert_eq!(next("  30\t2  *   * *  ", "2026-03-01 00:00"), "2026-03-01 02:30");
    }

    #[test]
    fn missed_runs_counts_and_catches_up_once() {
        let schedule = CronSchedule::parse("0 2 * * *").unwrap();
        let missed = schedule.missed_runs(&utc("2026-03-01 02:00"), &utc("2026-03-04 09:00"));
        assert_eq!(missed.count, 3);
        assert!(!missed.count_capped);
        assert_eq!(missed.latest, Some(utc("2026-03-04 02:00")));
        assert!(missed.catch_up());
    }

    #[test]
    fn missed_runs_none_when_on_time() {
        let schedule = CronSchedule::parse("0 2 * * *").unwrap();
        let missed = schedule.missed_runs(&utc("2026-03-04 02:00"), &utc("2026-03-04 09:00"));
        assert_eq!(missed.count, 0);
        assert_eq!(missed.latest, None);
        assert!(!missed.catch_up());
    }

    #[test]
    fn missed_runs_includes_now() {
        let schedule = CronSchedule::parse("0 2 * * *").unwrap();
        let missed = schedule.missed_runs(&utc("2026-03-03 02:00"), &utc("2026-03-04 02:00"));
        assert_eq!(missed.count, 1);
    }

    #[test]
    fn missed_runs_clock_went_back() {
        let schedule = CronSchedule::parse("* * * * *").unwrap();
        let missed = schedule.missed_runs(&utc("2026-03-04 02:00"), &utc("2026-03-01 02:00"));
        assert_eq!(missed.count, 0);
        assert!(!missed.catch_up());
    }

    #[test]
    fn missed_runs_capped_keeps_latest() {
        let schedule = CronSchedule::parse("* * * * *").unwrap();
        let missed = schedule.missed_runs(&utc("2026-01-01 00:00"), &utc("2026-03-01 12:34"));
        assert_eq!(missed.count, MISSED_RUNS_COUNT_LIMIT);
        assert!(missed.count_capped);
        assert_eq!(missed.latest, Some(utc("2026-03-01 12:34")));
    }

    #[test]
    fn missed_runs_capped_latest_far_back() {
        // Hourly runs stop counting after 1000 hours, but the latest due run is on the last day.
        let schedule = CronSchedule::parse("0 * * * *").unwrap();
        let missed = schedule.missed_runs(&utc("2025-01-01 00:00"), &utc("2026-03-01 00:30"));
        assert!(missed.count_capped);
        assert_eq!(missed.latest, Some(utc("2026-03-01 00:00")));
    }

    /// A zone with daylight saving time for the gap and overlap cases: UTC+1 in winter, UTC+2
    /// from 02:00 on 2026-03-29 until 03:00 on 2026-10-25 (the European Union's rule).
    #[derive(Debug, Clone, Copy)]
    struct CentralEurope;

    impl CentralEurope {
        fn summer_start() -> NaiveDateTime {
            at("2026-03-29 01:00") // in UTC
        }

        fn summer_end() -> NaiveDateTime {
            at("2026-10-25 01:00") // in UTC
        }

        fn offset_at_utc(utc_time: &NaiveDateTime) -> FixedOffset {
            let summer = *utc_time >= Self::summer_start() && *utc_time < Self::summer_end();
            FixedOffset::east_opt(if summer { 7200 } else { 3600 }).unwrap()
        }
    }

    impl TimeZone for CentralEurope {
        type Offset = FixedOffset;

        fn from_offset(_: &FixedOffset) -> Self {
            CentralEurope
        }

        fn offset_from_local_date(&self, _: &NaiveDate) -> chrono::LocalResult<FixedOffset> {
            chrono::LocalResult::Single(FixedOffset::east_opt(3600).unwrap())
        }

        fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> chrono::LocalResult<FixedOffset> {
            let winter = FixedOffset::east_opt(3600).unwrap();
            let summer = FixedOffset::east_opt(7200).unwrap();
            let as_winter = *local - Duration::hours(1);
            let as_summer = *local - Duration::hours(2);
            let winter_ok = Self::offset_at_utc(&as_winter) == winter;
            let summer_ok = Self::offset_at_utc(&as_summer) == summer;
            match (winter_ok, summer_ok) {
                (true, true) => chrono::LocalResult::Ambiguous(summer, winter),
                (true, false) => chrono::LocalResult::Single(winter),
                (false, true) => chrono::LocalResult::Single(summer),
                (false, false) => chrono::LocalResult::None,
            }
        }

        fn offset_from_utc_date(&self, _: &NaiveDate) -> FixedOffset {
            FixedOffset::east_opt(3600).unwrap()
        }

        fn offset_from_utc_datetime(&self, utc_time: &NaiveDateTime) -> FixedOffset {
            Self::offset_at_utc(utc_time)
        }
    }

    #[test]
    fn skipped_time_runs_an_hour_later() {
        let schedule = CronSchedule::parse("30 2 * * *").unwrap();
        let after = CentralEurope.from_local_datetime(&at("2026-03-28 12:00")).unwrap();
        let runs: Vec<String> = schedule.upcoming(after).take(2).map(|run| run.to_rfc3339()).collect();
        assert_eq!(runs, ["2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"]);
    }

    #[test]
    fn repeated_time_runs_once() {
        let schedule = CronSchedule::parse("30 2 * * *").unwrap();
        let after = CentralEurope.from_local_datetime(&at("2026-10-24 12:00")).unwrap();
        let runs: Vec<String> = schedule.upcoming(after).take(2).map(|run| run.to_rfc3339()).collect();
        assert_eq!(runs, ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]);
    }

    #[test]
    fn error_wrong_field_count() {
        let error = parse_error("0 2 * *");
        assert_eq!(error.column, 8);
        assert!(error.problem.contains("expected 5 fields, found 4"), "{error}");

        let error = parse_error("0 0 2 * * *");
        assert_eq!(error.column, 11);
        assert_eq!(error.token, "*");
        assert!(error.fix.contains("seconds"), "{error}");
    }

    #[test]
    fn error_empty() {
        let error = parse_error("   ");
        assert_eq!(error.column, 1);
        assert!(error.problem.contains("empty"));
        assert!(error.fix.contains("30 2 * * *"));
    }

    #[test]
    fn error_out_of_range_names_column() {
        let error = parse_error("0 25 * * *");
        assert_eq!(error.column, 3);
        assert_eq!(error.token, "25");
        assert!(error.problem.contains("outside the hour range 0-23"), "{error}");
        assert!(error.fix.contains("from 0 to 23"), "{error}");

        let error = parse_error("60 * * * *");
        assert_eq!(error.column, 1);
        assert!(error.problem.contains("minute"), "{error}");

        let error = parse_error("0 0 0 * *");
        assert_eq!(error.column, 5);
        assert!(error.problem.contains("day of month range 1-31"), "{error}");

        let error = parse_error("0 0 * 13 *");
        assert_eq!(error.column, 7);

        let error = parse_error("0 0 * * 8");
        assert_eq!(error.column, 9);
    }

    #[test]
    fn error_column_inside_list_and_range() {
        let error = parse_error("0 1,2,99 * * *");
        assert_eq!(error.column, 7);
        assert_eq!(error.token, "99");

        let error = parse_error("0 1-99 * * *");
        assert_eq!(error.column, 5);
        assert_eq!(error.token, "99");
    }

    #[test]
    fn error_empty_list_item() {
        let error = parse_error("0 1,,2 * * *");
        assert_eq!(error.column, 5);
        assert!(error.fix.contains("comma"));
    }

    #[test]
    fn error_reversed_range() {
        let error = parse_error("0 22-2 * * *");
        assert_eq!(error.column, 3);
        assert!(error.fix.contains("22-23,0-2"), "{error}");
    }

    #[test]
    fn error_bad_steps() {
        let error = parse_error("*/0 * * * *");
        assert_eq!(error.column, 3);
        assert!(error.problem.contains("step of 0"));

        let error = parse_error("*/x * * * *");
        assert_eq!(error.column, 3);
        assert!(error.problem.contains("not a number"));

        let error = parse_error("*/61 * * * *");
        assert!(error.problem.contains("larger than the minute range"), "{error}");

        let error = parse_error("5/10 * * * *");
        assert_eq!(error.column, 1);
        assert!(error.fix.contains("5-59/10"), "{error}");
    }

    #[test]
    fn error_unknown_names() {
        let error = parse_error("0 0 * * MOM");
        assert_eq!(error.column, 9);
        assert!(error.fix.contains("SUN to SAT"), "{error}");

        let error = parse_error("0 0 * FEBR *");
        assert!(error.fix.contains("JAN to DEC"), "{error}");

        // Month names are not weekdays, and names are not hours.
        assert_eq!(parse_error("0 0 * * JAN").column, 9);
        assert!(parse_error("0 MON * * *").problem.contains("not a number"));
    }

    #[test]
    fn error_quartz_syntax() {
        let error = parse_error("0 0 L * *");
        assert_eq!(error.column, 5);
        assert!(error.fix.contains("Quartz"), "{error}");

        let error = parse_error("0 0 ? * MON");
        assert_eq!(error.column, 5);

        let error = parse_error("0 0 * * MON#2");
        assert_eq!(error.column, 12);
    }

    #[test]
    fn error_impossible_day() {
        let error = parse_error("0 0 30 2 *");
        assert_eq!(error.column, 5);
        assert!(error.problem.contains("never run"), "{error}");
        assert!(error.fix.contains("28"), "{error}");

        // With a weekday as well, the weekday still matches, so cron runs it.
        assert!(CronSchedule::parse("0 0 30 2 MON").is_ok());
        assert!(CronSchedule::parse("0 0 31 1,2 *").is_ok());
    }

    #[test]
    fn error_unknown_macro() {
        let error = parse_error("@reboot");
        assert_eq!(error.column, 1);
        assert!(error.fix.contains("boot"), "{error}");

        let error = parse_error("  @fortnightly");
        assert_eq!(error.column, 3);
        assert!(error.fix.contains("@daily"), "{error}");
    }

    #[test]
    fn error_column_counts_characters() {
        let error = parse_error("0 ２ * * *");
        assert_eq!(error.column, 3);
    }

    #[test]
    fn error_converts_to_invalid_input() {
        let error: crate::error::Error = parse_error("0 25 * * *").into();
        match error {
            crate::error::Error::InvalidInput { field, value, reason } => {
                assert_eq!(field, "schedule");
                assert_eq!(value, "0 25 * * *");
                assert!(reason.starts_with("column 3 ('25')"), "{reason}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let schedule = CronSchedule::parse("30 2 * * *").unwrap();
        let json = serde_json::to_string(&schedule).unwrap();
        assert_eq!(json, "\"30 2 * * *\"");
        let back: CronSchedule = serde_json::from_str(&json).unwrap();
        assert_eq!(back, schedule);
        let error = serde_json::from_str::<CronSchedule>("\"0 25 * * *\"").unwrap_err();
        assert!(error.to_string().contains("column 3"), "{error}");
    }

    #[test]
    fn preview_daily() {
        assert_eq!(english("30 2 * * *"), "Every day at 02:30");
        assert_eq!(chinese("30 2 * * *"), "每天 02:30");
        assert_eq!(english("@daily"), "Every day at 00:00");
        assert_eq!(english("0 2,14 * * *"), "Every day at 02:00 and 14:00");
        assert_eq!(chinese("0 2,14 * * *"), "每天 02:00、14:00");
    }

    #[test]
    fn preview_weekdays() {
        assert_eq!(english("0 3 * * MON,THU"), "At 03:00 on Monday and Thursday");
        assert_eq!(chinese("0 3 * * MON,THU"), "每周一、周四 03:00");
        assert_eq!(english("0 3 * * 1-5"), "At 03:00 on Monday to Friday");
        assert_eq!(chinese("0 3 * * 1-5"), "每周一至周五 03:00");
        assert_eq!(english("0 3 * * 0,6"), "At 03:00 on Sunday and Saturday");
        assert_eq!(english("@weekly"), "At 00:00 on Sunday");
        assert_eq!(chinese("0 0 * * 7"), "每周日 00:00");
    }

    #[test]
    fn preview_month_days() {
        assert_eq!(english("@monthly"), "At 00:00 on day 1 of the month");
        assert_eq!(chinese("@monthly"), "每月 1 日 00:00");
        assert_eq!(english("0 1 1,15 * *"), "At 01:00 on days 1 and 15 of the month");
        assert_eq!(chinese("0 1 1,15 * *"), "每月 1 日、15 日 01:00");
    }

    #[test]
    fn preview_quarterly_drill() {
        assert_eq!(
            english(DRILL_DEFAULT),
            "At 04:00 on day 1 of January, April, July and October"
        );
        assert_eq!(chinese(DRILL_DEFAULT), "每年 1 月、4 月、7 月、10 月的 1 日 04:00");
    }

    #[test]
    fn preview_minutes_and_hours() {
        assert_eq!(english("* * * * *"), "Every minute");
        assert_eq!(chinese("* * * * *"), "每分钟");
        assert_eq!(english("*/15 * * * *"), "Every 15 minutes");
        assert_eq!(chinese("*/15 * * * *"), "每 15 分钟");
        assert_eq!(english("30 * * * *"), "Every hour, at minute 30");
        assert_eq!(chinese("30 * * * *"), "每小时第 30 分钟");
        assert_eq!(english("*/15 9-17 * * *"), "Every 15 minutes from 09:00 to 17:59");
        assert_eq!(chinese("*/15 9-17 * * *"), "09:00 至 17:59 每 15 分钟");
        assert_eq!(english("0 */6 * * *"), "Every day at 00:00, 06:00, 12:00 and 18:00");
        assert_eq!(english("0,30 */2 * * *"), "At minutes 0 and 30, every 2 hours");
        assert_eq!(chinese("0,30 */2 * * *"), "每 2 小时的第 0、30 分钟");
    }

    #[test]
    fn preview_both_day_fields() {
        assert_eq!(english("0 0 15 * FRI"), "At 00:00 on day 15 of the month or on Friday");
        assert_eq!(chinese("0 0 15 * FRI"), "每月 15 日或每周五 00:00");
        // A starred step in a day field makes both fields required, as in cron.
        assert_eq!(
            english("0 0 */10 * MON"),
            "At 00:00 on Monday when it is day 1, 11, 21 or 31 of the month"
        );
        assert_eq!(
            chinese("0 0 */10 * MON"),
            "每月 1 日、11 日、21 日、31 日中的周一 00:00"
        );
        assert_eq!(
            english("0 0 */10 * *"),
            "At 00:00 on days 1, 11, 21 and 31 of the month"
        );
    }

    #[test]
    fn preview_weekdays_in_months() {
        assert_eq!(
            english("0 3 * 6-8 SAT"),
            "At 03:00 on Saturday in June, July and August"
        );
        assert_eq!(chinese("0 3 * 6-8 SAT"), "每年 6 月、7 月、8 月的每周六 03:00");
        assert_eq!(english("0 3 * 12 *"), "At 03:00 every day in December");
        assert_eq!(chinese("0 3 * 12 *"), "每年 12 月的每天 03:00");
    }
}
