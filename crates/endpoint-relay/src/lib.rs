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
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use endpoint_relay::relay;
//! use endpoint_core::{Address, Connection, ConnectionInfo, UnixAddress};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::UnixStream;
//!
//! // Two socket pairs; the relay joins one end of each (any two connections will do).
//! let (mut left, a) = UnixStream::pair()?;
//! let (b, mut right) = UnixStream::pair()?;
//! let unnamed = || Address::Unix(UnixAddress::Unnamed);
//! let info = || ConnectionInfo::new("unix", unnamed(), unnamed());
//! let relaying = tokio::spawn(relay(Connection::new(a, info()), Connection::new(b, info())));
//!
//! left.write_all(b"hello").await?;
//! left.shutdown().await?; // end-of-file one way...
//! let mut got = Vec::new();
//! right.read_to_end(&mut got).await?;
//! right.write_all(b"and back").await?; // ...while the other way still flows
//! drop(right);
//! let mut back = Vec::new();
//! left.read_to_end(&mut back).await?;
//! assert_eq!((got.as_slice(), back.as_slice()), (&b"hello"[..], &b"and back"[..]));
//!
//! let relayed = relaying.await??;
//! assert_eq!(relayed.zero_copy, cfg!(target_os = "linux")); // two plain sockets: spliced
//! println!("{} bytes there, {} back", relayed.a_to_b, relayed.b_to_a);
//! # Ok(()) }
//! ```
//!
//! A plugin stream that wraps a plain socket is spliced too when it says so: see
//! [`SocketBacked`](endpoint_core::SocketBacked).
//!
//! The relay is a crate of its own (re-exported as `endpoints::relay`): it uses only
//! [`Connection`](endpoint_core::Connection)'s public socket-taking seam
//! ([`Connection::into_plain_socket`](endpoint_core::Connection::into_plain_socket),
//! [`PlainSocket`](endpoint_core::PlainSocket)), so the core holds no relaying engine.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod copy;
mod forward;
mod limits;
mod pair;
mod pool;
#[cfg(target_os = "linux")]
mod splice;
mod traffic;

pub use forward::{forward, Forward, ForwardError};
pub use limits::{LimitReached, Limited, Limits};
pub use pair::{relay, relay_counted, Relay};
pub use traffic::{Relayed, Traffic};
