//! Text mode (`messages=text`, issue 23): lines written are text messages, messages
//! received are lines. The peers here are raw tokio-tungstenite, which shows the frame types.
mod support;

use std::io;

use endpoint_core::{Registry, Side};
use endpoint_ws::WsProblem;
use futures_util::{SinkExt, StreamExt};
use support::{serve, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The next message a raw peer receives.
async fn next<S>(ws: &mut WebSocketStream<S>) -> TestResult<Message>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    Ok(tokio::time::timeout(SAFETY, ws.next())
        .await?
        .ok_or("the stream ended")??)
}

fn problem(error: &io::Error) -> Option<&WsProblem> {
    error.get_ref().and_then(|e| e.downcast_ref::<WsProblem>())
}

#[tokio::test]
async fn a_text_mode_server_reads_messages_as_lines_and_sends_lines_as_text() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:messages=text").await?;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut raw, _) =
        tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .ok_or("no connection")?;

    // Every message, text or binary, empty or not, is its payload and a newline.
    raw.send(Message::text("a")).await?;
    raw.send(Message::binary(&b"b"[..])).await?;
    raw.send(Message::text("")).await?;
    raw.send(Message::text("ü")).await?;
    let expected = "a\nb\n\nü\n".as_bytes();
    let mut got = vec![0u8; expected.len()];
    tokio::time::timeout(SAFETY, server.read_exact(&mut got)).await??;
    assert_eq!(got, expected);

    // A line goes as one text message when its newline is written, not at a flush.
    server.write_all(b"x\nhal").await?;
    server.flush().await?;
    server.write_all(b"f\n").await?;
    server.flush().await?;
    assert_eq!(next(&mut raw).await?, Message::text("x"));
    assert_eq!(next(&mut raw).await?, Message::text("half"));
    // The last line, without a newline, goes at shutdown, before the Close.
    server.write_all(b"last").await?;
    let closing = async {
        let last = next(&mut raw).await?;
        let close = next(&mut raw).await?;
        // Reading on sends tungstenite's answer to our Close, which ends our shutdown.
        while raw.next().await.is_some() {}
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((last, close))
    };
    let ((), (last, close)) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(
            async { server.shutdown().await.map_err(Into::into) },
            closing
        )
    })
    .await??;
    assert_eq!(last, Message::text("last"));
    assert!(matches!(close, Message::Close(_)), "{close:?}");
    Ok(())
}

#[tokio::test]
async fn a_text_mode_client_sends_long_lines_whole_and_refuses_lines_that_are_not_utf8(
) -> TestResult {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let client = Registry::global().client(&format!("ws://127.0.0.1:{port}/t:messages=text"))?;
    let (accepted, connected) = tokio::time::timeout(SAFETY, async {
        tokio::join!(
            async {
                let (tcp, _) = listener.accept().await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                    tokio_tungstenite::accept_async(tcp).await?,
                )
            },
            client.connect()
        )
    })
    .await?;
    let (mut raw, mut connected) = (accepted?, connected?);

    // A line over one frame's worth (64 KiB) is still one text message, in several frames.
    let long = "é".repeat(100_000);
    connected.write_all(format!("{long}\n").as_bytes()).await?;
    connected.flush().await?;
    assert_eq!(next(&mut raw).await?, Message::text(long.clone()));

    // A line that is not UTF-8 is an error, not changed and not sent; the next line is fine.
    let error = connected
        .write_all(b"abc\xff\xfe\n")
        .await
        .expect_err("not UTF-8");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        problem(&error),
        Some(&WsProblem::NotUtf8 {
            valid_up_to: 3,
            length: 5
        }),
        "{error}"
    );
    assert!(error.to_string().contains("messages=text"), "{error}");
    connected.write_all(b"ok\n").await?;
    connected.flush().await?;
    assert_eq!(next(&mut raw).await?, Message::text("ok"));
    Ok(())
}

#[tokio::test]
async fn a_line_over_the_message_limit_is_an_error() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1").await?;
    let client = Registry::global().client(&format!(
        "ws:127.0.0.1:{port}:messages=text:maxMessageSize=1024"
    ))?;
    let mut connected = tokio::time::timeout(SAFETY, client.connect()).await??;
    let _server = tokio::time::timeout(SAFETY, accepted.recv()).await?;
    let error = connected
        .write_all(&[b'a'; 2000])
        .await
        .expect_err("over the limit");
    assert_eq!(
        problem(&error),
        Some(&WsProblem::LineTooLong { limit: 1024 }),
        "{error}"
    );
    Ok(())
}

#[test]
fn messages_is_an_option_of_both_sides_and_of_the_url_forms() -> TestResult {
    let registry = Registry::global();
    let server = registry.server("ws:8080:messages=text")?.to_string();
    assert!(server.ends_with(":ws.messages=text"), "{server}");
    assert_eq!(registry.server(&server)?.to_string(), server);
    let client = registry.client("ws://h:1/p?q=1:messages=text")?.to_string();
    assert!(
        client.starts_with(r"ws+tcp:h:1:timeout=30:ws.path=/p?q\=1:"),
        "{client}"
    );
    assert!(client.ends_with(":ws.messages=text"), "{client}");
    assert_eq!(registry.client(&client)?.to_string(), client);
    let url_server = registry.server("ws://127.0.0.1:8080/p:messages=text")?;
    assert!(url_server.to_string().ends_with(":ws.messages=text"));
    // The default is binary, and left out of the text.
    let binary = registry.client("ws:h:1:messages=binary")?.to_string();
    assert!(!binary.contains("messages"), "{binary}");
    // Anything else is an error naming the option.
    let error = registry.client("ws:h:1:messages=lines").unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("messages") && text.contains("\"binary\" or \"text\""),
        "{text}"
    );
    // `endpoint describe` shows it with its default.
    let described = registry.describe(Side::Client, "ws:h:1")?;
    assert!(described.layers[0]
        .options
        .iter()
        .any(|(name, _)| name == "messages"));
    Ok(())
}
