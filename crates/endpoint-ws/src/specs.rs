//! The `ws` layer's option tables, one per side: the one home of their defaults.

use endpoint_core::{OptionSpec, OptionType};

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
    "deadline for the upgrade, and for the close handshake on shutdown (then the connection is closed)",
)
.default("10");
const PING_INTERVAL: OptionSpec = OptionSpec::new(
    "pingInterval",
    OptionType::Seconds,
    "send pings this often and end the connection after two silent intervals (0: off)",
)
.default("0");
const MESSAGE_BUDGET: OptionSpec = OptionSpec::new(
    "messageBudget",
    OptionType::Integer,
    "bytes that all connections of the process with this same messageBudget may hold \
     together in messages still arriving; when spent, the one holding the most is closed \
     with 1009 (0: no shared bound)",
)
.default("67108864");
const MESSAGES: OptionSpec = OptionSpec::new(
    "messages",
    OptionType::Text,
    "binary: writes become binary messages and reads yield payloads back to back; text: \
     each line written (up to a newline, which is not sent) is one text message and must be \
     UTF-8, a last line without newline is sent at shutdown, and each message received \
     (text or binary) is read as its payload and a newline",
)
.default("binary");
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
.default("")
.secret();
const HEADER: OptionSpec = OptionSpec::new(
    "header",
    OptionType::Text,
    "one extra request header, Name=value (added to headers=; the grammar keeps only the last of a repeated keyword)",
)
.secret();

pub(crate) static WS_SERVER_LAYER_OPTIONS: &[OptionSpec] = &[
    SERVER_PATH,
    SERVER_SUBPROTOCOLS,
    ORIGINS,
    MAX_MESSAGE_SIZE,
    MAX_FRAME_SIZE,
    HANDSHAKE_TIMEOUT,
    PING_INTERVAL,
    MESSAGE_BUDGET,
    MESSAGES,
];

pub(crate) static WS_CLIENT_LAYER_OPTIONS: &[OptionSpec] = &[
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
    MESSAGE_BUDGET,
    MESSAGES,
];
