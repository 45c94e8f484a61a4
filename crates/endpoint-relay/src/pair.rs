//! Relaying one pair: spliced when both are plain sockets, copied otherwise.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::copy;
#[cfg(target_os = "linux")]
use crate::splice;
use crate::traffic::{Relayed, Traffic};
use endpoint_core::Connection;

/// Relays between `a` and `b` until both directions have ended; see the [module](super) docs.
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
                    Ok((socket, info)) => Connection::from_plain_socket(socket, info),
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
        f.debug_struct("Relay")
            .field("zero_copy", &zero_copy)
            .finish_non_exhaustive()
    }
}
