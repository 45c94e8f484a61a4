//! The option tables of `ssl`, `tls` and the `tls+` layer: the one home of their defaults.

use endpoint_core::{option_table, OptionSpec, OptionType, Side};
use endpoint_tcp::specs::{CLIENT_SOCKET_OPTIONS, SERVER_SOCKET_OPTIONS};

pub(crate) const HANDSHAKE_TIMEOUT: OptionSpec = OptionSpec::new(
    "handshakeTimeout",
    OptionType::Seconds,
    "limit for each TLS handshake",
)
.default("10");
const ALPN: OptionSpec =
    OptionSpec::new("alpn", OptionType::List, "ALPN protocols, e.g. h2,http/1.1");
const HOST: OptionSpec = OptionSpec::new(
    "host",
    OptionType::Text,
    "host name or IP literal to connect to",
);
const PORT: OptionSpec = OptionSpec::new("port", OptionType::Port, "port to connect to");
const TIMEOUT: OptionSpec = OptionSpec::new(
    "timeout",
    OptionType::Seconds,
    "deadline for the TCP connection",
)
.default("30");
const BIND: OptionSpec = OptionSpec::new(
    "bindAddress",
    OptionType::Text,
    "local address to connect from",
);

const PIN: OptionSpec = OptionSpec::new(
    "pin",
    OptionType::List,
    "accept only servers with these keys (sha256/BASE64, printed by `endpoint tls pin`)",
);

pub(crate) static SSL_SERVER_OPTIONS: &[OptionSpec] = option_table![
    &[
        OptionSpec::new("port", OptionType::Port, "port to listen on"),
        OptionSpec::new(
            "privateKey",
            OptionType::Path,
            "PEM file with the key (and possibly the certificate)",
        )
        .default("server.pem"),
        OptionSpec::new(
            "certKey",
            OptionType::Path,
            "PEM file with the certificate (default: privateKey)",
        ),
        OptionSpec::new(
            "sslmethod",
            OptionType::Text,
            "TLS_METHOD (1.2 and 1.3) or TLSv1_2_METHOD",
        ),
        OptionSpec::new("interface", OptionType::Text, "address to listen on").default(""),
        OptionSpec::new("backlog", OptionType::Integer, "listen backlog").default("50"),
        OptionSpec::new(
            "extraCertChain",
            OptionType::Path,
            "PEM file of chain certificates to send",
        ),
        OptionSpec::new(
            "dhParameters",
            OptionType::Path,
            "accepted and checked to exist; unused (ECDHE)",
        ),
        HANDSHAKE_TIMEOUT.extension(),
    ],
    SERVER_SOCKET_OPTIONS,
];

pub(crate) static TLS_SERVER_OPTIONS: &[OptionSpec] = option_table![
    &[
        OptionSpec::new(
            "path",
            OptionType::Path,
            "directory of PEM files, served by SNI",
        ),
        OptionSpec::new("port", OptionType::Port, "port to listen on").default("443"),
        OptionSpec::new("backlog", OptionType::Integer, "listen backlog").default("50"),
        OptionSpec::new("interface", OptionType::Text, "address to listen on").default("::"),
        HANDSHAKE_TIMEOUT.extension(),
    ],
    SERVER_SOCKET_OPTIONS,
];

pub(crate) static SSL_CLIENT_OPTIONS: &[OptionSpec] = option_table![
    &[
        HOST,
        PORT,
        TIMEOUT,
        BIND,
        OptionSpec::new(
            "certKey",
            OptionType::Path,
            "client certificate PEM (may hold the key)",
        ),
        OptionSpec::new(
            "privateKey",
            OptionType::Path,
            "the client certificate's key",
        ),
        OptionSpec::new(
            "caCertsDir",
            OptionType::Path,
            "directory of .pem CA files (default: platform roots)",
        ),
        OptionSpec::new(
            "hostname",
            OptionType::Text,
            "name to verify (default: host)",
        ),
    ],
    CLIENT_SOCKET_OPTIONS,
    &[PIN.extension()],
];

pub(crate) static TLS_CLIENT_OPTIONS: &[OptionSpec] = option_table![
    &[
        HOST,
        PORT,
        TIMEOUT,
        BIND,
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
        OptionSpec::new(
            "trustRoots",
            OptionType::Path,
            "directory of .pem CA files (default: platform roots)",
        ),
        OptionSpec::new(
            "endpoint",
            OptionType::Description(Side::Client),
            "escaped inner client description (host and port are then only verified)",
        ),
    ],
    CLIENT_SOCKET_OPTIONS,
    &[PIN.extension()],
];

pub(crate) static TLS_SERVER_LAYER_OPTIONS: &[OptionSpec] = &[
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
        "extraCertChain",
        OptionType::Path,
        "PEM file of chain certificates to send",
    ),
    OptionSpec::new(
        "clientCA",
        OptionType::Path,
        "require client certificates from these CAs (mutual TLS)",
    ),
    ALPN,
    HANDSHAKE_TIMEOUT,
];

pub(crate) static TLS_CLIENT_LAYER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "hostname",
        OptionType::Text,
        "name to send and verify (default: the inner host)",
    ),
    OptionSpec::new(
        "trustRoots",
        OptionType::Path,
        "CA directory or PEM file (default: platform roots)",
    ),
    PIN,
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
    HANDSHAKE_TIMEOUT,
];
