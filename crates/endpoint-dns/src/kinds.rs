//! The `srv` and `dns` client kinds, registered with `inventory`.

use std::str::FromStr;
use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Error, Kind, Result};

use crate::hosts::DnsClientEndpoint;
use crate::specs::{DNS_OPTIONS, SRV_OPTIONS};
use crate::srv::SrvClientEndpoint;

static SRV_CLIENT: Kind = Kind::client(
    "srv",
    "a pool over a name's SRV records (RFC 2782 priority and weight), re-resolved on TTL",
    SRV_OPTIONS,
    srv_client,
)
.positional(&["name"]);

static DNS_CLIENT: Kind = Kind::client(
    "dns",
    "a pool over every A/AAAA address of a name, re-resolved on TTL",
    DNS_OPTIONS,
    dns_client,
)
.positional(&["host", "port"]);

endpoint_core::inventory::submit! { SRV_CLIENT }
endpoint_core::inventory::submit! { DNS_CLIENT }

fn srv_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(SrvClientEndpoint::from_args(args)?))
}

fn dns_client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(DnsClientEndpoint::from_args(args)?))
}

impl FromStr for SrvClientEndpoint {
    type Err = Error;

    /// Parses a `srv` description.
    fn from_str(s: &str) -> Result<Self> {
        SrvClientEndpoint::from_args(SRV_CLIENT.args(s)?)
    }
}

impl FromStr for DnsClientEndpoint {
    type Err = Error;

    /// Parses a `dns` description.
    fn from_str(s: &str) -> Result<Self> {
        DnsClientEndpoint::from_args(DNS_CLIENT.args(s)?)
    }
}
