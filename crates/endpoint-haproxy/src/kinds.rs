//! Registration of the `haproxy` server layer.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{Kind, Result, ServerEndpoint};

use crate::server::HaproxySettings;
use crate::specs::HAPROXY_OPTIONS;

fn server(mut args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    let settings = HaproxySettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}

static HAPROXY_SERVER_LAYER: Kind = Kind::server_layer("haproxy", "PROXY protocol v1/v2 (haproxy+tcp:80 or Twisted's haproxy:tcp:80): the header's addresses become the peer's", HAPROXY_OPTIONS, server);

endpoint_core::inventory::submit! { HAPROXY_SERVER_LAYER }
