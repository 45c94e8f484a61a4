//! Reading a PROXY protocol header off a stream: framing by hand, parsing with `ppp`.

use std::net::SocketAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use endpoint_core::{Address, UnixAddress};
use ppp::{v1, v2};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::options::Versions;

/// The v2 signature.
pub(crate) const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The v1 prefix.
const V1_PREFIX: &[u8; 6] = b"PROXY ";
/// The longest v1 header, CRLF included.
const V1_MAX: usize = 107;
/// The fixed part of a v2 header.
const V2_FIXED: usize = 16;

/// What a header said.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// 1 or 2.
    pub(crate) version: u8,
    /// The original (source, destination), or `None` for v1 `UNKNOWN`, v2 `LOCAL` and v2
    /// unspecified families: the connection's own addresses then stand.
    pub(crate) addresses: Option<(Address, Address)>,
    /// The v2 TLVs, in order, as (type, value): empty for v1. Read up to the first malformed
    /// one (a TLV whose length overruns the header), which ends the list: the header stays
    /// accepted, as it was before TLVs were read at all.
    pub(crate) tlvs: Vec<(u8, Vec<u8>)>,
}

/// Reads exactly one header from `io`. Returns it and any bytes read past it (application
/// data that arrived in the same segment), which the caller must replay.
///
/// # Errors
/// A message saying what is wrong: not a PROXY header, a version not accepted, a malformed or
/// overlong header, or end of stream before the header was complete.
pub(crate) async fn read<S: AsyncRead + Unpin>(
    io: &mut S,
    versions: Versions,
) -> Result<(Header, Vec<u8>), String> {
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    loop {
        if let Some(length) = complete(&buf, versions)? {
            let header = parse(&buf[..length])?;
            let rest = buf.split_off(length);
            return Ok((header, rest));
        }
        let n = io
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the PROXY header failed: {e}"))?;
        if n == 0 {
            return Err(if buf.is_empty() {
                "the connection closed before sending a PROXY header".into()
            } else {
                format!(
                    "the connection closed in the middle of a PROXY header ({} bytes)",
                    buf.len()
                )
            });
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The length of the complete header at the start of `buf`, `None` if more bytes are needed.
fn complete(buf: &[u8], versions: Versions) -> Result<Option<usize>, String> {
    if buf.is_empty() {
        return Ok(None);
    }
    let n = buf.len();
    if buf[..n.min(V1_PREFIX.len())] == V1_PREFIX[..n.min(V1_PREFIX.len())] {
        if !versions.accepts(1) {
            return Err("a PROXY v1 header arrived but only version 2 is accepted".into());
        }
        let window = &buf[..n.min(V1_MAX)];
        return match window.windows(2).position(|w| w == b"\r\n") {
            Some(i) => Ok(Some(i + 2)),
            None if n >= V1_MAX => {
                Err("the PROXY v1 header is longer than 107 bytes or lacks its CRLF".into())
            }
            None => Ok(None),
        };
    }
    if buf[..n.min(V2_SIGNATURE.len())] == V2_SIGNATURE[..n.min(V2_SIGNATURE.len())] {
        if !versions.accepts(2) {
            return Err("a PROXY v2 header arrived but only version 1 is accepted".into());
        }
        if n < V2_FIXED {
            return Ok(None);
        }
        let length = V2_FIXED + usize::from(u16::from_be_bytes([buf[14], buf[15]]));
        return Ok((n >= length).then_some(length));
    }
    Err("the connection did not start with a PROXY protocol header".into())
}

fn parse(bytes: &[u8]) -> Result<Header, String> {
    if bytes.starts_with(V1_PREFIX) {
        let header =
            v1::Header::try_from(bytes).map_err(|e| format!("malformed PROXY v1 header: {e}"))?;
        let addresses = match header.addresses {
            v1::Addresses::Tcp4(a) => Some((
                Address::Inet(SocketAddr::new(a.source_address.into(), a.source_port)),
                Address::Inet(SocketAddr::new(
                    a.destination_address.into(),
                    a.destination_port,
                )),
            )),
            v1::Addresses::Tcp6(a) => Some((
                Address::Inet(SocketAddr::new(a.source_address.into(), a.source_port)),
                Address::Inet(SocketAddr::new(
                    a.destination_address.into(),
                    a.destination_port,
                )),
            )),
            v1::Addresses::Unknown => None,
        };
        return Ok(Header {
            version: 1,
            addresses,
            tlvs: Vec::new(),
        });
    }
    let header =
        v2::Header::try_from(bytes).map_err(|e| format!("malformed PROXY v2 header: {e}"))?;
    let tlvs = header
        .tlvs()
        .map_while(Result::ok)
        .map(|tlv| (tlv.kind, tlv.value.into_owned()))
        .collect();
    let addresses = match (header.command, header.addresses) {
        (v2::Command::Local, _) => None,
        (v2::Command::Proxy, v2::Addresses::IPv4(a)) => Some((
            Address::Inet(SocketAddr::new(a.source_address.into(), a.source_port)),
            Address::Inet(SocketAddr::new(
                a.destination_address.into(),
                a.destination_port,
            )),
        )),
        (v2::Command::Proxy, v2::Addresses::IPv6(a)) => Some((
            Address::Inet(SocketAddr::new(a.source_address.into(), a.source_port)),
            Address::Inet(SocketAddr::new(
                a.destination_address.into(),
                a.destination_port,
            )),
        )),
        (v2::Command::Proxy, v2::Addresses::Unix(a)) => {
            Some((unix_address(&a.source), unix_address(&a.destination)))
        }
        (v2::Command::Proxy, v2::Addresses::Unspecified) => None,
    };
    Ok(Header {
        version: 2,
        addresses,
        tlvs,
    })
}

/// A v2 unix address: a NUL-padded path, or (leading NUL) an abstract name.
fn unix_address(raw: &[u8; 108]) -> Address {
    let address = match raw.split_first() {
        Some((0, rest)) => {
            let end = rest.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            if end == 0 {
                UnixAddress::Unnamed
            } else {
                UnixAddress::Abstract(rest[..end].to_vec())
            }
        }
        _ => {
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            UnixAddress::Path(PathBuf::from(std::ffi::OsStr::from_bytes(&raw[..end])))
        }
    };
    Address::Unix(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(input: &[u8], versions: Versions) -> Result<(Header, Vec<u8>), String> {
        let mut io = input;
        read(&mut io, versions).await
    }

    fn inet(s: &str) -> Address {
        Address::Inet(s.parse().unwrap())
    }

    fn v2_ipv4(command: u8, extra_tlv: &[u8]) -> Vec<u8> {
        let mut h = V2_SIGNATURE.to_vec();
        h.push(0x20 | command);
        h.push(0x11); // AF_INET, STREAM
        let len = 12 + extra_tlv.len();
        h.extend_from_slice(&(len as u16).to_be_bytes());
        h.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 2]);
        h.extend_from_slice(&1234u16.to_be_bytes());
        h.extend_from_slice(&443u16.to_be_bytes());
        h.extend_from_slice(extra_tlv);
        h
    }

    #[tokio::test]
    async fn v1_tcp4_with_data_after() {
        let (h, rest) = read_all(
            b"PROXY TCP4 192.0.2.1 198.51.100.2 1234 443\r\nGET /",
            Versions::Any,
        )
        .await
        .unwrap();
        assert_eq!(h.version, 1);
        assert_eq!(
            h.addresses,
            Some((inet("192.0.2.1:1234"), inet("198.51.100.2:443")))
        );
        assert_eq!(rest, b"GET /");
    }

    #[tokio::test]
    async fn v1_tcp6_and_unknown() {
        let (h, _) = read_all(b"PROXY TCP6 2001:db8::1 ::1 1 2\r\n", Versions::Any)
            .await
            .unwrap();
        assert_eq!(
            h.addresses,
            Some((inet("[2001:db8::1]:1"), inet("[::1]:2")))
        );
        let (h, rest) = read_all(b"PROXY UNKNOWN\r\nx", Versions::V1).await.unwrap();
        assert_eq!(h.addresses, None);
        assert_eq!(rest, b"x");
        let (h, _) = read_all(b"PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n", Versions::Any)
            .await
            .unwrap();
        assert_eq!(h.addresses, None);
    }

    #[tokio::test]
    async fn v2_proxy_local_and_tlvs() {
        let bytes = [v2_ipv4(1, &[]), b"app".to_vec()].concat();
        let (h, rest) = read_all(&bytes, Versions::Any).await.unwrap();
        assert_eq!(h.version, 2);
        assert_eq!(
            h.addresses,
            Some((inet("192.0.2.1:1234"), inet("198.51.100.2:443")))
        );
        assert_eq!(rest, b"app");
        let (h, _) = read_all(&v2_ipv4(0, &[]), Versions::V2).await.unwrap();
        assert_eq!(h.addresses, None);
        // A NOOP TLV (type 4) of length 2 is skipped.
        let (h, rest) = read_all(
            &[v2_ipv4(1, &[4, 0, 2, 0, 0]), b"z".to_vec()].concat(),
            Versions::Any,
        )
        .await
        .unwrap();
        assert!(h.addresses.is_some());
        assert_eq!(h.tlvs, vec![(4, vec![0, 0])]);
        assert_eq!(rest, b"z");
    }

    #[tokio::test]
    async fn v2_tlvs_are_kept_up_to_a_malformed_one() {
        // ALPN "h2", then an AUTHORITY whose length (9) overruns the header's 3 bytes left.
        let tlvs = [&[1, 0, 2][..], b"h2", &[2, 0, 9], b"a.b"].concat();
        let (h, rest) = read_all(&[v2_ipv4(1, &tlvs), b"z".to_vec()].concat(), Versions::Any)
            .await
            .unwrap();
        assert_eq!(h.tlvs, vec![(1, b"h2".to_vec())]);
        assert!(h.addresses.is_some());
        assert_eq!(rest, b"z");
    }

    #[tokio::test]
    async fn v2_unix() {
        let mut h = V2_SIGNATURE.to_vec();
        h.extend_from_slice(&[0x21, 0x31]);
        h.extend_from_slice(&216u16.to_be_bytes());
        let mut src = [0u8; 108];
        src[..10].copy_from_slice(b"/run/a.sk\0");
        let mut dst = [0u8; 108];
        dst[1..4].copy_from_slice(b"abs");
        h.extend_from_slice(&src);
        h.extend_from_slice(&dst);
        let (header, _) = read_all(&h, Versions::Any).await.unwrap();
        assert_eq!(
            header.addresses,
            Some((
                Address::Unix(UnixAddress::Path("/run/a.sk".into())),
                Address::Unix(UnixAddress::Abstract(b"abs".to_vec()))
            ))
        );
    }

    #[tokio::test]
    async fn errors() {
        for (input, versions, needle) in [
            (&b"GET / HTTP/1.1\r\n"[..], Versions::Any, "did not start"),
            (b"PROXY TCP4 1.2.3.4\r\n", Versions::Any, "malformed"),
            (
                b"PROXY TCP4 999.1.1.1 1.1.1.1 1 2\r\n",
                Versions::Any,
                "malformed",
            ),
            (
                b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
                Versions::V2,
                "only version 2",
            ),
            (
                b"PROXY TCP4 1.2.3.4 5",
                Versions::Any,
                "closed in the middle",
            ),
            (b"", Versions::Any, "before sending"),
            (&V2_SIGNATURE[..8], Versions::Any, "closed in the middle"),
            (
                &[&V2_SIGNATURE[..], &[0x21, 0x11, 0, 12, 1, 2]].concat(),
                Versions::Any,
                "closed in the middle",
            ),
            (
                &[&V2_SIGNATURE[..], &[0x31, 0x11, 0, 0]].concat(),
                Versions::Any,
                "malformed",
            ),
        ] {
            let error = read_all(input, versions).await.unwrap_err();
            assert!(error.contains(needle), "{input:?}: {error}");
        }
        let long = [b"PROXY UNKNOWN ".to_vec(), vec![b'x'; 200]].concat();
        let error = read_all(&long, Versions::Any).await.unwrap_err();
        assert!(error.contains("107"), "{error}");
        let error = read_all(&v2_ipv4(1, &[]), Versions::V1).await.unwrap_err();
        assert!(error.contains("only version 1"), "{error}");
    }
}
