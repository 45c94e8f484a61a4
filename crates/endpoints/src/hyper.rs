//! A hyper-util connector over any client description (the `hyper` feature).
//!
//! hyper-util's client asks a connector (a `tower::Service<Uri>`) for a connection to each
//! request's host. [`Connector`] answers every request with a connection from one client
//! endpoint, so the description, not the URI, says where the bytes go: `unix:/run/app.sock`,
//! `tls+unix:...` (the description's own TLS), `ws+tcp:...`. The URI still names the host and
//! path that go into the request.

use std::fmt;
use std::io;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::rt::TokioIo;

use endpoint_core::{
    BoxFuture, ClientDescription, ClientEndpoint, Connection, Error, Registry, Result, Secured,
};

/// A `tower::Service<Uri>` that connects every request to one client endpoint, whatever host
/// the URI names: the connector for hyper-util's `Client` and for tonic's
/// `Endpoint::connect_with_connector`.
///
/// The URI's host is not consulted, and its scheme adds nothing: TLS comes from the
/// description (`tls+unix:...`), and so does certificate verification. So that an `https://`
/// URI never goes out in clear text, a connection for one must have gone through an
/// encrypting layer (its info holds a [`Secured`]: `tls`, `ssl`, `tls+`, `quic`, or a
/// plugin's layer that inserts one), or the call fails (an [`Error::Io`] of kind
/// `InvalidInput`).
///
/// When that layer agreed on `h2` by ALPN (`tls:host:443:alpn=h2`), the connection tells
/// hyper-util so and the client speaks HTTP/2 on it (hyper-util's client needs its `http2`
/// feature); otherwise HTTP/1, or HTTP/2 with prior knowledge when the client is built with
/// `http2_only`.
///
/// Each call is one [`ClientEndpoint::connect`] (layers and handshakes included); the
/// connection comes wrapped in [`TokioIo`] for hyper. Responses carry the connection's
/// [`ConnectionInfo`](crate::ConnectionInfo) in their extensions (hyper-util's
/// `Connected::extra`).
///
/// # Examples
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
/// use hyper_util::client::legacy::Client;
/// use hyper_util::rt::TokioExecutor;
///
/// // Requests to any http:// URI go to the unix socket; the URI gives Host and path.
/// let connector: endpoints::hyper::Connector = "unix:/run/app.sock".parse()?;
/// let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
/// let response = client.get("http://app/health".parse()?).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Connector {
    endpoint: Arc<dyn ClientEndpoint>,
}

impl Connector {
    /// A connector whose every connection comes from `endpoint`.
    pub fn new(endpoint: Arc<dyn ClientEndpoint>) -> Self {
        Connector { endpoint }
    }

    /// The endpoint each call connects through.
    pub fn endpoint(&self) -> &Arc<dyn ClientEndpoint> {
        &self.endpoint
    }
}

impl From<Arc<dyn ClientEndpoint>> for Connector {
    fn from(endpoint: Arc<dyn ClientEndpoint>) -> Self {
        Connector::new(endpoint)
    }
}

impl From<ClientDescription> for Connector {
    fn from(description: ClientDescription) -> Self {
        Connector::new(description.into_endpoint())
    }
}

/// Parses a client description with every kind linked into the program.
impl FromStr for Connector {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Registry::global().client(s).map(Connector::new)
    }
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Connector").field(&self.endpoint).finish()
    }
}

/// Prints the endpoint's canonical description.
impl fmt::Display for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.endpoint.fmt(f)
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Connection>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<TokioIo<Connection>>>;

    /// Always ready: every call makes its own connection.
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Connects through the endpoint (the description is the target, not the URI's host).
    fn call(&mut self, uri: Uri) -> Self::Future {
        let endpoint = Arc::clone(&self.endpoint);
        let wants_tls = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        Box::pin(async move {
            let connection = endpoint.connect().await?;
            if wants_tls && connection.info().get::<Secured>().is_none() {
                return Err(Error::io(
                    "send an https:// request through",
                    &endpoint,
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the description has no TLS layer (use tls+..., or an http:// URI)",
                    ),
                ));
            }
            Ok(TokioIo::new(connection))
        })
    }
}
