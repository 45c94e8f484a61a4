//! Who gets a QUIC handshake: `maxConnections=`, the pending-handshake limits and Retry.
//!
//! quinn hands the server every connection attempt as an `Incoming` before it keeps any
//! state for it; accepting one costs a connection's state (tens of KB) until its handshake
//! ends. So each attempt is judged first, from counts held here: at `maxConnections` it is
//! refused; under pressure (or always) an address that has not proved it receives our packets
//! gets a Retry, which costs us nothing; past `maxHandshakes`, or past
//! `maxHandshakesPerSource` from one source, it is refused. An accepted attempt holds a
//! [`Slot`] until its connection ends.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description, FromOption};
use endpoint_core::Result;

use crate::specs::{above_zero, QUIC_SERVER_OPTIONS};

/// When an attempt must prove its address with a Retry round trip (`retry=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Once half of `maxHandshakes` are in progress: a spoofed flood then costs no state,
    /// and clients pay the extra round trip only while it lasts.
    #[default]
    Auto,
    /// Every attempt: one more round trip per connection, and no spoofed source ever gets
    /// a handshake.
    Always,
    /// Never: attempts past the limits are refused.
    Never,
}

impl Retry {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Retry::Auto => "auto",
            Retry::Always => "always",
            Retry::Never => "never",
        }
    }

    pub(crate) fn parse(text: &str) -> std::result::Result<Self, String> {
        match text {
            "auto" => Ok(Retry::Auto),
            "always" => Ok(Retry::Always),
            "never" => Ok(Retry::Never),
            _ => Err(format!("is not auto, always or never: \"{text}\"")),
        }
    }
}

/// The limits an attempt is judged by (besides `maxConnections`, which the listener sets),
/// and how long its handshake may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// `handshakeTimeout=`.
    pub(crate) handshake_timeout: Duration,
    /// `maxHandshakes=` (the server option every kind takes), QUIC's default
    /// [`MAX_HANDSHAKES`] when not given.
    pub(crate) max_handshakes: usize,
    /// `maxHandshakesPerSource=`, QUIC's default [`PER_SOURCE`] when not given.
    pub(crate) per_address: usize,
    /// `retry=`.
    pub(crate) retry: Retry,
}

impl Limits {
    /// The declared defaults.
    pub(crate) fn defaults() -> Self {
        let options = QUIC_SERVER_OPTIONS;
        Limits {
            handshake_timeout: declared_default(options, "handshakeTimeout"),
            max_handshakes: MAX_HANDSHAKES,
            per_address: PER_SOURCE,
            retry: Retry::parse(&declared_default::<String>(options, "retry")).unwrap_or_default(),
        }
    }

    /// Reads `handshakeTimeout=` and `retry=` (the handshake counts come from the server
    /// options, through [`Admission::limit_handshakes`]).
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        Ok(Limits {
            handshake_timeout: args.get_with("handshakeTimeout", |text| {
                let timeout = Duration::from_option(text)?;
                above_zero(timeout, timeout.is_zero())
            })?,
            max_handshakes: MAX_HANDSHAKES,
            per_address: PER_SOURCE,
            retry: args.get_with("retry", Retry::parse)?,
        })
    }

    /// Writes the options into a server's description.
    pub(crate) fn describe(&self, description: Description) -> Description {
        description
            .seconds("handshakeTimeout", self.handshake_timeout)
            .option("retry", self.retry.as_str())
    }
}

/// QUIC handshakes in progress at once when `maxHandshakes=` is not given: fewer than the
/// listener's 1024 for TLS, because each holds a QUIC connection's state (about 40 KB).
pub(crate) const MAX_HANDSHAKES: usize = 256;

/// QUIC handshakes in progress from one source when `maxHandshakesPerSource=` is not given.
pub(crate) const PER_SOURCE: usize = 16;

/// What to do with one attempt.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Run its handshake, holding the slot until the connection ends.
    Accept(Slot),
    /// Ask it to prove its address first.
    Retry,
    /// Refuse it (CONNECTION_REFUSED), for the reason given.
    Refuse(&'static str),
}

/// The counts of one server endpoint's live connections and handshakes.
#[derive(Debug)]
pub(crate) struct Admission {
    limits: Mutex<Limits>,
    /// `maxConnections`, once the listener hands it over (`usize::MAX`: none).
    max_connections: AtomicUsize,
    counts: Mutex<Counts>,
    /// `allow=`/`deny=`, once the listener hands them over: judged on an attempt's first
    /// packet, before any other count or any handshake state.
    gate: OnceLock<endpoint_core::Gate>,
}

#[derive(Debug, Default)]
struct Counts {
    /// Accepted attempts whose connection has not ended, handshakes included.
    live: usize,
    /// Accepted attempts still in their handshake.
    pending: usize,
    /// `pending`, by source ([`source_key`]).
    by_source: HashMap<IpAddr, usize>,
}

impl Admission {
    pub(crate) fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Admission {
            limits: Mutex::new(limits),
            max_connections: AtomicUsize::new(usize::MAX),
            counts: Mutex::new(Counts::default()),
            gate: OnceLock::new(),
        })
    }

    /// Judges attempts by `allow=`/`deny=` from now on (the first gate set stays).
    pub(crate) fn admit_by_address(&self, gate: &endpoint_core::Gate) {
        let _ = self.gate.set(gate.clone());
    }

    /// Whether `allow=`/`deny=` admit `peer` (a refusal is counted and logged by the gate).
    pub(crate) fn admits_address(&self, peer: std::net::SocketAddr) -> bool {
        self.gate
            .get()
            .is_none_or(|gate| gate.admits_address(&endpoint_core::Address::Inet(peer)))
    }

    /// Applies the handshake limits a description set (those it did not set keep QUIC's own
    /// defaults, even where a value given equals the generic default): `maxHandshakes=`,
    /// `maxHandshakesPerSource=`, and `maxHandshakeTime=` as a bound on `handshakeTimeout`.
    pub(crate) fn limit_handshakes(&self, set: endpoint_core::HandshakeLimits) {
        let mut limits = self.limits.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(pending) = set.pending_given() {
            limits.max_handshakes = pending;
        }
        if let Some(per_source) = set.per_source_given() {
            limits.per_address = per_source;
        }
        if let Some(time) = set.time() {
            limits.handshake_timeout = limits.handshake_timeout.min(time);
        }
    }

    /// The limits now.
    pub(crate) fn limits(&self) -> Limits {
        *self.limits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds at most `max` connections from now on.
    pub(crate) fn limit_connections(&self, max: usize) {
        self.max_connections.store(max.max(1), Ordering::Release);
    }

    /// Live connections, handshakes included, when there is a `maxConnections`.
    pub(crate) fn live_connections(&self) -> Option<usize> {
        let max = self.max_connections.load(Ordering::Acquire);
        (max != usize::MAX).then(|| self.counts().live)
    }

    /// Judges an attempt from `source`; `validated` when it carries a Retry token that
    /// proves the address.
    pub(crate) fn judge(self: &Arc<Self>, source: IpAddr, validated: bool) -> Verdict {
        let limits = self.limits();
        let mut counts = self.counts();
        if counts.live >= self.max_connections.load(Ordering::Acquire) {
            return Verdict::Refuse("maxConnections reached");
        }
        let pressure = counts.pending >= limits.max_handshakes.div_ceil(2);
        let retry = match limits.retry {
            Retry::Always => true,
            Retry::Auto => pressure,
            Retry::Never => false,
        };
        if retry && !validated {
            return Verdict::Retry;
        }
        if counts.pending >= limits.max_handshakes {
            return Verdict::Refuse("maxHandshakes reached");
        }
        let key = source_key(source);
        let from_source = counts.by_source.entry(key).or_default();
        if *from_source >= limits.per_address {
            return Verdict::Refuse("maxHandshakesPerSource reached");
        }
        *from_source += 1;
        counts.pending += 1;
        counts.live += 1;
        Verdict::Accept(Slot {
            admission: Arc::clone(self),
            source: key,
            pending: true,
        })
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        // The counts are plain integers, consistent after every statement that a panic
        // could interrupt; a poisoned lock still holds usable numbers.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An accepted attempt's place: counted as a handshake until [`established`](Slot::established),
/// and as a live connection until dropped.
#[derive(Debug)]
pub(crate) struct Slot {
    admission: Arc<Admission>,
    source: IpAddr,
    pending: bool,
}

impl Slot {
    /// The handshake completed: the connection no longer counts as a handshake.
    pub(crate) fn established(&mut self) {
        if std::mem::take(&mut self.pending) {
            end_handshake(&mut self.admission.counts(), self.source);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.admission.counts();
        if self.pending {
            end_handshake(&mut counts, self.source);
        }
        counts.live -= 1;
    }
}

fn end_handshake(counts: &mut Counts, source: IpAddr) {
    counts.pending -= 1;
    if let Some(n) = counts.by_source.get_mut(&source) {
        *n -= 1;
        if *n == 0 {
            counts.by_source.remove(&source);
        }
    }
}

/// The source an attempt counts under: its IPv4 address (an IPv4-mapped IPv6 address is
/// taken as IPv4), or its IPv6 /64, since one host commonly holds a whole /64.
fn source_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(max_handshakes: usize, per_address: usize, retry: Retry) -> Arc<Admission> {
        Admission::new(Limits {
            max_handshakes,
            per_address,
            retry,
            ..Limits::defaults()
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn accepted(verdict: Verdict) -> Slot {
        match verdict {
            Verdict::Accept(slot) => slot,
            other => panic!("expected an accept, got {other:?}"),
        }
    }

    #[test]
    fn one_source_gets_at_most_its_share() {
        let a = admission(100, 2, Retry::Never);
        let mut one = accepted(a.judge(ip("127.0.0.1"), false));
        let _two = accepted(a.judge(ip("127.0.0.1"), false));
        assert!(matches!(
            a.judge(ip("127.0.0.1"), false),
            Verdict::Refuse(_)
        ));
        // Another source, and the same one once a handshake has finished.
        let _other = accepted(a.judge(ip("127.0.0.2"), false));
        one.established();
        let _three = accepted(a.judge(ip("127.0.0.1"), false));
    }

    #[test]
    fn ipv6_counts_by_its_slash_64_and_mapped_ipv4_as_ipv4() {
        let a = admission(100, 1, Retry::Never);
        let _one = accepted(a.judge(ip("::1"), false));
        assert!(matches!(a.judge(ip("::2"), false), Verdict::Refuse(_)));
        let _other = accepted(a.judge(ip("0:0:0:1::1"), false));
        let _v4 = accepted(a.judge(ip("127.0.0.1"), false));
        assert!(matches!(
            a.judge(ip("::ffff:127.0.0.1"), false),
            Verdict::Refuse(_)
        ));
    }

    #[test]
    fn auto_retries_unvalidated_attempts_under_pressure_only() {
        let a = admission(4, 10, Retry::Auto);
        let _one = accepted(a.judge(ip("127.0.0.1"), false));
        let _two = accepted(a.judge(ip("127.0.0.2"), false));
        // Two of four in progress: pressure.
        assert!(matches!(a.judge(ip("127.0.0.3"), false), Verdict::Retry));
        let _three = accepted(a.judge(ip("127.0.0.3"), true));
        let _four = accepted(a.judge(ip("127.0.0.4"), true));
        // The hard limit holds for validated attempts too.
        assert!(matches!(a.judge(ip("127.0.0.5"), true), Verdict::Refuse(_)));
    }

    #[test]
    fn always_and_never() {
        let always = admission(4, 10, Retry::Always);
        assert!(matches!(
            always.judge(ip("127.0.0.1"), false),
            Verdict::Retry
        ));
        let _validated = accepted(always.judge(ip("127.0.0.1"), true));
        let never = admission(1, 10, Retry::Never);
        let _one = accepted(never.judge(ip("127.0.0.1"), false));
        assert!(matches!(
            never.judge(ip("127.0.0.2"), false),
            Verdict::Refuse(_)
        ));
    }

    #[test]
    fn max_connections_counts_handshakes_and_connections_until_they_end() {
        let a = admission(100, 100, Retry::Never);
        assert_eq!(a.live_connections(), None);
        a.limit_connections(2);
        let mut one = accepted(a.judge(ip("127.0.0.1"), false));
        one.established();
        let two = accepted(a.judge(ip("127.0.0.2"), false));
        assert_eq!(a.live_connections(), Some(2));
        assert!(matches!(
            a.judge(ip("127.0.0.3"), true),
            Verdict::Refuse("maxConnections reached")
        ));
        drop(two);
        let _three = accepted(a.judge(ip("127.0.0.3"), false));
        drop(one);
        assert_eq!(a.live_connections(), Some(1));
    }
}
