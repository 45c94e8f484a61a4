//! Registration: the one place a plugin talks to the registry.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Kind, OptionSpec, OptionType, Result, ServerEndpoint};

use crate::endpoint::{ThrottleClientSettings, ThrottleServerSettings};

static THROTTLE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("rate", OptionType::Integer, "bytes per second, each way"),
    OptionSpec::new(
        "burst",
        OptionType::Integer,
        "bytes that may pass at once (default: rate)",
    ),
];

fn server(mut args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    let settings = ThrottleServerSettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}

fn client(mut args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    let settings = ThrottleClientSettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}

static THROTTLE_SERVER_LAYER: Kind = Kind::server_layer(
    "throttle",
    "limits bandwidth of every connection (example plugin)",
    THROTTLE_OPTIONS,
    server,
);

static THROTTLE_CLIENT_LAYER: Kind = Kind::client_layer(
    "throttle",
    "limits bandwidth of the connection (example plugin)",
    THROTTLE_OPTIONS,
    client,
);

endpoint_core::inventory::submit! { THROTTLE_SERVER_LAYER }
endpoint_core::inventory::submit! { THROTTLE_CLIENT_LAYER }
