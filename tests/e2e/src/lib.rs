//! Harness for the end-to-end tests: starts `tauri-driver` (which starts the built app under
//! WebKitWebDriver), connects a WebDriver client, and reads the test lab's settings.
//!
//! The tests run only when `HOMEPORT_E2E_APP` names the built binary (scripts/e2e.sh sets it
//! and runs them under Xvfb); otherwise each test prints that it was skipped.

pub mod notifications;
pub mod x11;

use std::collections::HashMap;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// How long a step may take before the test fails.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The lab's variables, read from the env file `lab.sh env` names.
pub struct Lab(HashMap<String, String>);

impl Lab {
    /// Reads `HOMEPORT_LAB_ENV`; panics when it is missing, since the e2e tests need the lab.
    pub fn load() -> Self {
        let path = std::env::var("HOMEPORT_LAB_ENV").expect("HOMEPORT_LAB_ENV must name the lab's env file");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read lab env '{path}': {err}"));
        Lab(parse_env(&text))
    }

    /// Returns one variable; panics with its name when the lab did not set it.
    pub fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("lab env has no {name}"))
    }
}

/// Parses `export NAME='value'` lines, with `'\''` standing for a single quote.
pub fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("export "))
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| {
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value);
            (name.to_string(), value.replace(r"'\''", "'"))
        })
        .collect()
}

/// Returns the built app binary, or `None` (and prints why) when e2e tests are not enabled.
pub fn app_binary() -> Option<PathBuf> {
    match std::env::var_os("HOMEPORT_E2E_APP") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            println!("skipped: HOMEPORT_E2E_APP is not set (scripts/e2e.sh sets it)");
            None
        }
    }
}

/// A running app with a WebDriver session. Dropping it stops tauri-driver's whole process group,
/// which holds WebKitWebDriver, the app and its WebKit processes.
pub struct Session {
    pub client: Client,
    driver: Child,
    /// `None` only after [`Session::close_keeping_home`] took it.
    _home: Option<tempfile::TempDir>,
}

impl Session {
    /// Starts the app with a fresh data folder and the given extra environment, and skips the
    /// first-run guide that a fresh data folder shows.
    pub async fn start(app: &Path, env: &[(&str, &str)]) -> Self {
        let session = Self::start_with_guide(app, env).await;
        session.skip_first_run().await;
        session
    }

    /// Starts the app like [`Session::start`] but leaves the first-run guide open.
    pub async fn start_with_guide(app: &Path, env: &[(&str, &str)]) -> Self {
        let home = tempfile::tempdir().expect("temp dir");
        Self::launch(app, home, env).await
    }

    /// Starts the app like [`Session::start`] on a home an earlier session used, such as one
    /// [`Session::close_keeping_home`] returned, so the app finds that run's database and
    /// remembered window state.
    pub async fn start_in(app: &Path, home: tempfile::TempDir, env: &[(&str, &str)]) -> Self {
        let session = Self::launch(app, home, env).await;
        session.skip_first_run().await;
        session
    }

    async fn launch(app: &Path, home: tempfile::TempDir, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let native_port = free_port();
        let driver_bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());

        let mut command = Command::new(&driver_bin);
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("HOMEPORT_DATA_DIR", home.path().join("data"))
            // The app and WebKit write caches and settings under these; keep them in the test's folder.
            .env("XDG_DATA_HOME", home.path().join("xdg-data"))
            .env("XDG_CACHE_HOME", home.path().join("xdg-cache"))
            .env("XDG_CONFIG_HOME", home.path().join("xdg-config"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0);
        for (name, value) in env {
            command.env(name, value);
        }
        let driver = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {driver_bin}: {err}"));

        let capabilities: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": app.to_string_lossy() }
        }))
        .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + STEP_TIMEOUT;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(err) if Instant::now() < deadline => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => panic!("cannot start a WebDriver session on {url}: {err}"),
            }
        };
        let session = Session {
            client,
            driver,
            _home: Some(home),
        };
        session.wait_for("[data-testid=nav-hosts]").await;
        session
    }

    /// Waits until the start-up reads are done, then closes the first-run guide if it shows.
    pub async fn skip_first_run(&self) {
        self.wait_for("[data-startup=ready]").await;
        if self
            .client
            .find(Locator::Css("[data-testid=first-run-guide]"))
            .await
            .is_ok()
        {
            self.click("[data-testid=first-run-skip]").await;
            self.wait_until_gone("[data-testid=first-run-guide]").await;
        }
    }

    /// Returns the session's private home: `data` is the app's `HOMEPORT_DATA_DIR`, and
    /// `xdg-data`, `xdg-cache` and `xdg-config` are its XDG folders.
    pub fn home(&self) -> &Path {
        self._home.as_ref().expect("the session's home was taken").path()
    }

    /// Returns the process group that tauri-driver, WebKitWebDriver and the app run in.
    pub fn process_group(&self) -> u32 {
        self.driver.id()
    }

    /// Waits until an element matching `css` exists and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("element '{css}' did not appear within {STEP_TIMEOUT:?}: {err}"))
    }

    /// Clicks the element matching `css` once it exists.
    ///
    /// A sidebar entry (`nav-*`) is clicked until it is the current page, since WebKitWebDriver
    /// under load now and then reports a click that the page never received.
    pub async fn click(&self, css: &str) {
        if css.starts_with("[data-testid=nav-") {
            let current = format!("{css}[aria-current=page]");
            return self.open(css, &current).await;
        }
        self.click_once(css).await;
    }

    /// Clicks `trigger` until an element matching `shows` exists, at most three times.
    ///
    /// For clicks that open a dialog or a screen, where clicking twice is harmless.
    pub async fn open(&self, trigger: &str, shows: &str) {
        const ATTEMPTS: usize = 3;
        for attempt in 1..=ATTEMPTS {
            self.click_once(trigger).await;
            let wait = STEP_TIMEOUT / ATTEMPTS as u32;
            let appeared = self.client.wait().at_most(wait).for_element(Locator::Css(shows)).await;
            if appeared.is_ok() {
                return;
            }
            eprintln!("'{shows}' did not appear after clicking '{trigger}' (attempt {attempt})");
        }
        panic!("clicking '{trigger}' {ATTEMPTS} times never showed '{shows}'");
    }

    async fn click_once(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|err| panic!("cannot click '{css}': {err}"));
    }

    /// Replaces the text of the input matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.wait_for(css).await;
        input
            .clear()
            .await
            .unwrap_or_else(|err| panic!("cannot clear '{css}': {err}"));
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|err| panic!("cannot type into '{css}': {err}"));
    }

    /// Types `text` into the element matching `css` without clearing it first, as keystrokes
    /// (a terminal's hidden input, for example).
    pub async fn type_keys(&self, css: &str, text: &str) {
        self.wait_for(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|err| panic!("cannot type into '{css}': {err}"));
    }

    /// Chooses an option of the `<select>` matching `css` by its value.
    pub async fn select(&self, css: &str, value: &str) {
        self.wait_for(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|err| panic!("cannot select '{value}' in '{css}': {err}"));
    }

    /// Polls until `check` accepts the text of the element matching `css`, and returns the text.
    pub async fn wait_for_text(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + STEP_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if check(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        panic!("'{css}' never showed {what} within {STEP_TIMEOUT:?}; last text: {last:?}");
    }

    /// Polls until the attribute `name` of the element matching `css` equals `expected`.
    pub async fn wait_for_attr(&self, css: &str, name: &str, expected: &str) {
        let deadline = Instant::now() + STEP_TIMEOUT;
        let mut last = None;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.attr(name).await.ok().flatten();
                if last.as_deref() == Some(expected) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        panic!("'{css}' attribute {name} never became {expected:?} within {STEP_TIMEOUT:?}; last: {last:?}");
    }

    /// Polls until no element matches `css`, such as a dialog that closes after saving.
    pub async fn wait_until_gone(&self, css: &str) {
        let deadline = Instant::now() + STEP_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self.client.find(Locator::Css(css)).await {
                Err(err) if err.is_no_such_element() => return,
                Ok(element) => last = element.text().await.unwrap_or_default(),
                Err(_) => {}
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        panic!("'{css}' was still there after {STEP_TIMEOUT:?}; its text: {last:?}");
    }

    /// Returns whether the checkbox matching `css` is ticked and whether it is enabled.
    pub async fn checkbox_state(&self, css: &str) -> (bool, bool) {
        let checkbox = self.wait_for(css).await;
        let checked = checkbox
            .is_selected()
            .await
            .unwrap_or_else(|err| panic!("cannot read whether '{css}' is ticked: {err}"));
        let enabled = checkbox
            .is_enabled()
            .await
            .unwrap_or_else(|err| panic!("cannot read whether '{css}' is enabled: {err}"));
        (checked, enabled)
    }

    /// Saves a PNG of the window to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).unwrap_or_else(|err| panic!("cannot write '{}': {err}", path.display()));
    }

    /// Ends the WebDriver session and stops every process tauri-driver started.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        self.stop_driver();
    }

    /// Closes the session like [`Session::close`] but keeps its home for [`Session::start_in`].
    pub async fn close_keeping_home(mut self) -> tempfile::TempDir {
        let home = self._home.take().expect("the session's home was taken");
        self.close().await;
        home
    }

    fn stop_driver(&mut self) {
        let group = self.driver.id() as i32;
        // SAFETY: killpg only sends a signal to the process group this session created.
        unsafe {
            libc::killpg(group, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; SIGKILL for whatever ignored SIGTERM.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop_driver();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .unwrap()
        .port()
}

/// Returns the SHA256 fingerprint of a lab sshd's ed25519 host key, as OpenSSH prints it.
pub fn scanned_fingerprint(host: &str, port: &str) -> String {
    let scan = Command::new("ssh-keyscan")
        .args(["-t", "ed25519", "-p", port, host])
        .stderr(Stdio::null())
        .output()
        .expect("ssh-keyscan runs");
    let mut keygen = Command::new("ssh-keygen")
        .args(["-lf", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("ssh-keygen runs");
    use std::io::Write;
    keygen.stdin.take().unwrap().write_all(&scan.stdout).unwrap();
    let output = keygen.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no fingerprint in ssh-keygen output {text:?}"))
        .to_string()
}

/// A container made for one test from the lab image, removed when dropped.
pub struct TestContainer {
    pub name: String,
    docker_host: String,
}

impl TestContainer {
    /// Creates and starts a container that prints a numbered line every second.
    pub fn start(lab: &Lab, prefix: &str) -> Self {
        let name = format!("{prefix}-{}", std::process::id());
        let docker_host = lab.get("LAB_DOCKER_HOST");
        let status = Command::new("docker")
            .args([
                "-H",
                &docker_host,
                "run",
                "-d",
                "--pull",
                "never",
                "--name",
                &name,
                "--label",
                "homeport.test=1",
            ])
            .arg(lab.get("LAB_IMAGE"))
            .args([
                "sh",
                "-c",
                "trap 'exit 0' TERM; i=0; while true; do echo e2e line $i; i=$((i+1)); sleep 1; done",
            ])
            .stdout(Stdio::null())
            .status()
            .expect("docker runs");
        assert!(status.success(), "docker run of the test container failed");
        Self { name, docker_host }
    }
}

impl Drop for TestContainer {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["-H", &self.docker_host, "rm", "-f", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
