//! Which end of a connection: the one that listens or the one that connects.

use std::fmt;

/// Which end an endpoint or kind is for.
///
/// With the `serde` feature it serializes as `"server"` or `"client"`, as it displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Side {
    /// Listening (`serverFromString`).
    Server,
    /// Connecting (`clientFromString`).
    Client,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Server => Side::Client,
            Side::Client => Side::Server,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Server => "server",
            Side::Client => "client",
        })
    }
}
