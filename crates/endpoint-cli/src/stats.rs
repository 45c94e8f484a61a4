//! What `endpoint relay --stats` reports: connections open and in all, bytes each way, errors.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use endpoints::relay::Traffic;

/// Counters shared by every relayed connection.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct RelayStats {
    open: AtomicU64,
    total: AtomicU64,
    errors: AtomicU64,
    departed: AtomicU64,
    turned_away: AtomicU64,
    /// Bytes from accepted connections to the client side, and back.
    pub traffic: Arc<Traffic>,
}

/// Counts a connection as open until dropped.
pub struct Open(Arc<RelayStats>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl RelayStats {
    /// Counts one accepted connection, open until the guard is dropped.
    pub fn opened(self: &Arc<Self>) -> Open {
        self.open.fetch_add(1, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
        Open(Arc::clone(self))
    }

    /// Counts a failed connect or a relay that ended in an error.
    pub fn failed(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an accepted connection that ended before its client connection was made
    /// (the attempt was cancelled).
    pub fn departed(&self) {
        self.departed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an accepted connection closed at once because too many connects were
    /// pending; returns how many so far.
    pub fn turned_away(&self) -> u64 {
        self.turned_away.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// One line: `2 open, 17 in all, 1.5 MiB to the client side, 300 B back, 0 errors`.
    pub fn line(&self) -> String {
        let mut line = String::new();
        let _ = write!(
            line,
            "{} open, {} in all, {} to the client side, {} back, {} errors",
            self.open.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
            bytes(self.traffic.a_to_b()),
            bytes(self.traffic.b_to_a()),
            self.errors.load(Ordering::Relaxed),
        );
        let departed = self.departed.load(Ordering::Relaxed);
        if departed > 0 {
            let _ = write!(line, ", {departed} left before the upstream answered");
        }
        let turned_away = self.turned_away.load(Ordering::Relaxed);
        if turned_away > 0 {
            let _ = write!(line, ", {turned_away} turned away (--retry-max-pending)");
        }
        line
    }

    /// Prints `relay: LINE` on stderr every `interval` when the line changed since the last
    /// one (a quiet relay stays quiet). Runs until aborted.
    pub async fn report_every(self: Arc<Self>, interval: Duration) {
        let mut ticks = tokio::time::interval(interval.max(Duration::from_millis(10)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        // Compared with a relay that has done nothing, so traffic before this task first ran
        // (it may start late on a busy machine) is reported at the first tick.
        let mut last = RelayStats::default().line();
        loop {
            ticks.tick().await;
            let line = self.line();
            if line != last {
                eprintln!("relay: {line}");
                last = line;
            }
        }
    }
}

/// A byte count for people: `512 B`, `1.5 KiB`, `3.0 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_written_for_people() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn a_connection_is_open_until_its_guard_drops() {
        let stats = Arc::new(RelayStats::default());
        let open = stats.opened();
        assert!(stats.line().starts_with("1 open, 1 in all"));
        drop(open);
        stats.failed();
        assert_eq!(
            stats.line(),
            "0 open, 1 in all, 0 B to the client side, 0 B back, 1 errors"
        );
    }
}
