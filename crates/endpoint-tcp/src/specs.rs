//! The option tables of `tcp` and `tcp6`: the one home of their defaults.
//!
//! tcp's socket options are one public group per side, [`SERVER_SOCKET_OPTIONS`] and
//! [`CLIENT_SOCKET_OPTIONS`]: every kind with a TCP socket underneath (`tcp`, `tcp6`, `ssl:`,
//! `tls:`) composes its table from the group with [`endpoint_core::option_table!`] and reads
//! it with [`TcpSocketSettings::from_args`](crate::TcpSocketSettings::from_args), so the kinds
//! cannot drift apart.

use endpoint_core::{option_table, OptionSpec, OptionType};

const PORT: OptionSpec = OptionSpec::new("port", OptionType::Port, "port to listen on (0: any)");
const BACKLOG: OptionSpec =
    OptionSpec::new("backlog", OptionType::Integer, "listen backlog").default("50");
/// `reuseport=0|1` (servers).
pub const REUSEPORT: OptionSpec = OptionSpec::new(
    "reuseport",
    OptionType::Flag,
    "set SO_REUSEPORT so several sockets share the port",
)
.default("0")
.extension();

/// `nodelay=0|1`.
pub const NODELAY: OptionSpec = OptionSpec::new(
    "nodelay",
    OptionType::Flag,
    "set TCP_NODELAY (0 turns Nagle's algorithm back on)",
)
.default("1")
.extension();

/// `keepalive=IDLE[,INTERVAL[,COUNT]]` or `0`.
pub const KEEPALIVE: OptionSpec = OptionSpec::new(
    "keepalive",
    OptionType::Integers,
    "SO_KEEPALIVE: IDLE[,INTERVAL[,COUNT]] (whole seconds, seconds, probes), 0 for off \
     (absent: the system's)",
)
.extension();
/// `rcvbuf=BYTES`.
pub const RCVBUF: OptionSpec = OptionSpec::new(
    "rcvbuf",
    OptionType::Integer,
    "SO_RCVBUF in bytes (Linux reports twice the value)",
)
.extension();
/// `sndbuf=BYTES`.
pub const SNDBUF: OptionSpec = OptionSpec::new(
    "sndbuf",
    OptionType::Integer,
    "SO_SNDBUF in bytes (Linux reports twice the value)",
)
.extension();
/// `v6only=0|1` (servers).
pub const V6ONLY: OptionSpec = OptionSpec::new(
    "v6only",
    OptionType::Flag,
    "IPV6_V6ONLY on an IPv6 socket: 1 takes IPv6 only, 0 IPv4 too (absent: the system's)",
)
.extension();
/// `userTimeout=SECONDS`.
pub const USER_TIMEOUT: OptionSpec = OptionSpec::new(
    "userTimeout",
    OptionType::Seconds,
    "TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long \
     (Linux)",
)
.extension();
/// `bindToDevice=NAME`.
pub const BIND_TO_DEVICE: OptionSpec = OptionSpec::new(
    "bindToDevice",
    OptionType::Text,
    "SO_BINDTODEVICE: use only this network interface, like eth0 (Linux)",
)
.extension();
/// `fastOpen=QUEUE` on servers.
pub const FAST_OPEN_SERVER: OptionSpec = OptionSpec::new(
    "fastOpen",
    OptionType::Integer,
    "TCP_FASTOPEN: queue length for TCP Fast Open connections (Linux)",
)
.extension();
/// `fastOpen=0|1` on clients.
pub const FAST_OPEN_CLIENT: OptionSpec = OptionSpec::new(
    "fastOpen",
    OptionType::Flag,
    "TCP_FASTOPEN_CONNECT: send the first data with the SYN when the server allows (Linux)",
)
.extension();

/// tcp's socket options on a server, in canonical order: `reuseport`, `nodelay`, `keepalive`,
/// `rcvbuf`, `sndbuf`, `v6only`, `userTimeout`, `bindToDevice`, `fastOpen` (a queue length).
pub const SERVER_SOCKET_OPTIONS: &[OptionSpec] = &[
    REUSEPORT,
    NODELAY,
    KEEPALIVE,
    RCVBUF,
    SNDBUF,
    V6ONLY,
    USER_TIMEOUT,
    BIND_TO_DEVICE,
    FAST_OPEN_SERVER,
];

/// tcp's socket options on a client, in canonical order: `nodelay`, `keepalive`, `rcvbuf`,
/// `sndbuf`, `userTimeout`, `bindToDevice`, `fastOpen` (on or off).
pub const CLIENT_SOCKET_OPTIONS: &[OptionSpec] = &[
    NODELAY,
    KEEPALIVE,
    RCVBUF,
    SNDBUF,
    USER_TIMEOUT,
    BIND_TO_DEVICE,
    FAST_OPEN_CLIENT,
];

pub(crate) static TCP_SERVER_OPTIONS: &[OptionSpec] = option_table![
    &[
        PORT,
        OptionSpec::new(
            "interface",
            OptionType::Text,
            "address to listen on (\"\": every IPv4 address; an IPv6 literal switches to IPv6)",
        )
        .default(""),
        BACKLOG,
    ],
    SERVER_SOCKET_OPTIONS,
];

pub(crate) static TCP6_SERVER_OPTIONS: &[OptionSpec] = option_table![
    &[
        PORT,
        BACKLOG,
        OptionSpec::new("interface", OptionType::Text, "address to listen on").default("::"),
    ],
    SERVER_SOCKET_OPTIONS,
];

pub(crate) static TCP_CLIENT_OPTIONS: &[OptionSpec] = option_table![
    &[
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
    ],
    CLIENT_SOCKET_OPTIONS,
];
