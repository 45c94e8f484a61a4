//! Active health: a task that connects to every member on an interval.

use std::sync::{Arc, Weak};

use endpoint_core::ClientEndpoint;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use crate::health::Health;
use crate::state::Counts;

/// What the checker needs of a pool (implemented by the pool's shared state, so this module
/// does not import the pool's).
pub(crate) trait Probed: Send + Sync + 'static {
    /// The health settings now.
    fn health(&self) -> Health;
    /// The pool's name for logs.
    fn name(&self) -> Arc<str>;
    /// Every member's counts and endpoint, after taking the latest member list.
    fn everyone(&self) -> Vec<(Arc<Counts>, Arc<dyn ClientEndpoint>)>;
}

/// Probes every member of the pool now and then each `interval`, until the pool is dropped.
/// The pool is held only while a round runs, so dropping the last clone ends the task at its
/// next tick.
pub(crate) async fn run<P: Probed>(pool: Weak<P>) {
    let Some(interval) = pool.upgrade().and_then(|shared| shared.health().interval) else {
        return;
    };
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(shared) = pool.upgrade() else { return };
        let health = shared.health();
        let name = shared.name();
        let mut probes = JoinSet::new();
        for (counts, endpoint) in shared.everyone() {
            let name = name.clone();
            probes.spawn(async move {
                match tokio::time::timeout(health.timeout, endpoint.connect()).await {
                    Ok(Ok(connection)) => {
                        drop(connection);
                        counts.succeeded(&name, true);
                    }
                    Ok(Err(error)) => counts.failed(&name, &health, true, &error),
                    Err(_) => counts.failed(
                        &name,
                        &health,
                        true,
                        &format_args!("no connection within {:?}", health.timeout),
                    ),
                }
            });
        }
        drop(shared);
        // Every probe is bounded by the timeout; the round ends when the last one does.
        while probes.join_next().await.is_some() {}
    }
}
