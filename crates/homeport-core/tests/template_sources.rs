//! Importing template sources into a real SQLite store: Portainer files and CasaOS folders
//! from disk, Portainer lists from an HTTP server on 127.0.0.1 that each test starts, broken
//! files that must leave the store unchanged, refresh and removal, and rendering.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use homeport_core::store::Store;
use homeport_core::template_sources::{self, LocationKind, SourceKind};
use homeport_core::{Error, ErrorCode};
use homeport_import::templates::ParameterKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../homeport-import/tests/fixtures/templates")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

fn write(dir: &Path, relative: &str, text: &str) -> PathBuf {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
    std::fs::write(&path, text).expect("write file");
    path
}

async fn store() -> Store {
    Store::open_in_memory().await.expect("in-memory store")
}

/// One canned HTTP response.
#[derive(Clone)]
struct Reply {
    status: &'static str,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn ok(body: &str) -> Reply {
        Reply {
            status: "200 OK",
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    fn redirect(to: &str) -> Reply {
        Reply {
            status: "302 Found",
            headers: vec![("Location".to_string(), to.to_string())],
            body: String::new(),
        }
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that responds to each request from a table of paths and
/// closes the connection. It stops when dropped.
struct TestServer {
    port: u16,
    replies: Arc<Mutex<HashMap<String, Reply>>>,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let replies: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let task = {
            let replies = replies.clone();
            let requests = requests.clone();
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let replies = replies.clone();
                    let requests = requests.clone();
                    tokio::spawn(async move {
                        // A request head is far below 16 KiB; reading stops there in any case.
                        let mut head = Vec::new();
                        let mut buffer = [0u8; 1024];
                        while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 16 * 1024 {
                            match stream.read(&mut buffer).await {
                                Ok(0) | Err(_) => return,
                                Ok(read) => head.extend_from_slice(&buffer[..read]),
                            }
                        }
                        let head = String::from_utf8_lossy(&head).to_string();
                        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                        requests.lock().unwrap().push(head);
                        let reply = replies.lock().unwrap().get(&path).cloned().unwrap_or(Reply {
                            status: "404 Not Found",
                            headers: Vec::new(),
                            body: "not found".to_string(),
                        });
                        let mut response = format!(
                            "HTTP/1.1 {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                            reply.status,
                            reply.body.len()
                        );
                        for (name, value) in &reply.headers {
                            response.push_str(&format!("{name}: {value}\r\n"));
                        }
                        response.push_str("\r\n");
                        response.push_str(&reply.body);
                        let _ = stream.write_all(response.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    });
                }
            })
        };
        TestServer {
            port,
            replies,
            requests,
            task,
        }
    }

    fn set(&self, path: &str, reply: Reply) {
        self.replies.lock().unwrap().insert(path.to_string(), reply);
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Asserts that the store contains no source and no template.
async fn assert_store_empty(store: &Store) {
    let sources = template_sources::sources(store).await.expect("sources");
    assert!(sources.is_empty(), "no source is stored: {sources:?}");
    let templates = template_sources::templates(store).await.expect("templates");
    assert!(templates.is_empty(), "no template is stored: {templates:?}");
}

#[tokio::test]
async fn portainer_file_imports() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "templates.json", &fixture("portainer-v2.json"));
    let store = store().await;

    let source = template_sources::import(&store, file.to_str().unwrap())
        .await
        .expect("import succeeds");
    assert_eq!(source.kind, SourceKind::Portainer);
    assert_eq!(source.location.kind(), LocationKind::File);
    assert_eq!(source.location.as_str(), file.to_str().unwrap());
    assert_eq!(source.template_count, 3);
    assert!(!source.imported_at.is_empty());

    let templates = template_sources::templates(&store).await.expect("templates");
    let ids: Vec<String> = templates.iter().map(|template| template.qualified_id()).collect();
    let prefix = source.id;
    assert_eq!(
        ids,
        [
            format!("{prefix}/web"),
            format!("{prefix}/wordpress"),
            format!("{prefix}/wordpress-2")
        ]
    );

    let web = template_sources::template(&store, &format!("{prefix}/web"))
        .await
        .expect("one template");
    assert_eq!(web.template.title.default, "Nginx");
    assert!(matches!(web.template.parameters[0].kind, ParameterKind::Select { .. }));
    assert_eq!(web.template.parameters[2].kind, ParameterKind::Hidden);
    // The note was cleaned when it was parsed, and is parsed again from the stored text.
    let note = web.template.note.as_ref().expect("note");
    assert!(!note.html.contains("script"), "{}", note.html);

    let error = template_sources::import(&store, file.to_str().unwrap())
        .await
        .expect_err("the same file twice");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(error.to_string().contains("already imported"), "{error}");
    assert_eq!(template_sources::sources(&store).await.unwrap().len(), 1);
}

#[tokio::test]
async fn broken_json_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store().await;

    let syntax = write(
        dir.path(),
        "syntax.json",
        "{\n  \"version\": \"2\",\n  \"templates\": [\n    {\"type\": 1, \"title\": \"Web\" \"image\": \"nginx\"}\n  ]\n}\n",
    );
    let error = template_sources::import(&store, syntax.to_str().unwrap())
        .await
        .expect_err("a missing comma");
    let Error::TemplateSourceInvalid {
        file,
        line,
        column,
        detail,
    } = &error
    else {
        panic!("expected TemplateSourceInvalid, got {error:?}");
    };
    assert_eq!(file, syntax.to_str().unwrap());
    assert_eq!(*line, 4);
    // The column of `"image"`, where serde_json expected a comma.
    assert_eq!(*column, 32);
    assert!(detail.contains("line 4, column 32"), "{detail}");
    assert!(detail.contains("Fix the JSON syntax"), "{detail}");
    assert!(error.to_string().contains("Nothing was imported"), "{error}");
    assert_eq!(error.params()["line"], "4");
    assert_store_empty(&store).await;

    // The second template lacks its image: the first is fine, and still nothing is stored.
    let shape = write(
        dir.path(),
        "shape.json",
        "[{\"type\": \"container\", \"title\": \"A\", \"image\": \"a:1\"},\n {\"type\": \"container\", \"title\": \"B\"}]",
    );
    let error = template_sources::import(&store, shape.to_str().unwrap())
        .await
        .expect_err("a template without an image");
    assert_eq!(error.code(), ErrorCode::TemplateSourceInvalid);
    assert!(error.to_string().contains("template 1 ('B'), field 'image'"), "{error}");
    assert_store_empty(&store).await;

    let typed = write(
        dir.path(),
        "typed.json",
        "{\"version\": \"3\", \"templates\": [{\"type\": 1, \"title\": \"A\", \"image\": \"a\", \"ports\": 80}]}",
    );
    let error = template_sources::import(&store, typed.to_str().unwrap())
        .await
        .expect_err("ports is a number");
    assert!(error.to_string().contains("field 'templates[0].ports'"), "{error}");
    // serde_json reports the place after the value of the wrong type, the end of `80`.
    assert_eq!(error.params()["column"], "82");
    assert_store_empty(&store).await;

    let missing = dir.path().join("missing.json");
    let error = template_sources::import(&store, missing.to_str().unwrap())
        .await
        .expect_err("no such file");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(error.to_string().contains("no such file or folder"), "{error}");
    assert_store_empty(&store).await;

    // A device reports size 0 but never ends; it is refused before any read.
    let error = template_sources::import(&store, "/dev/zero")
        .await
        .expect_err("a device is no template file");
    assert!(error.to_string().contains("not a regular file"), "{error}");
    assert_store_empty(&store).await;
}

#[tokio::test]
async fn url_source_imports_and_refreshes() {
    let server = TestServer::start().await;
    server.set("/templates.json", Reply::ok(&fixture("portainer-v3.json")));
    server.set("/moved.json", Reply::redirect("/templates.json"));
    let store = store().await;

    let source = template_sources::import(&store, &server.url("/moved.json"))
        .await
        .expect("import over http with a redirect");
    assert_eq!(source.location.kind(), LocationKind::Url);
    assert_eq!(source.location.as_str(), server.url("/moved.json"));
    assert_eq!(source.template_count, 2);
    let redis = template_sources::template(&store, &format!("{}/7", source.id))
        .await
        .expect("Portainer v3 id 7");
    assert_eq!(redis.template.title.default, "Redis");
    let head = server.requests.lock().unwrap()[0].clone();
    assert!(head.to_lowercase().contains("user-agent: homeport/"), "{head}");

    // A broken list on refresh keeps the templates imported before.
    server.set("/templates.json", Reply::ok("{\"version\": \"3\", \"templates\": [}"));
    let error = template_sources::refresh(&store, source.id)
        .await
        .expect_err("broken JSON on refresh");
    assert_eq!(error.code(), ErrorCode::TemplateSourceInvalid);
    assert_eq!(error.params()["file"], server.url("/moved.json"));
    assert_eq!(template_sources::templates(&store).await.unwrap().len(), 2);

    server.set("/templates.json", Reply::ok(&fixture("portainer-v1.json")));
    let refreshed = template_sources::refresh(&store, source.id).await.expect("refresh");
    assert_eq!(refreshed.template_count, 2);
    let titles: Vec<String> = template_sources::templates(&store)
        .await
        .unwrap()
        .into_iter()
        .map(|template| template.template.title.default)
        .collect();
    assert_eq!(titles, ["Registry", "Swarm monitoring"]);
    assert_eq!(refreshed.imported_at, source.imported_at);

    server.set("/templates.json", Reply::ok(&fixture("casaos-en_US.yml")));
    let refreshed = template_sources::refresh(&store, source.id)
        .await
        .expect("refresh to CasaOS");
    assert_eq!(refreshed.kind, SourceKind::Casaos);
    assert_eq!(refreshed.template_count, 1);
}

#[tokio::test]
async fn download_failures_name_the_url() {
    let server = TestServer::start().await;
    server.set("/loop", Reply::redirect("/loop"));
    server.set("/binary", Reply::ok("\u{0}\u{1}"));
    server.set("/insecure", Reply::redirect("ftp://127.0.0.1/list.json"));
    let store = store().await;

    let error = template_sources::import(&store, &server.url("/nothing.json"))
        .await
        .expect_err("404");
    let Error::DownloadFailed { url, detail } = &error else {
        panic!("expected DownloadFailed, got {error:?}");
    };
    assert_eq!(url, &server.url("/nothing.json"));
    assert!(detail.contains("HTTP 404"), "{detail}");

    let error = template_sources::import(&store, &server.url("/loop"))
        .await
        .expect_err("a redirect loop");
    assert!(error.to_string().contains("redirected more than 5 times"), "{error}");

    let error = template_sources::import(&store, &server.url("/insecure"))
        .await
        .expect_err("a redirect to ftp");
    assert!(error.to_string().contains("not an http(s) URL"), "{error}");

    let error = template_sources::import(&store, &server.url("/binary"))
        .await
        .expect_err("neither JSON nor a CasaOS app");
    assert_eq!(error.code(), ErrorCode::TemplateSourceInvalid);

    // A port nothing listens on: bind one, then close it.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        template_sources::import(&store, &format!("http://127.0.0.1:{closed}/t.json")),
    )
    .await
    .expect("a refused connection fails at once")
    .expect_err("connection refused");
    assert_eq!(error.code(), ErrorCode::DownloadFailed);
    assert!(error.to_string().to_lowercase().contains("refused"), "{error}");

    assert_store_empty(&store).await;
}

#[tokio::test]
async fn casaos_folder_imports_every_app() {
    let dir = tempfile::tempdir().unwrap();
    let apps = dir.path().join("Apps");
    write(&apps, "Syncthing/docker-compose.yml", &fixture("casaos-en_US.yml"));
    write(&apps, "Memos/docker-compose.yml", &fixture("casaos-en_us.yml"));
    // A second copy of an app gets its own id.
    write(&apps, "Syncthing2/docker-compose.yml", &fixture("casaos-en_US.yml"));
    write(&apps, "NotAnApp/readme.txt", "no compose file here");
    let store = store().await;

    let source = template_sources::import(&store, apps.to_str().unwrap())
        .await
        .expect("a CasaOS app store folder");
    assert_eq!(source.kind, SourceKind::Casaos);
    assert_eq!(source.template_count, 3);
    let templates = template_sources::templates(&store).await.unwrap();
    let ids: Vec<&str> = templates.iter().map(|template| template.template.id.as_str()).collect();
    assert_eq!(ids, ["memos-app", "syncthing", "syncthing-2"]);
    let origin = match &templates[1].template.source {
        homeport_import::templates::TemplateSource::Casaos { origin } => origin.clone(),
        other => panic!("{other:?}"),
    };
    assert!(origin.ends_with("Apps/Syncthing/docker-compose.yml"), "{origin}");

    // One broken app fails the whole folder, naming its file and line.
    let broken = dir.path().join("Broken");
    write(&broken, "Good/docker-compose.yml", &fixture("casaos-en_US.yml"));
    let bad = write(
        &broken,
        "Bad/docker-compose.yml",
        "services:\n  web:\n    image: [nginx\nx-casaos:\n  title: Web\n",
    );
    let error = template_sources::import(&store, broken.to_str().unwrap())
        .await
        .expect_err("a YAML syntax error");
    assert_eq!(error.code(), ErrorCode::TemplateSourceInvalid);
    assert_eq!(error.params()["file"], bad.to_str().unwrap());
    assert_ne!(error.params()["line"], "0");
    assert_eq!(template_sources::sources(&store).await.unwrap().len(), 1);

    // One app folder alone is one template.
    let single = template_sources::import(&store, apps.join("Memos").to_str().unwrap())
        .await
        .expect("one app folder");
    assert_eq!(single.template_count, 1);
}

#[tokio::test]
async fn removal_deletes_templates() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.json", &fixture("portainer-v1.json"));
    let second = write(dir.path(), "b.json", &fixture("portainer-v3.json"));
    let store = store().await;
    let kept = template_sources::import(&store, first.to_str().unwrap()).await.unwrap();
    let removed = template_sources::import(&store, second.to_str().unwrap())
        .await
        .unwrap();

    template_sources::remove(&store, removed.id).await.expect("remove");
    let sources = template_sources::sources(&store).await.unwrap();
    assert_eq!(sources.iter().map(|source| source.id).collect::<Vec<_>>(), [kept.id]);
    let templates = template_sources::templates(&store).await.unwrap();
    assert!(
        templates.iter().all(|template| template.source_id == kept.id),
        "{templates:?}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM imported_templates WHERE source_id = ?")
        .bind(removed.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0);

    let error = template_sources::template(&store, &format!("{}/7", removed.id))
        .await
        .expect_err("a template of the removed source");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let error = template_sources::remove(&store, removed.id)
        .await
        .expect_err("removed twice");
    assert_eq!(error.code(), ErrorCode::InvalidInput);

    // A new source never reuses the removed id.
    let again = template_sources::import(&store, second.to_str().unwrap())
        .await
        .unwrap();
    assert!(again.id > removed.id, "{} after {}", again.id, removed.id);
}

#[tokio::test]
async fn render_uses_values_and_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let portainer = write(dir.path(), "templates.json", &fixture("portainer-v2.json"));
    let casaos = write(dir.path(), "syncthing.yml", &fixture("casaos-en_US.yml"));
    let store = store().await;
    let source = template_sources::import(&store, portainer.to_str().unwrap())
        .await
        .unwrap();
    let casaos_source = template_sources::import(&store, casaos.to_str().unwrap())
        .await
        .unwrap();

    let web = template_sources::template(&store, &format!("{}/web", source.id))
        .await
        .unwrap();
    let values = BTreeMap::from([("MODE".to_string(), "debug".to_string())]);
    let rendered = template_sources::render(&web, &values).expect("render");
    assert!(rendered.compose.contains("MODE: \"${MODE}\""), "{}", rendered.compose);
    let env = rendered.env.expose();
    assert!(env.contains("MODE='debug'\n"), "{env}");
    assert!(env.contains("WORKERS='4'\n"), "{env}");
    assert!(env.contains("BUILD_ID='a$b'\n"), "{env}");
    assert!(rendered.secrets.is_empty());

    let hidden = BTreeMap::from([("BUILD_ID".to_string(), "x".to_string())]);
    let error = template_sources::render(&web, &hidden).expect_err("a preset value");
    assert!(error.to_string().contains("BUILD_ID"), "{error}");
    let outside = BTreeMap::from([("MODE".to_string(), "fast".to_string())]);
    let error = template_sources::render(&web, &outside).expect_err("not an option");
    assert!(error.to_string().contains("expected one of: prod, debug"), "{error}");

    let stack = template_sources::template(&store, &format!("{}/wordpress", source.id))
        .await
        .unwrap();
    let error = template_sources::render(&stack, &BTreeMap::new()).expect_err("a repository stack");
    assert!(error.to_string().contains("https://example.org/templates"), "{error}");
    assert!(
        error.to_string().contains("stacks/wordpress/docker-compose.yml"),
        "{error}"
    );
    let swarm = template_sources::template(&store, &format!("{}/wordpress-2", source.id))
        .await
        .unwrap();
    let error = template_sources::render(&swarm, &BTreeMap::new()).expect_err("a Swarm stack");
    assert!(error.to_string().contains("Docker Swarm"), "{error}");

    let syncthing = template_sources::template(&store, &format!("{}/syncthing", casaos_source.id))
        .await
        .unwrap();
    let rendered = template_sources::render(&syncthing, &BTreeMap::new()).expect("render CasaOS");
    let env = rendered.env.expose();
    assert!(env.contains("PUID='1000'\n"), "{env}");
    assert!(env.contains("AppID='syncthing'\n"), "{env}");
    assert!(rendered.compose.contains("x-casaos:"), "{}", rendered.compose);
}
