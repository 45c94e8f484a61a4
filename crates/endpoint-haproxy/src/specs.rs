//! The `haproxy` layer's option table: the one home of its defaults.

use endpoint_core::{OptionSpec, OptionType};

pub(crate) static HAPROXY_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "timeout",
        OptionType::Seconds,
        "seconds a client may take to send its PROXY header",
    )
    .default("10"),
    OptionSpec::new(
        "trusted",
        OptionType::List,
        "proxies allowed to connect, as CIDRs (10.0.0.0/8,::1/128), others closed; or any (default: any, with a warning at bind unless loopback)",
    ),
    OptionSpec::new(
        "version",
        OptionType::Text,
        "PROXY protocol versions accepted: 1, 2 or any",
    )
    .default("any"),
];

/// The `haproxy+` client layer's options.
pub(crate) static HAPROXY_CLIENT_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "version",
        OptionType::Text,
        "PROXY protocol version to send: 1 (text) or 2 (binary)",
    )
    .default("2"),
    OptionSpec::new(
        "tlvs",
        OptionType::Flag,
        "v2 only: send the client's TLS server name (PP2_TYPE_AUTHORITY) and ALPN (PP2_TYPE_ALPN) when known",
    )
    .default("1"),
];
