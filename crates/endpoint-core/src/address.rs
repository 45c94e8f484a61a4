//! Addresses of connection ends.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where one end of a connection is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// An IPv4 or IPv6 socket address.
    Inet(SocketAddr),
    /// A unix-domain socket address.
    Unix(UnixAddress),
    /// An address of a plugin's own transport, as text.
    Other(String),
}

/// A unix-domain socket address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnixAddress {
    /// A socket file in the file system.
    Path(PathBuf),
    /// A name in Linux's abstract namespace (written `@name`).
    Abstract(Vec<u8>),
    /// A socket with no name (the client end of most connections).
    Unnamed,
}

impl Address {
    /// The IP socket address, if this is one.
    pub fn as_inet(&self) -> Option<SocketAddr> {
        match self {
            Address::Inet(a) => Some(*a),
            _ => None,
        }
    }

    /// The port, for IP addresses.
    pub fn port(&self) -> Option<u16> {
        self.as_inet().map(|a| a.port())
    }

    /// The unix address, if this is one.
    pub fn as_unix(&self) -> Option<&UnixAddress> {
        match self {
            Address::Unix(a) => Some(a),
            _ => None,
        }
    }
}

impl From<SocketAddr> for Address {
    fn from(a: SocketAddr) -> Self {
        Address::Inet(a)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Inet(a) => write!(f, "{a}"),
            Address::Unix(u) => write!(f, "{u}"),
            Address::Other(s) => f.write_str(s),
        }
    }
}

impl fmt::Display for UnixAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnixAddress::Path(p) => write!(f, "{}", p.display()),
            UnixAddress::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
            UnixAddress::Unnamed => f.write_str("(unnamed)"),
        }
    }
}
