//! The `socks5` and `httpconnect` client layers, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{Builder, ClientEndpoint, Kind, Result};

use crate::client::{HttpConnectClientEndpoint, Socks5ClientEndpoint};
use crate::specs::{HTTPCONNECT_CLIENT_LAYER_OPTIONS, SOCKS5_CLIENT_LAYER_OPTIONS};

fn socks5_client_layer(
    args: Args,
    inner: Arc<dyn ClientEndpoint>,
) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(Socks5ClientEndpoint::from_args(args, inner)?))
}

fn httpconnect_client_layer(
    args: Args,
    inner: Arc<dyn ClientEndpoint>,
) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(HttpConnectClientEndpoint::from_args(args, inner)?))
}

static SOCKS5_CLIENT_LAYER: Kind = Kind {
    name: "socks5",
    summary:
        "reaches the inner tcp: target through a SOCKS5 proxy (proxy=), the proxy resolving names",
    positional: &[],
    options: SOCKS5_CLIENT_LAYER_OPTIONS,
    builder: Builder::ClientLayer(socks5_client_layer),
};

static HTTPCONNECT_CLIENT_LAYER: Kind = Kind {
    name: "httpconnect",
    summary: "reaches the inner tcp: target through an HTTP proxy (proxy=) with CONNECT",
    positional: &[],
    options: HTTPCONNECT_CLIENT_LAYER_OPTIONS,
    builder: Builder::ClientLayer(httpconnect_client_layer),
};

endpoint_core::inventory::submit! { SOCKS5_CLIENT_LAYER }
endpoint_core::inventory::submit! { HTTPCONNECT_CLIENT_LAYER }
