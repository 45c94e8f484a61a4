//! What a client endpoint ultimately reaches, by name: the host a TLS layer verifies and
//! sends as SNI, the `Host` a WebSocket layer sends.

use std::fmt;
use std::net::IpAddr;

/// A host (DNS name or IP literal) and a port.
///
/// Layers ask the endpoint beneath them for it ([`ClientEndpoint::authority`]) instead of
/// reading its description, so a plugin transport under `tls+` or `ws+` gets SNI, name
/// verification and the `Host` header right by reporting its own.
///
/// [`ClientEndpoint::authority`]: crate::ClientEndpoint::authority
///
/// # Examples
/// ```
/// use endpoint_core::Authority;
/// let a = Authority::new("[::1]", 443);
/// assert_eq!(a.host(), "::1");
/// assert!(a.ip().is_some());
/// assert_eq!(a.to_string(), "[::1]:443");
/// assert_eq!(Authority::new("example.com", 80).to_string(), "example.com:80");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Authority {
    host: String,
    port: u16,
}

impl Authority {
    /// `host` (brackets around an IPv6 literal are removed) and `port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        let host = host.into();
        let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) => inner.to_owned(),
            None => host,
        };
        Authority { host, port }
    }

    /// The host: a DNS name as written, or an IP literal without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host as an IP address, when it is a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// The same host with another port (a layer that changes the port it reaches).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}

/// `host:port`, with brackets around an IPv6 literal.
impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip() {
            Some(IpAddr::V6(ip)) => write!(f, "[{ip}]:{}", self.port),
            _ => write!(f, "{}:{}", self.host, self.port),
        }
    }
}

/// The authority one connection reached, when it differs from connection to connection: a
/// [`ConnectionInfo`](crate::ConnectionInfo) extension.
///
/// An endpoint that chooses its destination per connection (an SRV pool picks one of the
/// targets a DNS answer names) cannot report it from
/// [`ClientEndpoint::authority`](crate::ClientEndpoint::authority), which describes the
/// endpoint, not a connection. It records the target it reached here instead, and a layer
/// above that would have used the endpoint's own authority (the `tls+` client verifies the
/// name and sends it as SNI) uses this one for that connection.
///
/// # Examples
/// ```
/// use endpoint_core::{Address, Authority, ConnectionInfo, Reached};
/// let mut info = ConnectionInfo::new("tcp", Address::Other("a".into()), Address::Other("b".into()));
/// info.insert(Reached(Authority::new("a.example", 443)));
/// assert_eq!(info.get::<Reached>().map(|r| r.0.host()), Some("a.example"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reached(pub Authority);
