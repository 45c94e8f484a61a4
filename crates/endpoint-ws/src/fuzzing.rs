//! Entry points for the fuzz targets in `fuzz/` (the `fuzzing` feature); not a stable API.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use crate::fast_lane::Lane;
use crate::fast_lane::ResponseEnd;
use crate::stream::WsStream;
use crate::transport::Transport;

/// What a reader of a WebSocket got: the bytes, then the error that ended them (`None`: a
/// clean end).
pub type Read = (Vec<u8>, Option<String>);

/// Reads `input` (what a peer sends after the upgrade, in pieces of `piece` bytes) through
/// a WebSocket as the `ws` endpoints do: the server side reading a client's frames
/// (`server`), or the client side reading a server's after its upgrade response; with the
/// lane that takes whole binary frames past tungstenite (`fast`) or without it. The two must
/// read the same.
pub fn read_frames(input: &[u8], piece: usize, server: bool, fast: bool, max: usize) -> Read {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build();
    let Ok(runtime) = runtime else {
        return (Vec::new(), Some("no runtime".into()));
    };
    runtime.block_on(read(input, piece.max(1), server, fast, max))
}

/// The upgrade response the client side reads first (its headers do not matter here).
const RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\r\n";

async fn read(input: &[u8], piece: usize, server: bool, fast: bool, max: usize) -> Read {
    let (peer, ours) = tokio::io::duplex(1 << 20);
    let (mut from_peer, mut to_peer) = tokio::io::split(peer);
    let (lane, response, role) = match (server, fast) {
        (true, true) => (Lane::after(&[], max), None, Role::Server),
        (true, false) => (None, None, Role::Server),
        // The client side finds where frames start in its upgrade response: give it one.
        (false, fast) => (None, fast.then(|| ResponseEnd::new(max)), Role::Client),
    };
    let (mut io, control) = Transport::wrap(Box::new(ours), None, server, lane, response);
    if !server {
        // What the handshake would read: the response's head, through the transport.
        let mut head = Vec::new();
        let writer = async {
            let _ = to_peer.write_all(RESPONSE).await;
        };
        let reader = async {
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                if io.read(&mut byte).await.unwrap_or(0) == 0 {
                    break;
                }
                head.push(byte[0]);
            }
        };
        tokio::join!(writer, reader);
    }
    let config = crate::server::config(max, max);
    let ws = WebSocketStream::from_raw_socket(io, role, Some(config)).await;
    let mut stream = WsStream::wrap(ws).control(control);
    let writer = async {
        for chunk in input.chunks(piece) {
            if to_peer.write_all(chunk).await.is_err() {
                return;
            }
            tokio::task::yield_now().await;
        }
        let _ = to_peer.shutdown().await;
    };
    // Whatever the stream sends back (pongs, Close) is drained.
    let drain = async {
        let mut sink = Vec::new();
        let _ = from_peer.read_to_end(&mut sink).await;
    };
    let reader = async {
        let mut got = Vec::new();
        let outcome = stream.read_to_end(&mut got).await;
        drop(stream);
        (got, outcome.err().map(|e| e.to_string()))
    };
    let ((), (), read) = tokio::join!(writer, drain, reader);
    read
}
