//! QUIC for `endpoints`, on quinn: a `quic` server whose listener yields one connection per
//! stream a peer opens, and a `quic` client whose every `connect` opens a new stream on one
//! QUIC connection to its target.
//!
//! | description | side | meaning |
//! |---|---|---|
//! | `quic:4433:certificate=cert.pem:privateKey=key.pem` | server | UDP 4433, every IPv4 address, ALPN `endpoints` |
//! | `quic:4433:interface=\:\::certificate=c.pem:alpn=h3,endpoints` | server | IPv6 (dual-stack), offering two protocols |
//! | `quic:443:certificate=c.pem:clientCA=ca.pem:idleTimeout=10:maxStreams=1000` | server | mutual TLS, a 10 s idle timeout, 1000 streams per peer |
//! | `quic:443:certificate=c.pem:maxConnections=10000:retry=always` | server | at most 10000 QUIC connections, every client's address validated first |
//! | `quic:example.com:4433` | client | verifies `example.com` against the platform's roots |
//! | `quic:10.0.0.5:4433:hostname=api:trustRoots=ca.pem` | client | verifies `api` against `ca.pem` |
//! | `quic:h:4433:certificate=me.pem:privateKey=me.key:alpn=h3:idleTimeout=5:timeout=3` | client | a client certificate, ALPN `h3`, a 5 s idle timeout |
//!
//! Client forms parse to their canonical text (server forms read their certificate files
//! while parsing, as in the example below):
//! ```
//! use endpoint_core::Registry;
//! use endpoint_quic as _;
//!
//! let canonical = |text: &str| Registry::global().client(text).unwrap().to_string();
//! assert_eq!(canonical("quic:example.com:4433"), "quic:example.com:4433:alpn=endpoints:idleTimeout=30:timeout=30:maxUdpPayload=1452");
//! assert_eq!(canonical("quic:h:4433:alpn=h3:idleTimeout=5:timeout=3:maxUdpPayload=65527"), "quic:h:4433:alpn=h3:idleTimeout=5:timeout=3:maxUdpPayload=65527");
//! ```
//!
//! TLS options are spelled as for `tls+`: `trustRoots=` (a CA directory or PEM file;
//! default: the platform's roots), `certificate=`/`privateKey=`, `clientCA=`, `alpn=`.
//! Verification cannot be switched off.
//!
//! # What QUIC gives a stream user
//! - **Many streams, one handshake.** Each `connect` is a new QUIC stream on the client's
//!   live connection: no TCP or TLS handshake per connection, only a stream id.
//! - **No head-of-line blocking between streams.** A lost packet delays only the streams
//!   whose data it carried; the other connections to the same server keep flowing (over TLS
//!   on TCP, one loss stalls every byte behind it). Each stream is still ordered and
//!   reliable, like a TCP connection.
//! - **A stream appears at its first byte.** QUIC announces a stream with its first frame,
//!   so the server accepts it when the client first writes (or finishes) it. Protocols where
//!   the server speaks first need the client to send something first.
//! - **0-RTT is off** on both sides: data is sent only after a complete handshake, so it
//!   cannot be replayed by an attacker.
//! - **Idle connections close.** `idleTimeout=` (30 s, the lower of both sides' values
//!   applies) closes a silent connection. A client with open streams sends keep-alive PINGs
//!   every third of it (at most 10 s apart), so quiet streams stay up and a vanished peer
//!   shows as `TimedOut` on reads and writes within `idleTimeout`; a client connection with
//!   no open stream is closed `idleTimeout` after its last stream ended. `idleTimeout=0`
//!   turns idle timeouts and keep-alives off.
//! - **ALPN is required.** QUIC needs the peers to agree on a protocol, so both kinds offer
//!   `endpoints` unless `alpn=` says otherwise.
//! - **Half-close works**: `shutdown` finishes the stream's sending half.
//!
//! # What a peer can make the server hold
//! A server answers connection attempts before it knows who sends them, so these options
//! bound what peers cost it (the defaults are safe for a public port):
//!
//! | option | default | bounds |
//! |---|---|---|
//! | `maxConnections=` | none | QUIC connections, each from its first packet (handshake included) until it ends; at the cap new attempts are refused at once. A connection's streams do not count: a peer has at most `maxStreams` |
//! | `handshakeTimeout=` | `10` | seconds a handshake may take; a stalled one is dropped even with `idleTimeout=0` |
//! | `maxHandshakes=` | `256` | handshakes in progress at once; more are refused (the server option every kind takes, whose default elsewhere is 1024: a QUIC handshake holds a connection's state) |
//! | `maxHandshakesPerSource=` | `16` | handshakes in progress from one source address (an IPv6 address counts by its /64); the server option every kind takes (elsewhere 64) |
//! | `allow=`, `deny=` | none | who may connect at all (CIDR lists, the server options every kind takes): judged on an attempt's first packet, before any other limit, Retry or handshake state; a refused address gets CONNECTION_REFUSED |
//! | `retry=` | `auto` | address validation by a Retry round trip, which costs the server no state: `auto` once half of `maxHandshakes` are in progress, `always`, or `never` |
//! | `receiveWindow=` | `4194304` | bytes a peer may send on one connection, all streams together, ahead of what the application reads (also bounds this side's unacknowledged sends) |
//! | `streamReceiveWindow=` | `1048576` | bytes a peer may send on one stream ahead of what the application reads |
//! | `maxUdpPayload=` | `1452` | the largest UDP payload the server sends (after MTU discovery) and, above 1472, accepts: 1200 to 65527 (see [Packet sizes](#packet-sizes)) |
//!
//! Datagrams (RFC 9221) are off on both kinds: nothing reads them. So a flood of handshakes
//! that never complete holds at most `maxHandshakes` of them, each for at most
//! `handshakeTimeout`, and a connection nobody reads holds at most `receiveWindow` bytes. The
//! client uses the same windows (they are not options there).
//!
//! # Packet sizes
//! QUIC's cost is per packet: each is encrypted, acknowledged and passed through quinn on its
//! own. `maxUdpPayload=` (default `1452`, quinn's Internet-safe bound) is the largest UDP
//! payload MTU discovery raises the server's packets to, and above 1472 the largest it lets
//! the peer send. On a link known to carry more (loopback: `65527`; jumbo frames: `8972`)
//! the same bytes move in a fraction of the packets: on this project's loopback bench a
//! `quic:` relay then spends about half the CPU per GiB. Discovery starts from 1200 bytes and
//! backs off on a path that drops the probes, so a bound above the path's MTU costs a few
//! lost probes, not lost data. Above 6550 bytes quinn's batches of 10 packets per GSO send
//! would not fit one 64 KiB send, so batching is off (such packets need none). quinn's
//! receive buffer grows with it (virtual memory, about 128 MiB per socket at `65527`; only
//! what arrives is touched). The client takes the same option for its own packets and what it
//! lets the server send.
//!
//! ```
//! use endpoint_quic::QuicServerEndpoint;
//! # let pki = endpoint_testkit::TestPki::new();
//! # let cert = pki.path("server.pem");
//! let text = format!(
//!     "quic:4433:certificate={}:handshakeTimeout=5:retry=always:receiveWindow=1048576",
//!     cert.display()
//! );
//! let e: QuicServerEndpoint = text.parse().unwrap();
//! assert!(e.to_string().ends_with(
//!     ":handshakeTimeout=5:retry=always:receiveWindow=1048576:streamReceiveWindow=1048576:maxUdpPayload=1452"
//! ));
//! ```
//!
//! Each stream's [`ConnectionInfo`](endpoint_core::ConnectionInfo) has the stack `["quic"]`,
//! the UDP addresses, and a [`QuicInfo`] (ALPN, peer certificates, the QUIC connection's
//! `stable_id`, the stream id).
//!
//! The client resolves its host at each new QUIC connection and uses the first address the
//! registry's egress policy allows (QUIC has no Happy Eyeballs here: UDP cannot tell a closed
//! port from a slow one, so a wrong address costs `timeout=`).
//!
//! # Examples
//! A QUIC server and a client that verifies it, on loopback, with certificates made for the
//! example:
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::description::quote;
//! use endpoint_core::Registry;
//! use endpoint_quic::QuicInfo;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! # let pki = endpoint_testkit::TestPki::new();
//! # let (cert, key, ca) = (pki.path("server-cert.pem"), pki.path("server-key.pem"), pki.path("ca.pem"));
//! let q = |p: &std::path::Path| quote(&p.to_string_lossy());
//!
//! let registry = Registry::global();
//! let server = registry.server(&format!(
//!     "quic:0:interface=127.0.0.1:certificate={}:privateKey={}",
//!     q(&cert),
//!     q(&key)
//! ))?;
//! let mut listener = server.bind().await?;
//! let port = listener.local_address().port().unwrap();
//!
//! let client = registry.client(&format!("quic:127.0.0.1:{port}:hostname=localhost:trustRoots={}", q(&ca)))?;
//! let mut stream = client.connect().await?;
//! stream.write_all(b"hello").await?; // the server sees the stream from its first byte
//! let mut accepted = listener.accept().await?;
//! let mut buf = [0; 5];
//! accepted.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//!
//! // A second connect is a second stream on the same QUIC connection.
//! let mut second = client.connect().await?;
//! second.write_all(b"again").await?;
//! let again = listener.accept().await?;
//! let id = |c: &endpoint_core::Connection| c.info().get::<QuicInfo>().unwrap().stable_id;
//! assert_eq!(id(&accepted), id(&again));
//! assert_eq!(accepted.info().get::<QuicInfo>().unwrap().alpn.as_deref(), Some("endpoints"));
//! # Ok(()) }
//! ```
//!
//! # Limitations
//! - The client makes its QUIC connection to the first address of the host the egress policy
//!   allows (no Happy Eyeballs), and since UDP has no "connection refused", a server that is
//!   not there costs the whole `timeout=`.
//! - The server sees a stream at its first byte, so a protocol where the server speaks first
//!   needs the client to write first. 0-RTT is off.
//! - Layers (`ws+quic:...`) would wrap each stream like any connection, but only the bare
//!   kinds are tested; `endpoint relay` copies QUIC bytes through user space (no splice).
//! - Stopping a `quic` listener refuses new connections but leaves accepted streams running;
//!   the UDP port is released when the last one ends.
//! - Established QUIC connections are bounded only by `maxConnections=` (none by default, as
//!   for every kind). Without a Retry (`retry=never`, or `auto` before half of
//!   `maxHandshakes` are in progress) a peer that spoofs another host's address can take that
//!   address's `maxHandshakesPerSource` places for `handshakeTimeout`; `retry=always`
//!   closes that at the cost of a round trip per connection.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admission;
mod client;
mod error;
mod info;
mod kinds;
mod server;
mod specs;
mod stream;
mod transport;

pub use client::QuicClientEndpoint;
pub use info::QuicInfo;
pub use server::QuicServerEndpoint;
pub use stream::QuicStream;

/// quinn, whose types appear in [`QuicInfo`] and [`QuicStream`].
pub use quinn;
