//! The `sni+` server layer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description};
use endpoint_core::{BoxFuture, Connection, Error, Listener, Result, ServerEndpoint, Upgrade};
use tracing::debug;

use crate::hello::{self, DEFAULT_MAX_HELLO};
use crate::specs::SNI_OPTIONS;

/// Reads the TLS ClientHello of every connection the inner endpoint accepts, without
/// terminating TLS: the `sni+` layer.
///
/// The server name and the ALPN protocols the client asked for become the connection's
/// [`TlsHello`](endpoint_core::TlsHello) (and so [`Origin::server_name`](endpoint_core::Origin::server_name)
/// of a relay's connect, which a [`SniRouter`](crate::SniRouter) routes by); the bytes read
/// are handed back unread, so whatever the connection is relayed to sees the ClientHello
/// untouched and terminates TLS itself. A plain socket stays a plain socket: a relay between
/// two of them still splices.
///
/// Each hello is read in the listener's handshake table under `timeout` (and the listener's
/// handshake limits): a connection that is not TLS, whose hello is malformed, longer than
/// 16 KiB, or not all there in time is closed and counted as a failed handshake.
///
/// # Examples
/// ```
/// # use endpoints as _;
/// let endpoint = endpoint_core::server_from_string("sni+tcp:443:timeout=5")?;
/// assert_eq!(
///     endpoint.to_string(),
///     "sni+tcp:443:interface=:backlog=50:sni.timeout=5"
/// );
/// # Ok::<(), endpoint_core::Error>(())
/// ```
#[derive(Debug)]
pub struct SniServerEndpoint {
    inner: Arc<dyn ServerEndpoint>,
    settings: Arc<SniSettings>,
}

/// The settings of the `sni+` layer: how long a client may take to send its ClientHello.
/// Put the layer over any server endpoint with [`layer`](SniSettings::layer).
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use endpoint_sni::SniSettings;
/// use endpoints::tcp::TcpServerEndpoint;
/// let server = SniSettings::default()
///     .timeout(Duration::from_secs(3))
///     .layer(Arc::new(TcpServerEndpoint::new(8443)));
/// assert!(server.to_string().starts_with("sni+tcp:8443:"));
/// assert!(server.to_string().ends_with(":sni.timeout=3"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SniSettings {
    timeout: Duration,
    max_hello: usize,
}

impl Default for SniSettings {
    /// The defaults: 10 s to send a ClientHello of at most 16 KiB.
    fn default() -> Self {
        SniSettings {
            timeout: declared_default(SNI_OPTIONS, "timeout"),
            max_hello: DEFAULT_MAX_HELLO,
        }
    }
}

impl SniSettings {
    /// Sets how long a client may take to send its whole ClientHello.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Reads ClientHellos on every connection `inner` accepts (the tower-style
    /// `Layer::layer`).
    pub fn layer(self, inner: Arc<dyn ServerEndpoint>) -> SniServerEndpoint {
        SniServerEndpoint {
            inner,
            settings: Arc::new(self),
        }
    }

    /// Reads the layer's options; the parser then finishes the arguments.
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        Ok(SniSettings::default().timeout(args.get("timeout")?))
    }
}

impl SniServerEndpoint {
    /// Reads ClientHellos on connections accepted by `inner`, with the defaults
    /// (`SniSettings::default().layer(inner)`).
    pub fn new(inner: Arc<dyn ServerEndpoint>) -> Self {
        SniSettings::default().layer(inner)
    }

    /// The inner endpoint.
    pub fn inner(&self) -> &Arc<dyn ServerEndpoint> {
        &self.inner
    }
}

impl fmt::Display for SniServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ServerEndpoint for SniServerEndpoint {
    /// Binds the inner endpoint and adds the ClientHello reading to every accepted
    /// connection.
    ///
    /// # Errors
    /// The inner endpoint's bind error.
    ///
    /// # Cancel safety
    /// As the inner endpoint's `bind`.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let listener = self.inner.bind().await?;
            Ok(listener
                .with_upgrade(Arc::new(HelloUpgrade(Arc::clone(&self.settings))))
                .with_description(self))
        })
    }

    fn description(&self) -> Description {
        Description::layer("sni", self.inner.description())
            .seconds("timeout", self.settings.timeout)
    }
}

/// The per-connection step: read the hello, note it, replay it.
struct HelloUpgrade(Arc<SniSettings>);

impl Upgrade for HelloUpgrade {
    fn name(&self) -> &'static str {
        "sni"
    }

    fn timeout(&self) -> Duration {
        self.0.timeout
    }

    fn upgrade(&self, connection: Connection) -> BoxFuture<'static, Result<Connection>> {
        let max = self.0.max_hello;
        Box::pin(async move {
            let mut connection = connection;
            let (hello, read) =
                hello::read(&mut connection, max)
                    .await
                    .map_err(|message| Error::Other {
                        message,
                        source: None,
                    })?;
            debug!(
                peer = %connection.peer_address(),
                server_name = hello.server_name.as_deref().unwrap_or(""),
                "TLS ClientHello read"
            );
            let info = connection.info_mut();
            info.insert(hello);
            info.stack.push("sni");
            // Replayed from the socket's side, so a relay between plain sockets still splices.
            Ok(connection.with_unread(read))
        })
    }
}
