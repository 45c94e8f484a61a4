//! What `srv:` and `dns:` share: a query, its last good answer, and the members built from
//! it, as one [`Pool`] per priority.
//!
//! RFC 2782 asks for the lowest priority first and, within one priority, a choice in
//! proportion to the weights. endpoint-pool's `failover` strategy has the priority groups but
//! takes turns inside a group, and its `weighted` strategy has the proportions but no groups;
//! so each priority gets a pool of its own with [`Balance::Weighted`], and a connect tries the
//! groups in ascending priority, going to the next only when every member of one failed.
//! Each group pool follows the answers through [`Pool::watching`], so a target that stays
//! keeps its health (a target that failed 3 times is skipped for a back-off, as in any pool).

use std::fmt;
use std::sync::{Arc, RwLock};

use endpoint_core::{Authority, ClientEndpoint, Connection, Error, Result};
use endpoint_pool::{Balance, Member, Pool};
use tokio::sync::watch;

use crate::answer::Record;
use crate::discovery::{Discovery, DiscoveryStatus};
use crate::resolver::{Dns, Fixed, Query};
use crate::target::{MemberSettings, TargetEndpoint};

/// The pool of the targets of one priority, and the channel that updates its members.
struct Group {
    priority: u16,
    update: watch::Sender<Vec<Member>>,
    pool: Pool,
}

/// The current members, as the pools and as plain values for [`Discovered::members`].
#[derive(Default)]
struct Current {
    /// Ascending priority.
    groups: Vec<Arc<Group>>,
    members: Vec<(Arc<TargetEndpoint>, u16, u16)>,
}

/// The running part of a `srv:` or `dns:` endpoint: discovery and the group pools.
pub(crate) struct Discovered {
    discovery: Arc<Discovery>,
    current: Arc<RwLock<Current>>,
}

/// Pool weights for one priority's records. The pool takes a weight of 0 as 1, where
/// RFC 2782 gives a weight-0 target only a small chance beside weighted ones: when a group
/// mixes them, the others' weights are scaled by 100 and a zero becomes 1.
fn pool_weights(records: &[&Record]) -> Vec<u32> {
    let mixed = records.iter().any(|r| r.weight == 0) && records.iter().any(|r| r.weight > 0);
    records
        .iter()
        .map(|r| match (mixed, r.weight) {
            (true, 0) => 1,
            (true, w) => u32::from(w) * 100,
            (false, w) => u32::from(w),
        })
        .collect()
}

impl Discovered {
    /// A pool that resolves `query` with `dns` (lazily) and builds members with `settings`.
    /// `reached` names the authority a member's connections record.
    pub(crate) fn new(
        dns: Arc<Dns>,
        query: Query,
        settings: MemberSettings,
        label: String,
        reached: fn(&Query, &Record) -> Authority,
    ) -> Self {
        let current: Arc<RwLock<Current>> = Arc::default();
        let publish = {
            let current = Arc::clone(&current);
            let query = query.clone();
            Box::new(move |records: &[Record]| {
                let mut priorities: Vec<u16> = records.iter().map(|r| r.priority).collect();
                priorities.dedup(); // records are sorted by priority first
                let mut next = Current::default();
                let mut now = current.write().unwrap_or_else(|p| p.into_inner());
                for priority in priorities {
                    let group: Vec<&Record> =
                        records.iter().filter(|r| r.priority == priority).collect();
                    let weights = pool_weights(&group);
                    let mut members = Vec::with_capacity(group.len());
                    for (record, weight) in group.iter().zip(weights) {
                        let endpoint = Arc::new(settings.member(
                            record,
                            reached(&query, record),
                            Arc::new(Fixed(record.addresses.clone())),
                        ));
                        next.members
                            .push((Arc::clone(&endpoint), record.priority, record.weight));
                        members.push(Member::new(endpoint).weight(weight));
                    }
                    let kept = now.groups.iter().find(|g| g.priority == priority);
                    let group = match kept {
                        Some(group) => {
                            group.update.send_replace(members);
                            Arc::clone(group)
                        }
                        None => {
                            let (update, watched) = watch::channel(members);
                            let pool = Pool::watching(watched, Balance::Weighted);
                            Arc::new(Group {
                                priority,
                                update,
                                pool,
                            })
                        }
                    };
                    next.groups.push(group);
                }
                *now = next;
            })
        };
        Discovered {
            discovery: Arc::new(Discovery::new(dns, query, label, publish)),
            current,
        }
    }

    pub(crate) fn status(&self) -> DiscoveryStatus {
        self.discovery.status()
    }

    /// The current members with their SRV priority and weight.
    pub(crate) fn members(&self) -> Vec<(Arc<TargetEndpoint>, u16, u16)> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.members.clone()
    }

    /// Resolves if needed, then connects through the lowest priority group that can.
    pub(crate) async fn connect(&self, endpoint: &(dyn fmt::Display + Sync)) -> Result<Connection> {
        self.discovery
            .ready()
            .await
            .map_err(|e| Error::io("resolve", endpoint, e))?;
        let groups = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .groups
            .clone();
        let mut last = None;
        for group in groups {
            match group.pool.connect().await {
                Ok(connection) => return Ok(connection),
                Err(e) => {
                    tracing::debug!(pool = %endpoint, priority = group.priority, error = %e, "priority group failed");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            Error::io(
                "connect to",
                endpoint,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the DNS answer has no members",
                ),
            )
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(weight: u16) -> Record {
        Record {
            priority: 0,
            weight,
            host: "a.test".into(),
            port: 1,
            addresses: Vec::new(),
        }
    }

    #[test]
    fn weights_map_to_the_pool_keeping_zero_small() {
        let (a, b, zero) = (record(3), record(1), record(0));
        assert_eq!(pool_weights(&[&a, &b]), [3, 1]);
        assert_eq!(pool_weights(&[&zero, &zero]), [0, 0]); // the pool takes them as equal
        assert_eq!(pool_weights(&[&a, &zero]), [300, 1]);
    }
}
