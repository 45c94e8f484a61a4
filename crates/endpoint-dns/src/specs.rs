//! The option tables of `srv` and `dns`: the one home of their defaults.
//!
//! Both kinds build `tcp:` members, so they take tcp's client socket option group
//! ([`endpoint_tcp::specs::CLIENT_SOCKET_OPTIONS`]) as it is, and pass it to every member.

use endpoint_core::{option_table, OptionSpec, OptionType};
use endpoint_tcp::specs::CLIENT_SOCKET_OPTIONS;

/// `nameserver=IP[:PORT],...`.
pub const NAMESERVER: OptionSpec = OptionSpec::new(
    "nameserver",
    OptionType::Text,
    "DNS servers to ask, comma-separated: IP or IP:PORT (colons escaped in a description: \
     127.0.0.1\\:5353, [\\:\\:1]\\:53); absent: the system's (/etc/resolv.conf)",
);

/// `dnsTimeout=SECONDS`.
pub const DNS_TIMEOUT: OptionSpec = OptionSpec::new(
    "dnsTimeout",
    OptionType::Seconds,
    "how long one DNS query may take before it counts as failed",
)
.default("5");

/// `timeout=SECONDS`, for each member.
pub const TIMEOUT: OptionSpec = OptionSpec::new(
    "timeout",
    OptionType::Seconds,
    "deadline for each connection attempt to a member, its name's resolution included \
     (the first DNS resolution comes on top)",
)
.default("30");

/// `bindAddress=IP[:PORT]`, for each member.
pub const BIND_ADDRESS: OptionSpec = OptionSpec::new(
    "bindAddress",
    OptionType::Text,
    "local address every member connects from (IP, or IP:PORT)",
);

pub(crate) static SRV_OPTIONS: &[OptionSpec] = option_table![
    &[
        OptionSpec::new(
            "name",
            OptionType::Text,
            "the SRV name to resolve: _service._proto.domain (_https._tcp.example.com)",
        ),
        NAMESERVER,
        DNS_TIMEOUT,
        TIMEOUT,
        BIND_ADDRESS,
    ],
    CLIENT_SOCKET_OPTIONS,
];

pub(crate) static DNS_OPTIONS: &[OptionSpec] = option_table![
    &[
        OptionSpec::new(
            "host",
            OptionType::Text,
            "the name whose every A and AAAA address is a member",
        ),
        OptionSpec::new(
            "port",
            OptionType::Port,
            "port to connect to on each address"
        ),
        NAMESERVER,
        DNS_TIMEOUT,
        TIMEOUT,
        BIND_ADDRESS,
    ],
    CLIENT_SOCKET_OPTIONS,
];
