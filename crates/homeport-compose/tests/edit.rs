//! Lossless edits: every byte outside an edit stays as it was.

use homeport_compose::{Document, EditError};

const STACK: &str = r#"# Media stack
x-defaults: &defaults
  restart: unless-stopped

services:
  # the web front end
  web:
    <<: *defaults
    image: 'nginx:1.25'   # pinned
    ports: ["80:80"]
    environment:
      TZ: Europe/Berlin

  db:
    image: postgres:16
    environment:
      - POSTGRES_DB=app   # the database
    volumes:
      - db:/var/lib/postgresql/data
      # backups go elsewhere

  cache:
    image: redis
    ports:
      - "6379:6379"
volumes:
  db: {}
"#;

/// Returns the lines that differ between two texts of the same line count.
fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    before
        .lines()
        .zip(after.lines())
        .filter(|(old, new)| old != new)
        .map(|(old, new)| (old.to_string(), new.to_string()))
        .collect()
}

#[test]
fn unchanged_save_is_identical() {
    assert_eq!(Document::parse(STACK).unwrap().to_string(), STACK);
}

#[test]
fn set_image_changes_one_line() {
    let mut document = Document::parse(STACK).unwrap();
    document.set_service_image("web", "nginx:1.27").unwrap();
    let saved = document.to_string();
    assert_eq!(
        changed_lines(STACK, &saved),
        [(
            "    image: 'nginx:1.25'   # pinned".to_string(),
            "    image: 'nginx:1.27'   # pinned".to_string()
        )]
    );
}

#[test]
fn set_environment_in_map_and_list() {
    let mut document = Document::parse(STACK).unwrap();
    document.set_environment("web", "TZ", "UTC").unwrap();
    document.set_environment("db", "POSTGRES_DB", "media").unwrap();
    let saved = document.to_string();
    assert_eq!(
        changed_lines(STACK, &saved),
        [
            ("      TZ: Europe/Berlin".to_string(), "      TZ: UTC".to_string()),
            (
                "      - POSTGRES_DB=app   # the database".to_string(),
                "      - POSTGRES_DB=media   # the database".to_string()
            ),
        ]
    );
}

#[test]
fn set_environment_adds_entries() {
    let mut document = Document::parse(STACK).unwrap();
    document.set_environment("web", "PUID", "1000").unwrap();
    document.set_environment("db", "POSTGRES_USER", "app").unwrap();
    document.set_environment("cache", "MODE", "lru").unwrap();
    let saved = document.to_string();
    assert!(
        saved.contains("      TZ: Europe/Berlin\n      PUID: \"1000\"\n"),
        "{saved}"
    );
    assert!(
        saved.contains("      - POSTGRES_DB=app   # the database\n      - POSTGRES_USER=app\n"),
        "{saved}"
    );
    assert!(
        saved.contains("      - \"6379:6379\"\n    environment:\n      MODE: lru\n"),
        "{saved}"
    );
    Document::parse(&saved).expect("the result parses");
}

#[test]
fn add_port_to_flow_and_block_lists() {
    let mut document = Document::parse(STACK).unwrap();
    document.add_port("web", "8080:80").unwrap();
    document.add_port("cache", "127.0.0.1:6380:6379").unwrap();
    document.add_port("db", "5432:5432").unwrap();
    let saved = document.to_string();
    assert!(saved.contains("    ports: [\"80:80\", \"8080:80\"]\n"), "{saved}");
    assert!(
        saved.contains("      - \"6379:6379\"\n      - \"127.0.0.1:6380:6379\"\n"),
        "{saved}"
    );
    assert!(
        saved.contains("      # backups go elsewhere\n    ports:\n      - \"5432:5432\"\n"),
        "{saved}"
    );
}

#[test]
fn remove_service_takes_its_lines() {
    let mut document = Document::parse(STACK).unwrap();
    document.remove_service("db").unwrap();
    let saved = document.to_string();
    let expected = STACK.replace(
        "  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_DB=app   # the database\n    volumes:\n      - db:/var/lib/postgresql/data\n      # backups go elsewhere\n",
        "",
    );
    assert_eq!(saved, expected);
}

#[test]
fn inherited_key_gets_explicit_entry() {
    let mut document = Document::parse(STACK).unwrap();
    document.set_scalar(&["services", "web", "restart"], "always").unwrap();
    let saved = document.to_string();
    assert!(saved.contains("  restart: unless-stopped\n"), "the anchor is untouched");
    assert!(
        saved.contains("      TZ: Europe/Berlin\n    restart: always\n"),
        "{saved}"
    );
}

#[test]
fn edits_report_missing_targets() {
    let mut document = Document::parse(STACK).unwrap();
    let error = document.set_service_image("nope", "x").unwrap_err();
    assert_eq!(
        error,
        EditError::NotFound {
            path: "services.nope".to_string()
        }
    );
    assert_eq!(document.to_string(), STACK, "a failed edit changes nothing");
}

#[test]
fn edit_of_empty_environment_keeps_comments() {
    let text =
        "services:\n  app:\n    image: busybox\n    environment:\n      # FOO: bar\n    command: [\"sleep\", \"1\"]\n";
    let mut document = Document::parse(text).unwrap();
    document.set_environment("app", "FOO", "baz").unwrap();
    assert_eq!(
        document.to_string(),
        "services:\n  app:\n    image: busybox\n    environment:\n      FOO: baz\n      # FOO: bar\n    command: [\"sleep\", \"1\"]\n"
    );
}
