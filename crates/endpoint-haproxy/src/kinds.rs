//! Registration of the `haproxy` server layer (reads PROXY headers) and client layer (sends
//! them).

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Kind, Result, ServerEndpoint};

use crate::client::HaproxyClientSettings;
use crate::server::HaproxySettings;
use crate::specs::{HAPROXY_CLIENT_OPTIONS, HAPROXY_OPTIONS};

fn server(mut args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    let settings = HaproxySettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}

static HAPROXY_SERVER_LAYER: Kind = Kind::server_layer("haproxy", "PROXY protocol v1/v2 (haproxy+tcp:80 or Twisted's haproxy:tcp:80): the header's addresses become the peer's", HAPROXY_OPTIONS, server);

endpoint_core::inventory::submit! { HAPROXY_SERVER_LAYER }

fn client(mut args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    let settings = HaproxyClientSettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}

static HAPROXY_CLIENT_LAYER: Kind = Kind::client_layer("haproxy", "sends a PROXY protocol v1/v2 header first (haproxy+tcp:backend:80): the client the connection is made for (a relay's accepted one) as source, with its TLS server name and ALPN in v2 TLVs; LOCAL/UNKNOWN for a plain connect", HAPROXY_CLIENT_OPTIONS, client);

endpoint_core::inventory::submit! { HAPROXY_CLIENT_LAYER }
