//! Progress reports of a transfer, limited in rate so a fast link does not flood the UI.

use std::time::{Duration, Instant};

use super::Transfer;

/// The minimum time between two progress reports. At most ten reports a second reach the
/// caller, however fast the link, and a slow link still reports at that pace.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Decides when the next report is due.
#[derive(Debug, Clone)]
pub(crate) struct Throttle {
    interval: Duration,
    last_report: Instant,
}

impl Throttle {
    /// Starts counting at `start`, so the first report is due one interval later.
    pub fn new(start: Instant, interval: Duration) -> Self {
        Self {
            interval,
            last_report: start,
        }
    }

    /// Returns whether a report is due at `now`, and if so counts it as made.
    pub fn due(&mut self, now: Instant) -> bool {
        if now.saturating_duration_since(self.last_report) < self.interval {
            return false;
        }
        self.last_report = now;
        true
    }
}

/// Sends throttled [`Transfer`] reports to the caller's callback.
pub(crate) struct Reporter<F> {
    callback: F,
    throttle: Throttle,
    total: u64,
    last_done: Option<u64>,
}

impl<F: FnMut(Transfer)> Reporter<F> {
    pub fn new(callback: F, total: u64) -> Self {
        Self {
            callback,
            throttle: Throttle::new(Instant::now(), PROGRESS_INTERVAL),
            total,
            last_done: None,
        }
    }

    /// Reports `done` bytes if a report is due and the count moved since the last one.
    pub fn advance(&mut self, done: u64) {
        if self.last_done == Some(done) || !self.throttle.due(Instant::now()) {
            return;
        }
        self.send(done, self.total.max(done));
    }

    /// Reports the final count, even when the throttle would skip it. The total becomes
    /// `done`, because a file that changed size during the transfer has no other true total.
    pub fn finish(&mut self, done: u64) {
        if self.last_done != Some(done) || self.total != done {
            self.send(done, done);
        }
    }

    fn send(&mut self, done: u64, total: u64) {
        self.last_done = Some(done);
        self.total = total;
        (self.callback)(Transfer { done, total });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_waits_one_interval() {
        let start = Instant::now();
        let mut throttle = Throttle::new(start, Duration::from_millis(100));
        assert!(!throttle.due(start), "nothing is due at the start");
        assert!(!throttle.due(start + Duration::from_millis(99)));
        assert!(throttle.due(start + Duration::from_millis(100)));
        assert!(
            !throttle.due(start + Duration::from_millis(150)),
            "the interval counts from the last report"
        );
        assert!(throttle.due(start + Duration::from_millis(200)));
        assert!(
            throttle.due(start + Duration::from_secs(5)),
            "a long pause makes a report due"
        );
    }

    #[test]
    fn throttle_ignores_earlier_instants() {
        let start = Instant::now() + Duration::from_secs(1);
        let mut throttle = Throttle::new(start, Duration::from_millis(100));
        assert!(!throttle.due(start - Duration::from_millis(500)));
    }

    #[test]
    fn throttle_limits_report_rate() {
        let start = Instant::now();
        let mut throttle = Throttle::new(start, PROGRESS_INTERVAL);
        // One update a millisecond for two seconds, as a fast link delivers acknowledgements.
        let reports = (1..=2000)
            .filter(|millis| throttle.due(start + Duration::from_millis(*millis)))
            .count();
        assert_eq!(reports, 20);
    }

    #[test]
    fn reporter_always_sends_final_count() {
        let mut seen = Vec::new();
        let mut reporter = Reporter::new(|transfer| seen.push(transfer), 1000);
        // A last report an hour from now keeps every report before `finish` from being due.
        reporter.throttle = Throttle::new(Instant::now() + Duration::from_secs(3600), PROGRESS_INTERVAL);
        reporter.advance(100);
        reporter.advance(500);
        reporter.finish(1000);
        assert_eq!(
            seen,
            vec![Transfer {
                done: 1000,
                total: 1000
            }]
        );
    }

    #[test]
    fn reporter_final_total_is_bytes_done() {
        let mut seen = Vec::new();
        let mut reporter = Reporter::new(|transfer| seen.push(transfer), 1000);
        reporter.finish(600);
        assert_eq!(seen, vec![Transfer { done: 600, total: 600 }]);
    }

    #[test]
    fn reporter_sends_due_reports() {
        let mut seen = Vec::new();
        let mut reporter = Reporter::new(|transfer| seen.push(transfer), 1000);
        reporter.throttle = Throttle::new(Instant::now() - PROGRESS_INTERVAL, PROGRESS_INTERVAL);
        reporter.advance(300);
        reporter.finish(1000);
        assert_eq!(
            seen,
            vec![
                Transfer { done: 300, total: 1000 },
                Transfer {
                    done: 1000,
                    total: 1000
                }
            ]
        );
    }
}
