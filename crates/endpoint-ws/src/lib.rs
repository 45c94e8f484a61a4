//! WebSocket for `endpoints`, on tokio-tungstenite: a connection's bytes carried in WebSocket
//! messages, so a browser or any WebSocket client can reach a service that speaks plain TCP,
//! and a program can connect out through WebSocket as if it were TCP.
//!
//! # A first pair
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::Registry;
//! use endpoint_ws::WsInfo;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let registry = Registry::global();
//! let mut listener = registry.server("ws:0:interface=127.0.0.1:path=/echo")?.bind().await?;
//! let port = listener.local_address().port().unwrap();
//! let client = registry.client(&format!("ws://127.0.0.1:{port}/echo?room=1"))?;
//!
//! let (mut accepted, mut connected) = tokio::try_join!(listener.accept(), client.connect())?;
//! connected.write_all(b"hello").await?;
//! connected.flush().await?;
//! let mut buf = [0; 5];
//! accepted.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//!
//! let info = accepted.info().get::<WsInfo>().unwrap();
//! assert_eq!((info.path.as_str(), info.query.as_deref()), ("/echo", Some("room=1")));
//! assert_eq!(accepted.info().stack, ["tcp", "ws"]);
//!
//! // Shutdown sends a Close frame and waits for the answer, which the server sends as it
//! // reads end of file: run both at once.
//! let ((), n) = tokio::try_join!(connected.shutdown(), accepted.read(&mut buf))?;
//! assert_eq!(n, 0);
//! # Ok(()) }
//! ```
//!
//! # Kinds
//! | description | meaning |
//! |---|---|
//! | `ws:8080:path=/chat` | server on TCP port 8080 (`ws+tcp:8080`) |
//! | `ws:example.com:80:path=/chat` | client over TCP (`ws+tcp:example.com:80`) |
//! | `wss:443:privateKey=key.pem:path=/chat` | server over TLS (`ws+ssl:443:...`) |
//! | `wss:example.com:443` | client over TLS (`ws+tls:example.com:443`) |
//! | `ws+unix:/run/a.sock:path=/x` | the `ws` layer over any endpoint, either side |
//! | `ws+tls+tcp:example.com:443:ws.path=/chat` | layers stack, outermost first |
//! | `ws://example.com:8080/chat?room=1` | client URL: `ws+tcp:example.com:8080:ws.path=/chat?room=1` |
//! | `wss://example.com/chat` | client URL: `ws+tls:example.com:443:ws.path=/chat` |
//! | `ws://0.0.0.0:8080/chat` | server URL: `ws+tcp:8080:interface=0.0.0.0:ws.path=/chat` |
//!
//! Each form parses to its layered canonical text:
//! ```
//! use endpoint_core::Registry;
//! use endpoint_tls as _; // `wss` is `ws+tls`
//! use endpoint_ws as _; // links this crate, so its kinds are registered
//! use endpoint_unix as _; // `ws+unix`
//!
//! let registry = Registry::global();
//! let limits = "ws.maxMessageSize=1048576:ws.maxFrameSize=262144:ws.handshakeTimeout=10:ws.pingInterval=0";
//! let client = |text: &str| registry.client(text).unwrap().to_string();
//! assert_eq!(
//!     client("ws://example.com:8080/chat?room=1"),
//!     format!("ws+tcp:example.com:8080:timeout=30:ws.path=/chat?room\\=1:{limits}")
//! );
//! assert_eq!(client("wss://example.com/chat"), format!("ws+tls:example.com:443:timeout=30:ws.path=/chat:{limits}"));
//! assert_eq!(client("ws:example.com:80:path=/chat"), client("ws+tcp:example.com:80:ws.path=/chat"));
//! assert_eq!(
//!     client("ws+unix:/run/a.sock:path=/x"),
//!     format!("ws+unix:/run/a.sock:timeout=30:lockfile=0:ws.path=/x:{limits}")
//! );
//! // Header values are secret: masked wherever the description is shown.
//! assert_eq!(
//!     client("ws:example.com:80:headers=Authorization=Bearer x"),
//!     format!("ws+tcp:example.com:80:timeout=30:ws.path=/:ws.headers=Authorization\\=***:{limits}")
//! );
//! let server = |text: &str| registry.server(text).unwrap().to_string();
//! assert_eq!(
//!     server("ws:8080:path=/chat:subprotocols=chat,v2"),
//!     format!("ws+tcp:8080:interface=:backlog=50:ws.path=/chat:ws.subprotocols=chat,v2:{limits}")
//! );
//! ```
//!
//! The shorthands `ws` and `wss` are registered rewrites ([`Shorthand`](endpoint_core::Shorthand)):
//! the registry that parses the description replaces the kind with its chain (`ws` →
//! `ws+tcp`; `wss` → `ws+tls` on the client, `ws+ssl` on the server) before parsing, so they
//! declare no options of their own. Positionals and the inner kind's options go to `tcp` (or
//! `ssl`/`tls`); WebSocket options go to the `ws` layer. `wss` works whenever the `tls` and
//! `ssl` kinds are in the same registry, and the canonical text of a shorthand is its
//! layered form (`ws+tcp:8080:...:ws.path=/chat`), which parses back. The `Host` header is
//! what the inner endpoint reaches (its [`authority`](endpoint_core::ClientEndpoint::authority));
//! write `ws.host=` to send another.
//!
//! # Options
//! Server (`ws+SERVER`, `ws:PORT`, `wss:PORT`):
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `path` | `/` | request path to accept; `*` accepts any; others get `404 Not Found` |
//! | `subprotocols` | (none) | comma list; the first of the *client's* offer that is listed is chosen; a client offering none of them gets `400 Bad Request` |
//! | `origins` | (any) | comma list of allowed `Origin` values; a missing or other origin gets `403 Forbidden` |
//! | `maxMessageSize` | `1048576` | largest incoming message (tungstenite's default is 64 MiB) |
//! | `maxFrameSize` | `262144` | largest incoming frame, refused from its header before any allocation |
//! | `handshakeTimeout` | `10` | seconds for the upgrade ([`Upgrade::timeout`](endpoint_core::Upgrade::timeout)), and for the close handshake on shutdown, after which the connection is closed |
//! | `pingInterval` | `0` | seconds between pings; two silent intervals end the connection (0: off) |
//! | `messageBudget` | `67108864` | bytes all connections of the process with this same budget may hold together in messages still arriving; when spent, the connection holding the most is closed with 1009 (0: no shared bound; see [`WsServerSettings::message_budget`]) |
//! | `messages` | `binary` | `text`: each line written is one text message, each message received is read as a line (see [`Messages`]) |
//!
//! Client (`ws+CLIENT`, `ws:HOST:PORT`, `wss:HOST:PORT`, URLs):
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `path` | `/` | request path with optional `?query` |
//! | `host` | inner host\[:port\], else `localhost` | `Host` header (port left out when it is 80, or 443 under TLS) |
//! | `subprotocols` | (none) | comma list to offer, preferred first; the server must choose one |
//! | `origin` | (none) | `Origin` header |
//! | `headers` | (none) | extra headers: `Name=value,Name=value`; a comma starts a new header only where `Name=` follows, so values may contain commas. Values are secret: `Display`, `Debug`, `describe` and logs show `***` (the whole text only from `description().unmasked()` and serde) |
//! | `maxMessageSize`, `maxFrameSize`, `handshakeTimeout`, `pingInterval`, `messageBudget`, `messages` | as above | as above |
//!
//! Options may follow a URL form, Twisted-style, after its path and query:
//! `ws://example.com/chat:messages=text` (a `:` in the path or query that is followed by
//! `NAME=` must then be written `%3A`).
//!
//! # The byte stream
//! Writes become binary messages of at most 64 KiB (less when the limits are smaller); reads
//! yield binary and text payloads in order; pings are answered; shutdown sends a Close frame
//! and waits for the peer's; the peer's Close is end of file. WebSocket has no half-close:
//! see [`WsStream`] for how shutdown maps.
//!
//! # Text mode
//! With `messages=text` the connection carries lines, as websocat does: each line written
//! (without its newline) is one text message, which must be UTF-8 (a line that is not fails
//! the write with [`WsProblem::NotUtf8`]; nothing is ever changed); each message received,
//! text or binary, is read as its payload and a newline. A line becomes a message when its
//! newline is written and goes out with the next flush, as binary messages do; a flush never
//! sends a partial line (a last line without newline goes at shutdown).
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::Registry;
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//! # use endpoint_ws as _;
//!
//! let registry = Registry::global();
//! let mut listener = registry.server("ws:0:interface=127.0.0.1:messages=text")?.bind().await?;
//! let port = listener.local_address().port().unwrap();
//! let client = registry.client(&format!("ws://127.0.0.1:{port}/:messages=text"))?;
//! let (accepted, mut connected) = tokio::try_join!(listener.accept(), client.connect())?;
//! connected.write_all(b"hello\nworld\n").await?; // two text messages
//! connected.flush().await?;
//! let mut lines = BufReader::new(accepted).lines();
//! assert_eq!(lines.next_line().await?.as_deref(), Some("hello"));
//! assert_eq!(lines.next_line().await?.as_deref(), Some("world"));
//! # Ok(()) }
//! ```
//!
//! # Connection info
//! Each connection's [`ConnectionInfo`](endpoint_core::ConnectionInfo) holds a [`WsInfo`]
//! (path, query, chosen subprotocol, the request headers on the server or the response
//! headers on the client), and `"ws"` is pushed onto its `stack`.
//!
//! # Errors
//! A failed handshake is [`Error::Handshake`](endpoint_core::Error::Handshake) (layer
//! `websocket`), whose [`WsProblem`] (`error.find::<WsProblem>()`) says what went wrong with its evidence
//! (`server refused the upgrade: 404 Not Found (no websocket at /x ...)` with the status, a
//! missing upgrade header, a refused subprotocol with the ones offered); a message over the
//! limit ends that connection with an `io::Error` carrying a
//! [`WsProblem::MessageTooLarge`] (or [`WsProblem::MessageBudgetSpent`] for the connection
//! holding the most when the process's `messageBudget` is spent).
//!
//! # Feature flags
#![doc = document_features::document_features!()]
//!
//! # Limitations
//! - Writes are batched into messages until `flush()` (as with a `BufWriter`): relays and
//!   `tokio::io::copy` flush for you; hand-written request/response code must flush.
//! - There is no half-close: `shutdown()` completes the close handshake and ends both
//!   directions.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The `ws:` shorthands build `ws+tcp:`: keep the tcp kinds linked wherever this crate is.
use endpoint_tcp as _;

mod budget;
mod client;
mod error;
mod fast_lane;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod info;
mod kinds;
mod read_ahead;
mod server;
mod settings;
mod specs;
mod stream;
mod transport;
mod url;

pub use budget::held_message_bytes;
pub use client::WsClientEndpoint;
pub use error::WsProblem;
pub use info::WsInfo;
pub use settings::{Messages, WsClientSettings, WsServerSettings, MAX_WRITE_MESSAGE};

/// The old name of [`WsClientSettings`].
#[deprecated(since = "0.1.0", note = "renamed WsClientSettings")]
pub type WsClientOptions = WsClientSettings;
/// The old name of [`WsServerSettings`].
#[deprecated(since = "0.1.0", note = "renamed WsServerSettings")]
pub type WsServerOptions = WsServerSettings;
pub use server::{WsServerEndpoint, WsUpgrade};
pub use stream::WsStream;

/// tokio-tungstenite, whose `WebSocketStream` [`WsStream`] wraps (with the `tungstenite`
/// feature; without it, no tungstenite type is part of this crate's API).
#[cfg(feature = "tungstenite")]
#[cfg_attr(docsrs, doc(cfg(feature = "tungstenite")))]
pub use tokio_tungstenite;
