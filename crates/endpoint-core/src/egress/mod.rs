//! An egress guard: which addresses a client may connect to, checked after name resolution
//! (so a name that resolves to a guarded address — DNS rebinding included — is refused too).

mod class;

use ipnet::IpNet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use crate::description::cidr::cidr_contains;

pub use class::{carried_ipv4, AddressClass};

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
    /// The IPv4 address it carries and was judged as (`64:ff9b::a9fe:a9fe` carries
    /// `169.254.169.254`; see [`carried_ipv4`]), if any; `None` for an IPv4-mapped address
    /// (`::ffff:127.0.0.1`), whose text shows it.
    pub carried: Option<Ipv4Addr>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.address)?;
        if let Some(carried) = self.carried {
            write!(f, " (carrying {carried})")?;
        }
        write!(
            f,
            " is a {} address, which the egress policy refuses",
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
            Some(class) => Err(Refusal {
                address,
                class,
                // `::ffff:127.0.0.1` says what it carries already.
                carried: match address {
                    IpAddr::V6(ip) if ip.to_ipv4_mapped().is_none() => carried_ipv4(ip),
                    _ => None,
                },
            }),
            None => Ok(()),
        }
    }
}

impl FromStr for EgressPolicy {
    type Err = String;

    /// Reads a policy as configuration writes it: `public` (refuse every class: public
    /// addresses only), `any` (refuse nothing), or a comma-separated list of the classes to
    /// refuse by [keyword](AddressClass::keyword) (`loopback,private,cloud-metadata`).
    /// Exceptions are added with [`allow`](EgressPolicy::allow).
    ///
    /// # Errors
    /// An empty list or item, or a word that names no class (the message lists them).
    ///
    /// # Examples
    /// ```
    /// use endpoint_core::{AddressClass, EgressPolicy};
    /// assert_eq!("public".parse(), Ok(EgressPolicy::public_only()));
    /// assert_eq!("any".parse(), Ok(EgressPolicy::new()));
    /// let policy: EgressPolicy = "loopback,cloud-metadata".parse()?;
    /// assert!(policy.check("127.0.0.1".parse().unwrap()).is_err());
    /// assert!(policy.check("10.0.0.1".parse().unwrap()).is_ok());
    /// # Ok::<(), String>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("public") {
            return Ok(EgressPolicy::public_only());
        }
        if text.eq_ignore_ascii_case("any") {
            return Ok(EgressPolicy::new());
        }
        if text.is_empty() {
            return Err(
                "is empty; write public, any, or classes to refuse like loopback,private".into(),
            );
        }
        text.split(',')
            .try_fold(EgressPolicy::new(), |policy, word| {
                Ok(policy.refuse(word.parse()?))
            })
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

    /// One row per special-purpose block, with an address inside it and one just outside
    /// where that matters; IPv6 addresses that carry an IPv4 address are judged as it.
    #[test]
    fn every_special_range_is_classified() {
        use AddressClass::*;
        let metadata = [LinkLocal, CloudMetadata];
        let table: &[(&str, &[AddressClass])] = &[
            // NAT64's well-known prefix carries the IPv4 address in its last 32 bits.
            ("64:ff9b::a9fe:a9fe", &metadata),
            ("64:ff9b::169.254.169.254", &metadata),
            ("64:ff9b::7f00:1", &[Loopback]),
            ("64:ff9b::a00:1", &[Private]),
            ("64:ff9b::808:808", &[]),
            // Local-use NAT64: which IPv4 addresses it reaches is the network's choice.
            ("64:ff9b:1::a9fe:a9fe", &[Reserved]),
            ("64:ff9b:1:ffff::1", &[Reserved]),
            // 6to4 carries it in bits 16 to 48.
            ("2002:a9fe:a9fe::1", &metadata),
            ("2002:7f00:1::", &[Loopback]),
            ("2002:c0a8:101::1", &[Private]),
            ("2002:808:808::1", &[]),
            // Teredo: the client's address, inverted, in the last 32 bits.
            ("2001:0:4136:e378:8000:63bf:5601:5601", &metadata),
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", &[Loopback]),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", &[Reserved]),
            ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", &[]),
            // IPv4-mapped, -translated and -compatible forms.
            ("::ffff:169.254.169.254", &metadata),
            ("::ffff:0:a9fe:a9fe", &metadata),
            ("::a9fe:a9fe", &metadata),
            ("::7f00:1", &[Loopback]),
            ("::ffff:0.0.0.0", &[Unspecified]),
            // IPv4 special-purpose blocks.
            ("192.0.0.8", &[Reserved]),
            ("192.0.0.255", &[Reserved]),
            ("192.0.1.1", &[]),
            ("192.0.2.1", &[Reserved]),
            ("198.51.100.7", &[Reserved]),
            ("203.0.113.200", &[Reserved]),
            ("198.18.0.1", &[Reserved]),
            ("198.19.255.255", &[Reserved]),
            ("198.17.255.255", &[]),
            ("198.20.0.1", &[]),
            ("240.0.0.1", &[Reserved]),
            ("255.255.255.254", &[Reserved]),
            ("239.255.255.255", &[Multicast]),
            // IPv6 special-purpose blocks.
            ("fec0::1", &[UniqueLocal]),
            ("feff::1", &[UniqueLocal]),
            ("2001:db8::1", &[Reserved]),
            ("3fff:fff::1", &[Reserved]),
            ("3fff:1000::1", &[]),
            ("100::1", &[Reserved]),
            ("100:0:0:1::1", &[]),
            ("2001:2::1", &[Reserved]),
            ("2001:db9::1", &[]),
            ("2001:4860:4860::8888", &[]),
        ];
        for (address, expected) in table {
            assert_eq!(class_of(address), *expected, "{address}");
        }
    }

    #[test]
    fn the_metadata_address_behind_nat64_is_refused_naming_what_it_carries() {
        let policy = EgressPolicy::public_only();
        let refused = policy
            .check("64:ff9b::a9fe:a9fe".parse().unwrap())
            .unwrap_err();
        assert_eq!(refused.class, AddressClass::CloudMetadata);
        assert_eq!(refused.carried, Some(Ipv4Addr::new(169, 254, 169, 254)));
        assert_eq!(
            refused.to_string(),
            "64:ff9b::a9fe:a9fe (carrying 169.254.169.254) is a cloud metadata address, which \
             the egress policy refuses"
        );
        let mapped = policy
            .check("::ffff:127.0.0.1".parse().unwrap())
            .unwrap_err();
        assert_eq!(
            mapped.to_string(),
            "::ffff:127.0.0.1 is a loopback address, which the egress policy refuses"
        );
        for public in ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"] {
            assert!(policy.check(public.parse().unwrap()).is_ok(), "{public}");
        }
    }

    #[test]
    fn policies_and_classes_read_from_text() {
        use AddressClass::*;
        for class in AddressClass::ALL {
            assert_eq!(class.keyword().parse(), Ok(class));
            assert_eq!(class.to_string().to_uppercase().parse(), Ok(class));
        }
        assert_eq!("Public".parse(), Ok(EgressPolicy::public_only()));
        assert_eq!("any".parse(), Ok(EgressPolicy::new()));
        assert_eq!(
            "loopback, cloud-metadata".parse(),
            Ok(EgressPolicy::new().refuse(Loopback).refuse(CloudMetadata))
        );
        for bad in [
            "",
            "loopback,",
            "lo",
            "public,loopback",
            "metadata\u{1b}[31m",
        ] {
            let error = bad.parse::<EgressPolicy>().unwrap_err();
            assert!(!error.contains('\u{1b}'), "{error}");
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
