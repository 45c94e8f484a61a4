//! The typed mark an encrypting layer leaves in a connection's info.

/// A [`ConnectionInfo`](crate::ConnectionInfo) extension: the connection's bytes are
/// encrypted and the peer authenticated by a layer (TLS, QUIC), and what that layer agreed.
///
/// Every layer that encrypts inserts one (`endpoint-tls` on both sides, so `ssl:`, `tls:` and
/// `tls+` connections carry it; `endpoint-quic` on every stream). Code that must not send
/// something in clear text asks `info.get::<Secured>().is_some()` instead of looking for a
/// layer's name in `info.stack`, so a plugin's own encrypting layer counts when it inserts a
/// `Secured` too. hyper's connector uses it to refuse `https://` over clear text and to
/// speak HTTP/2 when ALPN agreed on `h2`.
///
/// ```
/// use endpoint_core::{Address, ConnectionInfo, Secured, UnixAddress};
/// let unnamed = || Address::Unix(UnixAddress::Unnamed);
/// let mut info = ConnectionInfo::new("unix", unnamed(), unnamed());
/// assert!(info.get::<Secured>().is_none());
/// info.insert(Secured::new(Some(b"h2".to_vec())));
/// assert_eq!(info.get::<Secured>().and_then(|s| s.alpn.as_deref()), Some(&b"h2"[..]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Secured {
    /// The application protocol the peers agreed on by ALPN (`h2`, `http/1.1`), as sent on
    /// the wire; `None` when none was negotiated.
    pub alpn: Option<Vec<u8>>,
    /// The protocol version agreed on, as operators name it (`TLSv1.3`, `TLSv1.2`), when the
    /// layer says: `endpoint serve` counts handshakes by it.
    pub protocol: Option<&'static str>,
    /// The server name the client asked for by SNI, when this side terminated TLS and the
    /// client sent one: routers and `haproxy+` (a PROXY v2 TLV) pass it on.
    pub server_name: Option<String>,
}

impl Secured {
    /// The mark for a connection whose handshake agreed on `alpn` (or on none).
    pub fn new(alpn: Option<Vec<u8>>) -> Self {
        Secured {
            alpn,
            protocol: None,
            server_name: None,
        }
    }

    /// The same mark, saying which protocol version was agreed on (`TLSv1.3`).
    pub fn with_protocol(mut self, protocol: &'static str) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// The same mark, saying which server name the client asked for (server side).
    pub fn with_server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// True when ALPN agreed on HTTP/2 (`h2`).
    pub fn is_h2(&self) -> bool {
        self.alpn.as_deref() == Some(b"h2")
    }
}
