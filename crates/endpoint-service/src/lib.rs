//! Long-running use of endpoints: services and a client that tries again.
//!
//! - [`Service`] and [`ServiceGroup`] (Twisted's `strports.service`): a server description
//!   plus a handler, started and stopped as a unit; a group runs until SIGINT/SIGTERM
//!   ([`shutdown_signal`]), then stops accepting and drains.
//! - [`Retrying`] with its [`RetryPolicy`]: a client endpoint that retries a refused or
//!   timed-out connect with back-off, within a bounded time, and at most
//!   [`max_pending`](Retrying::max_pending) at once; [`is_transient`] says which errors are
//!   worth another try.
//!
//! Applications reach these through the `endpoints` facade (`endpoints::Service`,
//! `endpoints::Retrying`, ...). They are built only on `endpoint-core`'s public API (the
//! endpoint traits, `Listener`, `ListeningPort`), so the core does not carry them.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod retry;
mod service;

pub use retry::{is_transient, RetryPolicy, Retrying, TooManyPending};
pub use service::{shutdown_signal, Service, ServiceGroup};
