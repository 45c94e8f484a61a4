//! Log output on stderr, its level set by `-v` flags.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

use tracing::Level;

/// Installs a subscriber that writes to stderr: warnings by default, then info, debug and
/// trace for each `-v`.
pub fn init(verbosity: u8) {
    VERBOSITY.store(verbosity, Ordering::Relaxed);
    let level = match verbosity {
        0 => Level::WARN,
        1 => Level::INFO,
        2 => Level::DEBUG,
        _ => Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

static VERBOSITY: AtomicU8 = AtomicU8::new(0);

/// How many `-v` flags were given: status lines for people (`relaying ...`) are written only
/// from 1 on, so that at the default level stderr carries warnings and errors alone (under
/// inetd-style supervisors it may be the socket itself).
pub fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}
