//! Registration of the `haproxy` server layer.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{Builder, Kind, OptionSpec, OptionType, Result, ServerEndpoint};

use crate::server::HaproxyServerEndpoint;

static OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "timeout",
        OptionType::Seconds,
        "seconds a client may take to send its PROXY header",
    )
    .default("10"),
    OptionSpec::new(
        "trusted",
        OptionType::List,
        "proxies allowed to connect, as CIDRs (10.0.0.0/8,::1/128); others are closed (default: any)",
    ),
    OptionSpec::new(
        "version",
        OptionType::Text,
        "PROXY protocol versions accepted: 1, 2 or any",
    )
    .default("any"),
];

fn server(args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(HaproxyServerEndpoint::from_args(args, inner)?))
}

endpoint_core::inventory::submit! {
    Kind {
        name: "haproxy",
        summary: "PROXY protocol v1/v2 (haproxy+tcp:80 or Twisted's haproxy:tcp:80): the header's addresses become the peer's",
        positional: &[],
        options: OPTIONS,
        builder: Builder::ServerLayer(server),
    }
}
