//! An egress guard: which addresses a client may connect to, checked after name resolution
//! (so a name that resolves to a guarded address — DNS rebinding included — is refused too).

use ipnet::IpNet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::description::cidr::cidr_contains;

/// A class of addresses an [`EgressPolicy`] can refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressClass {
    /// `127.0.0.0/8`, `::1`: this machine.
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10` (carrier-grade NAT).
    Private,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// `fc00::/7`: IPv6's private networks.
    UniqueLocal,
    /// `224.0.0.0/4`, `255.255.255.255`, `ff00::/8`.
    Multicast,
    /// `0.0.0.0/8`, `::`: "this host" (connecting to it reaches the machine itself).
    Unspecified,
    /// `169.254.169.254` and `fd00:ec2::254`: cloud instance metadata (credentials).
    CloudMetadata,
}

impl AddressClass {
    /// Every class, for a policy that allows public addresses only.
    pub const ALL: [AddressClass; 7] = [
        AddressClass::Loopback,
        AddressClass::Private,
        AddressClass::LinkLocal,
        AddressClass::UniqueLocal,
        AddressClass::Multicast,
        AddressClass::Unspecified,
        AddressClass::CloudMetadata,
    ];

    /// True when `address` is in this class. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`)
    /// are judged as the IPv4 address they carry.
    pub fn contains(self, address: IpAddr) -> bool {
        match canonical(address) {
            IpAddr::V4(ip) => self.contains_v4(ip),
            IpAddr::V6(ip) => self.contains_v6(ip),
        }
    }

    fn contains_v4(self, ip: Ipv4Addr) -> bool {
        let [a, b, ..] = ip.octets();
        match self {
            AddressClass::Loopback => ip.is_loopback(),
            AddressClass::Private => ip.is_private() || (a == 100 && (64..128).contains(&b)),
            AddressClass::LinkLocal => ip.is_link_local(),
            AddressClass::UniqueLocal => false,
            AddressClass::Multicast => ip.is_multicast() || ip.is_broadcast(),
            AddressClass::Unspecified => a == 0,
            AddressClass::CloudMetadata => ip == Ipv4Addr::new(169, 254, 169, 254),
        }
    }

    fn contains_v6(self, ip: Ipv6Addr) -> bool {
        let first = ip.segments()[0];
        match self {
            AddressClass::Loopback => ip.is_loopback(),
            AddressClass::Private => false,
            AddressClass::LinkLocal => first & 0xffc0 == 0xfe80,
            AddressClass::UniqueLocal => first & 0xfe00 == 0xfc00,
            AddressClass::Multicast => ip.is_multicast(),
            AddressClass::Unspecified => ip.is_unspecified(),
            AddressClass::CloudMetadata => ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
        }
    }

    /// The class's name in errors and logs.
    pub fn name(self) -> &'static str {
        match self {
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::Multicast => "multicast",
            AddressClass::Unspecified => "unspecified",
            AddressClass::CloudMetadata => "cloud metadata",
        }
    }
}

/// An IPv4-mapped IPv6 address as its IPv4 address; anything else as it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(ip) => ip.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Which addresses clients may connect to: refused classes, and exceptions by CIDR.
///
/// Give it to a [`Registry`](crate::Registry) with
/// [`guard_egress`](crate::Registry::guard_egress); the transports that connect by address
/// (tcp, and so tls and ws over it) check every resolved address at connect time and try only
/// the allowed ones. Anchors: Stripe's Smokescreen, Go's `net.Dialer.Control` filters.
///
/// # Examples
/// ```
/// use endpoint_core::{description::parse_cidr, AddressClass, EgressPolicy};
/// let policy = EgressPolicy::public_only().allow(parse_cidr("10.1.0.0/16").unwrap());
/// assert!(policy.check("93.184.216.34".parse().unwrap()).is_ok());
/// assert!(policy.check("10.1.2.3".parse().unwrap()).is_ok());
/// let refused = policy.check("169.254.169.254".parse().unwrap()).unwrap_err();
/// assert_eq!(refused.class, AddressClass::CloudMetadata);
/// assert!(policy.check("::ffff:127.0.0.1".parse().unwrap()).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    refused: Vec<AddressClass>,
    exceptions: Vec<IpNet>,
}

/// Why an address was refused: the address and the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// The address refused.
    pub address: IpAddr,
    /// The class it is in.
    pub class: AddressClass,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is a {} address, which the egress policy refuses",
            self.address,
            self.class.name()
        )
    }
}

impl std::error::Error for Refusal {}

impl EgressPolicy {
    /// A policy that refuses nothing (add classes with [`refuse`](EgressPolicy::refuse)).
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses every class in [`AddressClass::ALL`]: public addresses only.
    pub fn public_only() -> Self {
        EgressPolicy {
            refused: AddressClass::ALL.to_vec(),
            exceptions: Vec::new(),
        }
    }

    /// Also refuses `class`.
    pub fn refuse(mut self, class: AddressClass) -> Self {
        if !self.refused.contains(&class) {
            self.refused.push(class);
        }
        self
    }

    /// Allows `block` whatever its class (a known internal service). IPv4-mapped IPv6
    /// addresses count as the IPv4 address they carry. Parse blocks from text with
    /// [`parse_cidr`](crate::description::parse_cidr) or a comma-separated list with
    /// [`parse_cidr_list`](crate::description::parse_cidr_list) (the one rule: an address alone
    /// is one host, host bits are cleared).
    pub fn allow(mut self, block: IpNet) -> Self {
        self.exceptions.push(block.trunc());
        self
    }

    /// Allows every block of `blocks` (see [`allow`](EgressPolicy::allow)).
    ///
    /// # Examples
    /// ```
    /// use endpoint_core::{description::parse_cidr_list, EgressPolicy};
    /// let allowed = parse_cidr_list("10.1.0.0/16,fd12::/16").unwrap();
    /// let policy = EgressPolicy::public_only().allow_all(allowed);
    /// assert!(policy.check("fd12::1".parse().unwrap()).is_ok());
    /// ```
    pub fn allow_all(mut self, blocks: impl IntoIterator<Item = IpNet>) -> Self {
        self.exceptions
            .extend(blocks.into_iter().map(|b| b.trunc()));
        self
    }

    /// `Ok` when a client may connect to `address`.
    ///
    /// # Errors
    /// A [`Refusal`] naming the address and the class that refuses it. The cloud-metadata
    /// class is named before link-local, so `169.254.169.254` says what it is when both are
    /// refused.
    pub fn check(&self, address: IpAddr) -> Result<(), Refusal> {
        if self.exceptions.iter().any(|c| cidr_contains(c, address)) {
            return Ok(());
        }
        let order = [AddressClass::CloudMetadata];
        let class = order
            .iter()
            .chain(self.refused.iter())
            .copied()
            .find(|c| self.refused.contains(c) && c.contains(address));
        match class {
            Some(class) => Err(Refusal { address, class }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::description::parse_cidr;

    fn class_of(text: &str) -> Vec<AddressClass> {
        let ip: IpAddr = text.parse().unwrap();
        AddressClass::ALL
            .into_iter()
            .filter(|c| c.contains(ip))
            .collect()
    }

    #[test]
    fn every_class_has_its_addresses() {
        use AddressClass::*;
        assert_eq!(class_of("127.0.0.1"), [Loopback]);
        assert_eq!(class_of("127.255.1.2"), [Loopback]);
        assert_eq!(class_of("::1"), [Loopback]);
        assert_eq!(class_of("::ffff:127.0.0.1"), [Loopback]);
        for private in [
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
        ] {
            assert_eq!(class_of(private), [Private], "{private}");
        }
        assert_eq!(class_of("169.254.1.1"), [LinkLocal]);
        assert_eq!(class_of("fe80::1"), [LinkLocal]);
        assert_eq!(class_of("fd12:3456::1"), [UniqueLocal]);
        assert_eq!(class_of("224.0.0.1"), [Multicast]);
        assert_eq!(class_of("255.255.255.255"), [Multicast]);
        assert_eq!(class_of("ff02::1"), [Multicast]);
        assert_eq!(class_of("0.0.0.0"), [Unspecified]);
        assert_eq!(class_of("::"), [Unspecified]);
        assert_eq!(class_of("169.254.169.254"), [LinkLocal, CloudMetadata]);
        assert_eq!(class_of("fd00:ec2::254"), [UniqueLocal, CloudMetadata]);
        for public in [
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert_eq!(class_of(public), [], "{public}");
        }
    }

    #[test]
    fn exceptions_and_the_rule_named() {
        let policy = EgressPolicy::public_only().allow(parse_cidr("127.0.0.2/32").unwrap());
        assert!(policy.check("127.0.0.2".parse().unwrap()).is_ok());
        let refused = policy.check("127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "127.0.0.1 is a loopback address, which the egress policy refuses"
        );
        let metadata = policy
            .check("169.254.169.254".parse().unwrap())
            .unwrap_err();
        assert_eq!(metadata.class, AddressClass::CloudMetadata);
        let only_loopback = EgressPolicy::new().refuse(AddressClass::Loopback);
        assert!(only_loopback.check("10.0.0.1".parse().unwrap()).is_ok());
        assert!(only_loopback.check("::1".parse().unwrap()).is_err());
    }

    #[test]
    fn cidr_exceptions() {
        let policy = EgressPolicy::public_only().allow_all(
            crate::description::parse_cidr_list("10.1.0.0/16,fd12::/16,10.9.9.9/8").unwrap(),
        );
        assert!(policy.check("10.1.255.1".parse().unwrap()).is_ok());
        assert!(policy.check("::ffff:10.1.0.9".parse().unwrap()).is_ok());
        assert!(policy.check("fd12:1::1".parse().unwrap()).is_ok());
        // Host bits are cleared: 10.9.9.9/8 is 10.0.0.0/8.
        assert!(policy.check("10.200.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("192.168.0.1".parse().unwrap()).is_err());
        // A block built by hand with host bits set means its network too.
        let by_hand =
            EgressPolicy::public_only().allow(IpNet::new("10.1.2.3".parse().unwrap(), 16).unwrap());
        assert!(by_hand.check("10.1.200.1".parse().unwrap()).is_ok());
        assert!(by_hand.check("10.2.0.1".parse().unwrap()).is_err());
    }
}
