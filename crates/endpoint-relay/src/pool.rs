//! Small pools of pipes and buffers, lent to a relayed connection only while bytes are in
//! flight, so an idle connection holds none.

use std::sync::Mutex;

/// At most `cap` idle items are kept; more go back to the system.
pub(super) struct Pool<T> {
    idle: Mutex<Vec<T>>,
    cap: usize,
}

impl<T> Pool<T> {
    pub(super) const fn new(cap: usize) -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
            cap,
        }
    }

    /// An idle item, if there is one.
    pub(super) fn take(&self) -> Option<T> {
        self.idle.lock().map_or(None, |mut idle| idle.pop())
    }

    /// Keeps `item` for the next taker, or drops it when the pool is full.
    pub(super) fn give(&self, item: T) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < self.cap {
                idle.push(item);
            }
        }
    }
}

/// How many bytes one user-space copy moves at most.
pub(super) const BUFFER_SIZE: usize = 64 * 1024;

/// Copy buffers for relayed streams that cannot be spliced (TLS, WebSocket, ...).
pub(super) static BUFFERS: Pool<Box<[u8]>> = Pool::new(16);

/// A copy buffer from the pool, or a new one.
pub(super) fn buffer() -> Box<[u8]> {
    BUFFERS
        .take()
        .unwrap_or_else(|| vec![0; BUFFER_SIZE].into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_cap_items() {
        let pool = Pool::new(2);
        for n in 0..5 {
            pool.give(n);
        }
        assert_eq!(pool.take(), Some(1));
        assert_eq!(pool.take(), Some(0));
        assert_eq!(pool.take(), None);
    }
}
