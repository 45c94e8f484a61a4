//! Address classes: which kind of network an address belongs to, judged on the IPv4
//! address an IPv6 address carries when it carries one (IPv4-mapped, NAT64, 6to4, Teredo),
//! since that is where its packets end up.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A class of addresses an [`EgressPolicy`](super::EgressPolicy) can refuse.
///
/// An IPv6 address that carries an IPv4 address is judged as that IPv4 address: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`),
/// NAT64's well-known prefix (`64:ff9b::/96`, RFC 6052), 6to4 (`2002::/16`, the IPv4 address
/// in bits 16 to 48) and Teredo (`2001::/32`, the client's IPv4 address inverted in the last
/// 32 bits). So `64:ff9b::a9fe:a9fe` is the cloud metadata address `169.254.169.254`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressClass {
    /// `127.0.0.0/8`, `::1`: this machine.
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10` (carrier-grade NAT).
    Private,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// `fc00::/7`: IPv6's private networks, and their deprecated predecessor, site-local
    /// `fec0::/10`.
    UniqueLocal,
    /// `224.0.0.0/4`, `255.255.255.255`, `ff00::/8`.
    Multicast,
    /// `0.0.0.0/8`, `::`: "this host" (connecting to it reaches the machine itself).
    Unspecified,
    /// `169.254.169.254` and `fd00:ec2::254`: cloud instance metadata (credentials).
    CloudMetadata,
    /// Special-purpose blocks no public service lives in, which networks reuse internally:
    /// `192.0.0.0/24` (IETF protocol assignments), `198.18.0.0/15` (benchmarking),
    /// `240.0.0.0/4` (reserved), the documentation blocks (`192.0.2.0/24`,
    /// `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`), `100::/64`
    /// (discard), `2001:2::/48` (benchmarking) and `64:ff9b:1::/48` (local-use NAT64, whose
    /// IPv4 addresses its network chooses, so none can be read out of it).
    Reserved,
}

impl AddressClass {
    /// Every class, for a policy that allows public addresses only.
    pub const ALL: [AddressClass; 8] = [
        AddressClass::Loopback,
        AddressClass::Private,
        AddressClass::LinkLocal,
        AddressClass::UniqueLocal,
        AddressClass::Multicast,
        AddressClass::Unspecified,
        AddressClass::CloudMetadata,
        AddressClass::Reserved,
    ];

    /// True when `address` is in this class, judged on the IPv4 address it carries if it
    /// carries one (see [`carried_ipv4`]).
    pub fn contains(self, address: IpAddr) -> bool {
        match address {
            IpAddr::V4(ip) => self.contains_v4(ip),
            IpAddr::V6(ip) => match carried_ipv4(ip) {
                Some(v4) => self.contains_v4(v4),
                None => self.contains_v6(ip),
            },
        }
    }

    fn contains_v4(self, ip: Ipv4Addr) -> bool {
        let [a, b, c, _] = ip.octets();
        match self {
            AddressClass::Loopback => ip.is_loopback(),
            AddressClass::Private => ip.is_private() || (a == 100 && (64..128).contains(&b)),
            AddressClass::LinkLocal => ip.is_link_local(),
            AddressClass::UniqueLocal => false,
            AddressClass::Multicast => ip.is_multicast() || ip.is_broadcast(),
            AddressClass::Unspecified => a == 0,
            AddressClass::CloudMetadata => ip == Ipv4Addr::new(169, 254, 169, 254),
            AddressClass::Reserved => {
                matches!(
                    (a, b, c),
                    (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113)
                ) || (a == 198 && (b & 0xfe) == 18)
                    || (a >= 240 && !ip.is_broadcast())
            }
        }
    }

    fn contains_v6(self, ip: Ipv6Addr) -> bool {
        let s = ip.segments();
        match self {
            AddressClass::Loopback => ip.is_loopback(),
            AddressClass::Private => false,
            AddressClass::LinkLocal => s[0] & 0xffc0 == 0xfe80,
            AddressClass::UniqueLocal => s[0] & 0xfe00 == 0xfc00 || s[0] & 0xffc0 == 0xfec0,
            AddressClass::Multicast => ip.is_multicast(),
            AddressClass::Unspecified => ip.is_unspecified(),
            AddressClass::CloudMetadata => ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
            AddressClass::Reserved => {
                (s[0] == 0x2001 && s[1] == 0x0db8)
                    || (s[0] == 0x3fff && s[1] & 0xf000 == 0)
                    || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])
                    || (s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0)
                    || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001)
            }
        }
    }

    /// The class's name in errors and logs (`cloud metadata`).
    pub fn name(self) -> &'static str {
        match self {
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::Multicast => "multicast",
            AddressClass::Unspecified => "unspecified",
            AddressClass::CloudMetadata => "cloud metadata",
            AddressClass::Reserved => "reserved",
        }
    }

    /// The class's keyword in configuration (`cloud-metadata`): what [`FromStr`] reads.
    pub fn keyword(self) -> &'static str {
        match self {
            AddressClass::CloudMetadata => "cloud-metadata",
            other => other.name(),
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl FromStr for AddressClass {
    type Err = String;

    /// Reads a class's [`keyword`](AddressClass::keyword), in any case.
    ///
    /// # Errors
    /// A message quoting the text and listing the keywords.
    fn from_str(text: &str) -> Result<Self, String> {
        AddressClass::ALL
            .into_iter()
            .find(|c| c.keyword().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let known: Vec<_> = AddressClass::ALL.iter().map(|c| c.keyword()).collect();
                format!(
                    "is not an address class: {:?} (known: {})",
                    crate::printable(text),
                    known.join(", ")
                )
            })
    }
}

/// The IPv4 address an IPv6 address carries, where its packets end up: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, but not `::` and `::1`),
/// IPv4-translated (`::ffff:0:a.b.c.d`), NAT64's well-known prefix (`64:ff9b::/96`), 6to4
/// (`2002:AABB:CCDD::/48`) and Teredo (`2001:0::/32`, the client's address inverted in the
/// last 32 bits). `None` for every other address.
///
/// # Examples
/// ```
/// use endpoint_core::carried_ipv4;
/// assert_eq!(carried_ipv4("64:ff9b::a9fe:a9fe".parse()?), Some("169.254.169.254".parse()?));
/// assert_eq!(carried_ipv4("2002:7f00:1::1".parse()?), Some("127.0.0.1".parse()?));
/// assert_eq!(carried_ipv4("2606:4700::1111".parse()?), None);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn carried_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let last = Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7]));
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] => Some(last),
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, _, _] => Some(last),
        [0x0064, 0xff9b, 0, 0, 0, 0, _, _] => Some(last),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        [0x2001, 0, ..] => Some(Ipv4Addr::from(!u32::from(last))),
        _ => None,
    }
}
