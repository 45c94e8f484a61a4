//! The last good DNS answer of a pool, and when to ask again.
//!
//! Resolution is lazy: parsing does no I/O, the first connect resolves (and fails if that
//! fails). After that a connect never waits for DNS: when the answer's TTL has run out, the
//! connect that notices starts one refresh in the background and goes on with the answer it
//! has. A refresh that fails keeps the last good answer (logged once, when DNS starts failing,
//! and once when it answers again) and is retried after a back-off.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::answer::Record;
use crate::resolver::{Dns, Query};

/// The shortest time an answer is kept: a TTL of 0 would otherwise mean a query per connect.
pub const TTL_FLOOR: Duration = Duration::from_secs(1);
/// The longest time an answer is kept, whatever its TTL says: membership changes show within
/// this even behind a resolver that reports long TTLs.
pub const TTL_CAP: Duration = Duration::from_secs(300);
/// The longest wait between retries while DNS fails (the first retry comes after
/// [`TTL_FLOOR`], then the wait doubles).
pub const RETRY_CAP: Duration = Duration::from_secs(30);

/// How a pool's resolution has gone so far (for logs, tests and status pages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiscoveryStatus {
    /// Lookups that returned records.
    pub answers: u64,
    /// Lookups that failed (a timeout, no server, no records).
    pub failures: u64,
    /// How many times the set of members changed (the first answer counts).
    pub changes: u64,
    /// True while the last lookup failed and the pool serves the last good answer.
    pub stale: bool,
}

struct State {
    records: Option<Vec<Record>>,
    expires: Instant,
    retry: Duration,
    status: DiscoveryStatus,
}

/// Receives every new set of records (the pool's members are rebuilt from it).
pub(crate) type Publish = Box<dyn Fn(&[Record]) + Send + Sync>;

/// A query, its last good answer and the refresh logic.
pub(crate) struct Discovery {
    dns: Arc<Dns>,
    query: Query,
    state: Mutex<State>,
    first: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
    publish: Publish,
    /// What the logs call this pool (its description).
    label: String,
}

impl Discovery {
    pub(crate) fn new(dns: Arc<Dns>, query: Query, label: String, publish: Publish) -> Self {
        Discovery {
            dns,
            query,
            state: Mutex::new(State {
                records: None,
                expires: Instant::now(),
                retry: TTL_FLOOR,
                status: DiscoveryStatus::default(),
            }),
            first: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
            publish,
            label,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; go on with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn status(&self) -> DiscoveryStatus {
        self.state().status
    }

    /// Makes sure there is an answer: resolves now when there has never been one, else starts
    /// a background refresh when the answer expired and returns at once.
    ///
    /// # Errors
    /// The lookup's error when there has never been a good answer.
    pub(crate) async fn ready(self: &Arc<Self>) -> io::Result<()> {
        {
            let state = self.state();
            if state.records.is_some() {
                if Instant::now() >= state.expires && !self.refreshing.swap(true, Ordering::AcqRel)
                {
                    let this = Arc::clone(self);
                    tokio::spawn(async move {
                        let _ = this.refresh().await;
                        this.refreshing.store(false, Ordering::Release);
                    });
                }
                return Ok(());
            }
        }
        // One first lookup at a time; the others wait for it and use its answer.
        let _first = self.first.lock().await;
        if self.state().records.is_some() {
            return Ok(());
        }
        self.refresh().await
    }

    async fn refresh(&self) -> io::Result<()> {
        let result = self.dns.lookup(&self.query).await;
        let mut state = self.state();
        match result {
            Ok(answer) => {
                state.status.answers += 1;
                if state.status.stale {
                    tracing::info!(pool = %self.label, "DNS answers again");
                }
                state.status.stale = false;
                state.retry = TTL_FLOOR;
                state.expires = Instant::now() + answer.ttl.clamp(TTL_FLOOR, TTL_CAP);
                if state.records.as_ref() != Some(&answer.records) {
                    tracing::debug!(pool = %self.label, members = answer.records.len(), "members changed");
                    state.status.changes += 1;
                    (self.publish)(&answer.records);
                    state.records = Some(answer.records);
                }
                Ok(())
            }
            Err(e) => {
                state.status.failures += 1;
                if state.records.is_none() {
                    return Err(e);
                }
                if !state.status.stale {
                    tracing::warn!(pool = %self.label, error = %e, "DNS lookup failed; keeping the last good answer");
                } else {
                    tracing::debug!(pool = %self.label, error = %e, "DNS lookup failed again");
                }
                state.status.stale = true;
                state.expires = Instant::now() + state.retry;
                state.retry = (state.retry * 2).min(RETRY_CAP);
                Ok(())
            }
        }
    }
}
