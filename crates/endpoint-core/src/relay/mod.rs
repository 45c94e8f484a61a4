//! Relaying: joining two connections so each one's bytes go to the other, as `endpoint relay`
//! and socat do.
//!
//! When both connections are plain sockets (TCP or unix, in any mix, a PROXY header already
//! consumed or not), bytes move socket → pipe → socket with `splice(2)` on Linux and never
//! enter user space. Any other pair (TLS, WebSocket, a child process, a plugin's stream) is
//! copied through user-space buffers. Either way an idle pair costs its two sockets and a
//! small task: pipes and buffers come from small shared pools only while bytes are in flight.
//!
//! End-of-file one way shuts down only that way (the other keeps flowing until it ends too);
//! an error either way ends the pair, and plain TCP sockets are then closed with a reset, so
//! the far ends learn of the failure at once.
//!
//! ```
//! # async fn run() -> endpoint_core::Result<()> {
//! use endpoint_core::relay::relay;
//! # let (a, b): (endpoint_core::Connection, endpoint_core::Connection) = unimplemented!();
//! let relayed = relay(a, b).await?;
//! println!("{} bytes there, {} back", relayed.a_to_b, relayed.b_to_a);
//! # Ok(()) }
//! ```
//!
//! A plugin stream that wraps a plain socket is spliced too when it says so: see
//! [`SocketBacked`](crate::SocketBacked).

mod copy;
mod forward;
mod pool;
#[cfg(target_os = "linux")]
mod splice;

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::connection::Connection;

pub use forward::{forward, Forward, ForwardError};
#[cfg(target_os = "linux")]
use crate::socket::PlainSocket;

/// What a finished relay moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    a_to_b: AtomicU64,
    b_to_a: AtomicU64,
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

/// Relays between `a` and `b` until both directions have ended; see the [module](self) docs.
///
/// # Errors
/// The first read, write or shutdown error in either direction; both connections are then
/// closed.
pub fn relay(a: Connection, b: Connection) -> Relay {
    relay_counted(a, b, None)
}

/// [`relay`], adding the bytes moved each way to `traffic` as they go.
pub fn relay_counted(a: Connection, b: Connection, traffic: Option<Arc<Traffic>>) -> Relay {
    #[cfg(target_os = "linux")]
    if a.is_plain_socket() && b.is_plain_socket() {
        match (a.into_plain_socket(), b.into_plain_socket()) {
            (Ok(a), Ok(b)) => {
                return Relay(Pair::Spliced(splice::SplicePair::new(a, b, traffic)));
            }
            (a, b) => {
                // Not reached (both said they were plain), but handled: copy instead.
                let back = |side: Result<_, Connection>| match side {
                    Ok((socket, info)) => PlainSocket::into_connection(socket, info),
                    Err(connection) => connection,
                };
                return Relay(Pair::Copied(copy::CopyPair::new(back(a), back(b), traffic)));
            }
        }
    }
    Relay(Pair::Copied(copy::CopyPair::new(a, b, traffic)))
}

/// The future [`relay`] returns: resolves to what was moved once both directions have ended.
///
/// Its size is what an idle relayed pair costs beyond its sockets, so it is a plain state
/// machine rather than an `async fn`.
#[must_use = "a relay does nothing until awaited"]
pub struct Relay(Pair);

enum Pair {
    #[cfg(target_os = "linux")]
    Spliced(splice::SplicePair),
    Copied(copy::CopyPair),
}

impl Future for Relay {
    type Output = io::Result<Relayed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (moved, zero_copy) = match &mut self.get_mut().0 {
            #[cfg(target_os = "linux")]
            Pair::Spliced(pair) => (ready!(Pin::new(pair).poll(cx)), true),
            Pair::Copied(pair) => (ready!(Pin::new(pair).poll(cx)), false),
        };
        Poll::Ready(moved.map(|(a_to_b, b_to_a)| Relayed {
            a_to_b,
            b_to_a,
            zero_copy,
        }))
    }
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let zero_copy = match &self.0 {
            #[cfg(target_os = "linux")]
            Pair::Spliced(_) => true,
            Pair::Copied(_) => false,
        };
        f.debug_struct("Relay").field("zero_copy", &zero_copy).finish_non_exhaustive()
    }
}
