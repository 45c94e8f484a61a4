//! What a listener tells an observer about connections it never yields: for counters such as
//! `endpoint serve`'s metrics, which cannot see them otherwise.

/// Told by a [`Listener`](crate::Listener) about connections that end before it yields them.
/// Called on the listener's task: keep it cheap (an atomic increment).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use endpoint_core::ListenerEvents;
/// #[derive(Default)]
/// struct Failures(AtomicUsize);
/// impl ListenerEvents for Failures {
///     fn handshake_failed(&self) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// let failures = Failures::default();
/// failures.handshake_failed();
/// failures.handshake_closed();
/// assert_eq!(failures.0.load(Ordering::Relaxed), 1);
/// ```
pub trait ListenerEvents: Send + Sync + 'static {
    /// A layer's handshake failed or timed out (a TLS alert, a bad WebSocket upgrade, a
    /// PROXY header that does not parse, `maxHandshakeTime=` passed).
    fn handshake_failed(&self) {}

    /// A pending handshake was closed to make room for a newcomer (its source at
    /// `maxHandshakesPerSource=`, the table full, or `maxConnections=` reached): an
    /// admission refusal.
    fn handshake_closed(&self) {}

    /// A connection was refused by the listener's `allow=`/`deny=` (or
    /// `allowUid=`/`allowGid=`), before any handshake: closed on accept, right after the
    /// layer that revealed its real address, or (QUIC) refused before its handshake began.
    fn address_refused(&self) {}
}
