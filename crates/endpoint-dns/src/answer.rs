//! What a DNS lookup found: the records a pool's members are built from.

use std::net::IpAddr;
use std::time::Duration;

/// One member as a DNS answer names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Record {
    /// SRV priority (0 for an address record): lower is preferred.
    pub priority: u16,
    /// SRV weight (1 for an address record): the share within one priority.
    pub weight: u16,
    /// The target host name (SRV) or the IP address (A/AAAA), as text.
    pub host: String,
    /// The port to connect to.
    pub port: u16,
    /// The host's addresses, sorted, looked up with the answer: a member connects to these,
    /// so the last good answer keeps working while DNS is down.
    pub addresses: Vec<IpAddr>,
}

/// What a successful lookup returned: the records (sorted, so equal answers compare equal)
/// and how long they may be kept.
#[derive(Debug)]
pub(crate) struct Answer {
    pub records: Vec<Record>,
    pub ttl: Duration,
}
