//! The option tables of `tcp` and `tcp6`: the one home of their defaults.

use endpoint_core::{OptionSpec, OptionType};

const PORT: OptionSpec = OptionSpec::new("port", OptionType::Port, "port to listen on (0: any)");
const BACKLOG: OptionSpec =
    OptionSpec::new("backlog", OptionType::Integer, "listen backlog").default("50");
const REUSEPORT: OptionSpec = OptionSpec::new(
    "reuseport",
    OptionType::Flag,
    "set SO_REUSEPORT so several sockets share the port",
)
.default("0")
.extension();

const NODELAY: OptionSpec = OptionSpec::new(
    "nodelay",
    OptionType::Flag,
    "set TCP_NODELAY (0 turns Nagle's algorithm back on)",
)
.default("1")
.extension();

pub(crate) static TCP_SERVER_OPTIONS: &[OptionSpec] = &[
    PORT,
    OptionSpec::new(
        "interface",
        OptionType::Text,
        "address to listen on (\"\": every IPv4 address; an IPv6 literal switches to IPv6)",
    )
    .default(""),
    BACKLOG,
    REUSEPORT,
    NODELAY,
];

pub(crate) static TCP6_SERVER_OPTIONS: &[OptionSpec] = &[
    PORT,
    BACKLOG,
    OptionSpec::new("interface", OptionType::Text, "address to listen on").default("::"),
    REUSEPORT,
    NODELAY,
];

pub(crate) static TCP_CLIENT_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "host",
        OptionType::Text,
        "host name or IP literal to connect to",
    ),
    OptionSpec::new("port", OptionType::Port, "port to connect to"),
    OptionSpec::new(
        "timeout",
        OptionType::Seconds,
        "deadline for the whole attempt, resolution included",
    )
    .default("30"),
    OptionSpec::new(
        "bindAddress",
        OptionType::Text,
        "local address to connect from (IP, or IP:PORT)",
    ),
    NODELAY,
];
