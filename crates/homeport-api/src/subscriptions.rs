//! Streams that run until their consumer cancels them: logs and container events.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

/// Identifies one running stream.
pub type SubscriptionId = u32;

/// Callback that receives a stream's messages. Returning `false` (the receiver is gone) ends it.
pub type Sink<T> = Box<dyn FnMut(T) -> bool + Send>;

/// The running streams of one process.
#[derive(Debug, Default)]
pub struct Subscriptions {
    next_id: AtomicU32,
    running: Arc<Mutex<HashMap<SubscriptionId, CancellationToken>>>,
}

impl Subscriptions {
    /// Runs `work` on the runtime until it finishes or is cancelled.
    pub fn spawn<F, Fut>(&self, work: F) -> SubscriptionId
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let token = CancellationToken::new();
        self.lock().insert(id, token.clone());

        let running = Arc::clone(&self.running);
        let future = work(token.clone());
        tokio::spawn(async move {
            tokio::select! {
                () = future => {}
                () = token.cancelled() => {}
            }
            running
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&id);
        });
        id
    }

    /// Cancels a stream; unknown or finished ids are ignored.
    pub fn cancel(&self, id: SubscriptionId) {
        if let Some(token) = self.lock().remove(&id) {
            token.cancel();
        }
    }

    /// Returns how many streams run, for tests.
    pub fn running(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SubscriptionId, CancellationToken>> {
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
