//! Active health: a task that connects to every member on an interval.

use std::sync::Weak;

use tokio::time::MissedTickBehavior;

use tokio::task::JoinSet;

use crate::pool::Shared;

/// Probes every member of the pool now and then each `interval`, until the pool is dropped.
/// The pool is held only while a round runs, so dropping the last clone ends the task at its
/// next tick.
pub(crate) async fn run(pool: Weak<Shared>) {
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
