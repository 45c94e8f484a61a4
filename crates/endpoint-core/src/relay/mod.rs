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
mod pool;
#[cfg(target_os = "linux")]
mod splice;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::connection::Connection;
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
pub async fn relay(a: Connection, b: Connection) -> io::Result<Relayed> {
    relay_counted(a, b, None).await
}

/// [`relay`], adding the bytes moved each way to `traffic` as they go.
///
/// # Errors
/// As [`relay`].
pub async fn relay_counted(
    a: Connection,
    b: Connection,
    traffic: Option<Arc<Traffic>>,
) -> io::Result<Relayed> {
    let counters = traffic.as_deref().map(|t| (&t.a_to_b, &t.b_to_a));
    let (a_to_b, b_to_a) = counters.unzip();
    #[cfg(target_os = "linux")]
    if a.is_plain_socket() && b.is_plain_socket() {
        return spliced(a, b, a_to_b, b_to_a).await;
    }
    copied(a, b, a_to_b, b_to_a).await
}

#[cfg(target_os = "linux")]
async fn spliced(
    a: Connection,
    b: Connection,
    a_to_b: Option<&AtomicU64>,
    b_to_a: Option<&AtomicU64>,
) -> io::Result<Relayed> {
    let (a, b) = match (a.into_plain_socket(), b.into_plain_socket()) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            // Not reached (both said they were plain), but handled: copy what is left.
            let back = |side: Result<_, Connection>| match side {
                Ok((socket, info)) => PlainSocket::into_connection(socket, info),
                Err(connection) => connection,
            };
            return copied(back(a), back(b), a_to_b, b_to_a).await;
        }
    };
    // The infos stay alive until the pair ends: they may hold a `maxConnections` admission.
    let ((a, _a_info), (b, _b_info)) = (a, b);
    let result = tokio::try_join!(
        splice::one_way(&a.stream, &b.stream, a.unread, a_to_b),
        splice::one_way(&b.stream, &a.stream, b.unread, b_to_a),
    );
    match result {
        Ok((a_to_b, b_to_a)) => Ok(Relayed {
            a_to_b,
            b_to_a,
            zero_copy: true,
        }),
        Err(e) => {
            a.stream.reset_on_close();
            b.stream.reset_on_close();
            Err(e)
        }
    }
}

async fn copied(
    mut a: Connection,
    mut b: Connection,
    a_to_b: Option<&AtomicU64>,
    b_to_a: Option<&AtomicU64>,
) -> io::Result<Relayed> {
    let (a_to_b, b_to_a) = copy::both_ways(&mut a, &mut b, a_to_b, b_to_a).await?;
    Ok(Relayed {
        a_to_b,
        b_to_a,
        zero_copy: false,
    })
}
