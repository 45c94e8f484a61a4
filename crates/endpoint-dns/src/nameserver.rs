//! The `nameserver=` value: which DNS servers to ask.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// The DNS servers a `srv:` or `dns:` pool asks: the system's configuration, or a list of
/// addresses (`nameserver=127.0.0.1:5353,[::1]:53`; port 53 when left out).
///
/// The value follows `bindAddress=`'s rule for an address and port: `IP` or `IP:PORT`, an
/// IPv6 address in brackets when it has a port. Inside a description the colons are escaped
/// like any colon in a value (`nameserver=127.0.0.1\:5353`), and the canonical text writes
/// them so.
///
/// # Examples
/// ```
/// use endpoint_dns::Nameservers;
/// let servers: Nameservers = "127.0.0.1:5353,::1".parse().unwrap();
/// assert_eq!(servers.to_string(), "127.0.0.1:5353,[::1]:53");
/// assert!("ns.example".parse::<Nameservers>().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Nameservers {
    /// The system's resolver configuration (`/etc/resolv.conf`), read at the first connect.
    #[default]
    System,
    /// These servers, asked over UDP (TCP when an answer is truncated).
    Addresses(Vec<SocketAddr>),
}

impl Nameservers {
    /// Reads `nameserver=` (absent: [`Nameservers::System`]).
    pub(crate) fn from_args(
        args: &mut endpoint_core::description::Args,
    ) -> endpoint_core::Result<Self> {
        let Some(text) = args.get_optional::<String>("nameserver")? else {
            return Ok(Nameservers::System);
        };
        text.parse()
            .map_err(|reason| args.invalid("nameserver", args.position_of("nameserver"), reason))
    }

    /// The text `nameserver=` is written with, or `None` for the system's configuration.
    pub(crate) fn option(&self) -> Option<String> {
        match self {
            Nameservers::System => None,
            servers => Some(servers.to_string()),
        }
    }
}

impl std::str::FromStr for Nameservers {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut addresses = Vec::new();
        for item in text.split(',') {
            addresses.push(parse_one(item.trim())?);
        }
        Ok(Nameservers::Addresses(addresses))
    }
}

fn parse_one(item: &str) -> Result<SocketAddr, String> {
    if item.is_empty() {
        return Err("has an empty item; write IP or IP:PORT, comma-separated".to_owned());
    }
    let bare = item
        .strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(item);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    item.parse::<SocketAddr>().map_err(|_| {
        format!(
            "is not an IP address or IP:PORT: \"{}\" (a DNS server is named by address, \
             since a name would need DNS to find it)",
            endpoint_core::printable(item)
        )
    })
}

impl fmt::Display for Nameservers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Nameservers::System => f.write_str("system"),
            Nameservers::Addresses(addresses) => {
                for (i, a) in addresses.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{a}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ports() {
        let parsed: Nameservers = "127.0.0.1,[::1]:5353, 10.0.0.1:53".parse().unwrap();
        assert_eq!(
            parsed,
            Nameservers::Addresses(vec![
                "127.0.0.1:53".parse().unwrap(),
                "[::1]:5353".parse().unwrap(),
                "10.0.0.1:53".parse().unwrap(),
            ])
        );
        assert!("".parse::<Nameservers>().is_err());
        assert!("1.2.3.4,".parse::<Nameservers>().is_err());
        assert!("1.2.3.4:99999".parse::<Nameservers>().is_err());
        assert!("\u{1b}[31m"
            .parse::<Nameservers>()
            .unwrap_err()
            .contains("\\u{1b}"));
    }
}
