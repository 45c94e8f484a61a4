//! CIDR options: one parser for an address block (`10.0.0.0/8`, `::1`) and one for a
//! comma-separated list of them, shared by every option that takes networks (haproxy's
//! `trusted=`, egress exceptions, future `allow=`/`deny=` lists). The type is
//! [`ipnet::IpNet`].

use std::net::IpAddr;

use ipnet::IpNet;

use super::value::FromOption;

/// Parses one address block: `ADDRESS/PREFIX`, or an address alone (a single host: `/32` for
/// IPv4, `/128` for IPv6).
///
/// The one rule for host bits: **they are cleared**. `192.168.1.77/24` is the network
/// `192.168.1.0/24`, as Linux's `ip route` and Python's `ip_network(strict=False)` read it;
/// which addresses the block contains is the same either way, and the canonical text shows the
/// network.
///
/// # Errors
/// A message for [`Args::convert`](super::Args::convert) quoting the text: not an address, a
/// prefix that is not 0 to 32 (IPv4) or 0 to 128 (IPv6) in decimal digits.
///
/// # Examples
/// ```
/// use endpoint_core::description::parse_cidr;
/// assert_eq!(parse_cidr("192.168.1.77/24")?.to_string(), "192.168.1.0/24");
/// assert_eq!(parse_cidr("::1")?.to_string(), "::1/128");
/// assert!(parse_cidr("10.0.0.0/33").is_err());
/// # Ok::<(), String>(())
/// ```
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    let bad = || {
        format!(
            "is not an IP network: \"{text}\" (like 10.0.0.0/8 or ::1/128; an address alone is \
             one host)"
        )
    };
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let address: IpAddr = address.parse().map_err(|_| bad())?;
    let most: u8 = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => most,
        Some(p) if (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => p
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= most)
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    IpNet::new(address, prefix)
        .map(|net| net.trunc())
        .map_err(|_| bad())
}

/// Parses a comma-separated list of address blocks with [`parse_cidr`] (so host bits are
/// cleared and an address alone is one host); spaces around each item are ignored.
///
/// # Errors
/// An empty list or item, or the first item [`parse_cidr`] refuses.
///
/// # Examples
/// ```
/// use endpoint_core::description::parse_cidr_list;
/// let nets = parse_cidr_list("10.0.0.0/8, ::1")?;
/// assert_eq!(nets.len(), 2);
/// assert_eq!(nets[1].to_string(), "::1/128");
/// assert!(parse_cidr_list("10.0.0.0/8,").is_err());
/// # Ok::<(), String>(())
/// ```
pub fn parse_cidr_list(text: &str) -> Result<Vec<IpNet>, String> {
    if text.trim().is_empty() {
        return Err("is empty; list networks like 10.0.0.0/8,::1/128".into());
    }
    text.split(',')
        .map(|part| parse_cidr(part.trim()))
        .collect()
}

/// True when `address` is inside `net`, judging an IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`, what a dual-stack socket reports for IPv4 peers) as the IPv4 address it
/// carries.
///
/// # Examples
/// ```
/// use endpoint_core::description::{cidr_contains, parse_cidr};
/// let net = parse_cidr("10.0.0.0/8")?;
/// assert!(cidr_contains(&net, "::ffff:10.1.2.3".parse().unwrap()));
/// assert!(!cidr_contains(&net, "11.0.0.1".parse().unwrap()));
/// # Ok::<(), String>(())
/// ```
pub fn cidr_contains(net: &IpNet, address: IpAddr) -> bool {
    net.contains(&address.to_canonical())
}

impl FromOption for IpNet {
    fn from_option(text: &str) -> Result<Self, String> {
        parse_cidr(text)
    }
}

impl FromOption for Vec<IpNet> {
    fn from_option(text: &str) -> Result<Self, String> {
        parse_cidr_list(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_host_bits() {
        let net = parse_cidr("192.168.1.77/24").unwrap();
        assert_eq!(net.to_string(), "192.168.1.0/24");
        assert!(cidr_contains(&net, "192.168.1.1".parse().unwrap()));
        assert!(!cidr_contains(&net, "192.168.2.1".parse().unwrap()));
        let all = parse_cidr("0.0.0.0/0").unwrap();
        assert!(cidr_contains(&all, "8.8.8.8".parse().unwrap()));
        assert!(!cidr_contains(&all, "::2".parse().unwrap()));
        let v6 = parse_cidr("fd00::/8").unwrap();
        assert!(cidr_contains(&v6, "fd12::1".parse().unwrap()));
        assert_eq!(parse_cidr("10.0.0.1").unwrap().to_string(), "10.0.0.1/32");
        assert_eq!(parse_cidr("::").unwrap().to_string(), "::/128");
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10/8",
            "x",
            "x/8",
            "10.0.0.0/+8",
            "10.0.0.0/0008",
            "10.0.0.0/8/8",
        ] {
            let e = parse_cidr(bad).unwrap_err();
            assert!(e.contains(&format!("\"{bad}\"")), "{bad}: {e}");
        }
    }

    #[test]
    fn lists() {
        let nets = parse_cidr_list("10.0.0.0/8, ::1").unwrap();
        assert_eq!(nets.len(), 2);
        assert_eq!(nets[1].to_string(), "::1/128");
        for bad in ["", " ", "10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.0/8,,::1"] {
            assert!(parse_cidr_list(bad).is_err(), "{bad:?}");
        }
    }
}
