//! WebSocket for `endpoints`, on tokio-tungstenite.
//!
//! **Not yet implemented.** This crate will hold the `ws` and `wss` kinds, the `ws://` and
//! `wss://` URL forms, and a `ws+` layer that carries a connection's bytes in binary
//! messages. Until then it registers no kinds; the facade's `ws` feature links it so that
//! nothing changes for applications when the kinds arrive.
#![warn(missing_docs)]

pub use endpoint_core;
