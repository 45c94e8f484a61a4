//! The `tcp` and `tcp6` kinds, registered with `inventory`.

use std::str::FromStr;
use std::sync::Arc;

use endpoint_core::description::{split, Args};
use endpoint_core::{ClientEndpoint, Error, Kind, Result, ServerEndpoint};

use crate::client::TcpClientEndpoint;
use crate::server::{TcpFamily, TcpServerEndpoint};
use crate::specs::{TCP6_SERVER_OPTIONS, TCP_CLIENT_OPTIONS, TCP_SERVER_OPTIONS};

static TCP_SERVER: Kind = Kind::server(
    "tcp",
    "TCP server; the interface's family decides IPv4 or IPv6",
    TCP_SERVER_OPTIONS,
    tcp_server,
)
.positional(&["port"]);

pub(crate) static TCP6_SERVER: Kind = Kind::server(
    "tcp6",
    "TCP server on IPv6 (dual-stack :: by default)",
    TCP6_SERVER_OPTIONS,
    tcp6_server,
)
.positional(&["port"]);

static TCP_CLIENT: Kind = Kind::client(
    "tcp",
    "TCP client; races a name's IPv6 and IPv4 addresses (RFC 8305)",
    TCP_CLIENT_OPTIONS,
    tcp_client,
)
.positional(&["host", "port"]);

endpoint_core::inventory::submit! { TCP_SERVER }
endpoint_core::inventory::submit! { TCP6_SERVER }
endpoint_core::inventory::submit! { TCP_CLIENT }

fn tcp_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TcpServerEndpoint::from_args(
        args,
        TcpFamily::Tcp,
    )?))
}

fn tcp6_server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(TcpServerEndpoint::from_args(
        args,
        TcpFamily::Tcp6,
    )?))
}

fn tcp_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(TcpClientEndpoint::from_args(args)?))
}

impl FromStr for TcpServerEndpoint {
    type Err = Error;

    /// Parses a `tcp` or `tcp6` server description.
    fn from_str(s: &str) -> Result<Self> {
        let is_tcp6 = split(s)?
            .positionals
            .first()
            .is_some_and(|kind| kind.text.eq_ignore_ascii_case("tcp6"));
        if is_tcp6 {
            TcpServerEndpoint::from_args(TCP6_SERVER.args(s)?, TcpFamily::Tcp6)
        } else {
            TcpServerEndpoint::from_args(TCP_SERVER.args(s)?, TcpFamily::Tcp)
        }
    }
}

impl FromStr for TcpClientEndpoint {
    type Err = Error;

    /// Parses a `tcp` client description.
    fn from_str(s: &str) -> Result<Self> {
        TcpClientEndpoint::from_args(TCP_CLIENT.args(s)?)
    }
}
