//! Pending handshakes: the connections a listener has accepted whose layers' handshakes (TLS,
//! WebSocket, PROXY) are still running, held in a bounded table so that idle sockets can never
//! stop a listener from accepting.
//!
//! Room for a newcomer is made by closing a pending handshake, never by refusing to accept:
//! a source (an IPv4 address, an IPv6 /64) at its own limit loses its own oldest handshake,
//! and when the whole table (or `maxConnections`) is full, the source with the most pending
//! handshakes loses its oldest. A flooder therefore mostly evicts itself, and a client from
//! elsewhere keeps its place.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::task::{AbortHandle, JoinSet};
use tracing::{debug, Instrument};

use crate::address::Address;
use crate::admission::Gate;
use crate::cap::Admitted;
use crate::connection::Connection;
use crate::events::ListenerEvents;
use crate::layer::Upgrade;

/// Limits on a listener's pending handshakes: how many may run at once, how many of them one
/// source may hold, and how long one connection may spend in all its layers' handshakes.
///
/// Server descriptions set them with `maxHandshakes=`, `maxHandshakesPerSource=` and
/// `maxHandshakeTime=`; [`Listener::with_handshake_limits`](crate::Listener::with_handshake_limits)
/// applies them. A *source* is a peer's IPv4 address or its IPv6 /64 (one subscriber's usual
/// allocation; an IPv4-mapped IPv6 address is its IPv4 address); unix-socket peers and
/// plugin addresses are not told apart, so only the table's limit applies to them.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use endpoint_core::HandshakeLimits;
/// let limits = HandshakeLimits::default()
///     .max_per_source(16)
///     .max_time(Some(Duration::from_secs(5)));
/// assert_eq!(limits.pending(), HandshakeLimits::DEFAULT_MAX_PENDING);
/// assert_eq!(limits.per_source(), 16);
/// assert_eq!(limits.time(), Some(Duration::from_secs(5)));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HandshakeLimits {
    /// The limits set, `None` where left at the default: a transport with defaults of its
    /// own (QUIC) takes only those set, even a value equal to the generic default.
    pending: Option<usize>,
    per_source: Option<usize>,
    time: Option<Duration>,
}

impl HandshakeLimits {
    /// How many handshakes may be pending at once unless told otherwise (`maxHandshakes=`).
    pub const DEFAULT_MAX_PENDING: usize = 1024;
    /// How many pending handshakes one source may hold unless told otherwise
    /// (`maxHandshakesPerSource=`): a sixteenth of the table, so one address cannot take more
    /// than that, while a NAT of many users still gets dozens of handshakes in flight.
    pub const DEFAULT_MAX_PER_SOURCE: usize = 64;

    /// At most `max` pending handshakes (0 is taken as 1). When the table is full, accepting
    /// goes on: the oldest handshake of the source holding the most is closed instead.
    pub fn max_pending(mut self, max: usize) -> Self {
        self.pending = Some(max.max(1));
        self
    }

    /// At most `max` pending handshakes per source (0 is taken as 1). A source at its limit
    /// that connects again loses its own oldest pending handshake.
    pub fn max_per_source(mut self, max: usize) -> Self {
        self.per_source = Some(max.max(1));
        self
    }

    /// At most `time` for all of a connection's handshakes together, on top of each layer's
    /// own timeout; `None` (the default) leaves only the layers' timeouts.
    pub fn max_time(mut self, time: Option<Duration>) -> Self {
        self.time = time;
        self
    }

    /// The table's limit.
    pub fn pending(&self) -> usize {
        self.pending.unwrap_or(Self::DEFAULT_MAX_PENDING)
    }

    /// The limit per source.
    pub fn per_source(&self) -> usize {
        self.per_source.unwrap_or(Self::DEFAULT_MAX_PER_SOURCE)
    }

    /// The limit on a connection's handshakes together, if any.
    pub fn time(&self) -> Option<Duration> {
        self.time
    }

    /// The table's limit when it was set ([`max_pending`](Self::max_pending)), even to the
    /// default's value; `None` when left at the default.
    pub fn pending_given(&self) -> Option<usize> {
        self.pending
    }

    /// The limit per source when it was set ([`max_per_source`](Self::max_per_source)), even
    /// to the default's value; `None` when left at the default.
    pub fn per_source_given(&self) -> Option<usize> {
        self.per_source
    }
}

/// Whose handshakes count together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Source {
    /// Unix-socket and plugin peers: local processes, not told apart.
    Local,
    /// An IPv4 address.
    V4(u32),
    /// The /64 of an IPv6 address.
    V6(u64),
}

impl Source {
    fn of(peer: &Address) -> Source {
        match peer.as_inet().map(|a| a.ip()) {
            Some(IpAddr::V4(ip)) => Source::V4(ip.into()),
            Some(IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
                Some(v4) => Source::V4(v4.into()),
                None => Source::V6((u128::from(ip) >> 64) as u64),
            },
            None => Source::Local,
        }
    }

    /// Whether the per-source limit applies (local peers share one bucket: the table).
    fn limited(self) -> bool {
        self != Source::Local
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Source::Local => f.write_str("local peers"),
            Source::V4(ip) => write!(f, "{}", std::net::Ipv4Addr::from(ip)),
            Source::V6(prefix) => {
                write!(
                    f,
                    "{}/64",
                    std::net::Ipv6Addr::from(u128::from(prefix) << 64)
                )
            }
        }
    }
}

/// One pending handshake.
struct Entry {
    seq: u64,
    task: AbortHandle,
    /// The connection's place under `maxConnections`, held here (not in the task) while the
    /// handshake runs, so closing the handshake frees the place at once.
    admitted: Option<Admitted>,
}

/// What a handshake task returns: which entry it was, and how its handshakes ended.
struct Finished {
    source: Source,
    seq: u64,
    outcome: Outcome,
}

/// How a connection's handshakes ended.
enum Outcome {
    /// Every layer's handshake succeeded.
    Upgraded(Connection),
    /// A handshake failed or timed out.
    Failed,
    /// The address a layer revealed is not admitted (counted by the [`Gate`]).
    Refused,
}

/// A listener's pending handshakes, by source and by age.
pub(crate) struct Handshakes {
    tasks: JoinSet<Finished>,
    /// Each source's pending handshakes, oldest first (at most `per_source` long, so removing
    /// one from the middle is bounded).
    sources: HashMap<Source, VecDeque<Entry>>,
    /// Sources by load: (pending handshakes, age of the oldest, source); the last one is the
    /// one to close a handshake of when room is needed.
    load: BTreeSet<(usize, Reverse<u64>, Source)>,
    len: usize,
    next: u64,
    limits: HandshakeLimits,
    events: Option<Arc<dyn ListenerEvents>>,
}

impl Handshakes {
    pub(crate) fn new() -> Self {
        Handshakes {
            tasks: JoinSet::new(),
            sources: HashMap::new(),
            load: BTreeSet::new(),
            len: 0,
            next: 0,
            limits: HandshakeLimits::default(),
            events: None,
        }
    }

    pub(crate) fn set_events(&mut self, events: Arc<dyn ListenerEvents>) {
        self.events = Some(events);
    }

    pub(crate) fn set_limits(&mut self, limits: HandshakeLimits) {
        self.limits = limits;
    }

    pub(crate) fn limits(&self) -> HandshakeLimits {
        self.limits
    }

    /// How many handshakes are pending.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The next connection whose handshakes all succeeded; `Pending` (with the waker
    /// registered when a task is running) otherwise.
    pub(crate) fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Connection> {
        loop {
            if self.tasks.is_empty() {
                return Poll::Pending;
            }
            let done = match self.tasks.poll_join_next(cx) {
                Poll::Ready(Some(done)) => done,
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            };
            match done {
                Ok(finished) => {
                    // Not in the table: closed to make room just as it finished.
                    let Some(entry) = self.remove(finished.source, finished.seq) else {
                        continue;
                    };
                    match finished.outcome {
                        Outcome::Upgraded(mut connection) => {
                            if let Some(admitted) = entry.admitted {
                                connection.info_mut().insert(admitted);
                            }
                            return Poll::Ready(connection);
                        }
                        Outcome::Failed => {
                            if let Some(events) = &self.events {
                                events.handshake_failed();
                            }
                        }
                        Outcome::Refused => {}
                    }
                }
                // Aborted tasks were taken out of the table when they were closed.
                Err(e) if e.is_cancelled() => {}
                Err(e) => {
                    debug!(error = %e, "handshake task ended abnormally");
                    self.forget_task(e.id());
                }
            }
        }
    }

    /// Makes room for a newcomer from `peer`: closes its source's oldest handshake when the
    /// source is at its limit, else, when the table is full or `cap_full` (the listener's
    /// `maxConnections` is reached), the oldest handshake of the most loaded source.
    pub(crate) fn make_room(&mut self, peer: &Address, cap_full: bool) {
        let source = Source::of(peer);
        let own = self.sources.get(&source).map_or(0, VecDeque::len);
        let victim = if source.limited() && own >= self.limits.per_source() {
            Some(source)
        } else if self.len >= self.limits.pending() || cap_full {
            self.load.last().map(|&(_, _, source)| source)
        } else {
            None
        };
        if let Some(victim) = victim {
            self.close_oldest(
                victim,
                if victim == source {
                    "its source is at its limit"
                } else {
                    "the table is full"
                },
            );
        }
    }

    /// Runs `upgrades` over `connection` in a task of its own, in order, each under its own
    /// timeout and all under the limits' `time`; with `judge`, the peer address is judged
    /// right after the upgrade at that index (the one that revealed it).
    pub(crate) fn spawn(
        &mut self,
        connection: Connection,
        admitted: Option<Admitted>,
        upgrades: Vec<Arc<dyn Upgrade>>,
        judge: Option<(usize, Gate)>,
        endpoint: &str,
    ) {
        let source = Source::of(connection.peer_address());
        let seq = self.next;
        self.next += 1;
        let span = tracing::debug_span!("handshake", endpoint = %endpoint,
            peer = %connection.peer_address());
        let total = self.limits.time;
        let task = self.tasks.spawn(
            async move {
                let handshakes = run(connection, upgrades, judge);
                let outcome = match total {
                    None => handshakes.await,
                    Some(total) => tokio::time::timeout(total, handshakes)
                        .await
                        .unwrap_or_else(|_| {
                            debug!(?total, "handshakes took longer than maxHandshakeTime");
                            Outcome::Failed
                        }),
                };
                Finished {
                    source,
                    seq,
                    outcome,
                }
            }
            .instrument(span),
        );
        let queue = self.sources.entry(source).or_default();
        if let Some(front) = queue.front() {
            self.load.remove(&(queue.len(), Reverse(front.seq), source));
        }
        queue.push_back(Entry {
            seq,
            task,
            admitted,
        });
        if let Some(front) = queue.front() {
            self.load.insert((queue.len(), Reverse(front.seq), source));
        }
        self.len += 1;
    }

    /// Takes the entry `seq` of `source` out of the table.
    fn remove(&mut self, source: Source, seq: u64) -> Option<Entry> {
        let queue = self.sources.get_mut(&source)?;
        let at = queue.iter().position(|e| e.seq == seq)?;
        let oldest = queue.front().map(|e| e.seq)?;
        self.load.remove(&(queue.len(), Reverse(oldest), source));
        let entry = queue.remove(at)?;
        match queue.front() {
            Some(front) => {
                self.load.insert((queue.len(), Reverse(front.seq), source));
            }
            None => {
                self.sources.remove(&source);
            }
        }
        self.len -= 1;
        Some(entry)
    }

    /// Closes `source`'s oldest pending handshake: its task is aborted (dropping the socket)
    /// and its place under `maxConnections` freed now.
    fn close_oldest(&mut self, source: Source, why: &'static str) {
        let Some(seq) = self
            .sources
            .get(&source)
            .and_then(|q| q.front())
            .map(|e| e.seq)
        else {
            return;
        };
        if let Some(entry) = self.remove(source, seq) {
            entry.task.abort();
            if let Some(events) = &self.events {
                events.handshake_closed();
            }
            debug!(%source, why, "closed the oldest pending handshake to accept a newcomer");
        }
    }

    /// Takes a task that ended abnormally (a panic in a layer) out of the table, if it is
    /// still there.
    fn forget_task(&mut self, id: tokio::task::Id) {
        let found = self.sources.iter().find_map(|(source, queue)| {
            (queue.iter())
                .find(|e| e.task.id() == id)
                .map(|e| (*source, e.seq))
        });
        if let Some((source, seq)) = found {
            self.remove(source, seq);
        }
    }
}

/// Runs each layer's handshake in order, each under its own timeout; with `judge`, judges the
/// peer address right after the upgrade at its index, so a refused client never reaches a
/// later layer's handshake (a TLS ServerHello, a WebSocket 101).
async fn run(
    mut connection: Connection,
    upgrades: Vec<Arc<dyn Upgrade>>,
    judge: Option<(usize, Gate)>,
) -> Outcome {
    for (at, upgrade) in upgrades.into_iter().enumerate() {
        let limit = upgrade.timeout();
        match tokio::time::timeout(limit, upgrade.upgrade(connection)).await {
            Ok(Ok(upgraded)) => {
                connection = upgraded;
                if let Some((_, gate)) = judge.as_ref().filter(|(after, _)| *after == at) {
                    if !gate.admits_address(connection.peer_address()) {
                        return Outcome::Refused;
                    }
                }
            }
            Ok(Err(e)) => {
                // A handshake error may quote the peer (a PROXY header, a request line):
                // escaped, as all peer text in logs.
                let error = crate::printable(&e.to_string()).into_owned();
                debug!(layer = upgrade.name(), %error, "handshake failed");
                return Outcome::Failed;
            }
            Err(_) => {
                debug!(layer = upgrade.name(), ?limit, "handshake timed out");
                return Outcome::Failed;
            }
        }
    }
    Outcome::Upgraded(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source::of(&Address::Inet(text.parse().expect("a socket address")))
    }

    #[test]
    fn sources_are_ipv4_addresses_and_ipv6_slash_64s() {
        assert_eq!(source("10.0.0.1:1"), source("10.0.0.1:2"));
        assert_ne!(source("10.0.0.1:1"), source("10.0.0.2:1"));
        assert_eq!(
            source("[2001:db8:0:1::1]:1"),
            source("[2001:db8:0:1:ffff::9]:2")
        );
        assert_ne!(source("[2001:db8:0:1::1]:1"), source("[2001:db8:0:2::1]:1"));
        assert_eq!(source("[::ffff:10.0.0.1]:1"), source("10.0.0.1:9"));
        assert_eq!(
            source("[2001:db8:0:1::1]:1").to_string(),
            "2001:db8:0:1::/64"
        );
        let unix = Source::of(&Address::Unix(crate::address::UnixAddress::Unnamed));
        assert_eq!(unix, Source::Local);
        assert!(!unix.limited());
    }

    #[test]
    fn zero_limits_are_taken_as_one() {
        let limits = HandshakeLimits::default().max_pending(0).max_per_source(0);
        assert_eq!((limits.pending(), limits.per_source()), (1, 1));
    }
}
