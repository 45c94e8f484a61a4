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
