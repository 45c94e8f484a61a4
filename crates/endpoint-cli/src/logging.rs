//! Log output on stderr, its level set by `-v` flags.

use std::io::IsTerminal;

use tracing::Level;

/// Installs a subscriber that writes to stderr: warnings by default, then info, debug and
/// trace for each `-v`.
pub fn init(verbosity: u8) {
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
