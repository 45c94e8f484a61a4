//! Routing TLS by server name without terminating it, for `endpoints`.
//!
//! The `sni+` server layer reads the TLS ClientHello of every accepted connection *without
//! consuming it*: the server name and the ALPN protocols the client asked for become the
//! connection's [`TlsHello`](endpoint_core::TlsHello), and every byte read is handed back to
//! be read again. A relay then forwards the connection untouched (spliced, zero-copy, when
//! both sides are plain sockets) to a backend that terminates TLS itself, with its own
//! certificate. [`SniRouter`] is the client endpoint such a relay connects through: it picks
//! the backend by the name.
//!
//! ```sh
//! endpoint relay sni+tcp:443 \
//!     --route a.example=tcp:10.0.0.1:443 \
//!     --route '*.b.example=tcp:10.0.0.2:443' \
//!     --route default=tcp:10.0.0.3:443
//! ```
//!
//! In a program, the same relay is a [`SniRouter`] given to `endpoints::relay::forward` for
//! each connection an `sni+` listener accepts; the accepted connection's
//! [`TlsHello`](endpoint_core::TlsHello) says what it asked for:
//!
//! ```
//! # use endpoints as _;
//! let server = endpoint_core::server_from_string("sni+tcp:443")?;
//! assert_eq!(server.to_string(), "sni+tcp:443:interface=:backlog=50:sni.timeout=10");
//! let client = |text: &str| endpoint_core::client_from_string(text);
//! let router = endpoint_sni::SniRouter::new()
//!     .route("a.example", client("tcp:127.0.0.1:8443")?)?
//!     .route("*.b.example", client("tcp:127.0.0.1:9443")?)?
//!     .route("default", client("tcp:127.0.0.1:10443")?)?;
//! assert_eq!(router.len(), 3);
//! # Ok::<(), endpoint_core::Error>(())
//! ```
//!
//! # The `sni` layer
//! Written `sni+tcp:443` (over any server endpoint: `sni+unix:/run/front.sock`,
//! `sni+haproxy+tcp:443`).
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `timeout` | `10` | seconds a client may take to send its whole ClientHello; slower connections are closed |
//!
//! Canonical text qualifies it: `sni+tcp:443:interface=:backlog=50:sni.timeout=10`.
//!
//! A connection is closed, and counted as a failed handshake in the listener's events
//! (`endpoint serve`'s `handshake_failed`), when its first bytes are not a TLS handshake
//! record, when its ClientHello is malformed (a length that overruns, a repeated extension,
//! two host names, a server name that is not a host name), longer than 16 KiB, or not all
//! there within `timeout`. The hello is read in the listener's handshake table, so the
//! listener's `maxHandshakeTime=` and handshake limits apply to it too: a client that never
//! sends its hello holds a table slot until one of them closes it.
//!
//! A hello without a `server_name` is accepted (the name is `None`; a router sends it to
//! its default route). The name is lowercased; only ASCII letters, digits, `-` and `_` in
//! dot-separated labels are accepted, as RFC 6066 asks (no trailing dot, no IP literal
//! characters).
//!
//! # Why a reader of our own
//! Only the record framing, the handshake header and two extensions of one message are
//! needed. A general TLS parser (`tls-parser`, with `nom`) would parse far more than is used
//! and allocate for all of it; the reader here is about two hundred lines, checks every
//! length against the bytes present and against the bound before keeping anything, never
//! indexes unchecked, and is fuzzed (`fuzz/run client_hello`, the same bytes arriving whole and in
//! pieces). It needs no TLS library at all, so this crate does not depend on rustls.
//!
//! # Routing
//! [`SniRouter`] matches exact names, one-label wildcards (`*.b.example`, as certificates
//! do) and a `default`. It reads the name from [`Origin::current`](endpoint_core::Origin::current)
//! during its connect, which a relay's `forward` sets, so it works behind `sni+` and behind a
//! terminating `tls:` server alike.
//!
//! # Linking
//! The `endpoints` facade links this crate with its `sni` feature (on by default); a program
//! depending on this crate alone adds `use endpoint_sni as _;`.
//!
//! # Feature flags
#![doc = document_features::document_features!()]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod hello;
mod kinds;
mod router;
mod server;
mod specs;

pub use hello::DEFAULT_MAX_HELLO;
pub use router::{routable, SniRouter, DEFAULT_ROUTE};
pub use server::{SniServerEndpoint, SniSettings};
