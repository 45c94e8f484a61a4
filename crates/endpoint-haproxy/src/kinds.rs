//! Registration of the `haproxy` server layer.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{Builder, Kind, Result, ServerEndpoint};

use crate::server::HaproxyServerEndpoint;
use crate::specs::HAPROXY_OPTIONS;

fn server(args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(HaproxyServerEndpoint::from_args(args, inner)?))
}

static HAPROXY_SERVER_LAYER: Kind = Kind {
    name: "haproxy",
    summary: "PROXY protocol v1/v2 (haproxy+tcp:80 or Twisted's haproxy:tcp:80): the header's addresses become the peer's",
    positional: &[],
    options: HAPROXY_OPTIONS,
    builder: Builder::ServerLayer(server),
};

endpoint_core::inventory::submit! { HAPROXY_SERVER_LAYER }
