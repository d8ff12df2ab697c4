//! A stand-in for the desktop's notification service: it owns `org.freedesktop.Notifications`
//! on the lab's session bus and records when each notification arrives, so a test can check
//! that the app showed one and how long it took.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::zvariant::OwnedValue;

/// One notification the app sent.
#[derive(Debug, Clone)]
pub struct ReceivedNotification {
    pub at: Instant,
    pub app_name: String,
    pub summary: String,
    pub body: String,
}

#[derive(Clone, Default)]
struct Recorder {
    shown: Arc<Mutex<Vec<ReceivedNotification>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().expect("recorder lock");
        shown.push(ReceivedNotification {
            at: Instant::now(),
            app_name,
            summary,
            body,
        });
        shown.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".to_string()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("homeport-e2e".into(), "homeport".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// The running stand-in. Dropping it releases the bus name.
pub struct NotificationService {
    _connection: zbus::Connection,
    shown: Arc<Mutex<Vec<ReceivedNotification>>>,
}

impl NotificationService {
    /// Takes the notification service's name on the session bus `DBUS_SESSION_BUS_ADDRESS`
    /// names (the lab's bus). Panics when another service already owns it.
    pub async fn start() -> Self {
        let recorder = Recorder::default();
        let shown = recorder.shown.clone();
        let connection = zbus::connection::Builder::session()
            .expect("session bus address")
            .name("org.freedesktop.Notifications")
            .expect("bus name")
            .serve_at("/org/freedesktop/Notifications", recorder)
            .expect("object path")
            .build()
            .await
            .expect("own org.freedesktop.Notifications on the lab's session bus");
        NotificationService {
            _connection: connection,
            shown,
        }
    }

    /// Waits until a notification whose summary or body satisfies `matches` arrives, and
    /// returns it.
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&ReceivedNotification) -> bool,
    ) -> ReceivedNotification {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self
                .shown
                .lock()
                .expect("recorder lock")
                .iter()
                .find(|shown| matches(shown))
            {
                return found.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no desktop notification for {what} within {timeout:?}; shown: {:?}",
                self.shown.lock().expect("recorder lock")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
