//! Message size limits: an oversized message ends that connection early, with a clear error.
mod support;

use std::io;

use endpoint_ws::WsProblem;
use futures_util::{SinkExt, StreamExt};
use support::{serve, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn an_oversized_message_is_refused_from_its_header() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:maxMessageSize=1024").await?;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut ws, _) =
        tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();

    // A small message passes.
    ws.send(Message::binary(vec![7u8; 1000])).await?;
    let mut small = vec![0; 1000];
    server.read_exact(&mut small).await?;

    // 10 MiB in one frame: the server fails the read from the frame header (the payload is
    // never buffered: its reservation would be 10 MiB, and the limit is checked first).
    let big = vec![1u8; 10 << 20];
    let sender = tokio::spawn(async move {
        let _ = ws.send(Message::binary(big)).await; // may fail once the server closes
                                                     // The server answered with Close 1009.
        let mut code = None;
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Close(Some(frame)) = m {
                code = Some(frame.code);
            }
        }
        code
    });
    let mut buf = [0u8; 64];
    let error = tokio::time::timeout(SAFETY, server.read(&mut buf))
        .await?
        .expect_err("an oversized message must fail the read");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    let problem = error.get_ref().and_then(|e| e.downcast_ref::<WsProblem>());
    assert_eq!(
        problem,
        Some(&WsProblem::MessageTooLarge {
            size: 10 << 20,
            limit: 1024,
            max_message_size: 1024,
            max_frame_size: 1024,
        }),
        "{error}"
    );
    let text = error.to_string();
    assert!(
        text.contains("websocket message of 10485760 bytes is over the limit of 1024 bytes"),
        "{text}"
    );
    assert!(text.contains("maxMessageSize=1024"), "{text}");
    drop(server);
    let code = tokio::time::timeout(SAFETY, sender).await??;
    assert!(matches!(code, Some(CloseCode::Size) | None), "{code:?}");
    Ok(())
}

#[tokio::test]
async fn a_fragmented_message_over_the_limit_is_refused_too() -> TestResult {
    let (mut accepted, port) =
        serve("ws:0:interface=127.0.0.1:maxMessageSize=4096:maxFrameSize=1024").await?;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    // The raw client fragments at 1000 bytes, under the frame limit; the message is 8000.
    let config = WebSocketConfig::default();
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(
        format!("ws://127.0.0.1:{port}/"),
        tcp,
        Some(config),
    )
    .await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    use tokio_tungstenite::tungstenite::protocol::frame::coding::Data;
    use tokio_tungstenite::tungstenite::protocol::frame::{coding::OpCode, Frame};
    let chunk = vec![2u8; 1000];
    let mut frames = Vec::new();
    for i in 0..8 {
        let opcode = if i == 0 {
            OpCode::Data(Data::Binary)
        } else {
            OpCode::Data(Data::Continue)
        };
        frames.push(Frame::message(chunk.clone(), opcode, i == 7));
    }
    let sender = tokio::spawn(async move {
        for f in frames {
            if ws.send(Message::Frame(f)).await.is_err() {
                break;
            }
        }
        ws
    });
    let mut buf = [0u8; 64];
    let error = tokio::time::timeout(SAFETY, server.read(&mut buf))
        .await?
        .expect_err("over the message limit");
    let problem = error.get_ref().and_then(|e| e.downcast_ref::<WsProblem>());
    assert!(
        matches!(
            problem,
            Some(WsProblem::MessageTooLarge {
                limit: 4096,
                max_message_size: 4096,
                max_frame_size: 1024,
                ..
            })
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("over the limit of 4096 bytes"),
        "{error}"
    );
    drop(sender);
    Ok(())
}

#[tokio::test]
async fn writes_are_split_into_messages_the_peer_accepts() -> TestResult {
    // Both ends at 1 KiB: a 100 KiB write goes out as messages of at most 1 KiB.
    let (mut accepted, port) =
        serve("ws:0:interface=127.0.0.1:maxMessageSize=1024:maxFrameSize=1024").await?;
    let client = endpoint_core::Registry::global().client(&format!(
        "ws:127.0.0.1:{port}:maxMessageSize=1024:maxFrameSize=1024"
    ))?;
    let mut connected = client.connect().await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    let data = vec![9u8; 100 << 10];
    let writer = async {
        connected.write_all(&data).await?;
        connected.flush().await
    };
    let mut got = vec![0; data.len()];
    tokio::time::timeout(SAFETY, async {
        tokio::try_join!(writer, server.read_exact(&mut got))
    })
    .await??;
    assert!(got == data);
    Ok(())
}
