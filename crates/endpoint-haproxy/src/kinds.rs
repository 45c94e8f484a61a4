//! Registration of the `haproxy` server layer.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{Kind, Result, ServerEndpoint};

use crate::server::HaproxyServerEndpoint;
use crate::specs::HAPROXY_OPTIONS;

fn server(args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(HaproxyServerEndpoint::from_args(args, inner)?))
}

static HAPROXY_SERVER_LAYER: Kind = Kind::server_layer("haproxy", "PROXY protocol v1/v2 (haproxy+tcp:80 or Twisted's haproxy:tcp:80): the header's addresses become the peer's", HAPROXY_OPTIONS, server);

endpoint_core::inventory::submit! { HAPROXY_SERVER_LAYER }
