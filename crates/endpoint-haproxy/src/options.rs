//! The layer's settings: header timeout, trusted proxies, accepted versions.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use endpoint_core::description::FromOption;

/// Which PROXY protocol versions the layer accepts (`version=1`, `2` or `any`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Versions {
    /// Only the text header (`PROXY TCP4 ...\r\n`).
    V1,
    /// Only the binary header.
    V2,
    /// Either (the default).
    #[default]
    Any,
}

impl Versions {
    /// True if a header of `version` (1 or 2) is accepted.
    pub fn accepts(self, version: u8) -> bool {
        matches!(
            (self, version),
            (Versions::Any, _) | (Versions::V1, 1) | (Versions::V2, 2)
        )
    }
}

impl fmt::Display for Versions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Versions::V1 => "1",
            Versions::V2 => "2",
            Versions::Any => "any",
        })
    }
}

impl FromStr for Versions {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1" => Ok(Versions::V1),
            "2" => Ok(Versions::V2),
            "any" => Ok(Versions::Any),
            other => Err(format!(
                "is not a PROXY protocol version: \"{other}\" (use 1, 2 or any)"
            )),
        }
    }
}

/// An IP network in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is a single host.
///
/// # Examples
/// ```
/// use endpoint_haproxy::Cidr;
/// let net: Cidr = "10.0.0.0/8".parse()?;
/// assert!(net.contains("10.1.2.3".parse()?));
/// assert!(net.contains("::ffff:10.1.2.3".parse()?)); // IPv4-mapped addresses count as IPv4
/// assert!(!net.contains("11.0.0.1".parse()?));
/// assert_eq!("::1".parse::<Cidr>()?.to_string(), "::1/128");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The network `address/prefix`; host bits of `address` are cleared.
    ///
    /// # Errors
    /// When `prefix` is longer than the address (32 for IPv4, 128 for IPv6).
    pub fn new(address: IpAddr, prefix: u8) -> Result<Self, String> {
        let max = if address.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(format!("prefix /{prefix} is longer than {max} bits"));
        }
        Ok(Cidr {
            network: mask(address, prefix),
            prefix,
        })
    }

    /// True if `address` is in this network. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, what
    /// a dual-stack socket reports for IPv4 peers) are compared as IPv4.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        address.is_ipv4() == self.network.is_ipv4() && mask(address, self.prefix) == self.network
    }
}

fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let keep = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            IpAddr::V4((bits & keep).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let keep = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            IpAddr::V6((bits & keep).into())
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (address, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("\"{s}\" is not an IP network (like 10.0.0.0/8 or ::1/128)"))?;
        let prefix = match prefix {
            None => {
                if address.is_ipv4() {
                    32
                } else {
                    128
                }
            }
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => p
                .parse()
                .map_err(|_| format!("\"{s}\" has a bad prefix length"))?,
            Some(_) => return Err(format!("\"{s}\" has a bad prefix length")),
        };
        Cidr::new(address, prefix).map_err(|e| format!("\"{s}\": {e}"))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Parses `trusted=`: CIDRs separated by commas.
pub(crate) fn parse_trusted(text: &str) -> Result<Vec<Cidr>, String> {
    if text.is_empty() {
        return Err("is empty; list networks like 10.0.0.0/8,::1/128".into());
    }
    text.split(',').map(|part| part.trim().parse()).collect()
}

impl FromOption for Versions {
    fn from_option(text: &str) -> Result<Self, String> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let net: Cidr = "192.168.1.77/24".parse().unwrap();
        assert_eq!(net.to_string(), "192.168.1.0/24");
        assert!(net.contains("192.168.1.1".parse().unwrap()));
        assert!(!net.contains("192.168.2.1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        assert!(!all.contains("::2".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10/8",
            "x",
            "10.0.0.0/+8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert_eq!(parse_trusted("10.0.0.0/8, ::1").unwrap().len(), 2);
        assert!(parse_trusted("").is_err());
        assert!(parse_trusted("10.0.0.0/8,").is_err());
    }

    #[test]
    fn versions() {
        assert!(Versions::Any.accepts(1) && Versions::Any.accepts(2));
        assert!(Versions::V1.accepts(1) && !Versions::V1.accepts(2));
        assert_eq!("2".parse::<Versions>(), Ok(Versions::V2));
        assert!("3".parse::<Versions>().is_err());
    }
}
