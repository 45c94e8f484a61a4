//! Building the PROXY header the `haproxy+` client layer sends, with `ppp`'s builders: who the
//! connection is for ([`Origin`]) in, the header's bytes out.

use std::net::{IpAddr, SocketAddr, SocketAddrV6};
use std::os::unix::ffi::OsStrExt;

use endpoint_core::{Address, Origin, UnixAddress};
use ppp::v2::{AddressFamily, Builder, Command, Protocol, Type, Version};
use ppp::{v1, v2};

use crate::options::HeaderVersion;

/// The longest TLV value sent: ALPN protocol names and DNS names fit in 255 bytes; a longer
/// value is not a real one and is left out rather than sent.
const TLV_MAX: usize = 255;

/// The header for a connection made on behalf of `origin` (`None`: on nobody's behalf).
///
/// - No origin: v2 `LOCAL` / v1 `UNKNOWN`, what HAProxy's own health checks send: the
///   receiver keeps the connection's real addresses.
/// - IP addresses: v2 `PROXY` over IPv4 or IPv6 / v1 `TCP4` or `TCP6`. An IPv4-mapped IPv6
///   address counts as the IPv4 address it carries; when the two ends are of different
///   families, both are written as IPv6 (the IPv4 one mapped), as HAProxy does.
/// - Unix addresses: v2 `AF_UNIX` with the 108-byte paths (an abstract name with its leading
///   NUL, an unnamed socket as zeros) / v1 `UNKNOWN`, which has no unix family.
/// - Anything else (a unix peer on an IP listener, a plugin's address, a path longer than
///   108 bytes): v2 `LOCAL` / v1 `UNKNOWN`, as HAProxy does for families it cannot write.
///
/// With `tlvs`, a v2 header for an origin carries `PP2_TYPE_ALPN` and `PP2_TYPE_AUTHORITY`
/// (the TLS server name) when the origin knows them ([`Origin::alpn`],
/// [`Origin::server_name`]).
pub(crate) fn header(version: HeaderVersion, tlvs: bool, origin: Option<&Origin>) -> Vec<u8> {
    let addresses = origin.map_or(Pair::Unknown, |o| Pair::of(o.peer(), o.local()));
    match version {
        HeaderVersion::V1 => v1_header(&addresses).into_bytes(),
        HeaderVersion::V2 => {
            let mut extra = Vec::new();
            if let (true, Some(origin)) = (tlvs, origin) {
                if let Some(alpn) = origin.alpn() {
                    extra.push((Type::ALPN, alpn.to_vec()));
                }
                if let Some(name) = origin.server_name() {
                    extra.push((Type::Authority, name.as_bytes().to_vec()));
                }
            }
            extra.retain(|(_, value)| (1..=TLV_MAX).contains(&value.len()));
            v2_header(addresses, &extra)
        }
    }
}

/// The two ends as the header can carry them.
#[derive(Debug, PartialEq, Eq)]
enum Pair {
    Inet(SocketAddr, SocketAddr),
    Unix(Box<[u8; 108]>, Box<[u8; 108]>),
    Unknown,
}

impl Pair {
    fn of(source: &Address, destination: &Address) -> Pair {
        match (source, destination) {
            (Address::Inet(s), Address::Inet(d)) => {
                let (s, d) = (canonical(*s), canonical(*d));
                if s.is_ipv4() == d.is_ipv4() {
                    Pair::Inet(s, d)
                } else {
                    Pair::Inet(as_ipv6(s), as_ipv6(d))
                }
            }
            (Address::Unix(s), Address::Unix(d)) => match (sun_path(s), sun_path(d)) {
                (Some(s), Some(d)) => Pair::Unix(s, d),
                _ => Pair::Unknown,
            },
            _ => Pair::Unknown,
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it carries (a dual-stack listener's view
/// of an IPv4 client), so v1 says `TCP4` for it.
fn canonical(address: SocketAddr) -> SocketAddr {
    SocketAddr::new(address.ip().to_canonical(), address.port())
}

fn as_ipv6(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) => SocketAddrV6::new(ip.to_ipv6_mapped(), address.port(), 0, 0).into(),
        IpAddr::V6(_) => address,
    }
}

/// A unix address as v2 writes it: `sun_path`'s 108 bytes, NUL-padded; `None` when it does
/// not fit.
fn sun_path(address: &UnixAddress) -> Option<Box<[u8; 108]>> {
    let bytes: Vec<u8> = match address {
        UnixAddress::Path(path) => path.as_os_str().as_bytes().to_vec(),
        UnixAddress::Abstract(name) => [&[0][..], name].concat(),
        UnixAddress::Unnamed => Vec::new(),
    };
    let mut raw = Box::new([0u8; 108]);
    raw.get_mut(..bytes.len())?.copy_from_slice(&bytes);
    Some(raw)
}

fn v1_header(addresses: &Pair) -> String {
    let addresses = match addresses {
        Pair::Inet(s, d) => v1::Addresses::from((*s, *d)),
        Pair::Unix(..) | Pair::Unknown => v1::Addresses::Unknown,
    };
    addresses.to_string()
}

fn v2_header(addresses: Pair, tlvs: &[(Type, Vec<u8>)]) -> Vec<u8> {
    let builder = match addresses {
        Pair::Inet(s, d) => Builder::with_addresses(
            Version::Two | Command::Proxy,
            Protocol::Stream,
            v2::Addresses::from((s, d)),
        ),
        Pair::Unix(s, d) => Builder::with_addresses(
            Version::Two | Command::Proxy,
            Protocol::Stream,
            v2::Unix::new(*s, *d),
        ),
        Pair::Unknown => Builder::new(
            Version::Two | Command::Local,
            AddressFamily::Unspecified | Protocol::Unspecified,
        ),
    };
    let with_tlvs = tlvs.iter().try_fold(builder, |builder, (kind, value)| {
        builder.write_tlv(*kind, value)
    });
    // The builder fails only past 65535 bytes; addresses and two TLVs of at most 255 bytes
    // are far below, so this never happens. Were it to, an empty header would be wrong, so
    // the fixed part alone (no TLVs) is the fallback.
    with_tlvs
        .and_then(Builder::build)
        .unwrap_or_else(|_| local_header())
}

/// v2 `LOCAL` with no addresses and no TLVs.
fn local_header() -> Vec<u8> {
    let mut header = v2::PROTOCOL_PREFIX.to_vec();
    header.extend_from_slice(&[Version::Two | Command::Local, 0, 0, 0]);
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header;
    use crate::options::Versions;
    use endpoint_core::{ConnectionInfo, Secured};

    fn inet(s: &str) -> Address {
        Address::Inet(s.parse().unwrap())
    }

    fn origin(peer: Address, local: Address) -> Origin {
        Origin::new(ConnectionInfo::new("tcp", local, peer))
    }

    /// A header as our reader sees it: version, addresses, TLVs.
    type ReadBack = (u8, Option<(Address, Address)>, Vec<(u8, Vec<u8>)>);

    /// What our own reader makes of a header.
    fn read_back(bytes: &[u8]) -> ReadBack {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut io = bytes;
        let (h, rest) = runtime
            .block_on(header::read(&mut io, Versions::Any))
            .unwrap();
        assert!(rest.is_empty() && io.is_empty(), "exactly one header");
        (h.version, h.addresses, h.tlvs)
    }

    #[test]
    fn no_origin_is_local_or_unknown() {
        assert_eq!(
            header(HeaderVersion::V1, true, None),
            b"PROXY UNKNOWN\r\n".to_vec()
        );
        let v2 = header(HeaderVersion::V2, true, None);
        assert_eq!(v2, local_header());
        assert_eq!(&v2[12..], &[0x20, 0x00, 0, 0]);
        assert_eq!(read_back(&v2), (2, None, vec![]));
    }

    #[test]
    fn ipv4_and_mapped_ipv4_are_tcp4() {
        let o = origin(inet("[::ffff:192.0.2.7]:5555"), inet("127.0.0.1:443"));
        assert_eq!(
            header(HeaderVersion::V1, true, Some(&o)),
            b"PROXY TCP4 192.0.2.7 127.0.0.1 5555 443\r\n".to_vec()
        );
        let v2 = header(HeaderVersion::V2, true, Some(&o));
        assert_eq!(v2[12..14], [0x21, 0x11]);
        assert_eq!(
            read_back(&v2),
            (
                2,
                Some((inet("192.0.2.7:5555"), inet("127.0.0.1:443"))),
                vec![]
            )
        );
    }

    #[test]
    fn mixed_families_are_both_ipv6() {
        let o = origin(inet("127.0.0.2:1"), inet("[::1]:2"));
        assert_eq!(
            header(HeaderVersion::V1, true, Some(&o)),
            b"PROXY TCP6 ::ffff:127.0.0.2 ::1 1 2\r\n".to_vec()
        );
        let v2 = header(HeaderVersion::V2, true, Some(&o));
        assert_eq!(v2[13], 0x21);
        let (_, addresses, _) = read_back(&v2);
        assert_eq!(
            addresses,
            Some((inet("[::ffff:127.0.0.2]:1"), inet("[::1]:2")))
        );
    }

    #[test]
    fn unix_addresses_are_af_unix_in_v2_and_unknown_in_v1() {
        let o = origin(
            Address::Unix(UnixAddress::Unnamed),
            Address::Unix(UnixAddress::Path("/run/app.sock".into())),
        );
        assert_eq!(
            header(HeaderVersion::V1, true, Some(&o)),
            b"PROXY UNKNOWN\r\n".to_vec()
        );
        let v2 = header(HeaderVersion::V2, true, Some(&o));
        assert_eq!(v2[12..16], [0x21, 0x31, 0, 216]);
        let (_, addresses, _) = read_back(&v2);
        assert_eq!(
            addresses,
            Some((
                Address::Unix(UnixAddress::Unnamed),
                Address::Unix(UnixAddress::Path("/run/app.sock".into()))
            ))
        );
        let abstract_name = origin(
            Address::Unix(UnixAddress::Abstract(b"peer".to_vec())),
            Address::Unix(UnixAddress::Path("/p".into())),
        );
        let (_, addresses, _) = read_back(&header(HeaderVersion::V2, true, Some(&abstract_name)));
        assert_eq!(
            addresses.unwrap().0,
            Address::Unix(UnixAddress::Abstract(b"peer".to_vec()))
        );
    }

    #[test]
    fn what_cannot_be_written_is_local() {
        let long = Address::Unix(UnixAddress::Path("/".repeat(109).into()));
        let mixed = origin(inet("127.0.0.1:1"), Address::Unix(UnixAddress::Unnamed));
        let too_long = origin(long.clone(), long);
        let other = origin(Address::Other("x".into()), Address::Other("y".into()));
        for o in [mixed, too_long, other] {
            assert_eq!(header(HeaderVersion::V2, false, Some(&o)), local_header());
            assert_eq!(
                header(HeaderVersion::V1, false, Some(&o)),
                b"PROXY UNKNOWN\r\n".to_vec()
            );
        }
    }

    #[test]
    fn tls_name_and_alpn_are_tlvs_unless_switched_off() {
        let mut info = ConnectionInfo::new("tcp", inet("127.0.0.1:443"), inet("127.0.0.2:9"));
        info.insert(Secured::new(Some(b"h2".to_vec())).with_server_name("app.test"));
        let o = Origin::new(info);
        let (_, _, tlvs) = read_back(&header(HeaderVersion::V2, true, Some(&o)));
        assert_eq!(
            tlvs,
            vec![(0x01, b"h2".to_vec()), (0x02, b"app.test".to_vec())]
        );
        let (_, _, tlvs) = read_back(&header(HeaderVersion::V2, false, Some(&o)));
        assert!(tlvs.is_empty());
        // v1 has no TLVs.
        assert_eq!(
            header(HeaderVersion::V1, true, Some(&o)),
            b"PROXY TCP4 127.0.0.2 127.0.0.1 9 443\r\n".to_vec()
        );
    }

    #[test]
    fn an_oversized_name_is_left_out() {
        let mut info = ConnectionInfo::new("tcp", inet("127.0.0.1:443"), inet("127.0.0.2:9"));
        info.insert(Secured::new(None).with_server_name("a".repeat(300)));
        let (_, addresses, tlvs) =
            read_back(&header(HeaderVersion::V2, true, Some(&Origin::new(info))));
        assert!(addresses.is_some());
        assert!(tlvs.is_empty());
    }
}
