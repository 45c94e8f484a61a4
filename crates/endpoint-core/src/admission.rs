//! Admission by address: the `allow=`/`deny=` networks and the `allowUid=`/`allowGid=` unix
//! users every server description takes, and the [`Gate`] a listener judges its connections
//! with before any handshake.
//!
//! Where a connection is judged matters as much as the rules: on the address accepted, unless a
//! layer (a PROXY header reader) reveals the real client behind it, in which case right after
//! that layer and before any later layer's handshake (see
//! [`Upgrade::reveals_peer`](crate::Upgrade::reveals_peer) and ARCHITECTURE.md).

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use ipnet::IpNet;
use tracing::debug;

use crate::address::Address;
use crate::connection::ConnectionInfo;
use crate::credentials::PeerCredentials;
use crate::description::cidr_contains;
use crate::events::ListenerEvents;

/// Who may connect to a listener: IP networks allowed and denied (`allow=`, `deny=`), and
/// the unix users and groups allowed (`allowUid=`, `allowGid=`).
///
/// - `deny=` wins over `allow=`; with no `allow=`, every address not denied is admitted.
/// - An IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries.
/// - A peer with no IP address (a unix socket's) is outside every network: refused when
///   `allow=` is given, never denied.
/// - `allowUid=`/`allowGid=` judge a unix peer's [`PeerCredentials`]: admitted when its user
///   is in `allowUid=` or its group in `allowGid=`; a peer whose credentials are unknown, or
///   that is not a unix peer, is refused.
///
/// # Examples
/// ```
/// use endpoint_core::description::parse_cidr_list;
/// use endpoint_core::{Address, Admission};
/// let admission = Admission::default()
///     .allow(parse_cidr_list("127.0.0.0/8").unwrap())
///     .deny(parse_cidr_list("127.0.0.1").unwrap());
/// let peer = |text: &str| Address::Inet(text.parse().unwrap());
/// assert!(admission.admits_address(&peer("127.0.0.2:5000")));
/// assert!(!admission.admits_address(&peer("127.0.0.1:5000")));
/// assert!(!admission.admits_address(&peer("[::ffff:127.0.0.1]:5000")));
/// assert!(!admission.admits_address(&peer("[::1]:5000")));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Admission {
    allow: Vec<IpNet>,
    deny: Vec<IpNet>,
    allow_uids: Vec<u32>,
    allow_gids: Vec<u32>,
}

impl Admission {
    /// Admits only peers in these networks (and not denied); an empty list admits every
    /// address. Host bits are cleared, as `allow=` clears them.
    pub fn allow(mut self, networks: Vec<IpNet>) -> Self {
        self.allow = networks.into_iter().map(|n| n.trunc()).collect();
        self
    }

    /// Refuses peers in these networks, even when `allow` names them.
    pub fn deny(mut self, networks: Vec<IpNet>) -> Self {
        self.deny = networks.into_iter().map(|n| n.trunc()).collect();
        self
    }

    /// Admits unix peers whose effective user is one of these (or whose group is allowed).
    pub fn allow_uids(mut self, uids: Vec<u32>) -> Self {
        self.allow_uids = uids;
        self
    }

    /// Admits unix peers whose effective group is one of these (or whose user is allowed).
    pub fn allow_gids(mut self, gids: Vec<u32>) -> Self {
        self.allow_gids = gids;
        self
    }

    /// The networks allowed (`allow=`).
    pub fn allowed(&self) -> &[IpNet] {
        &self.allow
    }

    /// The networks denied (`deny=`).
    pub fn denied(&self) -> &[IpNet] {
        &self.deny
    }

    /// The unix users allowed (`allowUid=`).
    pub fn allowed_uids(&self) -> &[u32] {
        &self.allow_uids
    }

    /// The unix groups allowed (`allowGid=`).
    pub fn allowed_gids(&self) -> &[u32] {
        &self.allow_gids
    }

    /// True when nothing is judged: every peer is admitted.
    pub fn is_open(&self) -> bool {
        !self.judges_addresses() && !self.judges_credentials()
    }

    /// True when `allow=` or `deny=` was given.
    pub fn judges_addresses(&self) -> bool {
        !self.allow.is_empty() || !self.deny.is_empty()
    }

    /// True when `allowUid=` or `allowGid=` was given.
    pub fn judges_credentials(&self) -> bool {
        !self.allow_uids.is_empty() || !self.allow_gids.is_empty()
    }

    /// Whether `allow=`/`deny=` admit `peer` (always, when neither was given).
    pub fn admits_address(&self, peer: &Address) -> bool {
        let ip = peer.as_inet().map(|a| a.ip().to_canonical());
        match ip {
            Some(ip) => !self.contains(&self.deny, ip) && self.admits_ip_after_deny(ip),
            // Outside every network: not denied, but not allowed either.
            None => self.allow.is_empty(),
        }
    }

    fn admits_ip_after_deny(&self, ip: IpAddr) -> bool {
        self.allow.is_empty() || self.contains(&self.allow, ip)
    }

    fn contains(&self, list: &[IpNet], ip: IpAddr) -> bool {
        list.iter().any(|net| cidr_contains(net, ip))
    }

    /// Whether `allowUid=`/`allowGid=` admit a peer with these credentials (always, when
    /// neither was given; never, when they were and the credentials are unknown).
    pub fn admits_credentials(&self, credentials: Option<&PeerCredentials>) -> bool {
        if !self.judges_credentials() {
            return true;
        }
        credentials
            .is_some_and(|c| self.allow_uids.contains(&c.uid) || self.allow_gids.contains(&c.gid))
    }
}

/// Why a [`Gate`] refused a connection, for its log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refused {
    Address,
    Credentials,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refused::Address => "its address is not admitted by allow=/deny=",
            Refused::Credentials => "its user and group are not admitted by allowUid=/allowGid=",
        })
    }
}

/// A listener's [`Admission`] at work: judges connections, and counts and logs the ones it
/// refuses (at debug, with the peer's address escaped; through
/// [`ListenerEvents::address_refused`]). A transport that judges attempts itself before they
/// become connections (QUIC) gets one through
/// [`Accept::admit_by_address`](crate::Accept::admit_by_address).
#[derive(Clone)]
pub struct Gate {
    admission: Arc<Admission>,
    endpoint: Arc<str>,
    events: Arc<OnceLock<Arc<dyn ListenerEvents>>>,
}

impl Gate {
    pub(crate) fn new(admission: Admission, endpoint: &str) -> Self {
        Gate {
            admission: Arc::new(admission),
            endpoint: Arc::from(endpoint),
            events: Arc::new(OnceLock::new()),
        }
    }

    /// Tells `events` about refusals from now on (the first one set stays).
    pub(crate) fn set_events(&self, events: Arc<dyn ListenerEvents>) {
        let _ = self.events.set(events);
    }

    /// The rules.
    pub fn admission(&self) -> &Admission {
        &self.admission
    }

    /// Judges `peer` by `allow=`/`deny=`; a refusal is counted and logged.
    pub fn admits_address(&self, peer: &Address) -> bool {
        if self.admission.admits_address(peer) {
            return true;
        }
        self.refused(peer, Refused::Address);
        false
    }

    /// Judges a unix peer's credentials by `allowUid=`/`allowGid=`; a refusal is counted and
    /// logged.
    pub(crate) fn admits_credentials(&self, info: &ConnectionInfo) -> bool {
        if self
            .admission
            .admits_credentials(info.get::<PeerCredentials>())
        {
            return true;
        }
        self.refused(&info.peer, Refused::Credentials);
        false
    }

    fn refused(&self, peer: &Address, why: Refused) {
        if let Some(events) = self.events.get() {
            events.address_refused();
        }
        // `Address`'s Display escapes what a peer controls (a unix path, a plugin's text).
        debug!(endpoint = %self.endpoint, %peer, %why, "refused a connection");
    }
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gate")
            .field("admission", &self.admission)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::description::parse_cidr_list;

    fn peer(text: &str) -> Address {
        Address::Inet(text.parse().expect("a socket address"))
    }

    #[test]
    fn deny_wins_and_no_allow_admits_the_rest() {
        let deny_only = Admission::default().deny(parse_cidr_list("127.0.0.1").unwrap());
        assert!(!deny_only.admits_address(&peer("127.0.0.1:1")));
        assert!(deny_only.admits_address(&peer("127.0.0.2:1")));
        let both = deny_only.allow(parse_cidr_list("127.0.0.0/8").unwrap());
        assert!(!both.admits_address(&peer("127.0.0.1:1")));
        assert!(both.admits_address(&peer("127.0.0.9:1")));
        assert!(!both.admits_address(&peer("[::1]:1")));
    }

    #[test]
    fn mapped_ipv6_is_judged_as_ipv4() {
        let allow = Admission::default().allow(parse_cidr_list("127.0.0.2").unwrap());
        assert!(allow.admits_address(&peer("[::ffff:127.0.0.2]:1")));
        let deny = Admission::default().deny(parse_cidr_list("127.0.0.2").unwrap());
        assert!(!deny.admits_address(&peer("[::ffff:127.0.0.2]:1")));
    }

    #[test]
    fn non_ip_peers_are_outside_every_network() {
        let unix = Address::Unix(crate::address::UnixAddress::Unnamed);
        let allow = Admission::default().allow(parse_cidr_list("0.0.0.0/0,::/0").unwrap());
        assert!(!allow.admits_address(&unix));
        let deny = Admission::default().deny(parse_cidr_list("0.0.0.0/0,::/0").unwrap());
        assert!(deny.admits_address(&unix));
    }

    #[test]
    fn credentials_need_a_listed_user_or_group() {
        let open = Admission::default();
        assert!(open.admits_credentials(None));
        let rules = Admission::default()
            .allow_uids(vec![1000])
            .allow_gids(vec![50]);
        assert!(rules.admits_credentials(Some(&PeerCredentials::new(None, 1000, 1))));
        assert!(rules.admits_credentials(Some(&PeerCredentials::new(None, 7, 50))));
        assert!(!rules.admits_credentials(Some(&PeerCredentials::new(None, 7, 7))));
        assert!(!rules.admits_credentials(None));
    }
}
