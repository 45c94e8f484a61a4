//! The PROXY protocol for `endpoints`: servers behind a load balancer (HAProxy, nginx, AWS NLB,
//! ...) learn the real client's address, and a relay tells its backends who the client is.
//!
//! A proxy that speaks the PROXY protocol sends one header before the client's bytes, saying
//! who the client is. The `haproxy` server layer reads it on every accepted connection, then
//! hands the application a connection whose `peer_address()` is the client's, whose
//! `local_address()` is the address the client connected to, and whose bytes start right after
//! the header. The proxy's own address stays available as [`ProxiedBy`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_haproxy::ProxiedBy;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let mut listener = endpoints::server_from_string("haproxy:tcp:0:interface=127.0.0.1")?.bind().await?;
//! let port = listener.local_address().port().unwrap();
//! let proxy = endpoints::client_from_string(&format!("tcp:127.0.0.1:{port}"))?;
//!
//! let (mut accepted, mut from_proxy) = tokio::join!(listener.accept(), async {
//!     let mut c = proxy.connect().await?;
//!     c.write_all(b"PROXY TCP4 192.0.2.7 198.51.100.1 5555 443\r\nhello").await?;
//!     Ok::<_, Box<dyn std::error::Error>>(c)
//! });
//! let (mut accepted, _from_proxy) = (accepted?, from_proxy?);
//! assert_eq!(accepted.peer_address().to_string(), "192.0.2.7:5555");
//! assert_eq!(accepted.local_address().to_string(), "198.51.100.1:443");
//! assert_eq!(accepted.info().get::<ProxiedBy>().unwrap().version, 1);
//! let mut hello = [0; 5];
//! accepted.read_exact(&mut hello).await?;
//! assert_eq!(&hello, b"hello");
//! # Ok(()) }
//! ```
//!
//! # The `haproxy` layer
//! Written as a layer, `haproxy+tcp:8080`, or in Twisted's wrapper form, `haproxy:tcp:8080`
//! (the rest of the description is the inner endpoint, unescaped, as in Twisted; the core
//! reads it as the layer chain). It nests (`haproxy:haproxy:tcp:80`) and goes over any server
//! endpoint: `haproxy+unix:/run/app.sock`, `haproxy+tls+tcp:443:...` (the proxy sends the
//! header before the TLS handshake).
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `timeout` | `10` | seconds a client may take to send the whole header; slower connections are closed |
//! | `trusted` | any peer, with a warning | comma-separated CIDRs (`10.0.0.0/8,::1/128`); a connection from elsewhere is closed unread. `any` accepts every peer on purpose |
//! | `version` | `any` | `1` (text), `2` (binary) or `any` |
//!
//! Canonical text qualifies them: `haproxy+tcp:8080:interface=:backlog=50:haproxy.timeout=10:haproxy.version=any`.
//!
//! ```
//! let canonical = |text: &str| endpoints::server_from_string(text).unwrap().to_string();
//! let plain = "haproxy+tcp:8080:interface=:backlog=50:haproxy.timeout=10:haproxy.version=any";
//! assert_eq!(canonical("haproxy:tcp:8080"), plain);
//! assert_eq!(canonical("haproxy+tcp:8080"), plain);
//! assert_eq!(
//!     canonical("haproxy+tcp:8080:trusted=10.0.0.0/8:version=2"),
//!     "haproxy+tcp:8080:interface=:backlog=50:haproxy.timeout=10:haproxy.trusted=10.0.0.0/8:haproxy.version=2"
//! );
//! ```
//!
//! Without `trusted=`, any peer's header is believed, as in Twisted, so a client that
//! reaches the port directly can claim any address: binding on an address that is not
//! loopback logs a warning. Name the proxies (`trusted=10.0.0.0/8`), or write
//! `trusted=any` when something else (a firewall) keeps other peers out:
//!
//! ```
//! let canonical = |text: &str| endpoints::server_from_string(text).unwrap().to_string();
//! assert_eq!(
//!     canonical("haproxy:tcp:8080:trusted=ANY"),
//!     "haproxy+tcp:8080:interface=:backlog=50:haproxy.timeout=10:haproxy.trusted=any:haproxy.version=any"
//! );
//! ```
//!
//! `allow=`/`deny=` (server options every description takes) judge the client the header
//! names when `trusted=` is stated (the layer reveals the real peer), right after the header
//! and before any later layer's handshake; with `trusted=` unstated they judge the accepted
//! address, since any peer could claim any client:
//! `tls+haproxy+tcp:443:trusted=10.0.0.0/8:allow=192.0.2.0/24:certificate=c.pem`.
//!
//! Both versions are read: v1 (`PROXY TCP4|TCP6|UNKNOWN ...\r\n`, at most 107 bytes) and v2
//! (binary; `PROXY` and `LOCAL` commands; IPv4, IPv6 and unix addresses; TLVs are kept in
//! [`ProxiedBy::tlvs`], the server name and ALPN also as a [`TlsHello`](endpoint_core::TlsHello),
//! so a relay behind the layer passes them on). A
//! header without addresses (v1 `UNKNOWN`, v2 `LOCAL`, as proxies' health checks send) keeps
//! the connection's own addresses. Headers are framed here and parsed by the
//! [`ppp`](https://docs.rs/ppp) crate.
//!
//! # The `haproxy+` client layer
//! `haproxy+tcp:backend:80` connects, then sends a PROXY header first, naming the client the
//! connection is made for, as HAProxy's `send-proxy-v2` does:
//! `endpoint relay 'tcp:80' 'haproxy+tcp:backend:80'` tells the backend each accepted client's
//! address. The relay connects with
//! [`ClientEndpoint::connect_for`](endpoint_core::ClientEndpoint::connect_for), and the layer
//! reads the [`Origin`](endpoint_core::Origin) of the connect; a program does the same (see
//! [`HaproxyClientEndpoint`]).
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `version` | `2` | `1` (text) or `2` (binary) |
//! | `tlvs` | `1` | v2: send the client's TLS server name (`PP2_TYPE_AUTHORITY`) and ALPN (`PP2_TYPE_ALPN`) when known; `0` sends addresses only |
//!
//! ```
//! let canonical = |text: &str| endpoints::client_from_string(text).unwrap().to_string();
//! assert_eq!(
//!     canonical("haproxy+tcp:backend:80:version=1"),
//!     "haproxy+tcp:backend:80:timeout=30:haproxy.version=1:haproxy.tlvs=1"
//! );
//! ```
//!
//! What the header says:
//!
//! | the origin | v2 | v1 |
//! |---|---|---|
//! | none (a plain `connect()`, `endpoint connect`) | `LOCAL`, no addresses | `PROXY UNKNOWN` |
//! | IPv4 ends (an IPv4-mapped IPv6 address counts as IPv4) | `PROXY`, `AF_INET` | `TCP4` |
//! | IPv6 ends, or one of each (the IPv4 one mapped, as HAProxy does) | `PROXY`, `AF_INET6` | `TCP6` |
//! | unix ends | `PROXY`, `AF_UNIX` (108-byte paths) | `PROXY UNKNOWN` |
//! | anything else (a unix client of an IP listener, a path over 108 bytes) | `LOCAL` | `PROXY UNKNOWN` |
//!
//! The source is the origin's peer (the real client, when the relay itself read a trusted
//! PROXY header), the destination the address that client connected to. A v2 header carries
//! TLVs when the accepted connection's layers learned them: `PP2_TYPE_AUTHORITY` (the TLS
//! server name a terminating `ssl:` server or a peeking layer saw) and `PP2_TYPE_ALPN`, as
//! ghostunnel and HAProxy's `proxy-v2-options authority,ssl` send them.
//!
//! The header goes out in one write before the connection is handed back, and the
//! connection stays the inner one, so `endpoint relay` still splices. Layers over it send
//! their bytes after it: `tls+haproxy+tcp:` sends the header, then the TLS handshake. A
//! backend that does not expect a header reads it as garbage: send it only to one that does.
//!
//! # Differences from Twisted
//! - Twisted looks only at the first chunk of data; here the header may arrive in pieces, up
//!   to the timeout (Twisted has none).
//! - `timeout`, `trusted` and `version` are ours, and so is the client layer (Twisted has
//!   none).
//! - The inner kind is case-insensitive (`haproxy:TCP:80` works; Twisted rejects it).
//!
//! # Limitations
//! - Nested layers (`haproxy+haproxy+...`) write their options with the same qualifier, so
//!   canonical text keeps only the outer layer's non-default options.
//!
//! # Linking
//! The `endpoints` facade links this crate with its `haproxy` feature (on by default); a
//! program depending on this crate alone adds `use endpoint_haproxy as _;`.
//!
//! # Feature flags
#![doc = document_features::document_features!()]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod kinds;
mod options;
mod send;
mod server;
mod specs;

pub use client::{HaproxyClientEndpoint, HaproxyClientSettings};
pub use options::{HeaderVersion, Versions};
pub use server::{HaproxyServerEndpoint, HaproxySettings, ProxiedBy};
