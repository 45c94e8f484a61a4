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
//! they came in on; one listener's fatal error drops only that listener (logged), and the
//! merged one ends with the last. Every endpoint's `Display` prints its canonical
//! description, with every default written out, and that text parses back to the same
//! endpoint; the one exception is a merged endpoint, which prints its descriptions joined
//! with `", "` (its `local_address()` is the first listener's; `local_addresses()` has all).
//!
//! [`server_from_string`] and [`client_from_string`] do no network I/O: they parse and
//! validate, and read the files a description names (certificates, keys, trust roots, a
//! `tls:` directory), as Twisted does, so a configuration is checked when it is loaded; a
//! file that is missing or unusable is an error about that option. `bind` and `connect` read
//! those files again (a renewed certificate is used without re-parsing), do the network work,
//! and return errors that carry the OS reason (address in use, refused, permission denied).
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
//! | `haproxy+` | server layer: PROXY protocol v1/v2 (`haproxy:tcp:80` too); client layer: sends one for a relay's client | [`haproxy`] / `haproxy` |
//! | `sni+` | server layer: reads the TLS ClientHello (server name, ALPN) without terminating TLS, for routing | [`sni`] / `sni` |
//! | `ssl`, `tls`, `tls+` | server and client, verifying by default | [`tls`] / `tls` |
//! | `ws+`, `ws:`/`wss:` shorthands, `ws://` URLs | WebSocket server and client | [`ws`] / `ws` |
//! | `socks5+`, `httpconnect+` | client layers: reach a `tcp:` target through a SOCKS5 or HTTP proxy (`proxy=`) | [`proxy`] / `proxy` |
//! | `quic` | server (a connection per stream a peer opens) and client (a stream per connect over one QUIC connection), verifying by default | `quic` / `quic` (opt-in) |
//! | `srv`, `dns` | clients: pools over a name's SRV records (RFC 2782) or its every address, re-resolved on TTL | `dns` / `dns` (opt-in) |
//!
//! Each transport's crate docs list its forms and every option with its default. Any server
//! description also takes `maxConnections=N` (`tcp:8080:maxConnections=1000`): at N live
//! connections the listener stops accepting until one ends (or closes a connection still in
//! its handshakes to admit the next). Handshakes of layers (TLS, WebSocket, PROXY) are bounded
//! by `maxHandshakes=` (1024 pending), `maxHandshakesPerSource=` (64 per IPv4 address or IPv6
//! /64) and `maxHandshakeTime=` (seconds for all of them together): a full table closes a
//! pending handshake rather than stop accepting, so idle sockets cannot keep clients out
//! ([`core::SERVER_OPTIONS`], [`Listener::with_handshake_limits`]). `allow=` and `deny=`
//! (CIDR lists; `deny=` wins) say who may connect at all, judged on the real client address
//! (after a PROXY header from a trusted sender, the one it names), and `allowUid=`/`allowGid=`
//! admit unix peers by user or group: a refused client is closed before any handshake
//! ([`core::Admission`]). `endpoint kinds` prints every registered kind with its options and
//! defaults.
//!
//! Third-party kinds register themselves with `inventory`; an application adds the plugin as a
//! dependency and one line, `use the_plugin as _;`, so the linker keeps it. Writing one: the
//! plugin guide in [`core`] (the `endpoint-core` crate docs).
//!
//! # Description strings
//! The grammar is Twisted's, exactly: segments split at `:`; `\` escapes the next character
//! ([`quote`] escapes a value); the first unescaped `=` in a segment makes it `key=value`; the
//! kind is the first positional, and the other positionals map to the kind's parameters in
//! order. Ours on top:
//!
//! - **layers**, `layer+layer+kind:...`, outermost first (`tls+unix:/run/a.sock`,
//!   `ws+tls+tcp:example.com:443`). A key goes to the base kind if it takes it, else to the
//!   one layer that does; `layer.key=` qualifies it (`tls.timeout=5`), and must where two
//!   layers take the same key. Canonical text qualifies every layer option.
//! - **URL forms**, registered by transports (`ws://host:port/path?query`, `wss://host/path`),
//!   and **shorthands** (`ws:8080` is `ws+tcp:8080`), and Twisted's wrapper form
//!   `haproxy:tcp:8080` for `haproxy+tcp:8080`;
//! - case-insensitive kinds and strict numbers (`tcp:99999`, `backlog=-5` are errors);
//! - **bounds**: at most 16 chained parts (layers and wrapper forms, [`core::MAX_LAYERS`])
//!   and 4096 `:`-separated segments, so any string costs time and memory in proportion to
//!   its length.
//!
//! Every difference from Twisted is listed in the repository's ARCHITECTURE.md ("Differences
//! from Twisted"); among them, a `tls:` certificate directory without one usable key and
//! certificate pair is refused while parsing (Twisted accepts it and then serves nothing),
//! and a unix socket file without `mode=` gets the permissions the umask gives (Twisted makes
//! it world-connectable, `666`).
//!
//! Canonical text writes every default out, and parses back to an equal endpoint:
//! ```
//! # fn main() -> Result<(), endpoints::Error> {
//! let server = endpoints::server_from_string("tcp:8080")?;
//! assert_eq!(server.to_string(), "tcp:8080:interface=:backlog=50");
//! let client = endpoints::client_from_string("ws://example.com:8080/chat")?;
//! assert_eq!(
//!     client.to_string(),
//!     "ws+tcp:example.com:8080:timeout=30:ws.path=/chat:ws.maxMessageSize=1048576:\
//!      ws.maxFrameSize=262144:ws.handshakeTimeout=10:ws.pingInterval=0"
//! );
//! assert_eq!(endpoints::client_from_string(&client.to_string())?.to_string(), client.to_string());
//! # Ok(()) }
//! ```
//!
//! A bad string gets an error that names the string, the position, what was expected and a
//! likely fix; [`Error::caret`] gives the two lines a terminal shows under it, and the
//! error's fields carry the same evidence:
//! ```
//! let error = endpoints::server_from_string("tpc:8080").unwrap_err();
//! assert!(error.to_string().starts_with(
//!     r#"unknown server endpoint kind "tpc" in "tpc:8080"; did you mean "tcp"?"#
//! ));
//! let error = endpoints::server_from_string("tcp:80:backlg=5").unwrap_err();
//! assert!(error.to_string().starts_with(
//!     r#"option "backlg" of tcp in "tcp:80:backlg=5" is not an option it takes; did you mean "backlog"?"#
//! ));
//! assert_eq!(error.caret().unwrap(), "  tcp:80:backlg=5\n         ^");
//! ```
//!
//! # Integrations
//! With their features, the same strings carry other protocols. The repository's
//! `examples/` run each of these self-contained on loopback (`examples/README.md`).
//!
//! ## axum
//! With the `axum` feature, a [`Listener`] is an `axum::serve::Listener`, so one router
//! serves over any description (a unix socket, TLS, a systemd-passed socket), or over several
//! at once with [`servers_from_strings`]
//! (`cargo run -p endpoint-examples --bin http`, `--bin multi_listen`):
//! ```no_run
//! # #[cfg(feature = "axum")]
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     use axum::{routing::get, Router};
//!     use endpoints::ServerEndpoint; // `bind` on the merged endpoint
//!
//!     let app = Router::new().route("/", get(|| async { "hello" }));
//!     let listener = endpoints::servers_from_strings(&["tcp:8080", "unix:/run/app.sock:mode=660"])?
//!         .bind()
//!         .await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! # #[cfg(not(feature = "axum"))]
//! # fn main() {}
//! ```
//!
//! ## hyper
//! With the `hyper` feature, `endpoints::hyper::Connector` is a `tower::Service<Uri>` made
//! from one client description: hyper-util's client sends every request there, whatever host
//! the URI names (the URI still gives the `Host` header and the path). The description's own
//! layers apply, so `tls+unix:` is HTTPS over a unix socket with an `http://` URI, and
//! `ws+tcp:` tunnels HTTP through a WebSocket. The scheme adds nothing: TLS comes only from
//! the description (`tls+`, `ssl:`, `tls:`), and an `https://` request through a description
//! without TLS fails rather than go out in clear text. Responses carry the connection's
//! [`ConnectionInfo`] in their extensions
//! (`cargo run -p endpoint-integration-examples --bin hyper_client`).
//! ```no_run
//! # #[cfg(feature = "hyper")]
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     use http_body_util::{BodyExt, Empty};
//!     use hyper::body::Bytes;
//!     use hyper_util::client::legacy::Client;
//!     use hyper_util::rt::TokioExecutor;
//!
//!     let connector: endpoints::hyper::Connector =
//!         "tls+unix:/run/app.sock:hostname=app.internal".parse()?;
//!     let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
//!     let response = client.get("http://app.internal/health".parse()?).await?;
//!     let body = response.into_body().collect().await?.to_bytes();
//!     println!("{}", String::from_utf8_lossy(&body));
//!     Ok(())
//! }
//! # #[cfg(not(feature = "hyper"))]
//! # fn main() {}
//! ```
//!
//! ## tonic
//! With the `tonic` feature, a [`Listener`] feeds tonic's `serve_with_incoming` (a
//! [`Connection`] is tonic's `Connected`, and a handler finds the [`ConnectionInfo`] in its
//! request's extensions), and `endpoints::tonic::channel` makes a `Channel` whose connections
//! come from a client description, through the same `Connector`. The generated code is
//! tonic's as usual (`tonic-build`, or a crate that ships it: below, `tonic-health`;
//! `cargo run -p endpoint-integration-examples --bin grpc`).
//! ```no_run
//! # #[cfg(feature = "tonic")]
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     use tonic::transport::Server;
//!     use tonic_health::pb::health_client::HealthClient;
//!     use tonic_health::pb::HealthCheckRequest;
//!
//!     let (_reporter, health) = tonic_health::server::health_reporter();
//!     let listener = endpoints::server_from_string("unix:/run/grpc.sock")?.bind().await?;
//!     tokio::spawn(Server::builder().add_service(health).serve_with_incoming(listener));
//!
//!     let client = endpoints::client_from_string("unix:/run/grpc.sock")?;
//!     let channel = endpoints::tonic::channel(client).await?;
//!     let reply = HealthClient::new(channel).check(HealthCheckRequest::default()).await?;
//!     println!("{:?}", reply.into_inner().status());
//!     Ok(())
//! }
//! # #[cfg(not(feature = "tonic"))]
//! # fn main() {}
//! ```
//!
//! The tests `crates/endpoints/tests/axum.rs`, `hyper.rs` and `tonic.rs` do all three over
//! `tcp:`, `unix:`, `tls+unix:` and `ws+tcp:`.
//!
//! ## Configuration files (serde)
//! [`ServerDescription`] and [`ClientDescription`] are plain values: `FromStr`, equality and
//! hashing by their [`Description`](core::description::Description) value (every default
//! written out, secrets compared), `Display` (the canonical text, secrets masked), and with
//! the `serde` feature they (de)serialize as strings, so a configuration file's
//! `listen = "tcp:8080"` loads into an endpoint and a bad string fails at load time with the
//! parse error. Serializing writes the **whole** text, secrets included, so what is saved
//! loads back to the same endpoint: keep such files private, and log with `Display`. The same feature lets `Registry::describe`'s
//! [`Described`](core::Described) serialize as the object `endpoint describe --json` prints.
//! ```
//! # #[cfg(feature = "serde")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoints::{ClientDescription, ServerDescription};
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct Config {
//!     listen: ServerDescription,
//!     upstream: ClientDescription,
//! }
//!
//! let config: Config =
//!     serde_json::from_str(r#"{"listen": "tcp:8080", "upstream": "tcp:localhost:9000"}"#)?;
//! assert_eq!(config.listen.to_string(), "tcp:8080:interface=:backlog=50");
//! assert_eq!(config.upstream.to_string(), "tcp:localhost:9000:timeout=30");
//! // Values, not text: the defaults written out or left out are the same endpoint.
//! assert_eq!(config.listen, "tcp:8080:backlog=50".parse::<ServerDescription>()?);
//!
//! let bad = serde_json::from_str::<Config>(r#"{"listen": "tpc:8080", "upstream": "tcp:h:1"}"#);
//! assert!(bad.unwrap_err().to_string().contains(r#"did you mean "tcp"?"#));
//! # Ok(()) }
//! # #[cfg(not(feature = "serde"))]
//! # fn main() {}
//! ```
//!
//! ## Command lines (clap)
//! With the `clap` feature a description is a typed argument whose errors on a command line
//! are the library's, with the caret, and `endpoints::clap::help(text, side)` /
//! `kinds_help(side)` write `long_help` text listing the registered kinds
//! (`cargo run -p endpoint-examples --bin clap_flags` puts both on a `--listen` flag):
//! ```text
//! $ clap_flags --listen tcp:80:bakclog=3
//! error: invalid value for '--listen <DESCRIPTION>': option "bakclog" of tcp in "tcp:80:bakclog=3" is not an option it takes; did you mean "backlog"? (tcp takes: port, interface, backlog, reuseport, nodelay, ...)
//!   tcp:80:bakclog=3
//!          ^
//! ```
//! ```
//! # #[cfg(feature = "clap")]
//! # fn main() -> Result<(), endpoints::Error> {
//! use clap::Parser;
//! use endpoints::{ClientDescription, ServerDescription};
//!
//! /// Forwards every connection on LISTEN to UPSTREAM.
//! #[derive(Parser)]
//! struct Args {
//!     /// Where to listen: tcp:8080, unix:/run/app.sock, ssl:8443:privateKey=key.pem, ...
//!     #[arg(long, default_value = "tcp:8080")]
//!     listen: ServerDescription,
//!     /// Where to connect for each connection.
//!     #[arg(long)]
//!     upstream: ClientDescription,
//! }
//!
//! let args = Args::parse_from(["relay", "--listen", "unix:/run/app.sock", "--upstream", "tcp:localhost:9000"]);
//! assert_eq!(args.listen, "unix:/run/app.sock".parse()?);
//! assert_eq!(args.upstream.to_string(), "tcp:localhost:9000:timeout=30");
//!
//! let error = Args::try_parse_from(["relay", "--upstream", "tpc:localhost:9000"]).err().unwrap();
//! assert!(error.to_string().contains(r#"did you mean "tcp"?"#));
//! # Ok(()) }
//! # #[cfg(not(feature = "clap"))]
//! # fn main() {}
//! ```
//!
//! # Running a server, relaying, retrying
//! [`Service`] and [`ServiceGroup::run_until_signal`] are Twisted's `strports.service`: a
//! description plus a handler, started and stopped together, draining on SIGINT/SIGTERM.
//! [`relay::relay`] and [`relay::forward`] join two connections both ways (zero-copy between
//! plain sockets), as `endpoint relay` does, and
//! `Retrying::new(client, RetryPolicy::for_up_to(limit))` makes any client endpoint retry
//! what trying again can fix ([`Retrying`]).
//!
//! # What is where
//! The root holds what an application needs: the two `*_from_string` functions, the endpoint
//! traits, [`Connection`], [`Listener`] and [`ListeningPort`], [`Error`], services, the
//! description value types and [`Registry`]. Writing a kind, a layer or a plugin uses
//! [`core`] (the `endpoint-core` crate: `Kind`, `OptionSpec`, `Args`, `Upgrade`, `Accept`, …),
//! as `libp2p::core` does for libp2p. Each transport's own types are in its module
//! ([`tcp`], [`unix`], [`tls`], [`ws`], [`haproxy`], [`proxy`]), with the typed evidence of
//! its failures (`tls::TlsProblem`, `ws::WsProblem`: `error.find::<TlsProblem>()`). Relaying
//! is [`relay`] (the `endpoint-relay` crate); services and the retrying client are
//! [`service`] (the `endpoint-service` crate, also re-exported at the root).
//!
//! # Feature flags
//! `exec` runs programs named by descriptions: turn it on only where descriptions come from
//! the operator (the repository's SECURITY.md says what each kind can reach).
//!
#![doc = document_features::document_features!()]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use endpoint_core::description::quote;
pub use endpoint_core::{
    client_from_string, server_from_string, servers_from_strings, Address, Authority,
    ClientDescription, ClientEndpoint, Connection, ConnectionInfo, Error, HandshakeLimits, IpNet,
    Listener, ListenerSource, ListeningPort, MergedServerEndpoint, Registry, Result,
    ServerDescription, ServerEndpoint, Side, UnixAddress,
};
pub use endpoint_service::{shutdown_signal, RetryPolicy, Retrying, Service, ServiceGroup};

pub use features::features;

/// Services and the retrying client (the `endpoint-service` crate): [`Service`],
/// [`ServiceGroup`], [`Retrying`], and [`service::is_transient`], the errors worth another try.
pub use endpoint_service as service;

/// Joining two connections both ways, zero-copy between plain sockets (`endpoint relay`'s
/// engine): [`relay::relay`], [`relay::forward`].
pub use endpoint_relay as relay;

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

mod features;

#[cfg(feature = "clap")]
#[cfg_attr(docsrs, doc(cfg(feature = "clap")))]
pub mod clap;

/// PROXY protocol: the `haproxy+` layer (the `endpoint-haproxy` crate).
#[cfg(feature = "haproxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "haproxy")))]
pub use endpoint_haproxy as haproxy;

/// Routing TLS by server name without terminating it: the `sni+` layer and `SniRouter` (the
/// `endpoint-sni` crate).
#[cfg(feature = "sni")]
#[cfg_attr(docsrs, doc(cfg(feature = "sni")))]
pub use endpoint_sni as sni;

/// Client proxy layers: `socks5+` and `httpconnect+` (the `endpoint-proxy` crate).
#[cfg(feature = "proxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
pub use endpoint_proxy as proxy;

/// Pools of client endpoints: [`pool::Pool`], several upstreams as one client endpoint,
/// balanced with health (the `endpoint-pool` crate).
#[cfg(feature = "pool")]
#[cfg_attr(docsrs, doc(cfg(feature = "pool")))]
pub use endpoint_pool as pool;

/// QUIC: the `quic` kinds (the `endpoint-quic` crate, on quinn; the `quic` feature).
#[cfg(feature = "quic")]
#[cfg_attr(docsrs, doc(cfg(feature = "quic")))]
pub use endpoint_quic as quic;

/// DNS service discovery: the `srv` and `dns` pool kinds (the `endpoint-dns` crate, on
/// hickory-resolver; the `dns` feature).
#[cfg(feature = "dns")]
#[cfg_attr(docsrs, doc(cfg(feature = "dns")))]
pub use endpoint_dns as dns;

#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;

#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub mod tonic;

/// The README's Rust example, compiled as a doctest so it cannot rot (the integration
/// examples live in the crate docs above, each behind its feature).
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
