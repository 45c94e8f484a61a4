//! The `ssl` and `tls` kinds and the `tls` layer, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{Builder, ClientEndpoint, Kind, Result, ServerEndpoint};

use crate::client::TlsClientEndpoint;
use crate::server::TlsServerEndpoint;
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

fn tls_server_layer(args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TlsServerEndpoint::from_layer_args(args, inner)?))
}

fn tls_client_layer(args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TlsClientEndpoint::from_layer_args(args, inner)?))
}

static SSL_SERVER: Kind = Kind {
    name: "ssl",
    summary: "TLS server on TCP (Twisted's ssl:)",
    positional: &["port"],
    options: SSL_SERVER_OPTIONS,
    builder: Builder::Server(ssl_server),
};

static TLS_SERVER: Kind = Kind {
    name: "tls",
    summary: "TLS server for a directory of PEM files, chosen by SNI, on tcp6",
    positional: &["path"],
    options: TLS_SERVER_OPTIONS,
    builder: Builder::Server(tls_server),
};

static SSL_CLIENT: Kind = Kind {
    name: "ssl",
    summary: "TLS client on TCP, verifying against caCertsDir or the platform roots",
    positional: &["host", "port"],
    options: SSL_CLIENT_OPTIONS,
    builder: Builder::Client(ssl_client),
};

static TLS_CLIENT: Kind = Kind {
    name: "tls",
    summary: "TLS client over Happy-Eyeballs TCP or an inner endpoint=, always verifying host",
    positional: &["host", "port"],
    options: TLS_CLIENT_OPTIONS,
    builder: Builder::Client(tls_client),
};

static TLS_SERVER_LAYER: Kind = Kind {
    name: "tls",
    summary: "TLS over any server endpoint (certificate, mutual TLS with clientCA, ALPN)",
    positional: &[],
    options: TLS_SERVER_LAYER_OPTIONS,
    builder: Builder::ServerLayer(tls_server_layer),
};

static TLS_CLIENT_LAYER: Kind = Kind {
    name: "tls",
    summary: "TLS over any client endpoint, verifying hostname",
    positional: &[],
    options: TLS_CLIENT_LAYER_OPTIONS,
    builder: Builder::ClientLayer(tls_client_layer),
};

endpoint_core::inventory::submit! { SSL_SERVER }
endpoint_core::inventory::submit! { TLS_SERVER }
endpoint_core::inventory::submit! { SSL_CLIENT }
endpoint_core::inventory::submit! { TLS_CLIENT }
endpoint_core::inventory::submit! { TLS_SERVER_LAYER }
endpoint_core::inventory::submit! { TLS_CLIENT_LAYER }
