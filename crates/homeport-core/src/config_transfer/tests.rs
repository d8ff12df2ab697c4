//! Round trips through an in-memory store, and every way a file is rejected.

use super::*;
use crate::error::Error;
use crate::store::Store;

/// Adds two SSH hosts (one jumping through the other, one with a password), a channel with a
/// token, a cost scenario and a TLS endpoint, as the app's own code would store them.
async fn seeded_store() -> Store {
    let store = Store::open_in_memory().await.unwrap();
    let pool = store.pool();
    for (id, name, auth, has_secret, jump) in [
        ("h1", "bastion", "key", 0, None),
        ("h2", "nas", "password", 1, Some("h1")),
    ] {
        sqlx::query(
            "INSERT INTO hosts (id, name, kind, address, port, user, auth, key_path, docker_socket, has_secret,
                                created_at, updated_at, jump_host_id, group_name, tags, source)
             VALUES (?, ?, 'ssh', '10.0.0.1', 22, 'admin', ?, NULL, '/var/run/docker.sock', ?, 'now', 'now', ?, 'home', '[\"lab\"]', NULL)",
        )
        .bind(id)
        .bind(name)
        .bind(auth)
        .bind(has_secret)
        .bind(jump)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO notify_channels (id, name, kind, enabled, settings, secrets_set, created_at)
         VALUES ('c1', 'Alerts', 'ntfy', 1, '{\"kind\":\"ntfy\",\"server\":\"https://ntfy.example\",\"topic\":\"lab\"}', '[\"token\"]', 'now')",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO cost_scenarios (id, name, scenario, created_at, updated_at) VALUES ('s1', 'home', '{\"version\":1}', 'now', 'now')")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO tls_endpoints (id, address, port, server_name, host_id, trusted_ca_pem, created_at)
         VALUES ('t1', 'example.test', 443, '', 'h2', NULL, 'now')",
    )
    .execute(pool)
    .await
    .unwrap();
    let plan = serde_json::json!({
        "name": "photos",
        "host": "h2",
        "items": [{ "kind": "path", "path": "/srv/photos" }],
        "repositories": [
            { "name": "disk", "location": "/backup/photos" },
            { "name": "cloud", "location": "s3:https://s3.example/bucket/photos" }
        ]
    });
    sqlx::query(
        "INSERT INTO backup_plans (id, name, host_id, definition, created_at, updated_at)
         VALUES ('p1', 'photos', 'h2', ?, 'now', 'now')",
    )
    .bind(plan.to_string())
    .execute(pool)
    .await
    .unwrap();
    store
}

async fn exported_text(store: &Store) -> (String, Vec<SecretToEnter>) {
    let (file, secrets) = export(store).await.unwrap();
    (serde_json::to_string_pretty(&file).unwrap(), secrets)
}

async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn export_lists_secrets_to_enter() {
    let store = seeded_store().await;
    let (_, secrets) = exported_text(&store).await;
    assert!(secrets.contains(&SecretToEnter::host("nas", "password")));
    assert!(secrets.contains(&SecretToEnter::channel("Alerts", "token")));
    assert!(secrets.contains(&SecretToEnter::backup_plan("photos", "repositoryPassword")));
    assert!(secrets.contains(&SecretToEnter::backup_plan("photos / cloud", "s3Keys")));
    assert_eq!(secrets.len(), 4);
}

#[tokio::test]
async fn import_into_empty_store_adds_everything() {
    let (text, _) = exported_text(&seeded_store().await).await;
    let target = Store::open_in_memory().await.unwrap();
    let file = parse(&text, "config.json").unwrap();

    let (plan, added) = apply(&target, &file).await.unwrap();

    assert_eq!(added.len(), 2);
    assert!(plan.items.iter().all(|item| item.action == Action::Add));
    assert!(plan.secrets_to_enter.contains(&SecretToEnter::host("nas", "password")));
    let jump: Option<String> =
        sqlx::query_scalar("SELECT j.name FROM hosts h JOIN hosts j ON h.jump_host_id = j.id WHERE h.name = 'nas'")
            .fetch_optional(target.pool())
            .await
            .unwrap();
    assert_eq!(jump.as_deref(), Some("bastion"));
    let has_secret: bool = sqlx::query_scalar("SELECT has_secret FROM hosts WHERE name = 'nas'")
        .fetch_one(target.pool())
        .await
        .unwrap();
    assert!(!has_secret, "no secret is in the keychain after an import");
    let secrets_set: String = sqlx::query_scalar("SELECT secrets_set FROM notify_channels")
        .fetch_one(target.pool())
        .await
        .unwrap();
    assert_eq!(secrets_set, "[]");
    let endpoint_host: Option<String> =
        sqlx::query_scalar("SELECT h.name FROM tls_endpoints t JOIN hosts h ON t.host_id = h.id")
            .fetch_optional(target.pool())
            .await
            .unwrap();
    assert_eq!(endpoint_host.as_deref(), Some("nas"));
    let (plan_host, definition): (String, String) = sqlx::query_as(
        "SELECT h.name, p.definition FROM backup_plans p JOIN hosts h ON p.host_id = h.id WHERE p.name = 'photos'",
    )
    .fetch_one(target.pool())
    .await
    .unwrap();
    assert_eq!(plan_host, "nas");
    let definition: serde_json::Value = serde_json::from_str(&definition).unwrap();
    let new_id: String = sqlx::query_scalar("SELECT id FROM hosts WHERE name = 'nas'")
        .fetch_one(target.pool())
        .await
        .unwrap();
    assert_eq!(
        definition["host"],
        new_id.as_str(),
        "the definition names the new host id"
    );
}

#[tokio::test]
async fn second_import_skips_everything() {
    let (text, _) = exported_text(&seeded_store().await).await;
    let target = Store::open_in_memory().await.unwrap();
    let file = parse(&text, "config.json").unwrap();
    apply(&target, &file).await.unwrap();

    let (plan, added) = apply(&target, &file).await.unwrap();

    assert!(added.is_empty());
    assert!(plan.items.iter().all(|item| item.action == Action::Skip), "{plan:?}");
    assert!(plan.secrets_to_enter.is_empty());
    assert_eq!(count(&target, "hosts").await, 2);
}

#[tokio::test]
async fn preview_writes_nothing() {
    let (text, _) = exported_text(&seeded_store().await).await;
    let target = Store::open_in_memory().await.unwrap();
    let file = parse(&text, "config.json").unwrap();

    let plan = preview(&target, &file).await.unwrap();

    assert_eq!(
        plan.items.iter().filter(|item| item.section == Section::Host).count(),
        2
    );
    assert_eq!(count(&target, "hosts").await, 0);
    assert_eq!(count(&target, "notify_channels").await, 0);
    assert_eq!(count(&target, "backup_plans").await, 0);
}

#[tokio::test]
async fn newer_version_is_rejected() {
    let text = format!(r#"{{"format": "{FORMAT_NAME}", "version": 99, "exportedAt": "x", "futureField": 1}}"#);
    match parse(&text, "new.json") {
        Err(Error::ConfigFileTooNew { version, supported, .. }) => {
            assert_eq!(version, 99);
            assert_eq!(supported, FORMAT_VERSION);
        }
        other => panic!("expected ConfigFileTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_field_names_line_and_column() {
    let text = format!(
        "{{\n  \"format\": \"{FORMAT_NAME}\",\n  \"version\": 1,\n  \"exportedAt\": \"x\",\n  \"hostz\": []\n}}"
    );
    match parse(&text, "typo.json") {
        Err(Error::ConfigFileInvalid {
            line, column, detail, ..
        }) => {
            assert_eq!(line, 5);
            assert!(column > 0);
            assert!(detail.contains("hostz"), "{detail}");
        }
        other => panic!("expected ConfigFileInvalid, got {other:?}"),
    }
}

#[tokio::test]
async fn damaged_file_is_rejected() {
    let (text, _) = exported_text(&seeded_store().await).await;
    let truncated = &text[..text.len() / 2];
    assert!(matches!(
        parse(truncated, "cut.json"),
        Err(Error::ConfigFileInvalid { line, .. }) if line > 0
    ));
    assert!(matches!(
        parse("[1, 2]", "array.json"),
        Err(Error::ConfigFileInvalid { .. })
    ));
    assert!(matches!(
        parse(r#"{"format": "other", "version": 1}"#, "other.json"),
        Err(Error::ConfigFileInvalid { .. })
    ));
}

#[tokio::test]
async fn bad_values_are_rejected_before_writing() {
    let (text, _) = exported_text(&seeded_store().await).await;
    let bad_kind = text.replacen("\"kind\": \"ssh\"", "\"kind\": \"telnet\"", 1);
    match parse(&bad_kind, "bad.json") {
        Err(Error::ConfigFileInvalid { detail, .. }) => assert!(detail.contains("telnet"), "{detail}"),
        other => panic!("expected ConfigFileInvalid, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_jump_host_changes_nothing() {
    let (text, _) = exported_text(&seeded_store().await).await;
    let mut file = parse(&text, "config.json").unwrap();
    file.hosts.retain(|host| host.name != "bastion");
    let target = Store::open_in_memory().await.unwrap();

    let result = apply(&target, &file).await;

    assert!(matches!(result, Err(Error::InvalidInput { .. })), "{result:?}");
    assert_eq!(count(&target, "hosts").await, 0);
}

#[tokio::test]
async fn failed_insert_rolls_back_everything() {
    let (text, _) = exported_text(&seeded_store().await).await;
    let mut file = parse(&text, "config.json").unwrap();
    // A socket host with a jump host breaks a CHECK constraint, after the first host was
    // already inserted in the transaction.
    file.hosts[1].kind = "socket".to_string();
    file.hosts[1].auth = "none".to_string();
    file.hosts[1].needs_secret = false;
    let target = Store::open_in_memory().await.unwrap();

    let result = apply(&target, &file).await;

    assert!(result.is_err());
    assert_eq!(count(&target, "hosts").await, 0);
    assert_eq!(count(&target, "notify_channels").await, 0);
    assert_eq!(count(&target, "backup_plans").await, 0);
}
