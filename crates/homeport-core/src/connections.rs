//! One live connection per host, reused by every call and rebuilt after it drops.
//!
//! A link holds the SSH session, the socket bridge and the bollard client. Each host has its
//! own slot behind an async mutex, so two screens asking for the same host share one connect,
//! while a slow host never blocks calls to another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Mutex as AsyncMutex;

use crate::docker::DockerEngine;
use crate::error::Result;
use crate::ssh::SshSession;

/// A connected engine and what keeps it connected.
#[derive(Debug)]
pub struct Link {
    pub engine: DockerEngine,
    pub session: Option<Arc<SshSession>>,
    #[cfg(unix)]
    pub bridge: Option<crate::docker::bridge::SocketBridge>,
}

impl Link {
    fn alive(&self) -> bool {
        self.session.as_ref().is_none_or(|session| !session.is_closed())
    }
}

type Slot = Arc<AsyncMutex<Option<Arc<Link>>>>;

/// The pool of links, keyed by host id.
#[derive(Debug, Default)]
pub struct Connections {
    slots: Mutex<HashMap<String, Slot>>,
}

impl Connections {
    /// Returns the live link for `host_id`, or builds one with `connect`.
    pub async fn get_or_connect<F, Fut>(&self, host_id: &str, connect: F) -> Result<Arc<Link>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Link>>,
    {
        let slot = self.slot(host_id);
        let mut guard = slot.lock().await;
        if let Some(link) = guard.as_ref().filter(|link| link.alive()) {
            return Ok(Arc::clone(link));
        }
        if guard.take().is_some() {
            tracing::info!(host_id, "connection dropped; reconnecting");
        }

        let link = Arc::new(connect().await?);
        *guard = Some(Arc::clone(&link));
        Ok(link)
    }

    /// Forgets the link for `host_id`, so the next call connects anew.
    pub async fn evict(&self, host_id: &str) {
        let slot = self.slot(host_id);
        let link = slot.lock().await.take();
        if let Some(session) = link.and_then(|link| link.session.clone()) {
            session.close().await;
        }
    }

    /// Returns the live link for `host_id` without connecting, or `None` when there is none.
    pub async fn live(&self, host_id: &str) -> Option<Arc<Link>> {
        let slot = self.slot(host_id);
        let guard = slot.lock().await;
        guard.as_ref().filter(|link| link.alive()).map(Arc::clone)
    }

    /// Returns how many hosts have a live link, for status displays and tests.
    pub async fn live_count(&self) -> usize {
        let slots: Vec<Slot> = self
            .slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut count = 0;
        for slot in slots {
            if slot.lock().await.as_ref().is_some_and(|link| link.alive()) {
                count += 1;
            }
        }
        count
    }

    fn slot(&self, host_id: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(slots.entry(host_id.to_string()).or_default())
    }
}
