//! The option tables of the `socks5+` and `httpconnect+` layers: the one home of their
//! defaults.

use endpoint_core::{OptionSpec, OptionType, Side};

const PROXY: OptionSpec = OptionSpec::new(
    "proxy",
    OptionType::Description(Side::Client),
    "the proxy: an escaped client description (tcp\\:HOST\\:PORT, unix\\:PATH, tls+tcp\\:...), a URL \
     standing for one (socks5\\://, socks5h\\://, http\\://[USER\\:PASSWORD@]HOST\\:PORT), or env \
     (ALL_PROXY, HTTPS_PROXY, http_proxy and NO_PROXY at each connect, as curl reads them)",
);
const USER: OptionSpec = OptionSpec::new(
    "user",
    OptionType::Text,
    "user name to authenticate with (secret)",
)
.secret();
const PASSWORD: OptionSpec = OptionSpec::new(
    "password",
    OptionType::Text,
    "password to authenticate with; needs user= (secret)",
)
.secret();
const HANDSHAKE_TIMEOUT: OptionSpec = OptionSpec::new(
    "handshakeTimeout",
    OptionType::Seconds,
    "limit for the proxy handshake, after the proxy is reached",
)
.default("10");
const RESOLVE: OptionSpec = OptionSpec::new(
    "resolve",
    OptionType::Text,
    "who resolves the target's name: remote (the proxy, socks5h) or local",
)
.default("remote");

pub(crate) static SOCKS5_CLIENT_LAYER_OPTIONS: &[OptionSpec] =
    &[PROXY, USER, PASSWORD, RESOLVE, HANDSHAKE_TIMEOUT];

pub(crate) static HTTPCONNECT_CLIENT_LAYER_OPTIONS: &[OptionSpec] =
    &[PROXY, USER, PASSWORD, HANDSHAKE_TIMEOUT];
