//! The option tables of `ssl`, `tls` and the `tls+` layer: the one home of their defaults.
//!
//! The TLS options other kinds share (quic's certificate, key, client CA, trust roots,
//! hostname and ALPN) are public here as specs and groups; such a kind composes its table
//! from them with [`endpoint_core::option_table!`].

use endpoint_core::{option_table, OptionSpec, OptionType, Side};
use endpoint_tcp::specs::{CLIENT_SOCKET_OPTIONS, SERVER_SOCKET_OPTIONS};

/// `handshakeTimeout=SECONDS` (default 10).
pub const HANDSHAKE_TIMEOUT: OptionSpec = OptionSpec::new(
    "handshakeTimeout",
    OptionType::Seconds,
    "limit for each TLS handshake",
)
.default("10");
/// `alpn=PROTOCOL,...`: ALPN protocols (no default).
pub const ALPN: OptionSpec =
    OptionSpec::new("alpn", OptionType::List, "ALPN protocols, e.g. h2,http/1.1");

/// `certificate=PATH` of a server: its certificate chain.
pub const SERVER_CERTIFICATE: OptionSpec = OptionSpec::new(
    "certificate",
    OptionType::Path,
    "certificate chain PEM (may hold the key)",
);
/// `privateKey=PATH` of a server.
pub const SERVER_PRIVATE_KEY: OptionSpec = OptionSpec::new(
    "privateKey",
    OptionType::Path,
    "the key (default: in certificate)",
);
/// A server's identity: `certificate`, `privateKey`.
pub const SERVER_IDENTITY: &[OptionSpec] = &[SERVER_CERTIFICATE, SERVER_PRIVATE_KEY];
/// `extraCertChain=PATH`: chain certificates a server sends.
pub const EXTRA_CERT_CHAIN: OptionSpec = OptionSpec::new(
    "extraCertChain",
    OptionType::Path,
    "PEM file of chain certificates to send",
);
/// `clientCA=PATH`: mutual TLS on a server.
pub const CLIENT_CA: OptionSpec = OptionSpec::new(
    "clientCA",
    OptionType::Path,
    "require client certificates from these CAs (mutual TLS)",
);
/// `clientSubjects=dns:NAME,uri:URI,cn:NAME`: with `clientCA=`, the client identities a
/// server admits.
pub const CLIENT_SUBJECTS: OptionSpec = OptionSpec::new(
    "clientSubjects",
    OptionType::List,
    "with clientCA: admit only client certificates carrying one of these (dns:NAME, \
     uri:URI such as a SPIFFE ID, cn:NAME; escape colons as \\:)",
);

/// `hostname=NAME` of a client layer: the name sent (SNI) and verified.
pub const HOSTNAME: OptionSpec = OptionSpec::new(
    "hostname",
    OptionType::Text,
    "name to send and verify (default: the inner host)",
);
/// `trustRoots=PATH` of a client layer: a CA directory or PEM file.
pub const TRUST_ROOTS: OptionSpec = OptionSpec::new(
    "trustRoots",
    OptionType::Path,
    "CA directory or PEM file (default: platform roots)",
);
/// `certificate=PATH` of a client: its certificate for mutual TLS.
pub const CLIENT_CERTIFICATE: OptionSpec = OptionSpec::new(
    "certificate",
    OptionType::Path,
    "client certificate PEM (may hold the key)",
);
/// `privateKey=PATH` of a client: its certificate's key.
pub const CLIENT_PRIVATE_KEY: OptionSpec = OptionSpec::new(
    "privateKey",
    OptionType::Path,
    "the client certificate's key",
);
/// A client's identity for mutual TLS: `certificate`, `privateKey`.
pub const CLIENT_IDENTITY: &[OptionSpec] = &[CLIENT_CERTIFICATE, CLIENT_PRIVATE_KEY];
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
        EXTRA_CERT_CHAIN,
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
        CLIENT_CERTIFICATE,
        CLIENT_PRIVATE_KEY,
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

pub(crate) static TLS_SERVER_LAYER_OPTIONS: &[OptionSpec] = option_table![
    SERVER_IDENTITY,
    &[
        EXTRA_CERT_CHAIN,
        CLIENT_CA,
        CLIENT_SUBJECTS,
        ALPN,
        HANDSHAKE_TIMEOUT
    ],
];

pub(crate) static TLS_CLIENT_LAYER_OPTIONS: &[OptionSpec] = option_table![
    &[HOSTNAME, TRUST_ROOTS, PIN],
    CLIENT_IDENTITY,
    &[ALPN, HANDSHAKE_TIMEOUT],
];
