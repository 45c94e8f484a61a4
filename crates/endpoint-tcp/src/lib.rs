//! TCP for `endpoints`: the `tcp` and `tcp6` server kinds and a `tcp` client that races IPv6
//! and IPv4 (Happy Eyeballs, RFC 8305).
//!
//! | description | meaning |
//! |---|---|
//! | `tcp:8080` | listen on port 8080, every IPv4 address, backlog 50 |
//! | `tcp:8080:interface=127.0.0.1:backlog=128` | one interface, a longer backlog |
//! | `tcp:0:interface=\:\:1` | an IPv6 literal interface switches the family |
//! | `tcp:8080:reuseport=1` | `SO_REUSEPORT`, for several processes on one port |
//! | `tcp6:8080` | IPv6 `::` (dual-stack on Linux); positionals are port, backlog, interface |
//! | `tcp:example.com:443` | connect, racing the name's IPv6 and IPv4 addresses |
//! | `tcp:[::1]:80:timeout=5:bindAddress=\:\:1` | brackets, a 5 s deadline, a local address |
//! | `tcp:8080:keepalive=60,10,5:rcvbuf=262144` | socket options (see [`SocketOptions`]) |
//! | `tcp6:8080:v6only=1:fastOpen=16` | IPv6 only, a TCP Fast Open queue of 16 |
//! | `tcp:h:80:userTimeout=30:bindToDevice=eth0:fastOpen=1` | client socket options |
//!
//! # Examples
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::{ClientEndpoint, ServerEndpoint};
//! use endpoint_tcp::{TcpClientEndpoint, TcpServerEndpoint};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let server: TcpServerEndpoint = "tcp:0:interface=127.0.0.1".parse()?;
//! let mut listener = server.bind().await?;
//! let port = listener.local_address().port().unwrap();
//!
//! let client: TcpClientEndpoint = format!("tcp:127.0.0.1:{port}").parse()?;
//! let (mut accepted, mut connected) = tokio::try_join!(listener.accept(), client.connect())?;
//! connected.write_all(b"hello").await?;
//! let mut buf = [0; 5];
//! accepted.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod happy_eyeballs;
mod kinds;
mod server;
mod socket_options;
pub mod specs;

pub use client::{parse_bind_address, Resolve, SystemResolver, TcpClientEndpoint};
pub use server::{TcpFamily, TcpServerEndpoint};
pub use socket_options::{Keepalive, SocketOptions, TcpSocketSettings};
