//! The option tables of the `quic` kinds: the one home of their defaults.

use endpoint_core::{OptionSpec, OptionType};

/// ALPN is mandatory in QUIC (RFC 9001 §8.1): both sides must name a protocol, so the kinds
/// default to `endpoints`, meaning "a plain byte stream per QUIC stream".
const ALPN: OptionSpec = OptionSpec::new(
    "alpn",
    OptionType::List,
    "ALPN protocols in preference order (QUIC requires one; peers must share one)",
)
.default("endpoints");
const IDLE_TIMEOUT: OptionSpec = OptionSpec::new(
    "idleTimeout",
    OptionType::Seconds,
    "close a QUIC connection after this long without packets (lower of both sides wins)",
)
.default("30");

pub(crate) static QUIC_SERVER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("port", OptionType::Port, "UDP port to listen on (0: any)"),
    OptionSpec::new(
        "interface",
        OptionType::Text,
        "address to listen on (\"\": every IPv4 address; an IPv6 literal switches to IPv6)",
    )
    .default(""),
    OptionSpec::new(
        "certificate",
        OptionType::Path,
        "certificate chain PEM (may hold the key)",
    ),
    OptionSpec::new(
        "privateKey",
        OptionType::Path,
        "the key (default: in certificate)",
    ),
    OptionSpec::new(
        "clientCA",
        OptionType::Path,
        "require client certificates from these CAs (mutual TLS)",
    ),
    ALPN,
    IDLE_TIMEOUT,
    OptionSpec::new(
        "maxStreams",
        OptionType::Integer,
        "bidirectional streams each peer may have open at once",
    )
    .default("100"),
];

pub(crate) static QUIC_CLIENT_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "host",
        OptionType::Text,
        "host name or IP literal to connect to",
    ),
    OptionSpec::new("port", OptionType::Port, "UDP port to connect to"),
    OptionSpec::new(
        "hostname",
        OptionType::Text,
        "name to send and verify (default: host)",
    ),
    OptionSpec::new(
        "trustRoots",
        OptionType::Path,
        "CA directory or PEM file (default: platform roots)",
    ),
    OptionSpec::new(
        "certificate",
        OptionType::Path,
        "client certificate PEM (may hold the key)",
    ),
    OptionSpec::new(
        "privateKey",
        OptionType::Path,
        "the client certificate's key",
    ),
    ALPN,
    IDLE_TIMEOUT,
    OptionSpec::new(
        "timeout",
        OptionType::Seconds,
        "deadline for each connect: resolution, handshake (when no connection is live) and \
         opening the stream",
    )
    .default("30"),
];
