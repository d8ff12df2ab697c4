//! Alert rules and the inbox against the lab: a built-in rule fires on series the lab's engine
//! host really reports, a collection that cannot log in gives one alert however often it
//! retries, and a Prometheus rule file goes through import and export.
//!
//! Skips when `HOMEPORT_LAB_ENV` is unset.

mod common;
mod hosts;

use std::collections::BTreeMap;

use homeport_api::alerts::{AlertFilterInput, AlertRuleUpdate, FlapSetting, NewRuleInput, COLLECTION_FAILED};
use homeport_core::inventory::{AuthMethod, HostDraft};
use homeport_core::ErrorCode;
use hosts::{add_key_host, add_socket_host, open_api};
use tempfile::TempDir;

fn open_filter() -> AlertFilterInput {
    AlertFilterInput {
        open: Some(true),
        ..AlertFilterInput::default()
    }
}

#[tokio::test]
async fn filesystem_rule_fires_acks_and_resolves() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_socket_host(&api, &lab).await;

    // Every real filesystem is more than 1 % full, so the rule fires on the first evaluation.
    let rule = api
        .alerts_rule_update(
            "filesystem_full",
            AlertRuleUpdate {
                threshold: Some(1.0),
                ..AlertRuleUpdate::default()
            },
        )
        .await
        .expect("lower the threshold");
    assert_eq!(rule.expr, "filesystem_used_percent > 1");

    for _ in 0..2 {
        let report = api.metrics_collect_once(&host.id).await.expect("collect");
        assert!(report.error.is_none(), "collection failed: {:?}", report.error);
    }
    let open = api.alerts_list(open_filter()).await.expect("list");
    let fired: Vec<_> = open.iter().filter(|alert| alert.rule == "filesystem_full").collect();
    assert!(!fired.is_empty(), "no filesystem alert in {open:?}");
    let alert = fired[0];
    assert_eq!(alert.host_id.as_deref(), Some(host.id.as_str()));
    assert_eq!(alert.severity, "P2");
    assert!(!alert.service.is_empty(), "the mount is the service: {alert:?}");
    assert_eq!(
        alert.count, 1,
        "staying above the threshold is one event, not one per collection"
    );
    assert!(alert.params["value"].parse::<f64>().expect("value") > 1.0);
    assert!(alert.due_at.is_some());

    let acknowledged = api.alerts_ack(&alert.id).await.expect("ack");
    assert_eq!(acknowledged.state, "acknowledged");
    assert!(!acknowledged.overdue);
    let commented = api
        .alerts_comment(&alert.id, "expected: the threshold is 1 %")
        .await
        .expect("comment");
    assert_eq!(commented.comments.len(), 1);
    assert_eq!(commented.comments[0].author, "you");

    api.alerts_rule_update(
        "filesystem_full",
        AlertRuleUpdate {
            threshold: Some(100.0),
            ..AlertRuleUpdate::default()
        },
    )
    .await
    .expect("raise the threshold");
    api.metrics_collect_once(&host.id).await.expect("collect");
    let history = api
        .alerts_list(AlertFilterInput {
            open: Some(false),
            search: Some("threshold is 1".into()),
            ..AlertFilterInput::default()
        })
        .await
        .expect("history");
    assert_eq!(history.len(), 1, "the alert resolved and its comment is searchable");
    assert_eq!(history[0].id, alert.id);
    assert_eq!(history[0].resolved_by.as_deref(), Some("rule"));
}

fn new_rule(name: &str, metric: &str) -> NewRuleInput {
    NewRuleInput {
        name: name.into(),
        metric: metric.into(),
        matchers: BTreeMap::new(),
        op: ">".into(),
        threshold: 0.0,
        increase_seconds: None,
        for_seconds: 0,
        severity: "P1".into(),
        summary: Some("Mount {{ $labels.mount }} has data".into()),
        flap: None,
    }
}

/// A rule written by hand fires on the lab's series like a built-in one, a flapping guard
/// set on it later holds it back until enough collections failed it, and removing it resolves
/// its alert. Bad fields are refused with the field named, and nothing is stored.
#[tokio::test]
async fn custom_rule_fires_and_removal_resolves() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let before = api.alerts_rules().await.expect("rules").len();

    for (input, field) in [
        (new_rule("two words", "filesystem_used_percent"), "name"),
        (new_rule("Fine", "filesystem used"), "metric"),
        (
            NewRuleInput {
                op: "=>".into(),
                ..new_rule("Fine", "filesystem_used_percent")
            },
            "op",
        ),
        (
            NewRuleInput {
                increase_seconds: Some(5),
                ..new_rule("Fine", "filesystem_used_percent")
            },
            "window",
        ),
    ] {
        let err = api.alerts_rule_create(input).await.expect_err("bad rule refused");
        assert_eq!(err.params.get("field").map(String::as_str), Some(field), "{err:?}");
    }
    assert_eq!(api.alerts_rules().await.expect("rules").len(), before, "nothing stored");

    let rule = api
        .alerts_rule_create(NewRuleInput {
            matchers: BTreeMap::from([("mount".to_string(), "/".to_string())]),
            ..new_rule("RootHasData", "filesystem_used_percent")
        })
        .await
        .expect("add the rule");
    assert_eq!(rule.id, "custom:RootHasData");
    assert_eq!(rule.source, "custom");
    assert_eq!(rule.expr, "filesystem_used_percent{mount=\"/\"} > 0");
    let duplicate = api
        .alerts_rule_create(new_rule("RootHasData", "filesystem_used_percent"))
        .await
        .expect_err("a second rule of the same name");
    assert!(duplicate.message.contains("RootHasData"), "{duplicate:?}");

    api.metrics_collect_once(&host.id).await.expect("collect");
    let open = api.alerts_list(open_filter()).await.expect("list");
    let fired: Vec<_> = open.iter().filter(|alert| alert.rule == rule.id).collect();
    assert_eq!(fired.len(), 1, "one alert for the root mount: {open:?}");
    assert_eq!(fired[0].severity, "P1");
    assert_eq!(fired[0].service, "/");

    let guarded = api
        .alerts_rule_update(
            &rule.id,
            AlertRuleUpdate {
                flap: Some(FlapSetting {
                    down_after: 2,
                    up_after: 3,
                    renotify_minutes: 60,
                    max_renotify: 3,
                }),
                ..AlertRuleUpdate::default()
            },
        )
        .await
        .expect("set the flapping guard");
    assert_eq!(guarded.flap.map(|flap| flap.up_after), Some(3));
    let too_often = api
        .alerts_rule_update(
            &rule.id,
            AlertRuleUpdate {
                flap: Some(FlapSetting {
                    down_after: 2,
                    up_after: 3,
                    renotify_minutes: 0,
                    max_renotify: 3,
                }),
                ..AlertRuleUpdate::default()
            },
        )
        .await
        .expect_err("reminders every 0 minutes");
    assert_eq!(too_often.params.get("field").map(String::as_str), Some("renotify"));

    api.alerts_rule_remove(&rule.id).await.expect("remove");
    assert!(
        api.alerts_rule_remove("filesystem_full").await.is_err(),
        "built-in rules stay"
    );
    api.metrics_collect_once(&host.id).await.expect("collect");
    let open = api.alerts_list(open_filter()).await.expect("list");
    assert!(
        open.iter().all(|alert| alert.rule != rule.id),
        "the removed rule's alert resolved: {open:?}"
    );
}

/// A collection whose login fails every time is a job that cannot start: it must give exactly
/// one alert whose count rises, not one per retry and not none.
#[tokio::test]
async fn failing_login_gives_one_alert() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    // The good host stores the sshd's trusted key; the broken one shares address and port.
    let good = add_key_host(&api, &lab).await;
    let spec = HostDraft {
        name: common::unique_name("no-login"),
        address: good.address.clone(),
        port: u32::from(good.port),
        user: "hplab-no-such-user".into(),
        auth: Some(AuthMethod::Key),
        key_path: Some(lab.var("LAB_SSH_CLIENT_KEY")),
        ..HostDraft::default()
    }
    .validate()
    .expect("valid draft");
    let store = api.host_service().store();
    let broken = store
        .insert_host_from("no-login-host", &spec, false, None, None)
        .await
        .expect("insert host");

    for attempt in 1..=3 {
        let report = api.metrics_collect_once(&broken.id).await.expect("collect");
        let error = report.error.expect("the login fails");
        assert_eq!(
            error.code,
            ErrorCode::AuthFailed,
            "attempt {attempt}: {}",
            error.message
        );
    }
    let open = api.alerts_list(open_filter()).await.expect("list");
    let failed: Vec<_> = open.iter().filter(|alert| alert.rule == COLLECTION_FAILED).collect();
    assert_eq!(failed.len(), 1, "{open:?}");
    assert_eq!(failed[0].count, 3);
    assert_eq!(failed[0].host_id.as_deref(), Some(broken.id.as_str()));
    assert_eq!(failed[0].severity, "P1");
    assert!(
        failed[0].params["detail"].contains("hplab-no-such-user"),
        "{:?}",
        failed[0].params
    );
}

#[tokio::test]
async fn rule_file_import_export_round_trip() {
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let list = dir.path().join("list.yml");
    std::fs::write(&list, "- alert: InstanceDown\n  expr: up == 0\n  for: 5m\n").expect("write");
    let path = list.to_str().expect("utf-8 path");

    let err = api
        .alerts_rules_import(path, false)
        .await
        .expect_err("a bare list is rejected");
    assert_eq!(err.code, ErrorCode::RuleFileInvalid);
    assert_eq!(err.params["kind"], "topLevelList");

    let imported = api.alerts_rules_import(path, true).await.expect("wrapped import");
    assert!(imported.wrapped);
    assert_eq!(imported.imported.len(), 1);
    assert_eq!(imported.imported[0].group.as_deref(), Some("list"));
    assert!(imported.imported[0].evaluated_here, "`up == 0` is a simple threshold");

    let out = dir.path().join("out.yml");
    let exported = api
        .alerts_rules_export(out.to_str().expect("utf-8"))
        .await
        .expect("export");
    assert_eq!(exported.rules, 6, "five built-in threshold rules and the imported one");
    let text = std::fs::read_to_string(&out).expect("read export");
    assert!(text.contains("alert: InstanceDown"), "{text}");
    assert!(text.contains("increase(container_restarts[5m]) > 2"), "{text}");

    // The exported file imports again: the built-in group becomes an imported group.
    let again = api
        .alerts_rules_import(out.to_str().expect("utf-8"), false)
        .await
        .expect("reimport");
    assert_eq!(again.imported.len(), 6);
    assert_eq!(again.replaced, 1, "the group `list` was replaced, not copied");
}
