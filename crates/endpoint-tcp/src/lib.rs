//! TCP for `endpoints`: the `tcp` and `tcp6` server kinds and a `tcp` client that races IPv6
//! and IPv4 (Happy Eyeballs, RFC 8305).
//!
//! | description | meaning |
//! |---|---|
//! | `tcp:8080` | listen on port 8080, every IPv4 address, backlog 50 |
//! | `tcp:8080:interface=127.0.0.1:backlog=128` | one interface, a longer backlog |
//! | `tcp:0:interface=\:\:1` | an IPv6 literal interface switches the family; port 0 picks a free port |
//! | `tcp:8080:reuseport=1` | `SO_REUSEPORT`, for several processes on one port |
//! | `tcp6:8080` | IPv6 `::` (dual-stack on Linux); positionals are port, **backlog**, interface (as Twisted) |
//! | `tcp:example.com:443` | connect, racing the name's IPv6 and IPv4 addresses, 30 s deadline |
//! | `tcp:[::1]:80:timeout=2.5:bindAddress=\:\:1` | brackets, a fractional deadline, a local address |
//! | `tcp:8080:nodelay=0` | Nagle's algorithm back on (`TCP_NODELAY` is on by default, both sides) |
//! | `tcp:8080:keepalive=60,10,5:rcvbuf=262144:sndbuf=262144` | socket options (see [`SocketOptions`]); accepted sockets inherit them |
//! | `tcp6:8080:v6only=1:fastOpen=16` | IPv6 only, a TCP Fast Open queue of 16 |
//! | `tcp:h:80:userTimeout=30:bindToDevice=eth0:fastOpen=1` | client socket options (Linux) |
//!
//! Each form parses to its canonical text, every default written out, and that text parses
//! back to an equal endpoint:
//! ```
//! use endpoint_tcp::{TcpClientEndpoint, TcpServerEndpoint};
//!
//! let canonical = |text: &str| text.parse::<TcpServerEndpoint>().unwrap().to_string();
//! assert_eq!(canonical("tcp:8080"), "tcp:8080:interface=:backlog=50");
//! assert_eq!(canonical("tcp:0:interface=\\:\\:1"), "tcp:0:interface=\\:\\:1:backlog=50");
//! assert_eq!(canonical("tcp6:8080"), "tcp6:8080:backlog=50:interface=\\:\\:");
//! assert_eq!(canonical("tcp:8080:reuseport=1"), "tcp:8080:interface=:backlog=50:reuseport=1");
//! assert_eq!(canonical("tcp:8080:nodelay=0"), "tcp:8080:interface=:backlog=50:nodelay=0");
//! assert_eq!(
//!     canonical("tcp:8080:keepalive=60,10,5:rcvbuf=262144"),
//!     "tcp:8080:interface=:backlog=50:keepalive=60,10,5:rcvbuf=262144"
//! );
//!
//! let canonical = |text: &str| text.parse::<TcpClientEndpoint>().unwrap().to_string();
//! assert_eq!(canonical("tcp:example.com:443"), "tcp:example.com:443:timeout=30");
//! assert_eq!(
//!     canonical("tcp:[::1]:80:timeout=2.5:bindAddress=\\:\\:1"),
//!     "tcp:\\:\\:1:80:timeout=2.5:bindAddress=\\:\\:1"
//! );
//! assert_eq!(
//!     canonical("tcp:h:80:userTimeout=30:fastOpen=1"),
//!     "tcp:h:80:timeout=30:userTimeout=30:fastOpen=1"
//! );
//! // Strict numbers: Twisted would take some of these.
//! assert!("tcp:99999".parse::<TcpServerEndpoint>().is_err());
//! assert!("tcp:80:backlog=-5".parse::<TcpServerEndpoint>().is_err());
//! ```
//!
//! # The `tcp` and `tcp6` server kinds
//! `tcp:PORT[:interface=ADDR][:backlog=N]` (positionals: port, interface, backlog, as in
//! Twisted); `tcp6:PORT` takes port, **backlog**, interface, as Twisted's does.
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `port` | required | port to listen on; `0` picks a free one (read it from `local_address()`) |
//! | `interface` | `""` (`tcp`), `::` (`tcp6`) | address to listen on; `""` is every IPv4 address, an IPv6 literal switches the family |
//! | `backlog` | `50` | connections the kernel queues before they are accepted |
//! | `reuseport` | `0` | `SO_REUSEPORT`, so several sockets share the port (ours) |
//! | `nodelay` | `1` | `TCP_NODELAY` on accepted connections; `0` turns Nagle's algorithm back on (ours) |
//! | socket options | the system's | below |
//!
//! # The `tcp` client kind
//! `tcp:HOST:PORT` or `tcp:host=HOST:port=PORT`; an IPv6 literal is written in brackets
//! (`tcp:[::1]:80`) or escaped (`tcp:\:\:1:80`).
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `host` | required | host name or IP literal |
//! | `port` | required | port to connect to |
//! | `timeout` | `30` | seconds (fractional allowed) for the whole attempt, resolution included; `0` fails at once, as in Twisted |
//! | `bindAddress` | none | local address to connect from: an IP, or IP:PORT |
//! | `nodelay` | `1` | `TCP_NODELAY`, as on the server (ours) |
//! | socket options | the system's | below |
//!
//! A name is resolved to all its addresses, interleaved by family starting with the
//! resolver's first; attempts start every 250 ms, or at once when one fails, and the first
//! connection wins ([`Resolve`] lets a program resolve names its own way). A registry's
//! egress policy is checked for each address after resolution.
//!
//! # Socket options
//! Extension options, ours, without defaults (absent: the system's value). They work under
//! layers as any base option does (`tls+tcp:h:443:keepalive=60`, `ws:8080:rcvbuf=65536`),
//! and the `ssl:` and `tls:` kinds of endpoint-tls take them too.
//!
//! | option | side | meaning |
//! |---|---|---|
//! | `keepalive` | both | `IDLE[,INTERVAL[,COUNT]]` in whole seconds, seconds and probes; `0` turns keepalive off |
//! | `rcvbuf`, `sndbuf` | both | `SO_RCVBUF`, `SO_SNDBUF` in bytes (Linux reports twice the value) |
//! | `v6only` | server | `IPV6_V6ONLY` on an IPv6 socket: `1` IPv6 only, `0` IPv4 too |
//! | `userTimeout` | both | `TCP_USER_TIMEOUT`: drop the connection when sent data stays unacknowledged this long (seconds) |
//! | `bindToDevice` | both | `SO_BINDTODEVICE`: use only this network interface (`eth0`) |
//! | `fastOpen` | both | server: `TCP_FASTOPEN` queue length; client: flag, `TCP_FASTOPEN_CONNECT` |
//!
//! Linux copies every one of them from a listening socket to the sockets it accepts.
//!
//! # Differences from Twisted
//! - Strict numbers: ports are ASCII digits in 0–65535, backlogs ASCII digits.
//! - The client races IPv6 and IPv4 and understands `[::1]` brackets; `timeout` bounds the
//!   whole attempt, where Twisted bounds each address separately.
//! - Three or more positionals on a client are an error (Twisted ignores them);
//!   `bindAddress` must be an IP or IP:PORT (Twisted fails only at connect time).
//! - `TCP_NODELAY` is on by default (Twisted leaves Nagle on).
//!
//! # Limitations
//! - `userTimeout=`, `bindToDevice=` and `fastOpen=` are Linux's (elsewhere the bind or
//!   connect fails with `Unsupported`); `bindToDevice=` may need `CAP_NET_RAW` on kernels
//!   before 5.7.
//! - `v6only=0` cannot undo Linux's own IPv6-only rule for a socket bound to one IPv6 address
//!   (`::1`); `keepalive=` takes whole seconds.
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
