//! The `ws` layer and the `ws`/`wss` shorthand kinds, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::{quote, split, Args};
use endpoint_core::{
    Builder, ClientEndpoint, Kind, OptionSpec, OptionType, Registry, Result, ServerEndpoint, Side,
};

use crate::client::WsClientEndpoint;
use crate::options::{WsClientOptions, WsServerOptions};
use crate::server::WsServerEndpoint;

const SERVER_PATH: OptionSpec = OptionSpec::new(
    "path",
    OptionType::Text,
    "request path to accept (\"*\": any); other paths get 404 Not Found",
)
.default("/");
const SERVER_SUBPROTOCOLS: OptionSpec = OptionSpec::new(
    "subprotocols",
    OptionType::List,
    "subprotocols spoken; the first of the client's offer that is listed is chosen, and a \
     client offering none of them gets 400 (empty: none negotiated)",
)
.default("");
const ORIGINS: OptionSpec = OptionSpec::new(
    "origins",
    OptionType::List,
    "allowed Origin values; a missing or other Origin gets 403 (empty: any)",
)
.default("");
const MAX_MESSAGE_SIZE: OptionSpec = OptionSpec::new(
    "maxMessageSize",
    OptionType::Integer,
    "largest incoming message in bytes; a bigger one ends the connection",
)
.default("1048576");
const MAX_FRAME_SIZE: OptionSpec = OptionSpec::new(
    "maxFrameSize",
    OptionType::Integer,
    "largest incoming frame payload in bytes, refused from its header",
)
.default("262144");
const HANDSHAKE_TIMEOUT: OptionSpec = OptionSpec::new(
    "handshakeTimeout",
    OptionType::Seconds,
    "deadline for the upgrade, and for the peer's Close on shutdown",
)
.default("10");
const PING_INTERVAL: OptionSpec = OptionSpec::new(
    "pingInterval",
    OptionType::Seconds,
    "send pings this often and end the connection after two silent intervals (0: off)",
)
.default("0");
const CLIENT_PATH: OptionSpec = OptionSpec::new(
    "path",
    OptionType::Text,
    "request path, with an optional ?query",
)
.default("/");
const CLIENT_HOST: OptionSpec = OptionSpec::new(
    "host",
    OptionType::Text,
    "Host header (default: the inner endpoint's host[:port], else localhost)",
);
const CLIENT_SUBPROTOCOLS: OptionSpec = OptionSpec::new(
    "subprotocols",
    OptionType::List,
    "subprotocols to offer, preferred first; the server must choose one",
)
.default("");
const ORIGIN: OptionSpec = OptionSpec::new("origin", OptionType::Text, "Origin header to send");
const HEADERS: OptionSpec = OptionSpec::new(
    "headers",
    OptionType::List,
    "extra request headers as Name=value,Name=value (a comma followed by Name= starts the next)",
)
.default("");
const HEADER: OptionSpec = OptionSpec::new(
    "header",
    OptionType::Text,
    "one extra request header, Name=value (added to headers=; the grammar keeps only the last of a repeated keyword)",
);

static SERVER_LAYER_OPTIONS: &[OptionSpec] = &[
    SERVER_PATH,
    SERVER_SUBPROTOCOLS,
    ORIGINS,
    MAX_MESSAGE_SIZE,
    MAX_FRAME_SIZE,
    HANDSHAKE_TIMEOUT,
    PING_INTERVAL,
];

static CLIENT_LAYER_OPTIONS: &[OptionSpec] = &[
    CLIENT_PATH,
    CLIENT_HOST,
    CLIENT_SUBPROTOCOLS,
    ORIGIN,
    HEADERS,
    HEADER,
    MAX_MESSAGE_SIZE,
    MAX_FRAME_SIZE,
    HANDSHAKE_TIMEOUT,
    PING_INTERVAL,
];

static WS_SERVER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("port", OptionType::Port, "port to listen on (0: any)"),
    OptionSpec::new("interface", OptionType::Text, "address to listen on (tcp)").default(""),
    OptionSpec::new("backlog", OptionType::Integer, "listen backlog (tcp)").default("50"),
    SERVER_PATH,
    SERVER_SUBPROTOCOLS,
    ORIGINS,
    MAX_MESSAGE_SIZE,
    MAX_FRAME_SIZE,
    HANDSHAKE_TIMEOUT,
    PING_INTERVAL,
];

static WSS_SERVER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("port", OptionType::Port, "port to listen on (0: any)"),
    OptionSpec::new(
        "privateKey",
        OptionType::Path,
        "PEM key (and certificate) file; every other ssl option is passed on too",
    ),
    SERVER_PATH,
    SERVER_SUBPROTOCOLS,
    ORIGINS,
    MAX_MESSAGE_SIZE,
    MAX_FRAME_SIZE,
    HANDSHAKE_TIMEOUT,
    PING_INTERVAL,
];

static WS_CLIENT_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "host",
        OptionType::Text,
        "host to connect to (write ws.host= for the Host header)",
    ),
    OptionSpec::new("port", OptionType::Port, "port to connect to"),
    OptionSpec::new("timeout", OptionType::Seconds, "connect deadline (tcp)").default("30"),
    OptionSpec::new(
        "bindAddress",
        OptionType::Text,
        "local address to connect from (tcp)",
    ),
    CLIENT_PATH,
    CLIENT_SUBPROTOCOLS,
    ORIGIN,
    HEADERS,
    HEADER,
    MAX_MESSAGE_SIZE,
    MAX_FRAME_SIZE,
    HANDSHAKE_TIMEOUT,
    PING_INTERVAL,
];

static WSS_CLIENT_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "host",
        OptionType::Text,
        "host to connect to and verify (write ws.host= for the Host header)",
    ),
    OptionSpec::new(
        "port",
        OptionType::Port,
        "port to connect to; every other tls option is passed on too",
    ),
    CLIENT_PATH,
    CLIENT_SUBPROTOCOLS,
    ORIGIN,
    HEADERS,
    HEADER,
    MAX_MESSAGE_SIZE,
    MAX_FRAME_SIZE,
    HANDSHAKE_TIMEOUT,
    PING_INTERVAL,
];

endpoint_core::inventory::submit! {
    Kind {
        name: "ws",
        summary: "WebSocket server layer: upgrades every accepted connection, bytes in binary messages",
        positional: &[],
        options: SERVER_LAYER_OPTIONS,
        builder: Builder::ServerLayer(server_layer),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "ws",
        summary: "WebSocket client layer: upgrades the connection, bytes in binary messages",
        positional: &[],
        options: CLIENT_LAYER_OPTIONS,
        builder: Builder::ClientLayer(client_layer),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "ws",
        summary: "WebSocket server over TCP (ws:PORT = ws+tcp:PORT)",
        positional: &["port"],
        options: WS_SERVER_OPTIONS,
        builder: Builder::Server(ws_server),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "ws",
        summary: "WebSocket client over TCP (ws:HOST:PORT = ws+tcp:HOST:PORT)",
        positional: &["host", "port"],
        options: WS_CLIENT_OPTIONS,
        builder: Builder::Client(ws_client),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "wss",
        summary: "WebSocket server over TLS (wss:PORT:privateKey=... = ws+ssl:PORT:...)",
        positional: &["port"],
        options: WSS_SERVER_OPTIONS,
        builder: Builder::Server(wss_server),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "wss",
        summary: "WebSocket client over TLS (wss:HOST:PORT = ws+tls:HOST:PORT)",
        positional: &["host", "port"],
        options: WSS_CLIENT_OPTIONS,
        builder: Builder::Client(wss_client),
    }
}

fn server_layer(args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(WsServerEndpoint::new(
        inner,
        WsServerOptions::parse(args)?,
    )))
}

fn client_layer(args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(WsClientEndpoint::new(
        inner,
        WsClientOptions::parse(args)?,
    )))
}

fn ws_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Registry::global().server(&expand(args, "tcp", Side::Server)?)
}

fn wss_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Registry::global().server(&expand(args, "ssl", Side::Server)?)
}

fn ws_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Registry::global().client(&expand(args, "tcp", Side::Client)?)
}

fn wss_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Registry::global().client(&expand(args, "tls", Side::Client)?)
}

/// Rewrites a shorthand's arguments as `ws+INNER:...`: positionals and the inner kind's
/// options go to `INNER`, WebSocket options follow qualified as `ws.NAME`.
///
/// An unqualified keyword goes to the inner kind when it takes it (so `host=` is the host to
/// connect to), else to the `ws` layer when it is one of its options (`path=`); `ws.NAME`
/// always goes to the layer (`ws.host=` is the Host header). Anything else is passed to the
/// inner kind, whose parser names it in its error.
pub(crate) fn expand(mut args: Args, inner: &str, side: Side) -> Result<String> {
    let input = args.input().to_owned();
    let parts = split(&input)?;
    let inner_options: &[OptionSpec] = Registry::global()
        .find(inner, side, false)
        .map_or(&[], |k| k.options);
    let layer_options = match side {
        Side::Server => SERVER_LAYER_OPTIONS,
        Side::Client => CLIENT_LAYER_OPTIONS,
    };
    let kind = args.kind().to_owned();
    let mut text = format!("ws+{inner}");
    for p in args.positionals() {
        text.push(':');
        text.push_str(&quote(&p.text));
    }
    let mut layer = String::new();
    for (name, value) in &parts.keywords {
        let own = name
            .text
            .split_once('.')
            .filter(|(prefix, _)| prefix.eq_ignore_ascii_case(&kind));
        let key = own.map_or(name.text.as_str(), |(_, rest)| rest);
        if !args.has_keyword(key) {
            continue; // another part's keyword
        }
        args.keyword(key);
        let (bare, to_layer) = match key.split_once('.') {
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("ws") => (rest, true),
            _ if own.is_some() && kind.eq_ignore_ascii_case("ws") => (key, true),
            _ => {
                let inner_takes = inner_options.iter().any(|o| o.name == key);
                let layer_takes = layer_options.iter().any(|o| o.name == key);
                (key, !inner_takes && layer_takes)
            }
        };
        let segment = format!(":{bare}={}", quote(&value.text));
        if to_layer {
            layer.push_str(&segment.replacen(':', ":ws.", 1));
        } else {
            text.push_str(&segment);
        }
    }
    text.push_str(&layer);
    Ok(text)
}
