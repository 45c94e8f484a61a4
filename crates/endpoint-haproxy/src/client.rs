//! The `haproxy+` client layer: a PROXY header naming the client a connection is made for.

use std::fmt;
use std::sync::Arc;

use endpoint_core::description::{declared_default, Args, Description};
use endpoint_core::{Authority, BoxFuture, ClientEndpoint, Connection, Error, Origin, Result};
use tokio::io::AsyncWriteExt;
use tracing::debug;

use crate::options::HeaderVersion;
use crate::send;
use crate::specs::HAPROXY_CLIENT_OPTIONS;

/// The settings of the `haproxy+` client layer: which PROXY protocol version it sends and
/// whether v2 headers carry TLVs. Put the layer over any client endpoint with
/// [`layer`](HaproxyClientSettings::layer).
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use endpoint_haproxy::{HaproxyClientSettings, HeaderVersion};
/// use endpoints::tcp::TcpClientEndpoint;
/// let client = HaproxyClientSettings::default()
///     .version(HeaderVersion::V1)
///     .layer(Arc::new(TcpClientEndpoint::new("localhost", 80)));
/// assert!(client.to_string().ends_with(":haproxy.version=1:haproxy.tlvs=1"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HaproxyClientSettings {
    version: HeaderVersion,
    tlvs: bool,
}

impl Default for HaproxyClientSettings {
    /// The defaults: version 2, with TLVs.
    fn default() -> Self {
        HaproxyClientSettings {
            version: declared_default(HAPROXY_CLIENT_OPTIONS, "version"),
            tlvs: declared_default(HAPROXY_CLIENT_OPTIONS, "tlvs"),
        }
    }
}

impl HaproxyClientSettings {
    /// Sets the version sent (`version=`).
    pub fn version(mut self, version: HeaderVersion) -> Self {
        self.version = version;
        self
    }

    /// Whether a v2 header carries the client's TLS server name and ALPN as TLVs (`tlvs=`);
    /// v1 has none.
    pub fn tlvs(mut self, tlvs: bool) -> Self {
        self.tlvs = tlvs;
        self
    }

    /// Sends a PROXY header first on every connection `inner` makes (the tower-style
    /// `Layer::layer`).
    pub fn layer(self, inner: Arc<dyn ClientEndpoint>) -> HaproxyClientEndpoint {
        HaproxyClientEndpoint {
            inner,
            settings: self,
        }
    }

    /// Reads the layer's options (`version`, `tlvs`).
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        let version = args.get("version")?;
        let tlvs = args.get("tlvs")?;
        Ok(HaproxyClientSettings { version, tlvs })
    }
}

/// `haproxy+CLIENT`: connects with the inner endpoint, then writes a PROXY protocol header
/// naming the client the connection is made for, as HAProxy's `send-proxy` /
/// `send-proxy-v2` do. Built by [`HaproxyClientSettings::layer`].
///
/// On whose behalf is the [`Origin`] of the connect: a relay connects with
/// [`ClientEndpoint::connect_for`] (so `endpoint relay 'tcp:80' 'haproxy+tcp:backend:80'`
/// names each accepted client), and so can any program. The header's source is
/// [`Origin::peer`], its destination [`Origin::local`]; a v2 header carries the client's TLS
/// server name (`PP2_TYPE_AUTHORITY`) and ALPN (`PP2_TYPE_ALPN`) when a layer of the accepted
/// connection learned them (a terminating `ssl:` server, a peeking `sni+`, a PROXY header
/// that carried them). A plain [`connect`](ClientEndpoint::connect), with no origin, sends
/// v2 `LOCAL` / v1 `UNKNOWN`, as HAProxy's health checks do: the receiver keeps the
/// connection's own addresses. See the crate documentation for each address family.
///
/// The header goes out in one write before the connection is handed back; the connection
/// is otherwise the inner one, untouched, so a relay still splices a plain socket. Under an
/// outer layer it comes first on the wire: `tls+haproxy+tcp:` sends the header, then the
/// TLS handshake.
///
/// # Examples
/// Without a relay: connect on behalf of a connection a program accepted.
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use endpoints::core::Origin;
/// use endpoint_haproxy::ProxiedBy;
///
/// let mut front = endpoints::server_from_string("tcp:0:interface=127.0.0.1")?.bind().await?;
/// let mut backend = endpoints::server_from_string("haproxy+tcp:0:interface=127.0.0.1")?.bind().await?;
/// let front_port = front.local_address().port().unwrap();
/// let backend_port = backend.local_address().port().unwrap();
/// let to_backend = endpoints::client_from_string(&format!("haproxy+tcp:127.0.0.1:{backend_port}"))?;
/// let to_front = endpoints::client_from_string(&format!("tcp:127.0.0.1:{front_port}"))?;
///
/// let (client, accepted) = tokio::join!(to_front.connect(), front.accept());
/// let (client, accepted) = (client?, accepted?);
/// let origin = Origin::new(accepted.info().clone());
/// let (upstream, received) = tokio::join!(to_backend.connect_for(&origin), backend.accept());
/// let (upstream, received) = (upstream?, received?);
/// assert!(upstream.is_plain_socket());
/// // The backend sees the front's client, not the front.
/// assert_eq!(received.peer_address(), client.local_address());
/// assert_eq!(received.info().get::<ProxiedBy>().unwrap().version, 2);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct HaproxyClientEndpoint {
    inner: Arc<dyn ClientEndpoint>,
    settings: HaproxyClientSettings,
}

impl HaproxyClientEndpoint {
    /// Sends a v2 header with TLVs on connections made by `inner`
    /// (`HaproxyClientSettings::default().layer(inner)`).
    pub fn new(inner: Arc<dyn ClientEndpoint>) -> Self {
        HaproxyClientSettings::default().layer(inner)
    }

    /// The inner endpoint.
    pub fn inner(&self) -> &Arc<dyn ClientEndpoint> {
        &self.inner
    }

    /// The layer's settings.
    pub fn settings(&self) -> HaproxyClientSettings {
        self.settings
    }
}

impl fmt::Display for HaproxyClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ClientEndpoint for HaproxyClientEndpoint {
    /// Connects with the inner endpoint, then writes the header for [`Origin::current`] (the
    /// origin of [`connect_for`](ClientEndpoint::connect_for); none for a plain connect).
    ///
    /// # Errors
    /// The inner endpoint's connect error; [`Error::Io`] when the header cannot be written
    /// (the backend closed at once).
    ///
    /// # Cancel safety
    /// As the inner endpoint's `connect`; dropped during the write, the connection is closed.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            // Read inside the future: `connect_for` covers both parts of a connect, but a
            // caller's `Origin::scope(client.connect())` covers only the future.
            let origin = Origin::current();
            let header = send::header(self.settings.version, self.settings.tlvs, origin.as_ref());
            let mut connection = self.inner.connect().await?;
            let sent = async {
                connection.write_all(&header).await?;
                connection.flush().await
            };
            sent.await
                .map_err(|e| Error::io("send the PROXY header to", self, e))?;
            debug!(endpoint = %self, client = %origin.as_ref().map_or_else(
                || "none (LOCAL)".to_owned(), |o| o.peer().to_string()),
                bytes = header.len(), "PROXY header sent");
            connection.info_mut().stack.push("haproxy");
            Ok(connection)
        })
    }

    /// The inner endpoint's: `tls+haproxy+tcp:host:443` verifies `host`.
    fn authority(&self) -> Option<Authority> {
        self.inner.authority()
    }

    fn description(&self) -> Description {
        Description::layer("haproxy", self.inner.description())
            .option("version", self.settings.version)
            .flag("tlvs", self.settings.tlvs)
    }
}
