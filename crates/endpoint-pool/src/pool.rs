//! [`Pool`]: several client endpoints as one.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use endpoint_core::description::Description;
use endpoint_core::{Authority, BoxFuture, ClientEndpoint, Connection, Error, Result};
use tokio::sync::watch;
use tracing::info;

use crate::balance::Balance;
use crate::checks::Probed;
use crate::exhausted::exhausted;
use crate::health::Health;
use crate::member::Member;
use crate::state::{Counts, MemberStatus, Upstream};

/// Several client endpoints as one [`ClientEndpoint`]: each [`connect`](ClientEndpoint::connect)
/// picks a member by its [`Balance`], and when that member fails goes on to the next at once,
/// each member at most once, so a client sees a refusal only when every member refused.
///
/// Cloning is cheap; clones share members, counts and health. See the crate docs for what
/// "down" means and how the description reads.
#[derive(Clone)]
pub struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    balance: Balance,
    health: Mutex<Health>,
    table: Mutex<Table>,
    /// Where the members come from when they change (see [`Pool::watching`]).
    source: Option<Mutex<watch::Receiver<Vec<Member>>>>,
    /// Advances on every connect: where round-robin starts.
    turn: AtomicUsize,
    checking: AtomicBool,
}

/// The members now, with their live state.
#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    /// The masked descriptions joined, for `Display` and logs.
    /// Shared, so a connect takes it for its log lines with no copy.
    name: Arc<str>,
    /// False until the first list is installed: members of the first list are not "added".
    installed: bool,
}

struct Slot {
    member: Member,
    /// The member's identity across updates.
    key: Description,
    counts: Arc<Counts>,
    /// Smooth weighted round-robin's running weight.
    current: i64,
}

impl Pool {
    /// A pool of a fixed list of members.
    ///
    /// An empty list makes a pool whose every connect fails (with an error that says so).
    pub fn new(members: Vec<Member>, balance: Balance) -> Self {
        let pool = Pool::build(balance, None);
        pool.shared.replace(members);
        pool
    }

    /// A pool whose members follow `members`: each connect (and each health check) first
    /// takes the latest list. A member whose [description](ClientEndpoint::description) value
    /// is in both the old and the new list keeps its health, failure and connection counts
    /// (its weight and priority are the new list's); members no longer listed get no new
    /// connections, while their open ones run on. Members added or removed are logged.
    ///
    /// When the sender is dropped, the last list stays.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use endpoint_core::ClientEndpoint;
    /// use endpoint_pool::{Balance, Member, Pool};
    /// # let tcp = |port| -> Arc<dyn ClientEndpoint> {
    /// #     Arc::new(endpoint_tcp::TcpClientEndpoint::new("127.0.0.1", port)) };
    /// let (update, members) = tokio::sync::watch::channel(vec![Member::new(tcp(8080))]);
    /// let pool = Pool::watching(members, Balance::RoundRobin);
    /// assert_eq!(pool.members().len(), 1);
    /// update.send(vec![Member::new(tcp(8080)), Member::new(tcp(8081))]).unwrap();
    /// assert_eq!(pool.members().len(), 2);
    /// ```
    pub fn watching(members: watch::Receiver<Vec<Member>>, balance: Balance) -> Self {
        let first = members.borrow().clone();
        let pool = Pool::build(balance, Some(Mutex::new(members)));
        pool.shared.replace(first);
        pool
    }

    fn build(balance: Balance, source: Option<Mutex<watch::Receiver<Vec<Member>>>>) -> Self {
        Pool {
            shared: Arc::new(Shared {
                balance,
                health: Mutex::new(Health::default()),
                table: Mutex::new(Table::default()),
                source,
                turn: AtomicUsize::new(0),
                checking: AtomicBool::new(false),
            }),
        }
    }

    /// Sets how members are judged down and whether they are probed (see [`Health`]).
    ///
    /// With [`Health::check`], the probes run on a task of the tokio runtime this is called
    /// in, or, outside a runtime, from the first connect on; the task ends when the last
    /// clone of the pool is dropped.
    pub fn with_health(self, health: Health) -> Self {
        *lock(&self.shared.health) = health;
        if tokio::runtime::Handle::try_current().is_ok() {
            self.shared.start_checks();
        }
        self
    }

    /// Its strategy.
    pub fn balance(&self) -> Balance {
        self.shared.balance
    }

    /// Its health settings.
    pub fn health(&self) -> Health {
        *lock(&self.shared.health)
    }

    /// Every member's state now, in list order: for metrics (`endpoint_upstream_up`) and
    /// status pages.
    pub fn members(&self) -> Vec<MemberStatus> {
        self.shared.sync();
        lock(&self.shared.table)
            .slots
            .iter()
            .map(|s| s.counts.status(s.member.weight, s.member.priority))
            .collect()
    }

    async fn connect_any(&self) -> Result<Connection> {
        self.shared.start_checks();
        let plan = self.shared.plan();
        let health = self.health();
        let pool = self.shared.name();
        let mut tried = Vec::new();
        let mut last = None;
        for (counts, endpoint) in plan {
            let lease = counts.lease();
            // Awaited here, on the caller's task: the Origin task-local of a relay's
            // connect_for reaches every member's layers.
            let attempt = endpoint.connect();
            let outcome = match health.connect_timeout {
                None => attempt.await,
                Some(after) => tokio::time::timeout(after, attempt)
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Timeout {
                            action: "connect to",
                            endpoint: counts.label.clone(),
                            after,
                        })
                    }),
            };
            match outcome {
                Ok(mut connection) => {
                    counts.succeeded(&pool, false);
                    let info = connection.info_mut();
                    match info.get::<Upstream>() {
                        Some(outer) => outer.add(lease),
                        None => info.insert(Upstream::new(lease)),
                    }
                    return Ok(connection);
                }
                Err(error) => {
                    drop(lease);
                    counts.failed(&pool, &health, false, &error);
                    tried.push(counts.label.clone());
                    last = Some(error);
                }
            }
        }
        Err(exhausted(&pool, tried, last))
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every lock here guards plain data left consistent at each step: recover from poison.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Takes the latest member list from the watched source, if it changed.
    fn sync(&self) {
        let Some(source) = &self.source else { return };
        let mut source = lock(source);
        if !source.has_changed().unwrap_or(false) {
            return;
        }
        let members = source.borrow_and_update().clone();
        drop(source);
        self.replace(members);
    }

    /// Installs `members`, keeping the state of those already present.
    fn replace(&self, members: Vec<Member>) {
        let mut table = lock(&self.table);
        let mut old: Vec<Option<Slot>> = table.slots.drain(..).map(Some).collect();
        let mut slots = Vec::with_capacity(members.len());
        for member in members {
            let key = member.endpoint.description();
            let kept = old
                .iter_mut()
                .find(|s| s.as_ref().is_some_and(|s| s.key == key))
                .and_then(Option::take);
            let slot = match kept {
                Some(slot) => Slot { member, ..slot },
                None => {
                    let label = member.endpoint.to_string();
                    if table.installed {
                        info!(pool = %table.name, upstream = %label, "upstream added");
                    }
                    Slot {
                        member,
                        key,
                        counts: Counts::new(label),
                        current: 0,
                    }
                }
            };
            slots.push(slot);
        }
        for gone in old.into_iter().flatten() {
            info!(pool = %table.name, upstream = %gone.counts.label, "upstream removed");
        }
        table.name = slots
            .iter()
            .map(|s| s.counts.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
            .into();
        table.slots = slots;
        table.installed = true;
    }

    /// The members to try for one connect, in order, each once: those up (or past their
    /// back-off) in the strategy's order; when none is, every member (a pool that refused
    /// everyone while a member might have come back would be worse than one more try).
    fn plan(&self) -> Vec<(Arc<Counts>, Arc<dyn ClientEndpoint>)> {
        self.sync();
        let turn = self.turn.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut table = lock(&self.table);
        let mut candidates: Vec<usize> = (0..table.slots.len())
            .filter(|&i| table.slots[i].counts.eligible(now))
            .collect();
        if candidates.is_empty() {
            candidates = (0..table.slots.len()).collect();
        }
        let order = order(self.balance, &mut table.slots, candidates, turn);
        order
            .into_iter()
            .map(|i| {
                let slot = &table.slots[i];
                (Arc::clone(&slot.counts), Arc::clone(&slot.member.endpoint))
            })
            .collect()
    }

    fn start_checks(self: &Arc<Self>) {
        if lock(&self.health).interval.is_none() || self.checking.swap(true, Ordering::AcqRel) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(crate::checks::run(Arc::downgrade(self)));
            }
            Err(_) => self.checking.store(false, Ordering::Release),
        }
    }

    fn name(&self) -> Arc<str> {
        Arc::clone(&lock(&self.table).name)
    }
}

impl Probed for Shared {
    fn health(&self) -> Health {
        *lock(&self.health)
    }

    fn name(&self) -> Arc<str> {
        Shared::name(self)
    }

    fn everyone(&self) -> Vec<(Arc<Counts>, Arc<dyn ClientEndpoint>)> {
        self.sync();
        lock(&self.table)
            .slots
            .iter()
            .map(|s| (Arc::clone(&s.counts), Arc::clone(&s.member.endpoint)))
            .collect()
    }
}

/// Orders `candidates` (indices into `slots`, in list order) for one connect.
fn order(
    balance: Balance,
    slots: &mut [Slot],
    mut candidates: Vec<usize>,
    turn: usize,
) -> Vec<usize> {
    let n = candidates.len();
    if n == 0 {
        return candidates;
    }
    match balance {
        Balance::RoundRobin => candidates.rotate_left(turn % n),
        Balance::Weighted => {
            // Smooth weighted round-robin: every candidate gains its weight, the richest is
            // picked and pays the total. The rest follow in list order after it.
            let total: i64 = candidates
                .iter()
                .map(|&i| i64::from(slots[i].member.weight))
                .sum();
            let mut best = 0;
            for (at, &i) in candidates.iter().enumerate() {
                slots[i].current += i64::from(slots[i].member.weight);
                if slots[i].current > slots[candidates[best]].current {
                    best = at;
                }
            }
            slots[candidates[best]].current -= total;
            candidates.rotate_left(best);
        }
        Balance::LeastConnections => {
            candidates.rotate_left(turn % n);
            // Fewest open connections per unit of weight first: a/wa < b/wb ⇔ a·wb < b·wa.
            // The sort is stable, so ties keep the rotated (round-robin) order.
            candidates.sort_by(|&a, &b| {
                let load = |i: usize, w: usize| {
                    slots[i].counts.active() as u128 * u128::from(slots[w].member.weight)
                };
                load(a, b).cmp(&load(b, a))
            });
        }
        Balance::Failover => {
            candidates.sort_by_key(|&i| slots[i].member.priority);
            let mut start = 0;
            while start < n {
                let priority = slots[candidates[start]].member.priority;
                let end = (start..n)
                    .find(|&k| slots[candidates[k]].member.priority != priority)
                    .unwrap_or(n);
                candidates[start..end].rotate_left(turn % (end - start));
                start = end;
            }
        }
    }
    candidates
}

impl fmt::Display for Pool {
    /// The members' masked descriptions, joined with `", "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shared.name())
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("balance", &self.shared.balance)
            .field("members", &self.shared.name())
            .finish_non_exhaustive()
    }
}

impl ClientEndpoint for Pool {
    /// Connects to one member (see [`Pool`]).
    ///
    /// # Errors
    /// When every member tried failed: with one member tried, its own error; with several,
    /// an error naming every member tried (masked) that keeps the last failure's OS error
    /// (its kind and errno) as its source. An empty pool fails with `NotConnected`.
    ///
    /// # Cancel safety
    /// Dropping the future drops the attempt under way (closing its sockets) and counts it
    /// out of the member's open connections.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(self.connect_any())
    }

    /// The members' descriptions as one merged description
    /// ([`Description::merged`]), in list order: equal for pools of the same members.
    fn description(&self) -> Description {
        self.shared.sync();
        Description::merged(lock(&self.shared.table).slots.iter().map(|s| s.key.clone()))
    }

    /// The authority every member shares (a pool of the same host on several paths), or
    /// `None` when they differ: a layer above a pool cannot verify one name for several hosts.
    fn authority(&self) -> Option<Authority> {
        self.shared.sync();
        let table = lock(&self.shared.table);
        let mut all = table.slots.iter().map(|s| s.member.endpoint.authority());
        let first = all.next()??;
        all.all(|a| a.as_ref() == Some(&first)).then_some(first)
    }
}
