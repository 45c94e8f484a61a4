//! TLS for `endpoints`, on rustls: every Twisted TLS string, plus a `tls+` layer over any
//! stream endpoint, verifying by default.
//!
//! | description | side | meaning |
//! |---|---|---|
//! | `ssl:443:privateKey=key.pem:certKey=cert.pem` | server | Twisted's `ssl:` (`privateKey` defaults to `server.pem`) |
//! | `tls:/etc/certs:port=443` | server | a directory of PEM files, certificate chosen by SNI |
//! | `tls+unix:/run/a.sock:certificate=c.pem:clientCA=ca.pem` | server | TLS over anything; mutual TLS |
//! | `tls+tcp:8443:certificate=c.pem:clientCA=ca.pem:clientSubjects=uri\:spiffe\://example.org/api` | server | mutual TLS admitting one client identity ([`ClientSubject`]) |
//! | `ssl:example.com:443` | client | Twisted's `ssl:`, **verifying** `example.com` (Twisted does not) |
//! | `tls:example.com:443:trustRoots=/etc/my-cas` | client | Twisted's `tls:`, over Happy-Eyeballs TCP |
//! | `tls:api:443:endpoint=unix\:/run/a.sock` | client | TLS over an inner endpoint, verifying `api` |
//! | `tls+unix:/run/a.sock:hostname=api:alpn=h2` | client | the layer form |
//! | `tls:localhost:8443:pin=sha256/BASE64` | client | trusts exactly that server key ([`SpkiPin`]) |
//!
//! Client forms parse to their canonical text (server forms read their key and certificate
//! files while parsing, as in the examples below):
//! ```
//! use endpoint_core::Registry;
//! use endpoint_tls as _; // links this crate, so its kinds are registered
//! use endpoint_unix as _; // the unix kind, for `endpoint=` and `tls+unix:`
//!
//! let canonical = |text: &str| Registry::global().client(text).unwrap().to_string();
//! assert_eq!(canonical("tls:example.com:443"), "tls:example.com:443:timeout=30");
//! assert_eq!(canonical("ssl:example.com:443"), "ssl:example.com:443:timeout=30");
//! assert_eq!(
//!     canonical(r"tls:api:443:endpoint=unix\:/run/a.sock"),
//!     r"tls:api:443:timeout=30:endpoint=unix\:/run/a.sock\:timeout\=30\:lockfile\=0"
//! );
//! assert_eq!(
//!     canonical("tls+unix:/run/a.sock:hostname=api:alpn=h2"),
//!     "tls+unix:/run/a.sock:timeout=30:lockfile=0:tls.hostname=api:tls.alpn=h2:tls.handshakeTimeout=10"
//! );
//! assert_eq!(
//!     canonical("tls+tcp:example.com:443:alpn=h2,http/1.1"),
//!     "tls+tcp:example.com:443:timeout=30:tls.hostname=example.com:tls.alpn=h2,http/1.1:tls.handshakeTimeout=10"
//! );
//! // TLS 1.0 and 1.1 do not exist here: a clear error, not a silent downgrade.
//! let error = Registry::global().server("ssl:443:sslmethod=TLSv1_METHOD").unwrap_err();
//! assert!(error.to_string().contains("names a protocol rustls does not offer"), "{error}");
//! ```
//!
//! # Options
//! `ssl` server (`ssl:PORT`, Twisted's):
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `port` | required | port to listen on |
//! | `privateKey` | `server.pem` | PEM file with the key (and possibly the certificate) |
//! | `certKey` | `privateKey` | PEM file with the certificate |
//! | `extraCertChain` | none | PEM file of chain certificates to send |
//! | `sslmethod` | `TLS_METHOD` | `TLS_METHOD` (1.2 and 1.3) or `TLSv1_2_METHOD` (1.2 only) |
//! | `dhParameters` | none | accepted and checked to exist; unused (ECDHE only) |
//! | `interface`, `backlog` | `""`, `50` | as for `tcp` |
//! | `handshakeTimeout` | `10` | seconds for each handshake (ours) |
//!
//! `tls` directory server (`tls:PATH`, Twisted's): a directory of PEM files whose keys are
//! paired with certificates by public key, each pair served for its DNS names by SNI (the first
//! for an unknown name); options `port` (`443`), `interface` (`::`), `backlog` (`50`),
//! `handshakeTimeout` (`10`). Subdirectories are read down to 8 levels; links to files are
//! followed (certbot's `live/`), links to directories are not.
//!
//! `tls+` server layer, over any server endpoint:
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `certificate` | required | certificate chain PEM (may hold the key) |
//! | `privateKey` | in `certificate` | the key |
//! | `extraCertChain` | none | chain certificates to send |
//! | `clientCA` | none | require client certificates from these CAs (mutual TLS): a PEM file, or a directory of `.pem` files |
//! | `clientSubjects` | any | with `clientCA`: admit only certificates carrying one of these identities, comma-separated `dns:NAME`, `uri:URI` (a SPIFFE ID), `cn:NAME` (colons escaped: `uri\:spiffe\://example.org/api`); others are refused during the handshake (`access_denied`); the one matched is [`TlsInfo::client_subject`] |
//! | `alpn` | none | protocols to accept, e.g. `h2,http/1.1` |
//! | `handshakeTimeout` | `10` | seconds for each handshake |
//!
//! `tls` and `ssl` clients (`tls:HOST:PORT`, `ssl:HOST:PORT`) and the `tls+` client layer:
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `host`, `port`, `timeout`, `bindAddress` | `timeout=30` | as for the `tcp` client (`tls:`, `ssl:`) |
//! | `endpoint` | none | `tls:` only: an escaped inner client description; host and port are then only verified |
//! | `hostname` | the host | name to send as SNI and verify (`ssl:`, `tls+`) |
//! | `trustRoots` / `caCertsDir` | platform roots | a CA directory or (`trustRoots` only) one PEM file; `caCertsDir` is `ssl:`'s name and, as in Twisted, takes a directory only |
//! | `pin` | none | accept only servers with these keys (`sha256/BASE64`, comma-separated) |
//! | `certificate` / `certKey`, `privateKey` | none | a client certificate and its key |
//! | `alpn` | none | `tls+`: protocols to offer, preferred first |
//! | `handshakeTimeout` | `10` | `tls+`: seconds for the handshake |
//!
//! `ssl:` and `tls:` build their TCP themselves and take tcp's socket options (`keepalive=`,
//! `rcvbuf=`, ...: see endpoint-tcp); a `tls:` client with `endpoint=` leaves them to the
//! inner description.
//!
//! # Choices
//! - **Crypto provider: `ring`.** It builds with the C compiler every Rust machine has, in
//!   seconds; aws-lc-rs (rustls' default) needs cmake and builds for minutes.
//! - **Versions and suites:** TLS 1.3 and 1.2 only, with rustls' `ring` suites (AES-GCM and
//!   ChaCha20-Poly1305, ECDHE key exchange). `sslmethod=TLSv1_2_METHOD` allows 1.2 only;
//!   older versions do not exist in rustls and are a clear error.
//! - **Platform roots** come from the system store through `rustls-native-certs`
//!   (`SSL_CERT_FILE`/`SSL_CERT_DIR`, else the distribution's bundle), read once.
//! - **Verification cannot be switched off.** A client always checks the chain and the name
//!   (`hostname=`, else the host). For a self-signed server, pin its key instead:
//!   `pin=sha256/BASE64` (several: comma-separated; `endpoint tls pin cert.pem` prints it).
//!   With `pin=` alone the client accepts a server holding one of the pinned keys and no
//!   other, with no issuer, name or date checks (the key is the identity); with `trustRoots=`
//!   (`caCertsDir=`) as well, both checks must pass. A wrong key fails with
//!   [`TlsProblem::PinMismatch`], which shows the
//!   pin presented. Naming the certificate as the trust root (`trustRoots=server-cert.pem`)
//!   works too.
//! - **Certificates renew themselves.** Every server (`ssl:`, `tls:` directories, `tls+`, and
//!   so `wss:`) serves through a [`ReloadingCertResolver`] (or the directory's own resolver):
//!   a handshake looks at the files' metadata at most once a second and, when they changed,
//!   reads them again; [`reload_certificates`] does it at once (the CLI calls it on
//!   `SIGHUP`). Established connections are untouched; unusable new files keep the old
//!   certificate, with a warning naming the file and the reason.
//! - **CA directories** (`caCertsDir=`, `trustRoots=`, `clientCA=`) read their `.pem` files
//!   only; a file there that is unreadable, not PEM or not a certificate is skipped (logged
//!   at debug level), as OpenSSL's certificate directories skip it and Twisted's loader means
//!   to. A directory left with no usable certificate is a description error naming the
//!   option ([`TlsProblem::NoCaInDirectory`]).
//! - **A `tls:` directory is read off the async runtime.** A handshake only notices that a
//!   second has passed and starts a look at the directory in a blocking task; handshakes go
//!   on with the certificates they have until the task swaps in the new scan, so a directory
//!   of thousands of pairs never stalls the process's other connections and timers.
//! - `connect` returns after the handshake (Twisted returns before it), so a failed
//!   verification is an error from `connect` that says what failed (unknown issuer, name
//!   mismatch, expired certificate, no shared protocol), never a dropped connection later.
//! - Servers run each handshake in its own task under `handshakeTimeout=` (10 s): a slow
//!   client never delays another.
//!
//! The outcome of each handshake is stored in the connection: `connection.info().get::<TlsInfo>()`
//! (version, cipher suite, ALPN, SNI name, peer certificates, and on a server with
//! `clientSubjects=` the identity the client was admitted as).
//!
//! # Limitations
//! - `dhParameters=` is accepted and checked to exist but unused (rustls has no finite-field
//!   DH); TLS 1.0 and 1.1 are not available.
//! - Certificate files are checked for changes at most once a second (the next handshake
//!   after that serves them; `SIGHUP` or [`reload_certificates`] for at once). A client
//!   resuming a TLS session from before a renewal is not shown the new certificate
//!   (resumption reuses the earlier authentication).
//! - A `tls:` directory whose rescan meets a broken file keeps serving the old certificates
//!   for the names it lost, so removing a certificate takes effect only once no file there
//!   is broken.
//!
//! # Examples
//! A TLS server and a client that verifies it, on loopback, with certificates made for the
//! example (`server.pem` holds a `localhost` certificate and its key, `ca.pem` the CA that
//! issued it):
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::description::quote;
//! use endpoint_core::Registry;
//! use endpoint_tls::TlsInfo;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! # let pki = endpoint_testkit::TestPki::new();
//! # let (server_pem, ca_pem) = (pki.path("server.pem"), pki.path("ca.pem"));
//!
//! let registry = Registry::global();
//! let key = quote(&server_pem.to_string_lossy());
//! let server = registry.server(&format!("ssl:0:privateKey={key}:interface=127.0.0.1"))?;
//! let mut listener = server.bind().await?;
//! let port = listener.local_address().port().unwrap();
//!
//! // Verified against ca.pem, for the name localhost (also sent as SNI).
//! let roots = quote(&ca_pem.to_string_lossy());
//! let client = registry.client(&format!("tls:localhost:{port}:trustRoots={roots}"))?;
//! let (mut accepted, mut connected) = tokio::try_join!(listener.accept(), client.connect())?;
//!
//! connected.write_all(b"hello").await?;
//! connected.flush().await?;
//! let mut buf = [0; 5];
//! accepted.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//! let tls = connected.info().get::<TlsInfo>().unwrap();
//! assert_eq!(tls.version, "TLSv1_3");
//! assert_eq!(accepted.info().get::<TlsInfo>().unwrap().server_name.as_deref(), Some("localhost"));
//! # Ok(()) }
//! ```
//!
//! A self-signed server (here one with no names at all), trusted by its key's pin:
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::description::quote;
//! use endpoint_core::Registry;
//! use endpoint_tls::TlsProblem;
//! use endpoint_tls::SpkiPin;
//! # let pki = endpoint_testkit::TestPki::new();
//! # let (self_signed, other) = (pki.path("ca-as-leaf.pem"), pki.path("server.pem"));
//!
//! let registry = Registry::global();
//! let key = quote(&self_signed.to_string_lossy());
//! let mut listener = registry
//!     .server(&format!("ssl:0:privateKey={key}:interface=127.0.0.1"))?
//!     .bind()
//!     .await?;
//! let port = listener.local_address().port().unwrap();
//!
//! let pin = SpkiPin::of_pem_file(&self_signed)?; // or: endpoint tls pin FILE
//! let client = registry.client(&format!("tls:localhost:{port}:pin={pin}"))?;
//! tokio::try_join!(listener.accept(), client.connect())?;
//!
//! // Any other key is refused, and the error shows the one presented.
//! let wrong = SpkiPin::of_pem_file(&other)?;
//! let client = registry.client(&format!("tls:localhost:{port}:pin={wrong}"))?;
//! let refused = tokio::select! {
//!     connected = client.connect() => connected.unwrap_err(),
//!     _ = listener.accept() => unreachable!("the client refuses the server"),
//! };
//! let presented = pin.to_string();
//! assert!(matches!(
//!     refused.find::<TlsProblem>(),
//!     Some(TlsProblem::PinMismatch { presented: p, .. }) if *p == presented
//! ));
//! # Ok(()) }
//! ```
//!
//! # Feature flags
#![doc = document_features::document_features!()]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod defaults;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod info;
mod kinds;
mod pem;
mod pin;
mod reload;
mod roots;
mod server;
mod sni;
pub mod specs;
mod subjects;
mod verify;
mod versions;

pub use client::{
    ascii_host, parse_alpn, RustlsClientConfig, TlsClientEndpoint, TlsClientSettings,
};
pub use error::TlsProblem;
pub use info::TlsInfo;
pub use pin::SpkiPin;
pub use reload::{reload_certificates, ReloadOutcome, ReloadingCertResolver};
pub use server::{TlsServerEndpoint, TlsServerSettings};
pub use subjects::{parse_client_subjects, ClientSubject};

// In a leaf module, so that the modules using them do not import the crate root, which
// imports them back (crates/endpoints/tests/module_cycles.rs).
pub(crate) use defaults::{default_handshake_timeout, provider};

/// The error for a client that needs the platform's trust roots on a machine that has none
/// (see [`RustlsClientConfig::verifier`]).
pub fn no_platform_roots() -> endpoint_core::Error {
    roots::no_platform_roots()
}

/// Turns a failed handshake's rustls error into [`Error::Handshake`](endpoint_core::Error::Handshake)
/// with the [`TlsProblem`] it means, for transports that run the
/// handshake themselves (QUIC). `endpoint` is the client's description or the server's
/// peer, `verify_name` the name a client verifies, `alpn` the protocols this side offered.
///
/// # Examples
/// ```
/// use endpoint_tls::TlsProblem;
/// use rustls::{CertificateError, Error};
/// let error = endpoint_tls::handshake_error(
///     Error::InvalidCertificate(CertificateError::UnknownIssuer),
///     &"quic:localhost:4433",
///     Some("localhost"),
///     &[],
/// );
/// assert_eq!(error.find::<TlsProblem>(), Some(&TlsProblem::UnknownIssuer));
/// ```
pub fn handshake_error(
    error: rustls::Error,
    endpoint: &dyn std::fmt::Display,
    verify_name: Option<&str>,
    alpn: &[String],
) -> endpoint_core::Error {
    error::handshake(std::io::Error::other(error), endpoint, verify_name, alpn)
}

/// Turns a problem with a file a description names into an
/// [`Error::Option`](endpoint_core::Error::Option) for the option that named it, as the TLS
/// kinds report them (found while parsing). `options` pairs option names with the paths they
/// gave; any other error is returned as it is.
pub fn blame_option(
    args: &endpoint_core::description::Args,
    options: &[(&str, Option<String>)],
    error: endpoint_core::Error,
) -> endpoint_core::Error {
    error::blame_option(args, options, error)
}
