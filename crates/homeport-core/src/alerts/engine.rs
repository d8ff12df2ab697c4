//! Rule evaluation with Prometheus's semantics, over values already read from the metrics store.
//!
//! Each (rule, series) pair is one alert instance with its own state. Without a flap policy an
//! instance whose condition holds becomes pending, fires once the condition has held for the
//! rule's `for` duration (at once when it is zero) and resolves on the first evaluation where
//! it no longer holds. A pending instance whose condition stops holding goes back to inactive
//! without a notice. With a flap policy the [`FlapGuard`] decides instead, and also sends the
//! reminders. An absent or stale series counts as "condition does not hold", as a vanished
//! series does in Prometheus.
//!
//! Nothing here reads the store or the clock, so the evaluation is cheap to test and measure.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::rules::{parse_duration, Condition, Reduce, Rule};
use super::{FlapGuard, NoticeKind, Transition};

/// The stage of one alert instance, as Prometheus names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    #[default]
    Inactive,
    Pending,
    Firing,
}

/// The state of one (rule, series) instance between evaluations. Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceState {
    pub rule_id: String,
    pub labels: BTreeMap<String, String>,
    pub phase: Phase,
    /// When the condition started to hold in this episode.
    pub active_since: Option<i64>,
    #[serde(default)]
    pub guard: FlapGuard,
    /// The value of the last evaluation, absent when the series was.
    pub value: Option<f64>,
    /// The first evaluation at which a firing instance's condition no longer held, while
    /// `keep_firing_for` keeps it firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_firing_since: Option<i64>,
}

impl InstanceState {
    /// The part of the state that must survive a restart. The value is left out: every
    /// evaluation sets it before any notice reads it, so a changed value alone needs no write.
    fn durable(&self) -> (Phase, Option<i64>, FlapGuard, Option<i64>) {
        (self.phase, self.active_since, self.guard, self.keep_firing_since)
    }
}

/// One series of a host with the samples evaluation needs: at least the newest, and the whole
/// window for rules that take an increase. Timestamps are Unix milliseconds, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesInput {
    pub metric: String,
    pub labels: BTreeMap<String, String>,
    pub samples: Vec<(i64, f64)>,
}

/// A notice an evaluation produced for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceEvent {
    pub fingerprint: String,
    pub rule_id: String,
    pub labels: BTreeMap<String, String>,
    pub value: Option<f64>,
    pub kind: NoticeKind,
}

/// Returns the fingerprint of a rule's instance on one host's series: the same rule on the
/// same series is the same event, whatever its value.
pub fn instance_fingerprint(rule_id: &str, host_id: &str, labels: &BTreeMap<String, String>) -> String {
    let mut fingerprint = format!("rule:{rule_id}:{host_id}");
    for (name, value) in labels {
        fingerprint.push(':');
        fingerprint.push_str(name);
        fingerprint.push('=');
        fingerprint.push_str(value);
    }
    fingerprint
}

/// Reduces a series to the value its rule compares, or `None` when it has no fresh sample.
pub fn reduce(reduce: Reduce, samples: &[(i64, f64)], now_ms: i64, stale_after_ms: i64) -> Option<f64> {
    let &(newest_ms, newest) = samples.last()?;
    if now_ms.saturating_sub(newest_ms) > stale_after_ms {
        return None;
    }
    match reduce {
        Reduce::Latest => Some(newest),
        Reduce::Increase { window_secs } => {
            let from_ms = now_ms.saturating_sub(window_secs.saturating_mul(1_000) as i64);
            let mut window = samples.iter().filter(|(at, _)| *at >= from_ms).map(|(_, value)| *value);
            let mut previous = window.next()?;
            let mut increase = 0.0;
            for value in window {
                // A smaller value means the counter restarted from zero, so all of it is new.
                increase += if value >= previous { value - previous } else { value };
                previous = value;
            }
            Some(increase)
        }
    }
}

/// Advances one instance with this evaluation's value and returns the notice it causes.
pub fn step(rule: &Rule, state: &mut InstanceState, value: Option<f64>, now: i64) -> Option<NoticeKind> {
    let Condition::Threshold(threshold) = &rule.condition else {
        return None;
    };
    state.value = value;
    let holds = value.is_some_and(|value| threshold.op.holds(value, threshold.value));

    if let Some(flap) = rule.flap {
        let transition = state.guard.observe(&flap.policy(), !holds, now);
        state.phase = match (state.guard.down, holds) {
            (true, _) => Phase::Firing,
            (false, true) => Phase::Pending,
            (false, false) => Phase::Inactive,
        };
        return transition.map(|transition| match transition {
            Transition::Down => NoticeKind::Opened,
            Transition::Up => NoticeKind::Resolved,
            Transition::Renotify => NoticeKind::Reminder,
        });
    }

    if !holds {
        let was_firing = state.phase == Phase::Firing;
        // Prometheus's `keep_firing_for`: a firing alert stays open that long after the first
        // evaluation where the condition stopped holding, so a value that dips under the
        // threshold for one sample does not resolve and reopen it.
        let keep_for = rule.keep_firing_for.as_deref().and_then(parse_duration).unwrap_or(0);
        if was_firing && keep_for > 0 {
            let since = *state.keep_firing_since.get_or_insert(now);
            if u64::try_from(now.saturating_sub(since)).unwrap_or(0) < keep_for {
                return None;
            }
        }
        state.phase = Phase::Inactive;
        state.active_since = None;
        state.keep_firing_since = None;
        return was_firing.then_some(NoticeKind::Resolved);
    }
    state.keep_firing_since = None;
    let since = *state.active_since.get_or_insert(now);
    if state.phase == Phase::Firing {
        return None;
    }
    let held_for = u64::try_from(now.saturating_sub(since)).unwrap_or(0);
    if held_for >= rule.for_secs {
        state.phase = Phase::Firing;
        Some(NoticeKind::Opened)
    } else {
        state.phase = Phase::Pending;
        None
    }
}

/// The outcome of one host's evaluation: the notices, and the instances whose stored state
/// must change, so the caller writes only those.
#[derive(Debug, Default)]
pub struct HostEvaluation {
    pub events: Vec<InstanceEvent>,
    /// Instances created or changed, by fingerprint; their new state is in the states map.
    pub changed: Vec<String>,
    /// Instances that became inactive and were dropped from the states map.
    pub removed: Vec<String>,
}

/// Evaluates every enabled threshold rule over one host's series at `now` (Unix seconds) and
/// returns the notices. `states` holds the host's instances by fingerprint and is updated in
/// place; instances whose series is gone are evaluated as absent and dropped once inactive.
pub fn evaluate_host(
    rules: &[Rule],
    host_id: &str,
    series: &[SeriesInput],
    states: &mut HashMap<String, InstanceState>,
    now: i64,
) -> Vec<InstanceEvent> {
    evaluate_host_tracked(rules, host_id, series, states, now).events
}

/// [`evaluate_host`], also reporting which instances changed.
pub fn evaluate_host_tracked(
    rules: &[Rule],
    host_id: &str,
    series: &[SeriesInput],
    states: &mut HashMap<String, InstanceState>,
    now: i64,
) -> HostEvaluation {
    let now_ms = now.saturating_mul(1_000);
    let mut by_metric: HashMap<&str, Vec<&SeriesInput>> = HashMap::new();
    for input in series {
        by_metric.entry(input.metric.as_str()).or_default().push(input);
    }

    // Most instances are inactive and have no state. The rules that have some are known up
    // front, so an instance of another rule whose condition does not hold needs no fingerprint,
    // no lookup and no allocation.
    let rules_with_state: HashSet<String> = states.values().map(|state| state.rule_id.clone()).collect();

    let mut events = Vec::new();
    let mut changed = Vec::new();
    let mut seen = HashSet::new();
    let emit = |fingerprint: &str, state: &InstanceState, kind: Option<NoticeKind>, events: &mut Vec<InstanceEvent>| {
        if let Some(kind) = kind {
            events.push(InstanceEvent {
                fingerprint: fingerprint.to_string(),
                rule_id: state.rule_id.clone(),
                labels: state.labels.clone(),
                value: state.value,
                kind,
            });
        }
    };

    for rule in rules.iter().filter(|rule| rule.enabled) {
        let Condition::Threshold(threshold) = &rule.condition else {
            continue;
        };
        let Some(candidates) = by_metric.get(threshold.metric.as_str()) else {
            continue;
        };
        let stale_after_ms = rule.stale_after_secs.saturating_mul(1_000) as i64;
        let has_state = rules_with_state.contains(&rule.id);
        for input in candidates {
            if !threshold
                .matchers
                .iter()
                .all(|(name, value)| input.labels.get(name) == Some(value))
            {
                continue;
            }
            let value = reduce(threshold.reduce, &input.samples, now_ms, stale_after_ms);
            let holds = value.is_some_and(|value| threshold.op.holds(value, threshold.value));
            if !holds && !has_state {
                continue;
            }
            let fingerprint = instance_fingerprint(&rule.id, host_id, &input.labels);
            let (state, before) = match states.get_mut(&fingerprint) {
                Some(state) => {
                    let before = Some(state.durable());
                    (state, before)
                }
                None if !holds => continue,
                None => {
                    let state = states.entry(fingerprint.clone()).or_insert_with(|| InstanceState {
                        rule_id: rule.id.clone(),
                        labels: input.labels.clone(),
                        ..InstanceState::default()
                    });
                    (state, None)
                }
            };
            let kind = step(rule, state, value, now);
            emit(&fingerprint, state, kind, &mut events);
            if before != Some(state.durable()) {
                changed.push(fingerprint.clone());
            }
            seen.insert(fingerprint);
        }
    }

    // Instances whose series vanished, or whose rule was disabled or removed, resolve.
    let rules_by_id: HashMap<&str, &Rule> = rules.iter().map(|rule| (rule.id.as_str(), rule)).collect();
    for (fingerprint, state) in states.iter_mut() {
        if seen.contains(fingerprint) {
            continue;
        }
        let before = state.durable();
        let kind = match rules_by_id.get(state.rule_id.as_str()) {
            Some(rule) if rule.enabled => step(rule, state, None, now),
            _ => {
                let was_firing = state.phase == Phase::Firing;
                state.phase = Phase::Inactive;
                state.guard = FlapGuard::default();
                state.value = None;
                was_firing.then_some(NoticeKind::Resolved)
            }
        };
        emit(fingerprint, state, kind, &mut events);
        if before != state.durable() {
            changed.push(fingerprint.clone());
        }
    }

    // An inactive instance with nothing counted carries no state, so only the few instances
    // that are pending, firing or counting failures are kept and stored.
    let mut removed = Vec::new();
    states.retain(|fingerprint, state| {
        let keep = state.phase != Phase::Inactive || state.guard.down || state.guard.failures > 0;
        if !keep {
            removed.push(fingerprint.clone());
        }
        keep
    });
    changed.retain(|fingerprint| states.contains_key(fingerprint));
    HostEvaluation {
        events,
        changed,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::rules::{FlapSpec, Operator, RuleSource, Threshold};
    use crate::alerts::Severity;

    fn rule(reduce: Reduce, op: Operator, value: f64, for_secs: u64) -> Rule {
        Rule {
            id: "r".into(),
            name: "R".into(),
            source: RuleSource::Builtin,
            enabled: true,
            condition: Condition::Threshold(Threshold {
                metric: "m".into(),
                matchers: BTreeMap::new(),
                reduce,
                op,
                value,
            }),
            for_secs,
            severity: Severity::P2,
            stale_after_secs: 600,
            flap: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            keep_firing_for: None,
            expr: None,
            group: None,
            group_interval: None,
        }
    }

    fn series(samples: &[(i64, f64)]) -> SeriesInput {
        SeriesInput {
            metric: "m".into(),
            labels: BTreeMap::from([("container".to_string(), "web".to_string())]),
            samples: samples.iter().map(|(at, value)| (at * 1_000, *value)).collect(),
        }
    }

    /// Evaluates `rule` once per (time, value) and returns the notices with their times.
    fn run(rule: &Rule, values: &[(i64, Option<f64>)]) -> Vec<(i64, NoticeKind)> {
        let mut states = HashMap::new();
        let mut out = Vec::new();
        for (now, value) in values {
            let inputs: Vec<SeriesInput> = value.map(|value| series(&[(*now, value)])).into_iter().collect();
            for event in evaluate_host(std::slice::from_ref(rule), "h", &inputs, &mut states, *now) {
                out.push((*now, event.kind));
            }
        }
        out
    }

    #[test]
    fn for_duration_goes_pending_then_firing() {
        let rule = rule(Reduce::Latest, Operator::Gt, 80.0, 300);
        let values: Vec<(i64, Option<f64>)> = (0..8).map(|minute| (minute * 60, Some(90.0))).collect();
        assert_eq!(run(&rule, &values), vec![(300, NoticeKind::Opened)]);
    }

    #[test]
    fn pending_interrupted_never_fires() {
        let rule = rule(Reduce::Latest, Operator::Gt, 80.0, 300);
        let values = [
            (0, Some(90.0)),
            (120, Some(90.0)),
            (240, Some(50.0)),
            (360, Some(90.0)),
            (480, Some(90.0)),
        ];
        assert!(run(&rule, &values).is_empty(), "the clock restarts at 360");
    }

    #[test]
    fn zero_for_fires_at_once_and_resolves() {
        let rule = rule(Reduce::Latest, Operator::Gt, 80.0, 0);
        let values = [(0, Some(90.0)), (60, Some(95.0)), (120, Some(10.0))];
        assert_eq!(
            run(&rule, &values),
            vec![(0, NoticeKind::Opened), (120, NoticeKind::Resolved)]
        );
    }

    #[test]
    fn vanished_series_resolves() {
        let rule = rule(Reduce::Latest, Operator::Gt, 80.0, 0);
        let values = [(0, Some(90.0)), (60, None)];
        assert_eq!(
            run(&rule, &values),
            vec![(0, NoticeKind::Opened), (60, NoticeKind::Resolved)]
        );
    }

    #[test]
    fn stale_sample_counts_as_absent() {
        assert_eq!(reduce(Reduce::Latest, &[(0, 5.0)], 601_000, 600_000), None);
        assert_eq!(reduce(Reduce::Latest, &[(0, 5.0)], 600_000, 600_000), Some(5.0));
    }

    #[test]
    fn increase_counts_resets() {
        let samples = [(0, 3.0), (60_000, 4.0), (120_000, 1.0), (180_000, 2.0)];
        assert_eq!(
            reduce(Reduce::Increase { window_secs: 300 }, &samples, 180_000, 600_000),
            Some(3.0)
        );
        assert_eq!(
            reduce(Reduce::Increase { window_secs: 60 }, &samples, 180_000, 600_000),
            Some(1.0),
            "only the samples of the last minute: 1 then 2"
        );
    }

    #[test]
    fn restarts_rule_fires_at_once() {
        let rule = rule(Reduce::Increase { window_secs: 300 }, Operator::Gt, 2.0, 0);
        let mut states = HashMap::new();
        let quiet = [series(&[(0, 5.0), (60, 5.0), (120, 6.0)])];
        assert!(evaluate_host(std::slice::from_ref(&rule), "h", &quiet, &mut states, 120).is_empty());
        let restarting = [series(&[(0, 5.0), (60, 5.0), (120, 6.0), (180, 8.0)])];
        let events = evaluate_host(std::slice::from_ref(&rule), "h", &restarting, &mut states, 180);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, NoticeKind::Opened);
        assert_eq!(events[0].value, Some(3.0));
        assert_eq!(events[0].labels["container"], "web");
    }

    #[test]
    fn matchers_select_series() {
        let mut rule = rule(Reduce::Latest, Operator::Gt, 80.0, 0);
        if let Condition::Threshold(threshold) = &mut rule.condition {
            threshold.matchers.insert("container".into(), "db".into());
        }
        assert!(run(&rule, &[(0, Some(99.0))]).is_empty());
    }

    #[test]
    fn disabled_rule_resolves_its_instances() {
        let mut rule = rule(Reduce::Latest, Operator::Gt, 80.0, 0);
        let mut states = HashMap::new();
        let hot = [series(&[(0, 99.0)])];
        evaluate_host(std::slice::from_ref(&rule), "h", &hot, &mut states, 0);
        rule.enabled = false;
        let events = evaluate_host(std::slice::from_ref(&rule), "h", &hot, &mut states, 60);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, NoticeKind::Resolved);
        assert!(states.is_empty());
    }

    #[test]
    fn keep_firing_for_holds_through_a_dip() {
        let mut rule = rule(Reduce::Latest, Operator::Gt, 80.0, 0);
        rule.keep_firing_for = Some("2m".into());
        let values = [
            (0, Some(90.0)),
            (60, Some(10.0)),
            (120, Some(90.0)),
            (180, Some(10.0)),
            (240, Some(10.0)),
            (300, Some(10.0)),
        ];
        assert_eq!(
            run(&rule, &values),
            vec![(0, NoticeKind::Opened), (300, NoticeKind::Resolved)],
            "the dip at 60 s lasts less than 2 minutes; the one from 180 s lasts until 300 s"
        );
    }

    #[test]
    fn tracking_reports_only_durable_changes() {
        let rule = rule(Reduce::Latest, Operator::Gt, 80.0, 300);
        let mut states = HashMap::new();
        let first = evaluate_host_tracked(
            std::slice::from_ref(&rule),
            "h",
            &[series(&[(0, 90.0)])],
            &mut states,
            0,
        );
        assert_eq!(first.changed.len(), 1, "a new pending instance is written");

        // Only the value moved: pending since 0 either way, so nothing needs writing.
        let second = evaluate_host_tracked(
            std::slice::from_ref(&rule),
            "h",
            &[series(&[(60, 95.0)])],
            &mut states,
            60,
        );
        assert!(second.changed.is_empty());
        assert!(second.removed.is_empty());

        let third = evaluate_host_tracked(
            std::slice::from_ref(&rule),
            "h",
            &[series(&[(120, 10.0)])],
            &mut states,
            120,
        );
        assert!(third.changed.is_empty());
        assert_eq!(third.removed.len(), 1, "the instance went back to inactive");
    }

    /// The flapping case: down after 2 failures, up after 3 passes, reminders every 60 min at
    /// most 3; samples once a minute ok, fail, ok, fail, fail, ok, fail, ok, ok, ok.
    #[test]
    fn flap_policy_notifies_twice() {
        let mut rule = rule(Reduce::Latest, Operator::Gt, 0.5, 0);
        rule.flap = Some(FlapSpec {
            down_after: 2,
            up_after: 3,
            renotify_every_secs: 3_600,
            max_renotify: 3,
        });
        let failing = [false, true, false, true, true, false, true, false, false, false];
        let values: Vec<(i64, Option<f64>)> = failing
            .iter()
            .enumerate()
            .map(|(index, fail)| ((index as i64 + 1) * 60, Some(if *fail { 1.0 } else { 0.0 })))
            .collect();
        let notices = run(&rule, &values);
        assert_eq!(notices, vec![(300, NoticeKind::Opened), (600, NoticeKind::Resolved)]);
    }
}
