//! Registration of the `sni` server layer.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{Kind, Result, ServerEndpoint};

use crate::server::SniSettings;
use crate::specs::SNI_OPTIONS;

fn server(mut args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    let settings = SniSettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}

static SNI_SERVER_LAYER: Kind = Kind::server_layer(
    "sni",
    "reads the TLS ClientHello without terminating TLS (sni+tcp:443): its server name and ALPN are the connection's, for routing; the bytes go on untouched",
    SNI_OPTIONS,
    server,
);

endpoint_core::inventory::submit! { SNI_SERVER_LAYER }
