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
//! # Writing a kind
//! A transport builds a [`Kind`] (name, summary, options, parser) and submits it with
//! `endpoint_core::inventory::submit!`. Its parser reads an [`description::Args`] and returns
//! an endpoint; the endpoint's `Display` writes its canonical description with
//! [`description::Canonical`]. Server layers add a per-connection [`Upgrade`] to the inner
//! [`Listener`].
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod address;
mod authority;
#[cfg(feature = "axum")]
mod axum;
mod cap;
mod capped;
#[cfg(feature = "clap")]
#[cfg_attr(docsrs, doc(cfg(feature = "clap")))]
pub mod clap;
mod connection;
mod deadline;
mod describe;
pub mod description;
mod egress;
mod endpoint;
mod error;
mod future;
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
mod port;
mod prefixed;
mod registry;
mod secured;
mod side;
mod socket;
pub mod suggest;
#[cfg(feature = "tonic")]
mod tonic;
mod value;

pub use address::{Address, UnixAddress};
pub use authority::Authority;
pub use cap::Admitted;
pub use connection::{Connection, ConnectionInfo};
pub use deadline::with_timeout;
pub use describe::{Described, DescribedLayer, OptionValue};
pub use egress::{AddressClass, Cidr, EgressPolicy, Refusal};
pub use endpoint::{ClientEndpoint, ServerEndpoint};
pub use error::{find_in_chain, Error, Result};
pub use future::BoxFuture;
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
pub use port::ListeningPort;
pub use registry::{client_from_string, server_from_string, Registry, MAX_LAYERS};
pub use secured::Secured;
pub use side::Side;
pub use socket::{PlainSocket, SocketStream};
pub use value::{ClientDescription, ServerDescription};

/// Re-exported so plugins can register kinds without naming `inventory` themselves.
pub use inventory;
