//! The option tables of the `quic` kinds: the one home of their defaults. The TLS options
//! are tls's own specs ([`endpoint_tls::specs`]), so the two cannot drift apart.

use endpoint_core::{option_table, OptionSpec, OptionType};
use endpoint_tls::specs::{CLIENT_CA, CLIENT_IDENTITY, HOSTNAME, SERVER_IDENTITY, TRUST_ROOTS};

/// ALPN is mandatory in QUIC (RFC 9001 §8.1): both sides must name a protocol, so the kinds
/// default to `endpoints`, meaning "a plain byte stream per QUIC stream".
const ALPN: OptionSpec = endpoint_tls::specs::ALPN
    .help("ALPN protocols in preference order (QUIC requires one; peers must share one)")
    .default("endpoints");
const IDLE_TIMEOUT: OptionSpec = OptionSpec::new(
    "idleTimeout",
    OptionType::Seconds,
    "close a QUIC connection after this long without packets (lower of both sides wins)",
)
.default("30");

pub(crate) static QUIC_SERVER_OPTIONS: &[OptionSpec] = option_table![
    &[
        OptionSpec::new("port", OptionType::Port, "UDP port to listen on (0: any)"),
        OptionSpec::new(
            "interface",
            OptionType::Text,
            "address to listen on (\"\": every IPv4 address; an IPv6 literal switches to IPv6)",
        )
        .default(""),
    ],
    SERVER_IDENTITY,
    &[
        CLIENT_CA,
        ALPN,
        IDLE_TIMEOUT,
        OptionSpec::new(
            "maxStreams",
            OptionType::Integer,
            "bidirectional streams each peer may have open at once",
        )
        .default("100"),
    ],
    ADMISSION,
    WINDOWS,
    PACKETS,
];

/// Who gets a handshake, and for how long (`admission.rs` applies them).
const ADMISSION: &[OptionSpec] = &[
    OptionSpec::new(
        "handshakeTimeout",
        OptionType::Seconds,
        "drop a QUIC handshake not complete this long after its first packet (above 0; \
         applies even with idleTimeout=0)",
    )
    .default("10"),
    OptionSpec::new(
        "retry",
        OptionType::Text,
        "address validation by a Retry round trip: auto (once half of maxHandshakes are in \
         progress), always, or never",
    )
    .default("auto"),
];

/// Flow-control windows: what a peer may make this side buffer (`transport.rs`).
const WINDOWS: &[OptionSpec] = &[
    OptionSpec::new(
        "receiveWindow",
        OptionType::Integer,
        "bytes a peer may send on one QUIC connection, all streams together, ahead of what \
         the application has read (above 0); also bounds this side's unacknowledged sends",
    )
    .default("4194304"),
    OptionSpec::new(
        "streamReceiveWindow",
        OptionType::Integer,
        "bytes a peer may send on one stream ahead of what the application has read (above 0)",
    )
    .default("1048576"),
];

/// Packet sizes: how large this side's UDP datagrams may grow (`transport.rs`).
const PACKETS: &[OptionSpec] = &[OptionSpec::new(
    "maxUdpPayload",
    OptionType::Integer,
    "largest UDP payload in bytes MTU discovery raises this side's packets to, and (above \
         1472) the largest the peer may send (1200 to 65527; 65527 on loopback, 8972 with \
         jumbo frames: fewer, larger packets cost less CPU per byte)",
)
.default("1452")];

pub(crate) static QUIC_CLIENT_OPTIONS: &[OptionSpec] = option_table![
    &[
        OptionSpec::new(
            "host",
            OptionType::Text,
            "host name or IP literal to connect to",
        ),
        OptionSpec::new("port", OptionType::Port, "UDP port to connect to"),
        HOSTNAME.help("name to send and verify (default: host)"),
        TRUST_ROOTS,
    ],
    CLIENT_IDENTITY,
    &[
        ALPN,
        IDLE_TIMEOUT,
        OptionSpec::new(
            "timeout",
            OptionType::Seconds,
            "deadline for each connect: resolution, handshake (when no connection is live) and \
             opening the stream",
        )
        .default("30"),
    ],
    PACKETS,
];

/// A checked option value above zero; `zero` says whether `value` is zero.
pub(crate) fn above_zero<T>(value: T, zero: bool) -> Result<T, String> {
    if zero {
        Err("must be above 0".to_owned())
    } else {
        Ok(value)
    }
}
