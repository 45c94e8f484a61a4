//! The WebSocket server handshake (`WsUpgrade`, what every `ws` server runs on an accepted
//! connection) reading an HTTP upgrade request, then the frames sent after it, over an
//! in-memory stream. The first byte picks the server's options (low two bits) and how the
//! request is cut into pieces (the rest); the other bytes are what the client sends.
//!
//! Checked: nothing panics or hangs (the clock is paused: timers fire at once); whatever the
//! server answers is one well-formed HTTP/1.1 response whose status agrees with the outcome
//! (`101` for an upgrade, the refusal's status otherwise).
#![no_main]

use std::sync::Arc;
use std::time::Duration;

use endpoint_ws::{WsServerOptions, WsUpgrade};
use endpoints::core::Upgrade;
use endpoints::ws::WsProblem;
use endpoints::{Address, Connection, ConnectionInfo};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn options(selector: u8) -> WsServerOptions {
    match selector & 3 {
        0 => WsServerOptions::default(),
        1 => WsServerOptions::default()
            .path("*")
            .subprotocols(["chat", "v2.chat"])
            .origins(["https://a.example", "null"]),
        2 => WsServerOptions::default()
            .path("/chat")
            .max_message_size(64)
            .max_frame_size(16),
        _ => WsServerOptions::default()
            .path("/a%20b")
            .ping_interval(Duration::from_secs(1)),
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, request)) = data.split_first() else {
        return;
    };
    let upgrades: Vec<Arc<WsUpgrade>> = (0..4)
        .map(|i| Arc::new(WsUpgrade::new(options(i))))
        .collect();
    let upgrade = upgrades[usize::from(selector & 3)].clone();
    let piece = usize::from(selector >> 2).max(1) * 37;
    let request = request.to_vec();
    runtime().block_on(async move {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let peer: Address = "192.0.2.1:50000"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into();
        let local: Address = "127.0.0.1:80"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into();
        let connection = Connection::new(server, ConnectionInfo::new("tcp", local, peer));
        let writer = async {
            for chunk in request.chunks(piece) {
                // An error is the server having hung up (a refusal needs no more bytes).
                if client.write_all(chunk).await.is_err() {
                    return;
                }
                tokio::task::yield_now().await;
            }
            let _ = client.shutdown().await;
        };
        let (outcome, ()) = tokio::join!(
            async {
                let upgraded = upgrade.upgrade(connection).await;
                if let Ok(mut ws) = upgraded {
                    // Frames the client sent after its request: read them all, answer once.
                    let mut buf = vec![0u8; 4096];
                    let mut total = 0usize;
                    while let Ok(n @ 1..) = ws.read(&mut buf).await {
                        total += n;
                    }
                    let _ = ws.write_all(&total.to_be_bytes()).await;
                    let _ = ws.shutdown().await;
                    Ok(())
                } else {
                    upgraded.map(|_| ())
                }
            },
            writer
        );
        let mut answer = Vec::new();
        client
            .read_to_end(&mut answer)
            .await
            .expect("reading a duplex stream");
        let expected = match &outcome {
            Ok(()) => Some(101),
            Err(e) => match e.find::<WsProblem>() {
                Some(WsProblem::RequestRefused { status, .. }) => Some(*status),
                Some(WsProblem::ConnectionLost) => None,
                other => panic!("unexpected upgrade error {other:?}: {e}"),
            },
        };
        let Some(expected) = expected else {
            assert!(
                answer.is_empty(),
                "an answer after a lost connection: {answer:?}"
            );
            return;
        };
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut response = httparse::Response::new(&mut headers);
        let parsed = response.parse(&answer);
        assert!(
            matches!(parsed, Ok(httparse::Status::Complete(_))),
            "the answer is not one HTTP response ({parsed:?}): {:?}",
            String::from_utf8_lossy(&answer)
        );
        assert_eq!(response.version, Some(1));
        assert_eq!(
            response.code,
            Some(expected),
            "{:?}",
            String::from_utf8_lossy(&answer)
        );
    });
});
