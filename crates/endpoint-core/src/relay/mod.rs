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
mod pair;
mod pool;
#[cfg(target_os = "linux")]
mod splice;
mod traffic;

pub use forward::{forward, Forward, ForwardError};
pub use pair::{relay, relay_counted, Relay};
pub use traffic::{Relayed, Traffic};
