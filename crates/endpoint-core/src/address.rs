//! Addresses of connection ends.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::printable;

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
            Address::Other(s) => f.write_str(&printable(s)),
        }
    }
}

impl fmt::Display for UnixAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnixAddress::Path(p) => f.write_str(&printable(&p.to_string_lossy())),
            UnixAddress::Abstract(name) => {
                write!(f, "@{}", printable(&String::from_utf8_lossy(name)))
            }
            UnixAddress::Unnamed => f.write_str("(unnamed)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unix address can come from a peer (a PROXY v2 header), and addresses go to logs:
    /// control characters are shown escaped.
    #[test]
    fn unix_addresses_display_escaped() {
        let path = Address::Unix(UnixAddress::Path("/tmp/\u{1b}[31mx\r\ny".into()));
        assert_eq!(path.to_string(), r"/tmp/\u{1b}[31mx\r\ny");
        let name = Address::Unix(UnixAddress::Abstract(b"a\x1b]0;t\x07".to_vec()));
        assert_eq!(name.to_string(), r"@a\u{1b}]0;t\u{7}");
        let plain = Address::Unix(UnixAddress::Path("/run/app.sock".into()));
        assert_eq!(plain.to_string(), "/run/app.sock");
    }
}
