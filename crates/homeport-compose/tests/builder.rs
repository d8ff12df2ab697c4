//! The stack builder: canvas edits applied to Compose text, the view read back, routes and
//! the Caddyfile, and templates copied in.

use homeport_compose::builder::{apply, insert_fragment, snapshot, BuilderEdit, BuilderError, ProxyKind};
use homeport_compose::{Code, Document, Environment};

fn edit(text: &str, edits: &[BuilderEdit]) -> String {
    let mut document = Document::parse(text).unwrap();
    for change in edits {
        apply(&mut document, change).unwrap_or_else(|err| panic!("{change:?}: {err}\n{document}"));
    }
    document.to_string()
}

fn add_service(name: &str, image: &str) -> BuilderEdit {
    BuilderEdit::AddService {
        name: name.to_string(),
        image: image.to_string(),
    }
}

fn assert_valid(text: &str) {
    let result = snapshot(text, &Environment::default());
    let errors: Vec<_> = result.diagnostics.errors().collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
}

#[test]
fn blank_stack_grows_service_by_service() {
    let text = edit(
        "services:\n",
        &[
            add_service("web", "nginx:1.27"),
            BuilderEdit::AddPort {
                service: "web".into(),
                spec: "8080:80".into(),
            },
            BuilderEdit::SetEnv {
                service: "web".into(),
                key: "TZ".into(),
                value: "Asia/Shanghai".into(),
            },
            BuilderEdit::AddVolume {
                service: "web".into(),
                spec: "site:/usr/share/nginx/html".into(),
            },
            BuilderEdit::SetLimits {
                service: "web".into(),
                cpus: Some("0.5".into()),
                memory: Some("256m".into()),
            },
            add_service("db", "postgres:16"),
        ],
    );
    assert_eq!(
        text,
        "services:
  web:
    image: nginx:1.27
    ports:
      - \"8080:80\"
    environment:
      TZ: Asia/Shanghai
    volumes:
      - site:/usr/share/nginx/html
    deploy:
      resources:
        limits:
          cpus: \"0.5\"
          memory: 256m
  db:
    image: postgres:16
volumes:
  site: {}
"
    );
    assert_valid(&text);

    let view = snapshot(&text, &Environment::default()).view.unwrap();
    let web = &view.services[0];
    assert_eq!(web.ports, ["8080:80"]);
    assert_eq!(web.environment[0].key, "TZ");
    assert_eq!(web.cpus.as_deref(), Some("0.5"));
    assert_eq!(web.memory.as_deref(), Some("256m"));
    assert_eq!(web.networks, ["default"]);
    assert_eq!(view.volumes, ["site"]);
    assert_eq!(view.services[1].line, 15);
}

const USER_FILE: &str = "# my media box
services:
  jellyfin:
    image: jellyfin/jellyfin:10.10.7   # pinned on purpose
    environment:
      - TZ=Europe/Berlin
      - JELLYFIN_PublishedServerUrl=http://media.lan
    ports: [\"8096:8096\"]
    mem_limit: 2g

  sonarr:
    image: lscr.io/linuxserver/sonarr:4
    depends_on: [jellyfin]
";

#[test]
fn edits_keep_the_users_lines() {
    let text = edit(
        USER_FILE,
        &[
            BuilderEdit::RemoveEnv {
                service: "jellyfin".into(),
                key: "TZ".into(),
            },
            BuilderEdit::SetLimits {
                service: "jellyfin".into(),
                cpus: None,
                memory: Some("3g".into()),
            },
            BuilderEdit::AddPort {
                service: "jellyfin".into(),
                spec: "8920:8920".into(),
            },
        ],
    );
    assert_eq!(
        text,
        "# my media box
services:
  jellyfin:
    image: jellyfin/jellyfin:10.10.7   # pinned on purpose
    environment:
      - JELLYFIN_PublishedServerUrl=http://media.lan
    ports: [\"8096:8096\", \"8920:8920\"]
    mem_limit: 3g

  sonarr:
    image: lscr.io/linuxserver/sonarr:4
    depends_on: [jellyfin]
"
    );
}

#[test]
fn last_entry_removal_drops_the_section() {
    let text = edit(
        USER_FILE,
        &[
            BuilderEdit::RemoveEnv {
                service: "jellyfin".into(),
                key: "TZ".into(),
            },
            BuilderEdit::RemoveEnv {
                service: "jellyfin".into(),
                key: "JELLYFIN_PublishedServerUrl".into(),
            },
            BuilderEdit::RemovePort {
                service: "jellyfin".into(),
                index: 0,
            },
        ],
    );
    assert!(!text.contains("environment"), "{text}");
    assert!(!text.contains("ports"), "{text}");
    assert!(text.contains("    mem_limit: 2g\n\n  sonarr:"), "{text}");
    assert_valid(&text);
}

#[test]
fn rename_follows_references() {
    let text = edit(
        USER_FILE,
        &[BuilderEdit::RenameService {
            name: "jellyfin".into(),
            new_name: "media".into(),
        }],
    );
    assert!(text.contains("\n  media:\n"), "{text}");
    assert!(text.contains("depends_on: [media]"), "{text}");
    assert_valid(&text);

    let map_form = "services:\n  db:\n    image: postgres\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_started\n";
    let text = edit(
        map_form,
        &[BuilderEdit::RenameService {
            name: "db".into(),
            new_name: "database".into(),
        }],
    );
    assert!(
        text.contains("    depends_on:\n      database:\n        condition"),
        "{text}"
    );
    assert_valid(&text);
}

#[test]
fn removal_drops_dependencies_on_it() {
    let text = edit(
        USER_FILE,
        &[BuilderEdit::RemoveService {
            name: "jellyfin".into(),
        }],
    );
    assert!(!text.contains("jellyfin"), "{text}");
    assert!(!text.contains("depends_on"), "{text}");
    assert!(text.starts_with("# my media box\nservices:\n"), "{text}");
    assert_valid(&text);
}

const LINKED: &str = "services:
  db:
    image: postgres:16
  web:
    image: nginx
    links: [\"db:database\", cache]
    volumes_from: [\"db:ro\"]
  sidecar:
    image: busybox
    network_mode: \"service:db\"
  worker:
    extends:
      service: db
  cache:
    image: redis
";

#[test]
fn rename_follows_links_and_extends() {
    let text = edit(
        LINKED,
        &[BuilderEdit::RenameService {
            name: "db".into(),
            new_name: "pg".into(),
        }],
    );
    assert!(text.contains("links: [\"pg:database\", cache]"), "{text}");
    assert!(text.contains("volumes_from: [\"pg:ro\"]"), "{text}");
    assert!(text.contains("network_mode: \"service:pg\""), "{text}");
    assert!(text.contains("      service: pg\n"), "{text}");
}

#[test]
fn removal_drops_links_and_shared_namespaces() {
    let text = edit(LINKED, &[BuilderEdit::RemoveService { name: "db".into() }]);
    assert!(text.contains("links: [cache]"), "{text}");
    assert!(!text.contains("volumes_from"), "{text}");
    assert!(!text.contains("network_mode"), "{text}");
}

#[test]
fn networks_connect_and_disconnect() {
    let text = edit(
        USER_FILE,
        &[BuilderEdit::Connect {
            service: "sonarr".into(),
            network: "backend".into(),
        }],
    );
    assert!(
        text.contains("    networks:\n      - default\n      - backend\n"),
        "{text}"
    );
    assert!(text.ends_with("networks:\n  backend: {}\n"), "{text}");
    assert_valid(&text);

    let view = snapshot(&text, &Environment::default()).view.unwrap();
    assert_eq!(view.networks, ["default", "backend"]);
    assert_eq!(view.services[1].networks, ["default", "backend"]);

    let text = edit(
        &text,
        &[BuilderEdit::Disconnect {
            service: "sonarr".into(),
            network: "default".into(),
        }],
    );
    assert!(text.contains("    networks:\n      - backend\n"), "{text}");
    assert_valid(&text);
}

#[test]
fn route_through_caddy_writes_the_caddyfile() {
    let text = edit(
        USER_FILE,
        &[
            BuilderEdit::AddProxy { kind: ProxyKind::Caddy },
            BuilderEdit::SetRoute {
                service: "jellyfin".into(),
                hostname: "jellyfin.home.arpa".into(),
                port: "8096".into(),
            },
            BuilderEdit::SetRoute {
                service: "sonarr".into(),
                hostname: "sonarr.example.com".into(),
                port: "8989".into(),
            },
        ],
    );
    assert!(
        text.contains("    x-homeport:\n      route:\n        hostname: jellyfin.home.arpa\n        port: \"8096\"\n"),
        "{text}"
    );
    assert!(text.contains("  caddy:\n    image: caddy:2.10-alpine\n"), "{text}");
    assert!(text.contains("  caddy-data: {}\n  caddy-config: {}\n"), "{text}");
    assert_valid(&text);

    let result = snapshot(&text, &Environment::default());
    let view = result.view.unwrap();
    assert_eq!(view.proxy.unwrap().service, "caddy");
    assert_eq!(view.routes.len(), 2);
    assert!(view.routes[0].internal_tls);
    assert!(!view.routes[1].internal_tls);
    let caddyfile = result.caddyfile.unwrap();
    assert!(caddyfile.contains("jellyfin.home.arpa {\n"), "{caddyfile}");
    assert!(
        caddyfile.contains("\ttls internal\n\treverse_proxy jellyfin:8096\n}"),
        "{caddyfile}"
    );
    assert!(
        caddyfile.contains("sonarr.example.com {\n\treverse_proxy sonarr:8989\n}"),
        "{caddyfile}"
    );
    assert_eq!(result.diagnostics.with_code(Code::InvalidRoute).count(), 0);
}

#[test]
fn route_reaches_the_proxy_network() {
    let text = "services:\n  caddy:\n    image: caddy:2\n    networks: [edge]\n  app:\n    image: nginx\nnetworks:\n  edge: {}\n";
    let routed = edit(
        text,
        &[BuilderEdit::SetRoute {
            service: "app".into(),
            hostname: "app.lan".into(),
            port: "80".into(),
        }],
    );
    assert!(
        routed.contains("  app:\n    image: nginx\n    networks:\n      - default\n      - edge\n"),
        "{routed}"
    );
    assert_valid(&routed);
}

#[test]
fn route_problems_are_reported_in_place() {
    let text = "services:\n  app:\n    image: nginx\n    x-homeport:\n      route:\n        hostname: bad_name.lan\n        port: 80\n";
    let result = snapshot(text, &Environment::default());
    let problems: Vec<_> = result.diagnostics.with_code(Code::InvalidRoute).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (6, 19));
    assert!(problems[0].message.contains("invalid hostname"));
    assert!(problems[1].message.contains("no reverse proxy"));
}

#[test]
fn invalid_edits_change_nothing() {
    let mut document = Document::parse(USER_FILE).unwrap();
    let cases = [
        (add_service("Web App", "nginx"), "service 'Web App' is invalid"),
        (add_service("sonarr", "nginx"), "exists"),
        (
            BuilderEdit::SetLimits {
                service: "jellyfin".into(),
                cpus: Some("lots".into()),
                memory: None,
            },
            "cpus 'lots'",
        ),
        (
            BuilderEdit::SetRoute {
                service: "jellyfin".into(),
                hostname: "media.lan".into(),
                port: "8096".into(),
            },
            "add a reverse proxy",
        ),
        (
            BuilderEdit::AddVolume {
                service: "jellyfin".into(),
                spec: "media".into(),
            },
            "SOURCE:TARGET",
        ),
    ];
    for (change, expected) in cases {
        let err = apply(&mut document, &change).unwrap_err();
        assert!(err.to_string().contains(expected), "{change:?}: {err}");
        assert_eq!(document.to_string(), USER_FILE);
    }
    let err = apply(&mut document, &BuilderEdit::AddProxy { kind: ProxyKind::Caddy })
        .and_then(|()| {
            apply(
                &mut document,
                &BuilderEdit::AddProxy {
                    kind: ProxyKind::NginxProxyManager,
                },
            )
        })
        .unwrap_err();
    assert!(matches!(err, BuilderError::Invalid { field: "proxy", .. }), "{err}");
}

#[test]
fn hand_edits_show_on_the_canvas() {
    let before = snapshot(USER_FILE, &Environment::default()).view.unwrap();
    assert_eq!(before.services.len(), 2);
    let typed = USER_FILE.replace("sonarr:4", "sonarr:4.0.15") + "  radarr:\n    image: lscr.io/linuxserver/radarr:5\n";
    let after = snapshot(&typed, &Environment::default()).view.unwrap();
    assert_eq!(after.services.len(), 3);
    assert_eq!(
        after.services[1].image.as_deref(),
        Some("lscr.io/linuxserver/sonarr:4.0.15")
    );

    let broken = snapshot("services:\n  web:\n    image: [nginx\n", &Environment::default());
    assert!(broken.view.is_none());
    let error = broken.diagnostics.errors().next().unwrap();
    assert!(error.line >= 3, "{error}");
}

const TEMPLATE: &str = "x-app: &app
  restart: unless-stopped

services:
  # the application
  jellyfin:
    <<: *app
    image: jellyfin/jellyfin:10.10.7
    volumes:
      - config:/config
  db:
    image: postgres:16
  worker:
    image: busybox
    depends_on: [db]

volumes:
  config:
";

#[test]
fn template_services_are_copied_with_renames() {
    let mut document = Document::parse(USER_FILE).unwrap();
    let renames = insert_fragment(&mut document, TEMPLATE, "media").unwrap();
    assert_eq!(renames, [("jellyfin".to_string(), "media-jellyfin".to_string())]);

    let text = document.to_string();
    assert!(
        text.contains("x-app: &app\n  restart: unless-stopped\nservices:"),
        "{text}"
    );
    assert!(
        text.contains("  media-jellyfin:\n    <<: *app\n    image: jellyfin/jellyfin:10.10.7\n"),
        "{text}"
    );
    assert!(
        text.contains("  worker:\n    image: busybox\n    depends_on: [db]\n"),
        "{text}"
    );
    assert!(text.ends_with("volumes:\n  config: {}\n"), "{text}");
    assert!(text.starts_with("# my media box\n"), "{text}");
    assert_valid(&text);

    let view = snapshot(&text, &Environment::default()).view.unwrap();
    let names: Vec<_> = view.services.iter().map(|card| card.name.as_str()).collect();
    assert_eq!(names, ["jellyfin", "sonarr", "media-jellyfin", "db", "worker"]);
}
