//! An example third-party plugin: a `throttle+` layer that limits bandwidth over any stream
//! transport, on both sides.
//!
//! ```text
//! throttle+tcp:example.com:80:rate=65536            # client, 64 KiB/s each way
//! throttle+unix:/run/app.sock:rate=1000:burst=4000  # server, every accepted connection
//! ```
//!
//! A plugin is an ordinary crate that submits [`endpoint_core::Kind`] values with
//! `inventory`. An application enables it by depending on it and adding one line, so the
//! linker keeps the crate even though nothing else names it:
//!
//! ```
//! use endpoint_throttle as _;
//! # use endpoints as _;
//! let endpoint = endpoint_core::client_from_string("throttle+tcp:localhost:80:rate=1000").unwrap();
//! assert_eq!(
//!     endpoint.to_string(),
//!     "throttle+tcp:localhost:80:timeout=30:throttle.rate=1000:throttle.burst=1000"
//! );
//! ```
#![warn(missing_docs)]

mod bucket;
mod endpoint;
mod kinds;
mod stream;

pub use endpoint::{
    ThrottleClientEndpoint, ThrottleClientSettings, ThrottleServerEndpoint, ThrottleServerSettings,
};
pub use stream::Throttled;
