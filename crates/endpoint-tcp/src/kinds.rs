//! The `tcp` and `tcp6` kinds, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::{split, Args};
use endpoint_core::{
    Builder, ClientEndpoint, Kind, OptionSpec, OptionType, Result, ServerEndpoint,
};

use crate::client::TcpClientEndpoint;
use crate::server::{TcpFamily, TcpServerEndpoint};

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

static TCP_SERVER_OPTIONS: &[OptionSpec] = &[
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

static TCP6_SERVER_OPTIONS: &[OptionSpec] = &[
    PORT,
    BACKLOG,
    OptionSpec::new("interface", OptionType::Text, "address to listen on").default("::"),
    REUSEPORT,
    NODELAY,
];

static TCP_CLIENT_OPTIONS: &[OptionSpec] = &[
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

pub(crate) static TCP_SERVER: Kind = Kind {
    name: "tcp",
    summary: "TCP server; the interface's family decides IPv4 or IPv6",
    positional: &["port"],
    options: TCP_SERVER_OPTIONS,
    builder: Builder::Server(tcp_server),
};

pub(crate) static TCP6_SERVER: Kind = Kind {
    name: "tcp6",
    summary: "TCP server on IPv6 (dual-stack :: by default)",
    positional: &["port"],
    options: TCP6_SERVER_OPTIONS,
    builder: Builder::Server(tcp6_server),
};

pub(crate) static TCP_CLIENT: Kind = Kind {
    name: "tcp",
    summary: "TCP client; races a name's IPv6 and IPv4 addresses (RFC 8305)",
    positional: &["host", "port"],
    options: TCP_CLIENT_OPTIONS,
    builder: Builder::Client(tcp_client),
};

endpoint_core::inventory::submit! { TCP_SERVER }
endpoint_core::inventory::submit! { TCP6_SERVER }
endpoint_core::inventory::submit! { TCP_CLIENT }

fn tcp_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TcpServerEndpoint::parse(args, TcpFamily::Tcp)?))
}

fn tcp6_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TcpServerEndpoint::parse(args, TcpFamily::Tcp6)?))
}

fn tcp_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TcpClientEndpoint::parse(args)?))
}

pub(crate) fn parse_server(description: &str) -> Result<TcpServerEndpoint> {
    let is_tcp6 = split(description)?
        .positionals
        .first()
        .is_some_and(|kind| kind.text.eq_ignore_ascii_case("tcp6"));
    if is_tcp6 {
        TcpServerEndpoint::parse(TCP6_SERVER.args(description)?, TcpFamily::Tcp6)
    } else {
        TcpServerEndpoint::parse(TCP_SERVER.args(description)?, TcpFamily::Tcp)
    }
}
