//! The `ssl` and `tls` kinds and the `tls` layer, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Kind, Result, ServerEndpoint};

use crate::client::{TlsClientEndpoint, TlsClientSettings};
use crate::error;
use crate::server::{TlsServerEndpoint, TlsServerSettings};
use crate::specs::{
    SSL_CLIENT_OPTIONS, SSL_SERVER_OPTIONS, TLS_CLIENT_LAYER_OPTIONS, TLS_CLIENT_OPTIONS,
    TLS_SERVER_LAYER_OPTIONS, TLS_SERVER_OPTIONS,
};

fn ssl_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TlsServerEndpoint::from_ssl_args(args)?))
}

fn tls_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TlsServerEndpoint::from_directory_args(args)?))
}

fn ssl_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TlsClientEndpoint::from_ssl_args(args)?))
}

fn tls_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TlsClientEndpoint::from_tls_args(args)?))
}

fn tls_server_layer(
    mut args: Args,
    inner: Arc<dyn ServerEndpoint>,
) -> Result<Arc<dyn ServerEndpoint>> {
    let settings = TlsServerSettings::from_args(&mut args)?;
    args.finish()?;
    let files = settings.files();
    let layered = settings
        .layer(inner)
        .map_err(|e| error::blame_option(&args, &files, e))?;
    Ok(Arc::new(layered))
}

fn tls_client_layer(
    mut args: Args,
    inner: Arc<dyn ClientEndpoint>,
) -> Result<Arc<dyn ClientEndpoint>> {
    let settings = TlsClientSettings::from_args(&mut args, &*inner)?;
    args.finish()?;
    let files = settings.files();
    let layered = settings
        .layer(inner)
        .map_err(|e| error::blame_option(&args, &files, e))?;
    Ok(Arc::new(layered))
}

static SSL_SERVER: Kind = Kind::server(
    "ssl",
    "TLS server on TCP (Twisted's ssl:)",
    SSL_SERVER_OPTIONS,
    ssl_server,
)
.positional(&["port"]);

static TLS_SERVER: Kind = Kind::server(
    "tls",
    "TLS server for a directory of PEM files, chosen by SNI, on tcp6",
    TLS_SERVER_OPTIONS,
    tls_server,
)
.positional(&["path"]);

static SSL_CLIENT: Kind = Kind::client(
    "ssl",
    "TLS client on TCP, verifying against caCertsDir or the platform roots",
    SSL_CLIENT_OPTIONS,
    ssl_client,
)
.positional(&["host", "port"]);

static TLS_CLIENT: Kind = Kind::client(
    "tls",
    "TLS client over Happy-Eyeballs TCP or an inner endpoint=, always verifying host",
    TLS_CLIENT_OPTIONS,
    tls_client,
)
.positional(&["host", "port"]);

static TLS_SERVER_LAYER: Kind = Kind::server_layer(
    "tls",
    "TLS over any server endpoint (certificate, mutual TLS with clientCA and clientSubjects, ALPN)",
    TLS_SERVER_LAYER_OPTIONS,
    tls_server_layer,
);

static TLS_CLIENT_LAYER: Kind = Kind::client_layer(
    "tls",
    "TLS over any client endpoint, verifying hostname",
    TLS_CLIENT_LAYER_OPTIONS,
    tls_client_layer,
);

endpoint_core::inventory::submit! { SSL_SERVER }
endpoint_core::inventory::submit! { TLS_SERVER }
endpoint_core::inventory::submit! { SSL_CLIENT }
endpoint_core::inventory::submit! { TLS_CLIENT }
endpoint_core::inventory::submit! { TLS_SERVER_LAYER }
endpoint_core::inventory::submit! { TLS_CLIENT_LAYER }
