//! Each member's live state (up or down, open connections, failures), the guard that counts a
//! connection out when it ends, and the snapshot programs read for metrics.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tracing::{info, warn};

use crate::health::Health;

/// What a member has been through, shared by the pool, its health checker and every
/// connection made through the member.
#[derive(Debug)]
pub(crate) struct Counts {
    /// The member's masked description, for logs and metrics.
    pub(crate) label: String,
    /// Connections through this member that are open (or being opened) now.
    active: AtomicUsize,
    /// Successful connects, ever.
    connects: AtomicU64,
    /// Failed connects and probes, ever.
    failures: AtomicU64,
    health: Mutex<HealthState>,
}

#[derive(Debug, Default)]
struct HealthState {
    down: bool,
    /// Failures since the last success.
    consecutive: u32,
    /// While down: when the member may be tried again by a connect.
    retry_at: Option<Instant>,
    /// The back-off the member was last marked down for.
    backoff: Option<Duration>,
}

impl Counts {
    pub(crate) fn new(label: String) -> Arc<Self> {
        Arc::new(Counts {
            label,
            active: AtomicUsize::new(0),
            connects: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            health: Mutex::new(HealthState::default()),
        })
    }

    fn health(&self) -> MutexGuard<'_, HealthState> {
        // The state is a few numbers, consistent after any panic: recover a poisoned lock.
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }

    /// True when a connect should try this member: it is up, or its back-off has passed.
    pub(crate) fn eligible(&self, now: Instant) -> bool {
        let health = self.health();
        !health.down || health.retry_at.is_some_and(|at| now >= at)
    }

    /// Counts a connection attempt in until the lease is dropped.
    pub(crate) fn lease(self: &Arc<Self>) -> Lease {
        self.active.fetch_add(1, Ordering::AcqRel);
        Lease(Arc::clone(self))
    }

    /// A connect or probe succeeded: the member is up.
    pub(crate) fn succeeded(&self, pool: &str, probe: bool) {
        if !probe {
            self.connects.fetch_add(1, Ordering::Relaxed);
        }
        let mut health = self.health();
        health.consecutive = 0;
        if health.down {
            *health = HealthState::default();
            drop(health);
            info!(pool, upstream = %self.label, by = if probe { "health check" } else { "connect" },
                "upstream is up");
        }
    }

    /// A connect (`probe == false`) or an active probe failed with `error`. A probe marks the
    /// member down at once; connects do after `health.failures` in a row.
    pub(crate) fn failed(
        &self,
        pool: &str,
        health_settings: &Health,
        probe: bool,
        error: &dyn fmt::Display,
    ) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut health = self.health();
        health.consecutive = health.consecutive.saturating_add(1);
        let threshold = if probe {
            1
        } else {
            health_settings.failures.max(1)
        };
        if health.down {
            // A connect after the back-off (a probe of sorts) failed again: back off longer.
            // An active probe of a member already down changes nothing but the count.
            if !probe && health.retry_at.is_some_and(|at| now >= at) {
                let backoff = health_settings.next_backoff(health.backoff);
                health.backoff = Some(backoff);
                health.retry_at = Some(now + backoff);
            }
            return;
        }
        if health.consecutive < threshold {
            return;
        }
        let backoff = health_settings.next_backoff(health.backoff);
        health.down = true;
        health.backoff = Some(backoff);
        health.retry_at = Some(now + backoff);
        let failures = health.consecutive;
        drop(health);
        let error = error.to_string();
        warn!(pool, upstream = %self.label, failures, backoff = ?backoff,
            error = %endpoint_core::printable(&error),
            by = if probe { "health check" } else { "connect" }, "upstream is down");
    }

    pub(crate) fn status(&self, weight: u32, priority: u32) -> MemberStatus {
        let health = self.health();
        MemberStatus {
            description: self.label.clone(),
            weight,
            priority,
            up: !health.down,
            active: self.active(),
            consecutive_failures: health.consecutive,
            connects: self.connects.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}

/// One connection (or attempt) counted against a member until dropped.
#[derive(Debug)]
pub(crate) struct Lease(Arc<Counts>);

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Stored in the [`ConnectionInfo`](endpoint_core::ConnectionInfo) of every connection a
/// [`Pool`](crate::Pool) makes: which member it went to. While the connection's info lives,
/// the connection counts as open for [`Balance::LeastConnections`](crate::Balance) and in
/// [`MemberStatus::active`]; dropping it counts it out. Nothing wraps the connection's I/O, so
/// a relay still splices plain sockets.
///
/// Clones of the info share this guard (info extensions are shared), so a clone kept after
/// the connection ends keeps it counted until the clone is dropped too.
///
/// # Examples
/// ```no_run
/// # async fn f(pool: endpoint_pool::Pool) -> endpoint_core::Result<()> {
/// use endpoint_core::ClientEndpoint;
/// let connection = pool.connect().await?;
/// let upstream = connection.info().get::<endpoint_pool::Upstream>().unwrap();
/// println!("connected to {}", upstream.description());
/// # Ok(()) }
/// ```
pub struct Upstream {
    /// Pools nested in pools add their lease here instead of replacing the outer one's.
    leases: Mutex<Vec<Lease>>,
}

impl Upstream {
    pub(crate) fn new(lease: Lease) -> Self {
        Upstream {
            leases: Mutex::new(vec![lease]),
        }
    }

    pub(crate) fn add(&self, lease: Lease) {
        self.leases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(lease);
    }

    /// The masked description of the member the connection went to (for pools in pools, the
    /// innermost pool's member: the endpoint that really connected).
    pub fn description(&self) -> String {
        let leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        leases
            .first()
            .map(|l| l.0.label.clone())
            .unwrap_or_default()
    }
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("description", &self.description())
            .finish()
    }
}

/// One member's state, as [`Pool::members`](crate::Pool::members) reports it for metrics and
/// status pages.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberStatus {
    /// The member's description, masked (secrets as `***`): safe for labels and logs.
    pub description: String,
    /// Its weight.
    pub weight: u32,
    /// Its priority (lower first).
    pub priority: u32,
    /// False while the member is marked down (passively or by a health check). A member
    /// down whose back-off has passed still reads `false` until a connect or probe succeeds.
    pub up: bool,
    /// Connections through the pool to this member open now (including attempts under way).
    pub active: usize,
    /// Failed connects or probes since its last success.
    pub consecutive_failures: u32,
    /// Successful connects through the pool, ever (health probes not counted).
    pub connects: u64,
    /// Failed connects and probes, ever.
    pub failures: u64,
}
