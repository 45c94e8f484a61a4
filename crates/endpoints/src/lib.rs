//! Say *where* to listen or connect with a short string and get back an ordinary async byte
//! stream: the endpoints idea of Twisted (`serverFromString` / `clientFromString`) for tokio.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let mut listener = endpoints::server_from_string("tcp:0:interface=127.0.0.1")?.bind().await?;
//! let port = listener.local_address().port().unwrap();
//! let client = endpoints::client_from_string(&format!("tcp:127.0.0.1:{port}"))?;
//!
//! let (mut server_side, mut client_side) = tokio::try_join!(listener.accept(), client.connect())?;
//! client_side.write_all(b"ping").await?;
//! let mut buf = [0; 4];
//! server_side.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"ping");
//! # Ok(()) }
//! ```
//!
//! The transport is chosen by the string, so the same program listens on `unix:/run/app.sock`
//! or `tcp6:8080` with no code change. [`servers_from_strings`] listens on several at once:
//! one [`Listener`] whose connections each carry a [`ListenerSource`] naming the description
//! they came in on. Every endpoint's `Display` prints its canonical
//! description, with every default written out, and that text parses back to the same
//! endpoint.
//!
//! # Kinds
//! | kind | side | crate / feature |
//! |---|---|---|
//! | `tcp` | server and client (Happy Eyeballs) | [`tcp`] / `tcp` |
//! | `tcp6` | server | [`tcp`] / `tcp` |
//! | `unix` | server (mode, lock file, `@abstract`) and client | [`unix`] / `unix` |
//! | `systemd` | server: adopt a socket passed by socket activation | [`unix`] / `unix` |
//! | `stdio` | server: stdin/stdout as one connection (inetd) | [`unix`] / `unix` |
//! | `exec` | client: a subprocess's stdout/stdin (runs a program: opt-in) | [`unix`] / `exec` |
//! | `haproxy+` | server layer: PROXY protocol v1/v2 (`haproxy:tcp:80` too) | [`haproxy`] / `haproxy` |
//! | `ssl`, `tls`, `tls+` | server and client, verifying by default | [`tls`] / `tls` |
//! | `ws+`, `ws:`/`wss:` shorthands, `ws://` URLs | WebSocket server and client | [`ws`] / `ws` |
//! | `socks5+`, `httpconnect+` | client layers: reach a `tcp:` target through a SOCKS5 or HTTP proxy (`proxy=`) | [`proxy`] / `proxy` |
//! | `quic` | server (a connection per stream a peer opens) and client (a stream per connect over one QUIC connection), verifying by default | `quic` / `quic` (opt-in) |
//!
//! Third-party kinds register themselves with `inventory`; an application adds the plugin as a
//! dependency and one line, `use the_plugin as _;`, so the linker keeps it.
//!
//! # What is where
//! The root holds what an application needs: the two `*_from_string` functions, the endpoint
//! traits, [`Connection`], [`Listener`] and [`ListeningPort`], [`Error`], services, the
//! description value types and [`Registry`]. Writing a kind, a layer or a plugin uses
//! [`core`] (the `endpoint-core` crate: `Kind`, `OptionSpec`, `Args`, `Upgrade`, `Accept`, …),
//! as `libp2p::core` does for libp2p. Each transport's own types are in its module
//! ([`tcp`], [`unix`], [`tls`], [`ws`], [`haproxy`], [`proxy`]).
//!
//! # Feature flags
//! `tcp`, `unix`, `tls`, `ws`, `haproxy`, `proxy`, all on by default. Each one links its transport crate, so
//! depending on `endpoints` is enough for its kinds to be found. Off by default: `exec` (the
//! `exec:` kind runs a program named by the description; turn it on only where descriptions
//! come from the operator — see SECURITY.md), `quic` (the `quic` kinds; adds quinn), `axum`,
//! `serde`, `tungstenite`, `clap`
//! (descriptions as command-line arguments, with help listing the kinds: `endpoints::clap`),
//! and the integrations `hyper` (`hyper::Connector`: hyper-util's client over any client
//! description) and `tonic` (gRPC served with `serve_with_incoming(listener)`, and
//! `tonic::channel`).
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use endpoint_core::description::quote;
pub use endpoint_core::{
    client_from_string, server_from_string, servers_from_strings, shutdown_signal, Address,
    Authority, ClientDescription, ClientEndpoint, Connection, ConnectionInfo, Error, IpNet,
    Listener, ListenerSource, ListeningPort, MergedServerEndpoint, Registry, Result, RetryPolicy,
    Retrying, ServerDescription, ServerEndpoint, Service, ServiceGroup, Side, UnixAddress,
};

/// Joining two connections both ways, zero-copy between plain sockets (`endpoint relay`'s
/// engine): [`relay::relay`], [`relay::forward`].
pub use endpoint_core::relay;

/// The plugin author's API: everything a transport, layer or plugin crate uses to register
/// kinds and build endpoints (the `endpoint-core` crate).
pub use endpoint_core as core;

/// TCP: `tcp` and `tcp6` (the `endpoint-tcp` crate).
#[cfg(feature = "tcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "tcp")))]
pub use endpoint_tcp as tcp;

/// Unix-domain sockets: `unix` (the `endpoint-unix` crate).
#[cfg(feature = "unix")]
#[cfg_attr(docsrs, doc(cfg(feature = "unix")))]
pub use endpoint_unix as unix;

/// TLS (the `endpoint-tls` crate).
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use endpoint_tls as tls;

/// WebSocket (the `endpoint-ws` crate).
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub use endpoint_ws as ws;

/// Descriptions as clap arguments: value parsers with the library's errors, and help text
/// that lists the registered kinds (the `clap` feature).
#[cfg(feature = "clap")]
pub use endpoint_core::clap;

/// PROXY protocol: the `haproxy+` layer (the `endpoint-haproxy` crate).
#[cfg(feature = "haproxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "haproxy")))]
pub use endpoint_haproxy as haproxy;

/// Client proxy layers: `socks5+` and `httpconnect+` (the `endpoint-proxy` crate).
#[cfg(feature = "proxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
pub use endpoint_proxy as proxy;
/// QUIC: the `quic` kinds (the `endpoint-quic` crate, on quinn; the `quic` feature).
#[cfg(feature = "quic")]
#[cfg_attr(docsrs, doc(cfg(feature = "quic")))]
pub use endpoint_quic as quic;

/// hyper-util's client over any description: [`hyper::Connector`] (the `hyper` feature).
#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub use endpoint_core::hyper;

/// gRPC over any description: `serve_with_incoming(listener)` and [`tonic::channel`] (the
/// `tonic` feature).
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub use endpoint_core::tonic;

/// The README's Rust examples, compiled as doctests so they cannot rot. Its axum, hyper and
/// tonic snippets need those features, so the README is tested when they are all on (as
/// `cargo test --workspace --all-features` has them).
#[doc = include_str!("../../../README.md")]
#[cfg(all(doctest, feature = "axum", feature = "hyper", feature = "tonic"))]
pub struct ReadmeDoctests;
