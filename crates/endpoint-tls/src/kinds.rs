//! The `ssl` and `tls` kinds and the `tls` layer, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{
    Builder, ClientEndpoint, Kind, OptionSpec, OptionType, Result, ServerEndpoint, Side,
};

use crate::client::TlsClientEndpoint;
use crate::server::TlsServerEndpoint;

const HANDSHAKE_TIMEOUT: OptionSpec = OptionSpec::new(
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

static SSL_SERVER_OPTIONS: &[OptionSpec] = &[
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
];

static TLS_SERVER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "path",
        OptionType::Path,
        "directory of PEM files, served by SNI",
    ),
    OptionSpec::new("port", OptionType::Port, "port to listen on").default("443"),
    OptionSpec::new("backlog", OptionType::Integer, "listen backlog").default("50"),
    OptionSpec::new("interface", OptionType::Text, "address to listen on").default("::"),
    HANDSHAKE_TIMEOUT.extension(),
];

static SSL_CLIENT_OPTIONS: &[OptionSpec] = &[
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
];

static TLS_CLIENT_OPTIONS: &[OptionSpec] = &[
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
];

static TLS_SERVER_LAYER_OPTIONS: &[OptionSpec] = &[
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

static TLS_CLIENT_LAYER_OPTIONS: &[OptionSpec] = &[
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

fn ssl_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TlsServerEndpoint::parse_ssl(args)?))
}

fn tls_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TlsServerEndpoint::parse_directory(args)?))
}

fn ssl_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TlsClientEndpoint::parse_ssl(args)?))
}

fn tls_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TlsClientEndpoint::parse_tls(args)?))
}

fn tls_server_layer(args: Args, inner: Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TlsServerEndpoint::parse_layer(args, inner)?))
}

fn tls_client_layer(args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TlsClientEndpoint::parse_layer(args, inner)?))
}

endpoint_core::inventory::submit! {
    Kind {
        name: "ssl",
        summary: "TLS server on TCP (Twisted's ssl:)",
        positional: &["port"],
        options: SSL_SERVER_OPTIONS,
        builder: Builder::Server(ssl_server),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "tls",
        summary: "TLS server for a directory of PEM files, chosen by SNI, on tcp6",
        positional: &["path"],
        options: TLS_SERVER_OPTIONS,
        builder: Builder::Server(tls_server),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "ssl",
        summary: "TLS client on TCP, verifying against caCertsDir or the platform roots",
        positional: &["host", "port"],
        options: SSL_CLIENT_OPTIONS,
        builder: Builder::Client(ssl_client),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "tls",
        summary: "TLS client over Happy-Eyeballs TCP or an inner endpoint=, always verifying host",
        positional: &["host", "port"],
        options: TLS_CLIENT_OPTIONS,
        builder: Builder::Client(tls_client),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "tls",
        summary: "TLS over any server endpoint (certificate, mutual TLS with clientCA, ALPN)",
        positional: &[],
        options: TLS_SERVER_LAYER_OPTIONS,
        builder: Builder::ServerLayer(tls_server_layer),
    }
}

endpoint_core::inventory::submit! {
    Kind {
        name: "tls",
        summary: "TLS over any client endpoint, verifying hostname",
        positional: &[],
        options: TLS_CLIENT_LAYER_OPTIONS,
        builder: Builder::ClientLayer(tls_client_layer),
    }
}
