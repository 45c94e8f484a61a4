//! The `haproxy+` server layer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{
    cidr_contains, declared_default, parse_cidr_list, Args, Description,
};
use endpoint_core::{
    printable, Address, BoxFuture, Connection, Error, IpNet, Listener, Result, ServerEndpoint,
    TlsHello, Upgrade,
};
use tracing::{debug, warn};

use crate::header;
use crate::options::Versions;
use crate::specs::HAPROXY_OPTIONS;

/// Who relayed a connection: stored in the [`ConnectionInfo`](endpoint_core::ConnectionInfo)
/// of every connection that came through the `haproxy` layer, while `info.peer` and
/// `info.local` hold the addresses the PROXY header carried.
///
/// `connection.info().get::<ProxiedBy>()`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxiedBy {
    /// The proxy's own address: the real peer of the connection.
    pub peer: Address,
    /// The local address the proxy connected to.
    pub local: Address,
    /// The PROXY protocol version of the header: 1 or 2.
    pub version: u8,
    /// False when the header carried no addresses (v1 `UNKNOWN`, v2 `LOCAL` such as a
    /// proxy's health check, or an unspecified family); `info.peer` and `info.local` are then
    /// the connection's own.
    pub carried_addresses: bool,
    /// The v2 header's TLVs, in order, as (type, value) (empty for v1): the proxy's word on
    /// the client's TLS (`PP2_TYPE_ALPN` 0x01, `PP2_TYPE_AUTHORITY` 0x02, `PP2_TYPE_SSL`
    /// 0x20, ...), as trusted as the addresses. See [`alpn`](Self::alpn) and
    /// [`authority`](Self::authority).
    pub tlvs: Vec<(u8, Vec<u8>)>,
}

impl ProxiedBy {
    /// The first `PP2_TYPE_ALPN` TLV: the application protocol the proxy agreed on with the
    /// client (`h2`, `http/1.1`).
    pub fn alpn(&self) -> Option<&[u8]> {
        self.tlv(TLV_ALPN)
    }

    /// The first `PP2_TYPE_AUTHORITY` TLV when it is UTF-8: the host name the client asked
    /// the proxy for (its TLS SNI). Peer-controlled text: escape it
    /// ([`endpoint_core::printable`]) before logging it.
    pub fn authority(&self) -> Option<&str> {
        std::str::from_utf8(self.tlv(TLV_AUTHORITY)?).ok()
    }

    /// The value of the first TLV of type `kind`.
    pub fn tlv(&self, kind: u8) -> Option<&[u8]> {
        self.tlvs
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, value)| value.as_slice())
    }
}

/// `PP2_TYPE_ALPN`.
const TLV_ALPN: u8 = 0x01;
/// `PP2_TYPE_AUTHORITY`.
const TLV_AUTHORITY: u8 = 0x02;

/// What the header's TLVs say the client asked for, as a [`TlsHello`], so
/// [`Origin::server_name`](endpoint_core::Origin::server_name) and `alpn` see it and a relay
/// behind this layer passes it on (`haproxy+` in, `haproxy+` out): the authority only when
/// it looks like a host name (ASCII letters, digits, `-`, `.`, `_`; at most 253 bytes),
/// lowercased.
fn hello_of(proxied: &ProxiedBy) -> Option<TlsHello> {
    let name = proxied.authority().filter(|name| {
        (1..=253).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    });
    let alpn = proxied.alpn().filter(|a| (1..=255).contains(&a.len()));
    if name.is_none() && alpn.is_none() {
        return None;
    }
    Some(TlsHello::new(
        name.map(str::to_ascii_lowercase),
        alpn.map(|a| vec![a.to_vec()]).unwrap_or_default(),
    ))
}

/// Reads a PROXY protocol header (v1 or v2) on every connection the inner endpoint accepts:
/// the `haproxy+` layer, and Twisted's `haproxy:` wrapper (`haproxy:tcp:80` is read as
/// `haproxy+tcp:80`).
///
/// Each connection's header is read in its own task under `timeout`; a connection whose header
/// is missing, malformed, truncated, of a refused version, or too slow is closed, and never
/// delays others. With `trusted=`, a connection whose real peer is outside those networks is
/// closed before a byte is read (a non-IP peer, such as a unix socket's, is outside every
/// network). Bytes after the header reach the application untouched.
///
/// Without `trusted=` any peer may send a header, as in Twisted, so a client that reaches the
/// port directly can claim any address: binding such a listener on an address other than
/// loopback logs a warning. `trusted=any` states that intent and silences it.
///
/// Options (written `haproxy.NAME=` in canonical text): `timeout` (seconds, default 10),
/// `trusted` (comma-separated CIDRs, or `any`; default: any peer, with a warning),
/// `version` (`1`, `2` or `any`, default `any`).
///
/// # Examples
/// ```
/// # use endpoints as _;
/// let endpoint = endpoint_core::server_from_string("haproxy:tcp:8080:trusted=10.0.0.0/8")?;
/// assert_eq!(
///     endpoint.to_string(),
///     "haproxy+tcp:8080:interface=:backlog=50:haproxy.timeout=10:haproxy.trusted=10.0.0.0/8:haproxy.version=any"
/// );
/// # Ok::<(), endpoint_core::Error>(())
/// ```
#[derive(Debug)]
#[doc(alias = "HAProxyWrappingFactory")]
#[doc(alias = "proxyEndpoint")]
pub struct HaproxyServerEndpoint {
    inner: Arc<dyn ServerEndpoint>,
    settings: Arc<HaproxySettings>,
}

/// The settings of the `haproxy+` server layer: how long a client may take to send its
/// header, which peers may send one, which protocol versions are accepted. Put the layer over
/// any server endpoint with [`layer`](HaproxySettings::layer).
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use endpoint_core::description::parse_cidr_list;
/// use endpoint_haproxy::{HaproxySettings, Versions};
/// use endpoints::tcp::TcpServerEndpoint;
/// let settings = HaproxySettings::default()
///     .trusted(Some(parse_cidr_list("10.0.0.0/8").unwrap()))
///     .versions(Versions::V2);
/// let server = settings.layer(Arc::new(TcpServerEndpoint::new(8080)));
/// assert!(server.to_string().contains("haproxy.trusted=10.0.0.0/8"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaproxySettings {
    timeout: Duration,
    trusted: Trust,
    versions: Versions,
}

/// Which peers may send a PROXY header.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Trust {
    /// Any peer, because nothing was said (Twisted's default): warned about at bind when the
    /// listener is reachable from other machines.
    Unstated,
    /// Any peer, on purpose (`trusted=any`).
    Any,
    /// Peers in these networks only.
    Only(Vec<IpNet>),
}

impl Trust {
    /// `trusted=`'s value: `any`, or comma-separated CIDRs.
    fn parse(text: &str) -> std::result::Result<Trust, String> {
        if text.trim().eq_ignore_ascii_case("any") {
            Ok(Trust::Any)
        } else {
            parse_cidr_list(text)
                .map(Trust::Only)
                .map_err(|e| format!("{e}; or any, to accept every peer on purpose"))
        }
    }

    /// The canonical text of `trusted=`, `None` when unstated.
    fn text(&self) -> Option<String> {
        match self {
            Trust::Unstated => None,
            Trust::Any => Some("any".into()),
            Trust::Only(list) => Some(
                list.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        }
    }
}

/// True when `address` can be reached from other machines: an IP address that is not
/// loopback (the unspecified address included). Unix sockets are this machine's alone.
fn reachable_from_elsewhere(address: &Address) -> bool {
    match address {
        Address::Inet(a) => !a.ip().to_canonical().is_loopback(),
        Address::Unix(_) => false,
        _ => true,
    }
}

impl Default for HaproxySettings {
    /// The defaults: 10 s timeout, any peer, either version.
    fn default() -> Self {
        HaproxySettings {
            timeout: declared_default(HAPROXY_OPTIONS, "timeout"),
            trusted: Trust::Unstated,
            versions: declared_default(HAPROXY_OPTIONS, "version"),
        }
    }
}

impl HaproxySettings {
    /// Sets how long a client may take to send its header.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Accepts headers only from peers in these networks (`None`: from any peer, unstated,
    /// so binding on a non-loopback address warns; see [`trust_any`](Self::trust_any)).
    /// Host bits are cleared (`10.1.2.3/8` is `10.0.0.0/8`), as `trusted=` clears them; an
    /// IPv4-mapped peer address counts as the IPv4 address it carries.
    pub fn trusted(mut self, trusted: Option<Vec<IpNet>>) -> Self {
        self.trusted = match trusted {
            Some(list) => Trust::Only(list.into_iter().map(|net| net.trunc()).collect()),
            None => Trust::Unstated,
        };
        self
    }

    /// Accepts headers from any peer, on purpose (`trusted=any`): for a port only the proxy
    /// can reach (a firewall does the filtering). No warning at bind.
    pub fn trust_any(mut self) -> Self {
        self.trusted = Trust::Any;
        self
    }

    /// Sets which protocol versions are accepted.
    pub fn versions(mut self, versions: Versions) -> Self {
        self.versions = versions;
        self
    }

    /// Reads PROXY headers on every connection `inner` accepts (the tower-style
    /// `Layer::layer`).
    pub fn layer(self, inner: Arc<dyn ServerEndpoint>) -> HaproxyServerEndpoint {
        HaproxyServerEndpoint {
            inner,
            settings: Arc::new(self),
        }
    }

    /// Reads the layer's options (`timeout`, `trusted`, `version`); the parser then finishes
    /// the arguments and calls [`layer`](Self::layer).
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        let timeout = args.get("timeout")?;
        let trusted = args.get_optional_with("trusted", Trust::parse)?;
        let versions = args.get("version")?;
        let settings = HaproxySettings::default().timeout(timeout);
        let settings = match trusted {
            None => settings,
            Some(Trust::Only(list)) => settings.trusted(Some(list)),
            Some(_) => settings.trust_any(),
        };
        Ok(settings.versions(versions))
    }
}

impl HaproxyServerEndpoint {
    /// Reads PROXY headers on connections accepted by `inner`, with the defaults: 10 s
    /// timeout, any peer, either version (`HaproxySettings::default().layer(inner)`).
    pub fn new(inner: Arc<dyn ServerEndpoint>) -> Self {
        HaproxySettings::default().layer(inner)
    }

    /// Sets how long a client may take to send its header.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings = Arc::new((*self.settings).clone().timeout(timeout));
        self
    }

    /// Accepts headers only from peers in these networks (`None`: from any peer, unstated,
    /// so binding on a non-loopback address warns). Host bits are cleared (`10.1.2.3/8` is
    /// `10.0.0.0/8`), as `trusted=` clears them; an IPv4-mapped peer address counts as the
    /// IPv4 address it carries.
    pub fn trusted(mut self, trusted: Option<Vec<IpNet>>) -> Self {
        self.settings = Arc::new((*self.settings).clone().trusted(trusted));
        self
    }

    /// Accepts headers from any peer, on purpose (`trusted=any`; no warning at bind).
    pub fn trust_any(mut self) -> Self {
        self.settings = Arc::new((*self.settings).clone().trust_any());
        self
    }

    /// Sets which protocol versions are accepted.
    pub fn versions(mut self, versions: Versions) -> Self {
        self.settings = Arc::new((*self.settings).clone().versions(versions));
        self
    }

    /// The inner endpoint.
    pub fn inner(&self) -> &Arc<dyn ServerEndpoint> {
        &self.inner
    }
}

impl fmt::Display for HaproxyServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ServerEndpoint for HaproxyServerEndpoint {
    /// Binds the inner endpoint and adds the header reading to every accepted connection.
    /// Without `trusted=`, a listener reachable from other machines (bound on an address
    /// that is not loopback) logs a warning: any client that connects directly can claim
    /// any address.
    ///
    /// # Errors
    /// The inner endpoint's bind error.
    ///
    /// # Cancel safety
    /// As the inner endpoint's `bind`.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let listener = self.inner.bind().await?;
            if self.settings.trusted == Trust::Unstated {
                let exposed = listener
                    .local_addresses()
                    .iter()
                    .find(|a| reachable_from_elsewhere(a));
                if let Some(local) = exposed {
                    warn!(
                        endpoint = %self, %local,
                        "PROXY headers are believed from any peer, so a client that connects \
                         directly can claim any address; set trusted= to the proxies' networks \
                         (or trusted=any if a firewall does that)"
                    );
                }
            }
            Ok(listener
                .with_upgrade(Arc::new(HeaderUpgrade(Arc::clone(&self.settings))))
                .with_description(self))
        })
    }

    fn description(&self) -> Description {
        let s = &self.settings;
        Description::layer("haproxy", self.inner.description())
            .seconds("timeout", s.timeout)
            .option_some("trusted", s.trusted.text())
            .option("version", s.versions)
    }
}

struct HeaderUpgrade(Arc<HaproxySettings>);

impl Upgrade for HeaderUpgrade {
    fn name(&self) -> &'static str {
        "haproxy"
    }

    fn timeout(&self) -> Duration {
        self.0.timeout
    }

    /// True when the sender is trusted on purpose (`trusted=`, `trusted=any`): the address
    /// the header carries is then the one `allow=`/`deny=` judge. With `trusted=` unstated,
    /// anyone may send a header claiming any address, so the accepted address is judged.
    fn reveals_peer(&self) -> bool {
        self.0.trusted != Trust::Unstated
    }

    fn upgrade(&self, connection: Connection) -> BoxFuture<'static, Result<Connection>> {
        let settings = Arc::clone(&self.0);
        Box::pin(async move {
            let refused = |message: String| Error::Other {
                message,
                source: None,
            };
            if let Trust::Only(trusted) = &settings.trusted {
                let peer = connection.peer_address();
                let allowed = peer
                    .as_inet()
                    .is_some_and(|a| trusted.iter().any(|net| cidr_contains(net, a.ip())));
                if !allowed {
                    return Err(refused(format!(
                        "refused a PROXY connection from {peer}: not a trusted proxy"
                    )));
                }
            }
            let mut connection = connection;
            let (header, rest) = header::read(&mut connection, settings.versions)
                .await
                .map_err(refused)?;
            let info = connection.info_mut();
            let proxied = ProxiedBy {
                peer: info.peer.clone(),
                local: info.local.clone(),
                version: header.version,
                carried_addresses: header.addresses.is_some(),
                tlvs: header.tlvs,
            };
            if let Some((source, destination)) = header.addresses {
                info.peer = source;
                info.local = destination;
            }
            debug!(proxy = %proxied.peer, peer = %info.peer, version = header.version,
                authority = proxied.authority().map(printable).as_deref().unwrap_or("-"),
                "PROXY header read");
            if let Some(hello) = hello_of(&proxied) {
                info.insert(hello);
            }
            info.insert(proxied);
            info.stack.push("haproxy");
            // Keeps the socket spliceable: a relay behind a PROXY header is still zero-copy.
            Ok(connection.with_unread(rest))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use endpoint_core::UnixAddress;

    fn proxied(tlvs: Vec<(u8, Vec<u8>)>) -> ProxiedBy {
        let unnamed = || Address::Unix(UnixAddress::Unnamed);
        ProxiedBy {
            peer: unnamed(),
            local: unnamed(),
            version: 2,
            carried_addresses: true,
            tlvs,
        }
    }

    #[test]
    fn hello_of_accepts_host_names_only() {
        let hello = hello_of(&proxied(vec![
            (TLV_AUTHORITY, b"App.Example".to_vec()),
            (TLV_ALPN, b"h2".to_vec()),
        ]))
        .unwrap();
        assert_eq!(hello.server_name.as_deref(), Some("app.example"));
        assert_eq!(hello.alpn, vec![b"h2".to_vec()]);
        for bad in [
            &b"evil\x1b[31m.example"[..],
            b"a b",
            b"",
            b"\xff\xfe",
            &[b'a'; 254],
        ] {
            let p = proxied(vec![(TLV_AUTHORITY, bad.to_vec())]);
            assert_eq!(hello_of(&p), None, "{bad:?}");
        }
        // A bad name does not hide a good ALPN.
        let p = proxied(vec![
            (TLV_AUTHORITY, b"a b".to_vec()),
            (TLV_ALPN, b"http/1.1".to_vec()),
        ]);
        let hello = hello_of(&p).unwrap();
        assert_eq!(hello.server_name, None);
        assert_eq!(hello.alpn, vec![b"http/1.1".to_vec()]);
        assert_eq!(p.tlv(0x30), None);
    }
}
