//! What relays moved: the result of one, and counters shared by many.

use std::sync::atomic::{AtomicU64, Ordering};

/// What a finished relay moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Relayed {
    /// Bytes from the first connection to the second.
    pub a_to_b: u64,
    /// Bytes from the second connection to the first.
    pub b_to_a: u64,
    /// True when the bytes were spliced (kernel only), false when copied through user space.
    pub zero_copy: bool,
}

/// Bytes moved so far by the relays that share it, each way, readable while they run (for
/// statistics lines).
#[derive(Debug, Default)]
pub struct Traffic {
    pub(super) a_to_b: AtomicU64,
    pub(super) b_to_a: AtomicU64,
}

impl Traffic {
    /// A counter at zero.
    pub fn new() -> Self {
        Traffic::default()
    }

    /// Bytes moved from first to second connection so far.
    pub fn a_to_b(&self) -> u64 {
        self.a_to_b.load(Ordering::Relaxed)
    }

    /// Bytes moved from second to first connection so far.
    pub fn b_to_a(&self) -> u64 {
        self.b_to_a.load(Ordering::Relaxed)
    }
}
