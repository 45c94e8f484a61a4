//! QUIC on the wire, for tests that play a hostile peer: real Initial packets made by a quinn
//! client (sent to a socket that never answers, and kept), replayed from sockets that never
//! answer either, and what a server sends back to each of them.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use endpoint_quic::quinn;
use endpoint_tls::TlsClientSettings;
use tokio::net::UdpSocket;

use super::{Pki, TestResult, SAFETY};

/// A quinn client configuration that verifies `localhost` against `pki`'s CA and offers ALPN
/// `endpoints`, with `transport`.
pub fn quinn_client_config(
    pki: &Pki,
    transport: quinn::TransportConfig,
) -> TestResult<quinn::ClientConfig> {
    let mut settings = TlsClientSettings::new("localhost");
    settings.trust_roots = Some(pki.path("ca.pem"));
    settings.alpn = vec!["endpoints".to_owned()];
    let rustls = settings.rustls_config()?.config;
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(rustls)?;
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(Arc::new(transport));
    Ok(config)
}

/// One client Initial datagram (a ClientHello offering `endpoints`, padded to 1200 bytes)
/// and the connection id the server's answers are addressed to.
#[derive(Clone, Debug)]
pub struct Initial {
    pub datagram: Vec<u8>,
    /// The client's source connection id: the destination id of every answer.
    pub source_id: Vec<u8>,
}

/// A long-header packet's type (0 Initial, 1 0-RTT, 2 Handshake, 3 Retry), destination and
/// source connection ids.
fn long_header(datagram: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    if datagram.len() < 7 || datagram[0] & 0x80 == 0 {
        return None;
    }
    let kind = (datagram[0] >> 4) & 0b11;
    let dcid_len = usize::from(datagram[5]);
    let dcid = datagram.get(6..6 + dcid_len)?;
    let scid_len = usize::from(*datagram.get(6 + dcid_len)?);
    let scid = datagram.get(7 + dcid_len..7 + dcid_len + scid_len)?;
    Some((kind, dcid, scid))
}

/// A QUIC variable-length integer at the start of `bytes`, and its length.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    let len = 1usize << (first >> 6);
    let mut value = u64::from(first & 0x3f);
    for byte in bytes.get(1..len)? {
        value = (value << 8) | u64::from(*byte);
    }
    Some((value, len))
}

/// The types of the long-header packets coalesced in one datagram.
fn packet_types(mut datagram: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    while let Some((kind, dcid, scid)) = long_header(datagram) {
        types.push(kind);
        if kind == 3 {
            break; // a Retry fills its datagram
        }
        let mut at = 7 + dcid.len() + scid.len();
        if kind == 0 {
            let Some((token_len, n)) = datagram.get(at..).and_then(varint) else {
                break;
            };
            at += n + token_len as usize;
        }
        let Some((length, n)) = datagram.get(at..).and_then(varint) else {
            break;
        };
        let end = at + n + length as usize;
        if end > datagram.len() {
            break;
        }
        datagram = &datagram[end..];
    }
    types
}

/// `count` distinct real Initials: a quinn client starts `count` connections to a UDP
/// socket that never answers, which keeps the first datagram of each.
pub async fn initials(pki: &Pki, count: usize) -> TestResult<Vec<Initial>> {
    let sink = UdpSocket::bind("127.0.0.1:0").await?;
    let target = sink.local_addr()?;
    let client = quinn::Endpoint::client("127.0.0.1:0".parse()?)?;
    let config = quinn_client_config(pki, quinn::TransportConfig::default())?;
    // Held, unpolled: quinn sends each first flight anyway, and nothing else until a timer.
    let mut attempts = Vec::new();
    for _ in 0..count {
        attempts.push(client.connect_with(config.clone(), target, "localhost")?);
    }
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut buf = vec![0; 65536];
    tokio::time::timeout(SAFETY, async {
        while found.len() < count {
            let (n, _) = sink.recv_from(&mut buf).await?;
            let datagram = &buf[..n];
            if let Some((0, dcid, scid)) = long_header(datagram) {
                if n >= 1200 && seen.insert(dcid.to_vec()) {
                    found.push(Initial {
                        datagram: datagram.to_vec(),
                        source_id: scid.to_vec(),
                    });
                }
            }
        }
        Ok::<_, std::io::Error>(())
    })
    .await??;
    Ok(found)
}

/// How a server answered each attempt of a flood (by its first answer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    /// Attempts it started a handshake for (its first flight: a padded Initial, Handshake
    /// packets): it holds state for each.
    pub handshakes: usize,
    /// Attempts it asked to validate their address (a Retry): no state held.
    pub retries: usize,
    /// Attempts it refused (a small Initial carrying CONNECTION_CLOSE): no state held.
    pub refusals: usize,
}

/// A socket that sent Initials and never answers anything.
pub struct Flood {
    pub socket: UdpSocket,
    pub answers: Answers,
}

/// Sends `initials` to `server` from a socket on `from` (a loopback address), at most 16
/// unanswered at a time, and waits until each has been answered; never answers back.
pub async fn flood(from: IpAddr, server: SocketAddr, initials: &[Initial]) -> TestResult<Flood> {
    const WINDOW: usize = 16;
    let socket = UdpSocket::bind(SocketAddr::new(from, 0)).await?;
    let mut waiting = HashSet::new();
    let mut answers = Answers::default();
    let mut next = 0;
    let mut buf = vec![0; 65536];
    tokio::time::timeout(SAFETY, async {
        while next < initials.len() || !waiting.is_empty() {
            while next < initials.len() && waiting.len() < WINDOW {
                socket.send_to(&initials[next].datagram, server).await?;
                waiting.insert(initials[next].source_id.clone());
                next += 1;
            }
            let (n, _) = socket.recv_from(&mut buf).await?;
            let datagram = &buf[..n];
            let Some((_, dcid, _)) = long_header(datagram) else {
                continue;
            };
            if !waiting.remove(dcid) {
                continue; // a later packet for an attempt already answered
            }
            let types = packet_types(datagram);
            if types.contains(&3) {
                answers.retries += 1;
            } else if types.contains(&2) || n >= 1200 {
                answers.handshakes += 1;
            } else {
                answers.refusals += 1;
            }
        }
        Ok::<_, std::io::Error>(())
    })
    .await??;
    Ok(Flood { socket, answers })
}
