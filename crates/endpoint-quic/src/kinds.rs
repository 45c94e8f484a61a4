//! The `quic` kinds, registered with `inventory`.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Error, Kind, Result, ServerEndpoint};

use crate::client::QuicClientEndpoint;
use crate::server::QuicServerEndpoint;
use crate::specs::{QUIC_CLIENT_OPTIONS, QUIC_SERVER_OPTIONS};

static QUIC_SERVER: Kind = Kind::server(
    "quic",
    "QUIC server (UDP, TLS 1.3); one connection per stream a peer opens",
    QUIC_SERVER_OPTIONS,
    quic_server,
)
.positional(&["port"]);

static QUIC_CLIENT: Kind = Kind::client(
    "quic",
    "QUIC client; each connect opens a stream on one shared QUIC connection, verifying host",
    QUIC_CLIENT_OPTIONS,
    quic_client,
)
.positional(&["host", "port"]);

endpoint_core::inventory::submit! { QUIC_SERVER }
endpoint_core::inventory::submit! { QUIC_CLIENT }

fn quic_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(QuicServerEndpoint::from_args(args)?))
}

fn quic_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(QuicClientEndpoint::from_args(args)?))
}

impl std::str::FromStr for QuicServerEndpoint {
    type Err = Error;

    /// Parses a `quic` server description.
    fn from_str(s: &str) -> Result<Self> {
        QuicServerEndpoint::from_args(QUIC_SERVER.args(s)?)
    }
}

impl std::str::FromStr for QuicClientEndpoint {
    type Err = Error;

    /// Parses a `quic` client description.
    fn from_str(s: &str) -> Result<Self> {
        QuicClientEndpoint::from_args(QUIC_CLIENT.args(s)?)
    }
}
