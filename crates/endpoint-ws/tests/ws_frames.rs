//! Every kind of frame a client may send, cut anywhere on the wire, arrives as the same
//! bytes in the same order: whole binary frames (which the server takes past tungstenite,
//! see `fast_lane.rs`), frames over the size the transport takes, small ones, text,
//! fragmented messages with a ping inside, and frames sent with the upgrade request itself.
mod support;

use support::{TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A frame: `first` (FIN, opcode), masked when `mask` is given (as RFC 6455 asks of
/// clients; servers send them unmasked).
fn frame(first: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let bit = if mask.is_some() { 0x80 } else { 0 };
    let mut out = vec![first];
    match payload.len() {
        n if n < 126 => out.push(bit | n as u8),
        n if n <= 0xffff => {
            out.push(bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(mask) => {
            out.extend_from_slice(&mask);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(7).wrapping_add(seed) % 251) as u8)
        .collect()
}

/// The frames (masked when `masked`) and the bytes the reader must read from them.
fn frames(masked: bool) -> (Vec<u8>, Vec<u8>) {
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    let mut add = |first: u8, payload: Vec<u8>, data: bool, wire: &mut Vec<u8>| {
        let mask = masked.then_some([payload.len() as u8, 0x5a, 0xa5, 3]);
        wire.extend(frame(first, &payload, mask));
        if data {
            expected.extend_from_slice(&payload);
        }
    };
    for (i, len) in [
        3, 65_536, 20_000, 100, 70_000, 16_384, 16_383, 1, 65_535, 131_072,
    ]
    .into_iter()
    .enumerate()
    {
        add(0x82, pattern(len, i as u32), true, &mut wire);
        if i == 3 {
            add(0x81, b"text in between,".to_vec(), true, &mut wire);
            add(0x89, b"ping".to_vec(), false, &mut wire);
        }
        if i == 5 {
            // A fragmented message with a ping inside: a whole binary frame may not come
            // before its last fragment, and none is taken from it.
            add(0x02, pattern(40_000, 9), true, &mut wire);
            add(0x89, Vec::new(), false, &mut wire);
            add(0x00, pattern(30_000, 10), true, &mut wire);
            add(0x80, pattern(5, 11), true, &mut wire);
        }
    }
    add(0x88, vec![0x03, 0xe8], false, &mut wire);
    (wire, expected)
}

async fn send_cut(cut: usize, with_request: usize) -> TestResult {
    let (mut listener, port) = support::bind("ws:0:interface=127.0.0.1").await?;
    let (wire, expected) = frames(true);
    let client = async move {
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        tcp.set_nodelay(true)?;
        let mut first = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            .to_vec();
        // Frame bytes in the request's own write: the server reads them with the head.
        first.extend_from_slice(&wire[..with_request]);
        tcp.write_all(&first).await?;
        for piece in wire[with_request..].chunks(cut) {
            tcp.write_all(piece).await?;
        }
        // The 101 and the server's Close come back; read to the end.
        let mut answer = Vec::new();
        tcp.read_to_end(&mut answer).await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(answer)
    };
    let server = async {
        let mut accepted = listener.accept().await?;
        let mut got = Vec::new();
        accepted.read_to_end(&mut got).await?;
        accepted.shutdown().await?;
        drop(accepted);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(got)
    };
    let (answer, got) =
        tokio::time::timeout(SAFETY, async { tokio::try_join!(client, server) }).await??;
    assert!(answer.starts_with(b"HTTP/1.1 101"));
    assert_eq!(
        got.len(),
        expected.len(),
        "cut {cut}, {with_request} with the request"
    );
    assert!(
        got == expected,
        "cut {cut}, {with_request} with the request: bytes differ"
    );
    Ok(())
}

#[tokio::test]
async fn every_frame_kind_arrives_in_order_in_large_writes() -> TestResult {
    send_cut(1 << 20, 0).await
}

#[tokio::test]
async fn every_frame_kind_arrives_in_order_cut_small() -> TestResult {
    send_cut(997, 0).await
}

#[tokio::test]
async fn frames_sent_with_the_upgrade_request_are_followed() -> TestResult {
    // A whole frame (the 3-byte one: 2 + 4 + 3 = 9 bytes) and part of the next.
    send_cut(4093, 9 + 20).await?;
    // A tail that ends inside a frame header.
    send_cut(4093, 9 + 1).await?;
    // Exactly one frame.
    send_cut(65_537, 9).await
}

/// The client side: a server (raw bytes) sends every kind of frame, some in the same write as
/// its 101 response, the rest cut into pieces; the `ws` client reads the same bytes.
async fn receive_cut(cut: usize, with_response: usize) -> TestResult {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = tcp.local_addr()?.port();
    let (wire, expected) = frames(false);
    let server = async move {
        let (mut peer, _) = tcp.accept().await?;
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            peer.read_exact(&mut byte).await?;
            head.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let key = text
            .lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(n, _)| n.eq_ignore_ascii_case("sec-websocket-key"))
            })
            .map(|(_, v)| v.trim().to_string())
            .ok_or("no key")?;
        let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
        let mut first = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n\r\n"
        )
        .into_bytes();
        first.extend_from_slice(&wire[..with_response]);
        peer.write_all(&first).await?;
        for piece in wire[with_response..].chunks(cut) {
            peer.write_all(piece).await?;
        }
        let mut rest = Vec::new();
        peer.read_to_end(&mut rest).await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    };
    let client = async {
        let client = endpoint_core::Registry::global().client(&format!("ws:127.0.0.1:{port}"))?;
        let mut connection = client.connect().await?;
        let mut got = Vec::new();
        connection.read_to_end(&mut got).await?;
        connection.shutdown().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(got)
    };
    let ((), got) =
        tokio::time::timeout(SAFETY, async { tokio::try_join!(server, client) }).await??;
    assert_eq!(
        got.len(),
        expected.len(),
        "cut {cut}, {with_response} with the response"
    );
    assert!(
        got == expected,
        "cut {cut}, {with_response} with the response: bytes differ"
    );
    Ok(())
}

#[tokio::test]
async fn a_client_reads_every_frame_kind_in_order() -> TestResult {
    receive_cut(1 << 20, 0).await?;
    receive_cut(997, 0).await
}

#[tokio::test]
async fn a_client_follows_frames_sent_with_the_response() -> TestResult {
    // The 3-byte frame is 2 + 3 bytes unmasked.
    receive_cut(4093, 5 + 20).await?;
    receive_cut(4093, 5 + 1).await?;
    receive_cut(65_537, 5).await
}
