//! TLS for `endpoints`, on rustls.
//!
//! **Not yet implemented.** This crate will hold Twisted's `ssl` server and client kinds, the
//! `tls` client kind and PEM-directory server kind, and a `tls+` layer over any stream
//! endpoint (`tls+unix:/run/a.sock:hostname=api`), verifying by default. Until then it
//! registers no kinds; the facade's `tls` feature links it so that nothing changes for
//! applications when the kinds arrive.
#![warn(missing_docs)]

pub use endpoint_core;
