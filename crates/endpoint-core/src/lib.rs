//! The core of `endpoints`: say *where* to listen or connect with a short string, get back an
//! ordinary async byte stream.
//!
//! This crate holds what every transport shares and no transport itself:
//!
//! - the two endpoint traits, [`ServerEndpoint`] (`bind`) and [`ClientEndpoint`] (`connect`);
//! - [`Connection`], one type-erased byte stream with its [`ConnectionInfo`];
//! - [`Listener`] (accept, a `Stream`, `listen(handler)`) and [`ListeningPort`] (stop, shut
//!   down, stop on drop);
//! - the [`description`] grammar, Twisted's exactly, with `+` layering and URL forms;
//! - the [`Registry`] of kinds, filled by transport crates through `inventory`, and
//!   [`server_from_string`] / [`client_from_string`] over it;
//! - [`Service`] and [`ServiceGroup`] (Twisted's `strports.service`): start, stop, and run
//!   until SIGINT/SIGTERM, then drain;
//! - [`Error`], whose fields carry the evidence (input, position, what exists), with
//!   [`TlsProblem`] and [`WsProblem`] saying what went wrong in a TLS or WebSocket handshake.
//!
//! Applications normally depend on the `endpoints` facade, which links the transports.
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
