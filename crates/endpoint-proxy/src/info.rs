//! What a proxy layer stores in a connection's info.

use endpoint_core::{Address, Authority};

/// How a connection went through a proxy: `connection.info().get::<ProxiedThrough>()`.
///
/// The connection's `peer_address()` is the target (an `Inet` address when the target is an
/// IP literal, else `Other("host:port")`); the proxy's own address is kept here.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxiedThrough {
    /// `socks5` or `httpconnect`.
    pub protocol: &'static str,
    /// The proxy's description, secrets masked.
    pub proxy: String,
    /// The address the connection really has at its far end: the proxy's.
    pub proxy_address: Address,
    /// The target asked for.
    pub target: Authority,
    /// SOCKS5: the address the proxy says it connected from (`BND.ADDR:BND.PORT`).
    pub bound: Option<String>,
}
