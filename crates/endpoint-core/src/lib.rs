//! The kernel of `endpoints`: what every transport, layer and plugin shares, and nothing any
//! one of them needs alone.
//!
//! - the two endpoint traits, [`ServerEndpoint`] (`bind`) and [`ClientEndpoint`] (`connect`),
//!   and a server layer's per-connection [`Upgrade`];
//! - [`Connection`], one type-erased byte stream with its [`ConnectionInfo`] (addresses, the
//!   stack of layers, typed extensions such as [`Secured`]), and its socket-taking seam for
//!   zero-copy relays ([`PlainSocket`], [`SocketBacked`], [`Connection::with_unread`]);
//! - [`Listener`] (accept, a `Stream`, `listen(handler)`, merged listeners) and
//!   [`ListeningPort`] (stop, shut down, stop on drop);
//! - the [`description`] grammar, Twisted's exactly, with `+` layering and URL forms, and the
//!   description values [`ServerDescription`], [`ClientDescription`], [`Described`];
//! - the [`Registry`] of kinds, filled by transport crates through `inventory`, and
//!   [`server_from_string`] / [`client_from_string`] over it;
//! - [`Error`], whose fields carry the evidence (input, position, what exists); a layer's
//!   typed problem rides in [`Error::Handshake`] and [`Error::find`] gets it back;
//! - [`IoClass`], the one classifier of OS errors (per connection, out of resources,
//!   transient, fatal), and [`EgressPolicy`], which addresses a client may reach.
//!
//! The rest of the workspace is built on this: the transports (`endpoint-tcp`, `-unix`,
//! `-tls` with its `TlsProblem`, `-ws` with its `WsProblem`, ...), the relay
//! (`endpoint-relay`), services and the retrying client (`endpoint-service`), and the hyper,
//! tonic and clap helpers (in the `endpoints` facade). Only an integration impl that the
//! orphan rule ties to a core type stays here, behind its feature: `axum::serve::Listener` for
//! [`Listener`], hyper-util's and tonic's connection traits for [`Connection`], clap's value
//! parsers for the description types (the `clap` module). Applications normally depend on the
//! `endpoints` facade, which links the transports.
//!
//! # Writing a plugin
//! A kind is data: a name, a summary, option metadata (which drives parsing, defaults,
//! `endpoint kinds` and error messages) and a parser. A transport or plugin crate builds a
//! [`Kind`] and submits it with [`inventory`]; its parser reads a [`description::Args`]
//! through typed getters that fall back to the [`OptionSpec`] defaults, and returns an
//! endpoint whose [`description`](ClientEndpoint::description) gives its
//! [`description::Description`] value (its `Display` renders that, masked). A client layer wraps the inner [`ClientEndpoint`]; a server
//! layer adds a per-connection [`Upgrade`] to the inner [`Listener`], so its handshake runs
//! in its own task. A complete client layer:
//!
//! ```
//! use std::sync::Arc;
//!
//! use endpoint_core::description::{Args, Description, FromOption};
//! use endpoint_core::{inventory, Authority, BoxFuture, ClientEndpoint, Connection};
//! use endpoint_core::{Kind, OptionSpec, OptionType, Result};
//!
//! /// `retry+CLIENT:attempts=N`: tries the inner endpoint up to N times.
//! #[derive(Debug)]
//! struct Retry {
//!     inner: Arc<dyn ClientEndpoint>,
//!     attempts: u32,
//! }
//!
//! impl ClientEndpoint for Retry {
//!     fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
//!         Box::pin(async move {
//!             let mut attempt = 1;
//!             loop {
//!                 match self.inner.connect().await {
//!                     Err(_) if attempt < self.attempts => attempt += 1,
//!                     outcome => return outcome,
//!                 }
//!             }
//!         })
//!     }
//!
//!     // A layer forwards what it reaches, so `tls+retry+tcp:...` still verifies the tcp host.
//!     fn authority(&self) -> Option<Authority> {
//!         self.inner.authority()
//!     }
//!
//!     // The endpoint as a value: equality, serde and `describe` read it.
//!     fn description(&self) -> Description {
//!         Description::layer("retry", self.inner.description()).option("attempts", self.attempts)
//!     }
//! }
//!
//! impl std::fmt::Display for Retry {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         self.description().fmt(f)
//!     }
//! }
//!
//! // The option table is the one home of the default.
//! static RETRY_OPTIONS: &[OptionSpec] =
//!     &[OptionSpec::new("attempts", OptionType::Integer, "attempts before giving up").default("3")];
//!
//! fn retry(mut args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
//!     let attempts = args.get_with("attempts", |t| match u32::from_option(t)? {
//!         0 => Err("must be at least 1".to_owned()),
//!         n => Ok(n),
//!     })?;
//!     args.finish()?; // an option nobody read is an error, with a "did you mean"
//!     Ok(Arc::new(Retry { inner, attempts }))
//! }
//!
//! inventory::submit! {
//!     Kind::client_layer(
//!         "retry",
//!         "tries the inner endpoint up to attempts times",
//!         RETRY_OPTIONS,
//!         retry,
//!     )
//! }
//!
//! // An application that links this crate (here: the facade, for the tcp kind beneath):
//! fn main() -> Result<()> {
//!     let client = endpoints::client_from_string("retry+tcp:example.com:80")?;
//!     assert_eq!(client.to_string(), "retry+tcp:example.com:80:timeout=30:retry.attempts=3");
//!     assert_eq!(client.authority(), Some(Authority::new("example.com", 80)));
//!     let error = endpoints::client_from_string("retry+tcp:example.com:80:attempts=0").unwrap_err();
//!     assert!(error.to_string().contains("must be at least 1"), "{error}");
//!     Ok(())
//! }
//! ```
//!
//! What else a kind can use:
//! - an inner description in an option (`tls`'s `endpoint=`, a proxy's `proxy=`) is parsed
//!   with `args.registry()`, the registry that is parsing, so its allow-list and egress
//!   policy hold for it too; a kind that connects by address checks
//!   `args.registry().egress()`;
//! - an option whose value must not be shown (a password) is marked
//!   [`OptionSpec::secret`], and the kind writes it into its description as a
//!   [`description::Secret`] (`Description::secret`), which prints masked;
//! - what a connection learned goes into its [`ConnectionInfo`] as a typed extension, and
//!   the layer's name onto `info.stack`;
//! - a stream that is a plain kernel socket underneath says so ([`SocketBacked`],
//!   [`Connection::socket_backed`]) so a relay can splice it;
//! - a concrete type gets `FromStr` with the registry's parser through [`Kind::args`].
//!
//! ## Shipping a plugin
//! An application enables a plugin by depending on it and adding one line, so that the linker
//! keeps a crate nothing else names: `use endpoint_throttle as _;`. The complete example is
//! the repository's `examples/plugin-throttle` (its `src/kinds.rs`, with its tests).
//!
//! To ship one: publish the crate (depending on `endpoint-core` only), document the
//! `use your_plugin as _;` line, and say which kinds and options it adds. The `endpoint` CLI
//! shows how a program turns one on without touching any other crate: an optional
//! dependency, a cargo feature, and the line behind `#[cfg(feature = ...)]` in its `main.rs`:
//!
//! ```sh
//! cargo run -p endpoint-cli --features throttle -- kinds          # lists throttle
//! cargo run -p endpoint-cli --features throttle -- connect throttle+tcp:localhost:9000:rate=1000
//! ```
//!
//! # Feature flags
#![doc = document_features::document_features!()]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod address;
mod admission;
mod authority;
#[cfg(feature = "axum")]
mod axum;
mod cap;
#[cfg(feature = "clap")]
#[cfg_attr(docsrs, doc(cfg(feature = "clap")))]
pub mod clap;
mod connection;
mod credentials;
mod deadline;
mod describe;
pub mod description;
mod egress;
mod endpoint;
mod error;
mod events;
mod future;
pub mod handover;
mod handshakes;
#[cfg(feature = "hyper")]
mod hyper;
mod io_class;
mod io_stream;
mod kind;
mod layer;
mod listener;
mod merged;
mod nested;
mod option;
mod origin;
mod port;
mod prefixed;
mod printable;
mod registry;
mod secured;
mod server_options;
mod side;
mod socket;
pub mod suggest;
#[cfg(feature = "tonic")]
mod tonic;
mod value;

pub use address::{Address, UnixAddress};
pub use admission::{Admission, Gate};
pub use authority::{Authority, Reached};
pub use cap::Admitted;
pub use connection::{Connection, ConnectionInfo};
pub use credentials::PeerCredentials;
pub use deadline::with_timeout;
pub use describe::{Described, DescribedLayer, OptionValue};
pub use egress::{carried_ipv4, AddressClass, EgressPolicy, Refusal};
pub use endpoint::{ClientEndpoint, ServerEndpoint};
pub use error::{find_in_chain, Error, Result};
pub use events::ListenerEvents;
pub use future::BoxFuture;
pub use handshakes::HandshakeLimits;
pub use io_class::IoClass;
pub use io_stream::{IoStream, SocketBacked};
pub use kind::{
    Builder, ClientLayerParser, ClientParser, Kind, ServerLayerParser, ServerParser, Shorthand,
    UrlForm,
};
pub use layer::Upgrade;
pub use listener::{Accept, Listener};
pub use merged::{servers_from_strings, ListenerSource, MergedServerEndpoint};
pub use nested::InnerParser;
pub use option::{OptionSpec, OptionType};
pub use origin::{Origin, TlsHello};
pub use port::ListeningPort;
pub use printable::printable;
pub use registry::{client_from_string, server_from_string, Registry, MAX_LAYERS};
pub use secured::Secured;
pub use server_options::SERVER_OPTIONS;
pub use side::Side;
pub use socket::{PlainSocket, SocketStream};
pub use value::{ClientDescription, ServerDescription};

/// Re-exported so plugins can register kinds without naming `inventory` themselves.
pub use inventory;
/// The `ipnet` crate, for [`IpNet`]'s other types (`Ipv4Net`, `Ipv6Net`, `IpSubnets`).
pub use ipnet;
/// An IP network in CIDR notation (`10.0.0.0/8`, `::1/128`): the one CIDR type of every
/// allow-list and egress exception, parsed from options by
/// [`description::parse_cidr`] / [`description::parse_cidr_list`] (host bits cleared).
pub use ipnet::IpNet;
