//! A cap on a listener's live connections (`maxConnections=`): the listener stops accepting
//! at the cap and resumes when a connection ends, so the operator, not the peers, bounds how
//! many connections a server holds. Connections still in their handshakes are evictable: at
//! the cap, a newcomer takes the place of one of them (see `handshakes.rs`).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// The shared count of a listener's live connections.
#[derive(Debug)]
pub(crate) struct Cap {
    max: usize,
    live: AtomicUsize,
    waiting: Mutex<Option<Waker>>,
}

impl Cap {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Cap {
            max,
            live: AtomicUsize::new(0),
            waiting: Mutex::new(None),
        })
    }

    /// Ready when another connection may be accepted; else registers the accept loop's waker
    /// for when one ends.
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.live.load(Ordering::Acquire) < self.max {
            return Poll::Ready(());
        }
        if let Ok(mut waiting) = self.waiting.lock() {
            *waiting = Some(cx.waker().clone());
        }
        // A connection may have ended between the check and the registration.
        if self.live.load(Ordering::Acquire) < self.max {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Counts one more live connection; the guard counts it out when dropped.
    pub(crate) fn admit(self: &Arc<Self>) -> Admitted {
        self.live.fetch_add(1, Ordering::AcqRel);
        Admitted(Arc::clone(self))
    }

    /// How many connections are live now.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    /// True when no other connection may be admitted without one ending (or one still in its
    /// handshakes being closed to make room).
    pub(crate) fn is_full(&self) -> bool {
        self.live() >= self.max
    }
}

/// Held in an admitted connection's [`ConnectionInfo`](crate::ConnectionInfo): while the
/// connection (or its info) lives, it counts against its listener's `maxConnections`.
pub struct Admitted(Arc<Cap>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
        if let Some(waker) = self.0.waiting.lock().ok().and_then(|mut w| w.take()) {
            waker.wake();
        }
    }
}

impl fmt::Debug for Admitted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admitted")
            .field("max", &self.0.max)
            .finish_non_exhaustive()
    }
}
