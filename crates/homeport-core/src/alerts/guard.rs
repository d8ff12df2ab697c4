//! The flapping guard: a rule goes down after N failed checks in a row and up after M passed
//! checks in a row, and while it stays down it re-notifies every K minutes, at most R times.
//! A service that alternates between up and down therefore neither opens an alert per failure
//! nor closes and reopens one per pass.

use std::time::Duration;

/// When a rule changes state and how often it reminds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlapPolicy {
    /// Failed checks in a row that make the rule go down.
    pub down_after: u32,
    /// Passed checks in a row that bring it back up.
    pub up_after: u32,
    /// Time between reminders while down.
    pub renotify_every: Duration,
    /// Reminders sent at most per episode, after the first notification.
    pub max_renotify: u32,
}

/// A change the caller acts on: open, resolve, or remind of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Down,
    Up,
    Renotify,
}

/// The state of one watched event between checks. Times are Unix seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlapGuard {
    pub failures: u32,
    pub passes: u32,
    pub down: bool,
    pub notified_at: Option<i64>,
    pub renotified: u32,
}

impl FlapGuard {
    /// Records one check at `now` and returns the transition it causes, if any.
    pub fn observe(&mut self, policy: &FlapPolicy, ok: bool, now: i64) -> Option<Transition> {
        if ok {
            self.passes = self.passes.saturating_add(1);
            self.failures = 0;
            if self.down && self.passes >= policy.up_after {
                self.down = false;
                self.notified_at = Some(now);
                self.renotified = 0;
                return Some(Transition::Up);
            }
            return None;
        }

        self.failures = self.failures.saturating_add(1);
        self.passes = 0;
        if !self.down {
            if self.failures >= policy.down_after {
                self.down = true;
                self.notified_at = Some(now);
                self.renotified = 0;
                return Some(Transition::Down);
            }
            return None;
        }

        let interval = i64::try_from(policy.renotify_every.as_secs()).unwrap_or(i64::MAX);
        let due = self.notified_at.is_none_or(|last| now.saturating_sub(last) >= interval);
        if due && self.renotified < policy.max_renotify {
            self.renotified += 1;
            self.notified_at = Some(now);
            return Some(Transition::Renotify);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60;

    fn policy() -> FlapPolicy {
        FlapPolicy {
            down_after: 2,
            up_after: 3,
            renotify_every: Duration::from_secs(60 * 60),
            max_renotify: 3,
        }
    }

    /// Runs one check per minute, starting at minute 1, and returns (minute, transition).
    fn run(samples: &[bool]) -> Vec<(i64, Transition)> {
        let mut guard = FlapGuard::default();
        let policy = policy();
        samples
            .iter()
            .enumerate()
            .filter_map(|(index, ok)| {
                let minute = index as i64 + 1;
                guard
                    .observe(&policy, *ok, minute * MINUTE)
                    .map(|transition| (minute, transition))
            })
            .collect()
    }

    #[test]
    fn flapping_samples_notify_twice() {
        let samples = [true, false, true, false, false, true, false, true, true, true];
        let transitions = run(&samples);
        assert_eq!(transitions, vec![(5, Transition::Down), (10, Transition::Up)]);
    }

    #[test]
    fn single_failures_never_go_down() {
        let samples = [false, true, false, true, false, true];
        assert!(run(&samples).is_empty());
    }

    #[test]
    fn long_outage_reminds_at_most_three_times() {
        let samples = vec![false; 5 * 60];
        let transitions = run(&samples);
        let reminders: Vec<i64> = transitions
            .iter()
            .filter(|(_, transition)| *transition == Transition::Renotify)
            .map(|(minute, _)| *minute)
            .collect();
        assert_eq!(transitions[0], (2, Transition::Down));
        assert_eq!(reminders, vec![62, 122, 182]);
    }

    #[test]
    fn new_episode_resets_reminders() {
        let mut guard = FlapGuard::default();
        let policy = FlapPolicy {
            up_after: 1,
            ..policy()
        };
        guard.observe(&policy, false, 0);
        guard.observe(&policy, false, 60);
        guard.observe(&policy, false, 3_700);
        assert_eq!(guard.renotified, 1);
        assert_eq!(guard.observe(&policy, true, 3_760), Some(Transition::Up));
        assert_eq!(guard.renotified, 0);
    }
}
