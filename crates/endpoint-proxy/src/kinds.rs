//! The `socks5` and `httpconnect` client layers, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Kind, Result};

use crate::client::{HttpConnectSettings, Socks5Settings};
use crate::specs::{HTTPCONNECT_CLIENT_LAYER_OPTIONS, SOCKS5_CLIENT_LAYER_OPTIONS};

fn socks5_client_layer(
    mut args: Args,
    inner: Arc<dyn ClientEndpoint>,
) -> Result<Arc<dyn ClientEndpoint>> {
    let settings = Socks5Settings::from_args(&mut args, &*inner)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)?))
}

fn httpconnect_client_layer(
    mut args: Args,
    inner: Arc<dyn ClientEndpoint>,
) -> Result<Arc<dyn ClientEndpoint>> {
    let settings = HttpConnectSettings::from_args(&mut args, &*inner)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)?))
}

static SOCKS5_CLIENT_LAYER: Kind = Kind::client_layer(
    "socks5",
    "reaches the inner tcp: target through a SOCKS5 proxy (proxy=: a description, socks5h://, socks5:// or env), the proxy resolving names",
    SOCKS5_CLIENT_LAYER_OPTIONS,
    socks5_client_layer,
);

static HTTPCONNECT_CLIENT_LAYER: Kind = Kind::client_layer(
    "httpconnect",
    "reaches the inner tcp: target through an HTTP proxy (proxy=: a description, http:// or env) with CONNECT",
    HTTPCONNECT_CLIENT_LAYER_OPTIONS,
    httpconnect_client_layer,
);

endpoint_core::inventory::submit! { SOCKS5_CLIENT_LAYER }
endpoint_core::inventory::submit! { HTTPCONNECT_CLIENT_LAYER }
