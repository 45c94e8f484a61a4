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
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;
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
pub mod relay;
mod retry;
mod service;
mod side;
mod socket;
pub mod suggest;
mod tls_problem;
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub mod tonic;
mod value;
mod ws_problem;

pub use address::{Address, UnixAddress};
pub use authority::Authority;
pub use cap::Admitted;
pub use connection::{Connection, ConnectionInfo};
pub use deadline::with_timeout;
pub use describe::{Described, DescribedLayer, OptionValue};
pub use egress::{AddressClass, EgressPolicy, Refusal};
pub use endpoint::{ClientEndpoint, ServerEndpoint};
pub use error::{Error, Result};
pub use future::BoxFuture;
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
pub use retry::{is_transient, RetryPolicy, Retrying};
pub use service::{shutdown_signal, Service, ServiceGroup};
pub use side::Side;
pub use socket::{PlainSocket, SocketStream};
pub use tls_problem::TlsProblem;
pub use value::{ClientDescription, ServerDescription};
pub use ws_problem::WsProblem;

/// Re-exported so plugins can register kinds without naming `inventory` themselves.
pub use inventory;
/// The `ipnet` crate, for [`IpNet`]'s other types (`Ipv4Net`, `Ipv6Net`, `IpSubnets`).
pub use ipnet;
/// An IP network in CIDR notation (`10.0.0.0/8`, `::1/128`): the one CIDR type of every
/// allow-list and egress exception, parsed from options by
/// [`description::parse_cidr`] / [`description::parse_cidr_list`] (host bits cleared).
pub use ipnet::IpNet;
