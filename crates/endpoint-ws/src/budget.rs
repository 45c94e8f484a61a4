//! The process-wide budget for bytes held in WebSocket messages still arriving (issue 19,
//! item 5).
//!
//! `maxMessageSize` bounds one connection; it does not bound a thousand. A peer that opens
//! many connections and leaves a large fragmented message unfinished on each makes the
//! process hold `connections x maxMessageSize` (300 connections took a relay from 6 MB to
//! 444 MB). Every connection therefore counts the bytes it has read from its transport since
//! the last whole message was delivered ([`transport`](crate::transport) counts,
//! [`WsStream`](crate::WsStream) releases): that is the unfinished message, the partly read
//! frame and whatever tungstenite's read buffer holds. The counts add up in a [`Pool`]; when a
//! read takes the pool over its budget, the connections holding the most are picked until
//! the pool is back within it, and each fails its next read and sends Close 1009 (message
//! too big).
//!
//! # Which pool
//! The budget is an option of each description (`messageBudget=`), but a budget shared by no
//! one bounds nothing: connections of every endpoint whose `messageBudget` has the same value
//! share one pool, so all the endpoints left at the default share the default budget,
//! whatever their number, and an endpoint given its own value gets that many bytes for its
//! own connections (and for those of any other endpoint given the same value). `0` turns
//! the bound off for that endpoint.
//!
//! # Cost
//! A read adds to two atomics; delivering a message swaps one back to zero. The pool's list
//! of connections is locked when a connection starts or ends, and searched only when the
//! budget is spent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::Waker;

use futures_util::task::AtomicWaker;
use tracing::debug;

/// The connections sharing one budget and the bytes they hold.
#[derive(Debug)]
pub(crate) struct Pool {
    budget: usize,
    held: AtomicUsize,
    members: Mutex<HashMap<u64, Arc<Member>>>,
}

/// One connection's share of a pool.
#[derive(Debug, Default)]
struct Member {
    held: AtomicUsize,
    /// What it held when it was picked; meaningful once `doomed` is set.
    held_at_doom: AtomicUsize,
    doomed: AtomicBool,
    /// The task reading the connection, woken when it is picked.
    reader: AtomicWaker,
}

/// The pools in use, by budget. Endpoints and connections keep their pool alive.
static POOLS: Mutex<Vec<Weak<Pool>>> = Mutex::new(Vec::new());

/// Numbers connections within their pool.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data under these locks stays consistent whatever panics: take it back.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// The pool of `budget` bytes, shared by every endpoint with that budget; `None` for 0
    /// (no bound).
    pub(crate) fn for_budget(budget: usize) -> Option<Arc<Pool>> {
        if budget == 0 {
            return None;
        }
        let mut pools = lock(&POOLS);
        pools.retain(|p| p.strong_count() > 0);
        if let Some(pool) = pools
            .iter()
            .filter_map(Weak::upgrade)
            .find(|p| p.budget == budget)
        {
            return Some(pool);
        }
        let pool = Arc::new(Pool {
            budget,
            held: AtomicUsize::new(0),
            members: Mutex::new(HashMap::new()),
        });
        pools.push(Arc::downgrade(&pool));
        Some(pool)
    }

    /// Adds a connection to the pool.
    pub(crate) fn join(self: &Arc<Self>) -> Share {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let member = Arc::new(Member::default());
        lock(&self.members).insert(id, member.clone());
        Share {
            pool: self.clone(),
            member,
            id,
        }
    }

    /// Picks the connections holding the most until the pool is within its budget.
    fn enforce(&self) {
        let members = lock(&self.members);
        while self.held.load(Ordering::Acquire) > self.budget {
            let victim = members
                .values()
                .filter(|m| !m.doomed.load(Ordering::Acquire))
                .max_by_key(|m| m.held.load(Ordering::Relaxed));
            let Some(victim) = victim else { break };
            let held = victim.held.swap(0, Ordering::AcqRel);
            if held == 0 {
                break;
            }
            victim.held_at_doom.store(held, Ordering::Relaxed);
            victim.doomed.store(true, Ordering::Release);
            self.held.fetch_sub(held, Ordering::AcqRel);
            debug!(
                held,
                budget = self.budget,
                "websocket message budget spent: closing the connection holding the most"
            );
            victim.reader.wake();
        }
    }
}

/// A connection's membership of a pool; leaving (on drop) gives back what it held.
#[derive(Debug)]
pub(crate) struct Share {
    pool: Arc<Pool>,
    member: Arc<Member>,
    id: u64,
}

impl Share {
    /// Counts `n` bytes read from the transport; may pick connections to close (this one
    /// too) when it takes the pool over its budget.
    pub(crate) fn add(&self, n: usize) {
        // The pool first, so a concurrent `release` never takes from it more than was added.
        let total = self.pool.held.fetch_add(n, Ordering::AcqRel) + n;
        self.member.held.fetch_add(n, Ordering::AcqRel);
        if total > self.pool.budget {
            self.pool.enforce();
        }
    }

    /// Gives back everything held: a whole message was delivered.
    pub(crate) fn release_all(&self) {
        let held = self.member.held.swap(0, Ordering::AcqRel);
        if held > 0 {
            self.pool.held.fetch_sub(held, Ordering::AcqRel);
        }
    }

    /// Gives back up to `n` bytes: a control frame was delivered, which ends no data message.
    pub(crate) fn release(&self, n: usize) {
        let taken = self
            .member
            .held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |h| {
                Some(h.saturating_sub(n))
            })
            .map_or(0, |before| before.min(n));
        if taken > 0 {
            self.pool.held.fetch_sub(taken, Ordering::AcqRel);
        }
    }

    /// When this connection was picked to close: what it held then, and the budget.
    pub(crate) fn doomed(&self) -> Option<(usize, usize)> {
        self.member.doomed.load(Ordering::Acquire).then(|| {
            (
                self.member.held_at_doom.load(Ordering::Relaxed),
                self.pool.budget,
            )
        })
    }

    /// Registers the task reading this connection, to be woken if it is picked.
    pub(crate) fn register(&self, waker: &Waker) {
        self.member.reader.register(waker);
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        lock(&self.pool.members).remove(&self.id);
        self.release_all();
    }
}

/// The bytes held in messages still arriving by the connections of the pool of `budget`
/// bytes (those of every `ws` endpoint whose `messageBudget` is `budget`); 0 when no such
/// endpoint or connection exists. For tests and monitoring.
#[doc(hidden)]
pub fn held_message_bytes(budget: usize) -> usize {
    lock(&POOLS)
        .iter()
        .filter_map(Weak::upgrade)
        .find(|p| p.budget == budget)
        .map_or(0, |p| p.held.load(Ordering::Acquire))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_holder_is_picked_and_the_pool_stays_within_budget() {
        // A budget no other test uses: pools are shared by budget.
        let pool = Pool::for_budget(1000 + 7).unwrap();
        let (a, b, c) = (pool.join(), pool.join(), pool.join());
        a.add(300);
        b.add(500);
        c.add(100);
        assert_eq!(held_message_bytes(1007), 900);
        assert!(a.doomed().is_none() && b.doomed().is_none());
        // Over: b holds the most, and picking it is enough.
        c.add(200);
        assert_eq!(b.doomed(), Some((500, 1007)));
        assert!(a.doomed().is_none() && c.doomed().is_none());
        assert_eq!(held_message_bytes(1007), 600);
        // Releasing and leaving give back what was held.
        c.release(50);
        assert_eq!(held_message_bytes(1007), 550);
        a.release_all();
        assert_eq!(held_message_bytes(1007), 250);
        drop(c);
        assert_eq!(held_message_bytes(1007), 0);
        assert!(Pool::for_budget(0).is_none());
        // Same budget, same pool.
        assert!(Arc::ptr_eq(&pool, &Pool::for_budget(1007).unwrap()));
    }
}
