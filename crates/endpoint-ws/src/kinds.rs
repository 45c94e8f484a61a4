//! The `ws` layer and the `ws`/`wss` shorthands, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Kind, Result, ServerEndpoint, Shorthand, Side};

use crate::settings::{WsClientSettings, WsServerSettings};
use crate::specs::{WS_CLIENT_LAYER_OPTIONS, WS_SERVER_LAYER_OPTIONS};

static WS_SERVER_LAYER: Kind = Kind::server_layer(
    "ws",
    "WebSocket server layer: upgrades every accepted connection, bytes in binary messages (or lines in text messages: messages=text)",
    WS_SERVER_LAYER_OPTIONS,
    server_layer,
);

static WS_CLIENT_LAYER: Kind = Kind::client_layer(
    "ws",
    "WebSocket client layer: upgrades the connection, bytes in binary messages (or lines in text messages: messages=text)",
    WS_CLIENT_LAYER_OPTIONS,
    client_layer,
);

static WS_SERVER: Shorthand =
    Shorthand::new("ws", Side::Server, "ws+tcp", "WebSocket server over TCP");

static WS_CLIENT: Shorthand =
    Shorthand::new("ws", Side::Client, "ws+tcp", "WebSocket client over TCP");

static WSS_SERVER: Shorthand = Shorthand::new(
    "wss",
    Side::Server,
    "ws+ssl",
    "WebSocket server over TLS (Twisted's ssl server: privateKey=, certKey=, ...)",
);

static WSS_CLIENT: Shorthand = Shorthand::new(
    "wss",
    Side::Client,
    "ws+tls",
    "WebSocket client over TLS, verifying the host",
);

endpoint_core::inventory::submit! { WS_SERVER_LAYER }
endpoint_core::inventory::submit! { WS_CLIENT_LAYER }
endpoint_core::inventory::submit! { WS_SERVER }
endpoint_core::inventory::submit! { WS_CLIENT }
endpoint_core::inventory::submit! { WSS_SERVER }
endpoint_core::inventory::submit! { WSS_CLIENT }

fn server_layer(mut args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    let settings = WsServerSettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}

fn client_layer(mut args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    let settings = WsClientSettings::from_args(&mut args)?;
    args.finish()?;
    Ok(Arc::new(settings.layer(inner)))
}
