//! Readiness for supervisors: systemd's notify protocol (`NOTIFY_SOCKET`).
//!
//! Every message is a no-op when the process was not started with `NOTIFY_SOCKET`, so a
//! program calls these unconditionally.

use std::time::Duration;

use sd_notify::NotifyState;
use tracing::debug;

/// Sends `READY=1` (every listener is bound) with a `STATUS=` line.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// Sends `RELOADING=1` with the `MONOTONIC_USEC=` systemd's `Type=notify-reload` asks for;
/// follow with [`ready`] once the reload is done (applied or refused).
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// Sends `STOPPING=1`: shutdown began.
pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// Sends a `STATUS=` line.
pub fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

/// How often to send `WATCHDOG=1` when the supervisor asks for it (`WATCHDOG_USEC`, for this
/// process): half its interval, as systemd advises.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|every| every / 2)
}

/// Sends `WATCHDOG=1`.
pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

fn send(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(states) {
        debug!(%error, "could not notify the supervisor");
    }
}
