//! gRPC with tonic over any description (the `tonic` feature).
//!
//! Serving: a [`Listener`](crate::Listener) is a stream of [`Connection`](crate::Connection)s,
//! and a `Connection` is tonic's `Connected` with our [`ConnectionInfo`](crate::ConnectionInfo)
//! as its connect info (that impl is in `endpoint-core`, next to `Connection`), so
//! `Server::builder().add_service(svc).serve_with_incoming(listener)` serves over any server
//! description and a handler reads `request.extensions().get::<ConnectionInfo>()`.
//!
//! Calling: [`channel`] (or [`channel_lazy`]) makes a tonic `Channel` whose connections come
//! from one client description, through the same [`Connector`] hyper-util uses.

use std::sync::Arc;

use endpoint_core::ClientEndpoint;
use tonic::transport::{Channel, Endpoint};

use crate::hyper::Connector;

/// The tonic `Endpoint` for a client endpoint: `http://HOST:PORT` from what it reaches
/// ([`ClientEndpoint::authority`]), or `http://localhost` for one that reaches no host (a
/// unix socket). Its URI only fills in the requests' `:authority`; the connections come from
/// the client endpoint. Configure it (timeouts, keep-alive), then call
/// `connect_with_connector(Connector::new(client))`.
pub fn endpoint(client: &dyn ClientEndpoint) -> Endpoint {
    let uri = match client.authority() {
        Some(authority) => format!("http://{authority}"),
        None => "http://localhost".to_owned(),
    };
    // A host that does not make a valid URI still connects; only `:authority` changes.
    Endpoint::from_shared(uri).unwrap_or_else(|_| Endpoint::from_static("http://localhost"))
}

/// A tonic `Channel` whose connections come from `client`: make one connection now, and
/// reconnect through the same description when it is lost.
///
/// The channel speaks HTTP/2 with prior knowledge over whatever the description gives,
/// so `tls+...` descriptions carry their own TLS and need no tonic TLS configuration.
///
/// # Errors
/// The first connection failed; the error's source is the endpoint's [`Error`](crate::Error).
///
/// # Cancel safety
/// Dropping the future drops the connection attempt.
///
/// # Examples
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = endpoints::client_from_string("unix:/run/grpc.sock")?;
/// let channel = endpoints::tonic::channel(client).await?;
/// // hand `channel` to any generated client: `GreeterClient::new(channel)`
/// # Ok(()) }
/// ```
pub async fn channel(client: Arc<dyn ClientEndpoint>) -> Result<Channel, tonic::transport::Error> {
    endpoint(&*client)
        .connect_with_connector(Connector::new(client))
        .await
}

/// A tonic `Channel` over `client` that connects on its first request (no I/O now).
pub fn channel_lazy(client: Arc<dyn ClientEndpoint>) -> Channel {
    endpoint(&*client).connect_with_connector_lazy(Connector::new(client))
}
