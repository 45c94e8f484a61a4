//! Client proxy layers for `endpoints`: reach a target through a SOCKS5 proxy
//! (`socks5+`) or an HTTP proxy (`httpconnect+`).
//!
//! The inner `tcp:` description names the **target**, the host and port the proxy is asked
//! for; `proxy=` is the (escaped) client description of the **proxy** itself. Layers above
//! see the target, so `tls+socks5+tcp:example.com:443:proxy=...` verifies `example.com`:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_proxy::ProxiedThrough;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! // A toy SOCKS5 proxy on loopback: accepts "no authentication", answers success, echoes.
//! let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let proxy_port = proxy.local_addr()?.port();
//! tokio::spawn(async move {
//!     let (mut s, _) = proxy.accept().await?;
//!     let mut greeting = [0; 3];
//!     s.read_exact(&mut greeting).await?;
//!     s.write_all(&[5, 0]).await?;
//!     let mut request = [0; 4 + 1 + 11 + 2]; // a name: example.com
//!     s.read_exact(&mut request).await?;
//!     assert_eq!(&request[5..16], b"example.com");
//!     s.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
//!     let mut buf = [0; 4];
//!     s.read_exact(&mut buf).await?;
//!     s.write_all(&buf).await?;
//!     Ok::<_, std::io::Error>(())
//! });
//!
//! let client = endpoints::client_from_string(&format!(
//!     r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:{proxy_port}"
//! ))?;
//! let mut connection = client.connect().await?;
//! assert_eq!(connection.peer_address().to_string(), "example.com:443");
//! assert_eq!(connection.info().stack, ["tcp", "socks5"]);
//! assert_eq!(connection.info().get::<ProxiedThrough>().unwrap().protocol, "socks5");
//! assert!(connection.is_plain_socket()); // still spliceable by a relay
//! connection.write_all(b"ping").await?;
//! let mut buf = [0; 4];
//! connection.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"ping");
//! # Ok(()) }
//! ```
//!
//! # The layers
//! | layer | protocol |
//! |---|---|
//! | `socks5+tcp:HOST:PORT:proxy=...` | SOCKS5 (RFC 1928): no authentication, or username/password (RFC 1929); IPv4, IPv6 and name targets |
//! | `httpconnect+tcp:HOST:PORT:proxy=...` | HTTP/1.1 `CONNECT`, with `Proxy-Authorization: Basic` |
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `proxy` | required | escaped client description of the proxy: `tcp\:127.0.0.1\:1080`, `unix\:/run/socks.sock`, `tls+tcp\:proxy.example\:3129`; or a proxy URL, or `env` (below) |
//! | `user`, `password` | none | credentials (secret: `***` in `Display`, `describe` and logs) |
//! | `resolve` | `remote` | socks5 only: `remote` sends the name to the proxy (`socks5h`); `local` resolves here and sends an address |
//! | `handshakeTimeout` | `10` | seconds the proxy may take to answer, once reached; a stall is a timeout naming the proxy and the stage |
//!
//! Canonical text qualifies them: `socks5+tcp:example.com:443:timeout=30:socks5.proxy=tcp\:127.0.0.1\:1080\:timeout\=30:socks5.resolve=remote:socks5.handshakeTimeout=10`.
//!
//! ```
//! let canonical = |text: &str| endpoints::client_from_string(text).unwrap().to_string();
//! assert_eq!(
//!     canonical(r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:resolve=local"),
//!     r"socks5+tcp:example.com:443:timeout=30:socks5.proxy=tcp\:127.0.0.1\:1080\:timeout\=30:socks5.resolve=local:socks5.handshakeTimeout=10"
//! );
//! // Credentials are secret: `***` wherever the description is shown.
//! assert_eq!(
//!     canonical(r"httpconnect+tcp:example.com:443:proxy=unix\:/run/proxy.sock:user=me:password=pw"),
//!     r"httpconnect+tcp:example.com:443:timeout=30:httpconnect.proxy=unix\:/run/proxy.sock\:timeout\=30\:lockfile\=0:httpconnect.user=***:httpconnect.password=***:httpconnect.handshakeTimeout=10"
//! );
//! // The target must be a tcp client: TLS goes above the proxy layer.
//! assert!(endpoints::client_from_string(r"socks5+tls+tcp:example.com:443:proxy=tcp\:p\:1080").is_err());
//! ```
//!
//! # Proxy URLs
//! `proxy=` also takes the URLs curl takes, escaped like any value:
//! `socks5h\://USER\:PASSWORD@HOST\:PORT` (the proxy resolves names), `socks5\://...` (this
//! machine resolves them, as curl means it) and `http\://...` (for `httpconnect+`). A URL
//! is the nested description it stands for, the same value with the same canonical text:
//! `tcp:HOST:PORT` as `proxy=`, its user and password (percent-decoded) as the secret
//! `user=`/`password=`, its scheme as `resolve=`. A missing port is 1080 (curl's default).
//! A scheme the layer does not speak (`http://` under `socks5+`), `https://`, `socks4://`, a
//! path, or credentials given twice are description errors that never quote the password.
//!
//! ```
//! let text = |s: &str| endpoints::client_from_string(s).unwrap().to_string();
//! assert_eq!(
//!     text(r"socks5+tcp:example.com:443:proxy=socks5h\://me\:pw@127.0.0.1\:1080"),
//!     text(r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=me:password=pw"),
//! );
//! assert!(endpoints::client_from_string(r"socks5+tcp:h:443:proxy=http\://p\:3128").is_err());
//! ```
//!
//! # `proxy=env`
//! The proxy comes from the environment **at each connect**, as curl reads it; the
//! description stays `proxy=env` (its canonical text does not depend on the environment).
//! A target on port 80 reads `http_proxy` (lowercase only, as curl); any other port
//! `https_proxy`, then `HTTPS_PROXY`; then `all_proxy`, `ALL_PROXY`. The variable holds a
//! proxy URL (no scheme means `http://`), and its scheme decides the protocol and who
//! resolves names, whichever of the two layers was written; its credentials, else the
//! layer's `user=`/`password=`, are sent. `no_proxy` (else `NO_PROXY`) lists targets reached
//! **directly**, through the inner `tcp:` endpoint: `*`, host names (matching subdomains
//! too; a leading dot is optional), IP addresses and CIDR blocks (`10.0.0.0/8`) for IP
//! targets; names are not resolved to match. No variable set: directly too. The proxy's
//! `tcp:HOST:PORT` is parsed by the registry that parsed the layer, so its allow-list and
//! egress policy hold for it. A variable that is not a proxy URL fails the connect,
//! naming the variable, never its value.
//!
//! # What is connected, and what is checked
//! - Only the proxy is connected, with its own description (its `timeout=`, its TLS, its
//!   egress check: it is parsed by the registry that parses the outer description). The
//!   inner `tcp:` endpoint is never connected: only its host and port are sent, so its
//!   `timeout=` and `bindAddress=` have no effect. Any other inner kind is refused while
//!   parsing; write TLS above the proxy layer (`tls+socks5+tcp:...`), not below.
//! - The proxy resolves the target's name (with socks5's `resolve=local`, this machine
//!   does). A registry's egress policy is checked against literal and locally resolved
//!   target addresses; a name the proxy resolves is beyond its reach: restrict targets with
//!   the proxy's own rules.
//! - After the handshake the connection is the proxy connection itself: over a plain tcp or
//!   unix proxy connection it stays a plain socket, so `endpoint relay` splices it.
//!   `peer_address()` is the target; [`ProxiedThrough`] keeps the proxy's address.
//!
//! Both protocols are written here by hand (a few dozen lines each): the crates that
//! implement them connect on their own or own the stream type, while these layers must run
//! over whatever `Connection` the proxy description gives and hand it back unchanged.
//!
//! # Limitations
//! - The target must be written as a `tcp:` client (only its host and port are used; it is
//!   never connected); an IPv6 target is `tcp:[2001:db8::1]:443`.
//! - SOCKS5 `CONNECT` only (no `BIND`, no UDP, no SOCKS4); HTTP `CONNECT` over HTTP/1.1 with
//!   Basic credentials only (no Digest or NTLM); no `https://` proxies (write
//!   `proxy=tls+tcp\:...` instead).
//! - `proxy=env` does not read `socks5_proxy`-style or per-scheme variables other than
//!   curl's three, and `no_proxy` entries with ports are not supported (as in curl).
//! - Credentials travel as the protocols send them, in clear text: reach the proxy over TLS
//!   (`proxy=tls+tcp\:proxy.example\:3129`) on an untrusted network.
//!
//! # Linking
//! The `endpoints` facade links this crate with its `proxy` feature (on by default); a
//! program depending on this crate alone adds `use endpoint_proxy as _;`.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod env;
mod error;
mod http;
mod info;
mod kinds;
mod route;
mod socks5;
mod specs;
mod url;

pub use client::{
    HttpConnectClientEndpoint, HttpConnectSettings, Resolve, Socks5ClientEndpoint, Socks5Settings,
};
pub use error::{ProxyError, ProxyProblem, Stage};
pub use info::ProxiedThrough;
