//! Echo through the `ws` layer over TCP, unix sockets and URL forms, with connection info.
mod support;

use endpoint_core::{OptionValue, Registry, Side};
use endpoint_ws::WsInfo;
use support::{exchange, pair, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn echo_over_ws_tcp() -> TestResult {
    let (_l, mut accepted, mut connected) = pair("ws:0:interface=127.0.0.1:path=/chat", |p| {
        format!("ws:127.0.0.1:{p}:path=/chat")
    })
    .await?;
    exchange(&mut connected, &mut accepted, b"hello over ws").await?;
    assert_eq!(accepted.info().stack, ["tcp", "ws"]);
    assert_eq!(connected.info().stack, ["tcp", "ws"]);
    assert_eq!(accepted.peer_address(), connected.local_address());
    Ok(())
}

#[tokio::test]
async fn echo_over_ws_unix() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ws.sock");
    let path = endpoint_core::description::quote(path.to_str().unwrap());
    // `path=` after a positional unix path is the WebSocket path on both sides.
    let (_l, mut accepted, mut connected) = pair(&format!("ws+unix:{path}:path=/x"), |_| {
        format!("ws+unix:{path}:path=/x")
    })
    .await?;
    exchange(&mut connected, &mut accepted, b"hello over ws+unix").await?;
    assert_eq!(accepted.info().stack, ["unix", "ws"]);
    let info = connected.info().get::<WsInfo>().unwrap();
    assert_eq!(info.side, Side::Client);
    assert_eq!(info.path, "/x");
    let server = accepted.info().get::<WsInfo>().unwrap();
    assert_eq!(server.header("host"), Some("localhost"));
    Ok(())
}

#[tokio::test]
async fn echo_through_url_forms() -> TestResult {
    let (_l, mut accepted, mut connected) = pair("ws://127.0.0.1:0/path", |p| {
        format!("ws://127.0.0.1:{p}/path?a=1&b=2")
    })
    .await?;
    exchange(&mut connected, &mut accepted, b"hello over a URL").await?;
    let info = accepted.info().get::<WsInfo>().unwrap();
    assert_eq!(info.path, "/path");
    assert_eq!(info.query.as_deref(), Some("a=1&b=2"));
    let port = accepted.local_address().port().unwrap();
    assert_eq!(
        info.header("Host"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    Ok(())
}

#[tokio::test]
async fn echo_over_ipv6_url() -> TestResult {
    let (_l, mut accepted, mut connected) =
        pair("ws://[::1]:0/v6", |p| format!("ws://[::1]:{p}/v6")).await?;
    exchange(&mut connected, &mut accepted, b"v6").await?;
    let info = accepted.info().get::<WsInfo>().unwrap();
    assert!(info.header("host").unwrap().starts_with("[::1]:"));
    Ok(())
}

#[tokio::test]
async fn bulk_transfer_is_chunked_and_complete() -> TestResult {
    let (_l, mut accepted, mut connected) =
        pair("ws:0:interface=127.0.0.1", |p| format!("ws:127.0.0.1:{p}")).await?;
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let sent = data.clone();
    let writer = async move {
        connected.write_all(&sent).await?;
        connected.shutdown().await?;
        Ok::<_, std::io::Error>(connected)
    };
    let reader = async {
        let mut got = Vec::new();
        accepted.read_to_end(&mut got).await?;
        Ok::<_, std::io::Error>(got)
    };
    let (_connected, got) =
        tokio::time::timeout(SAFETY, async { tokio::try_join!(writer, reader) }).await??;
    assert_eq!(got.len(), data.len());
    assert!(got == data);
    Ok(())
}

#[tokio::test]
async fn info_on_both_sides() -> TestResult {
    let (_l, accepted, connected) = pair(
        "ws:0:interface=127.0.0.1:path=/i:subprotocols=one,two",
        |p| {
            format!(
                r"ws:127.0.0.1:{p}:path=/i?q=1:subprotocols=two,one:ws.host=example.test:origin=https\://o.test:headers=X-Token=abc,Accept=a, b:header=X-One=1"
            )
        },
    )
    .await?;
    let server = accepted.info().get::<WsInfo>().unwrap();
    assert_eq!(server.side, Side::Server);
    assert_eq!(server.subprotocol.as_deref(), Some("two"));
    assert_eq!(server.header("host"), Some("example.test"));
    assert_eq!(server.header("origin"), Some("https://o.test"));
    assert_eq!(server.header("x-token"), Some("abc"));
    assert_eq!(server.header("accept"), Some("a, b"));
    assert_eq!(server.header("x-one"), Some("1"));
    assert_eq!(server.query.as_deref(), Some("q=1"));
    let client = connected.info().get::<WsInfo>().unwrap();
    assert_eq!(client.subprotocol.as_deref(), Some("two"));
    assert_eq!(client.header("upgrade"), Some("websocket"));
    assert!(client.header("sec-websocket-accept").is_some());
    Ok(())
}

#[tokio::test]
async fn text_and_binary_messages_read_in_order() -> TestResult {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let (mut listener, port) = support::bind("ws:0:interface=127.0.0.1").await?;
    let raw = async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        let (mut ws, _) =
            tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
        ws.send(Message::text("text,")).await?;
        ws.send(Message::binary(&b""[..])).await?; // empty: skipped, not EOF
        ws.send(Message::binary(&b"binary,"[..])).await?;
        ws.send(Message::Ping(vec![1, 2].into())).await?;
        ws.send(Message::text("more")).await?;
        ws.close(None).await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(ws)
    };
    let server = async {
        let mut c = listener.accept().await?;
        let mut all = String::new();
        c.read_to_string(&mut all).await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(all)
    };
    let (_ws, all) =
        tokio::time::timeout(SAFETY, async { tokio::try_join!(raw, server) }).await??;
    assert_eq!(all, "text,binary,more");
    Ok(())
}

#[tokio::test]
async fn canonical_text_parses_back() -> TestResult {
    let registry = Registry::global();
    for description in [
        "ws:8080:path=/chat",
        "ws+tcp:8080:interface=127.0.0.1:ws.path=/x:ws.origins=https\\://a,https\\://b",
        "ws+unix:/run/a.sock:path=*:pingInterval=2.5",
        "ws://0.0.0.0:8080/path",
    ] {
        let text = registry.server(description)?.to_string();
        assert_eq!(registry.server(&text)?.to_string(), text, "{description}");
    }
    for description in [
        "ws:example.com:80:path=/chat",
        "ws:example.com:80:ws.host=other:headers=A=1,B=2:subprotocols=x,y",
        "ws+unix:/run/a.sock:path=/x?y=1:origin=https\\://o",
        "ws://[::1]:9000/p?q",
    ] {
        let text = registry.client(description)?.to_string();
        assert_eq!(registry.client(&text)?.to_string(), text, "{description}");
    }
    assert_eq!(
        registry.client("ws://example.com/chat")?.to_string(),
        "ws+tcp:example.com:80:timeout=30:ws.path=/chat:ws.maxMessageSize=1048576:\
         ws.maxFrameSize=262144:ws.handshakeTimeout=10:ws.pingInterval=0"
    );
    Ok(())
}

#[tokio::test]
async fn describe_lists_the_ws_layer_with_defaults() -> TestResult {
    let described = Registry::global().describe(Side::Server, "ws:8080")?;
    assert_eq!(described.kind, "tcp");
    assert_eq!(described.layers.len(), 1);
    let text = |s: &str| OptionValue::Text(s.into());
    let no_items = OptionValue::List(Vec::new());
    let layer = &described.layers[0];
    assert_eq!(layer.kind, "ws");
    assert_eq!(
        layer.options,
        [
            ("path".into(), text("/")),
            ("subprotocols".into(), no_items.clone()),
            ("origins".into(), no_items),
            ("maxMessageSize".into(), OptionValue::Integer(1048576)),
            ("maxFrameSize".into(), OptionValue::Integer(262144)),
            ("handshakeTimeout".into(), OptionValue::Integer(10)),
            ("pingInterval".into(), OptionValue::Integer(0)),
            ("messageBudget".into(), OptionValue::Integer(64 << 20)),
            ("messages".into(), text("binary")),
        ]
    );
    let described = Registry::global().describe(Side::Client, "ws://h:1/p")?;
    let options = &described.layers[0].options;
    assert_eq!(options[0], ("path".into(), text("/p")));
    assert_eq!(options[1], ("host".into(), OptionValue::Null));
    // List options are split into their items; a header value keeps its comma (header values
    // are secret: asked for on purpose here).
    let described = Registry::global().describe_with_secrets(
        Side::Client,
        "ws:h:1:subprotocols=a,b:headers=X-A=1,Accept=a, b",
    )?;
    let options = &described.layers[0].options;
    let list = |items: &[&str]| OptionValue::List(items.iter().map(|s| s.to_string()).collect());
    assert_eq!(options[2], ("subprotocols".into(), list(&["a", "b"])));
    assert_eq!(
        options[4],
        ("headers".into(), list(&["X-A=1", "Accept=a, b"]))
    );
    Ok(())
}

/// Both ends lend their payloads (a relay writes them on with no copy of its own), and what
/// is read through the lent buffer is the stream's bytes, in order, across message bounds.
#[tokio::test]
async fn connections_lend_their_payloads_in_order() -> TestResult {
    use tokio::io::AsyncBufReadExt;
    let (_l, mut accepted, mut connected) =
        pair("ws:0:interface=127.0.0.1", |p| format!("ws:127.0.0.1:{p}")).await?;
    assert!(connected.buffered_reader().is_some());
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let sent = data.clone();
    let writer = async move {
        // Writes of odd sizes: many messages, each lent whole or in parts.
        for piece in sent.chunks(7_919) {
            connected.write_all(piece).await?;
        }
        connected.shutdown().await?;
        Ok::<_, std::io::Error>(connected)
    };
    let reader = async {
        let mut lender = accepted
            .buffered_reader()
            .expect("a ws connection lends its reads");
        let mut got = Vec::new();
        loop {
            let lent = lender.fill_buf().await?;
            if lent.is_empty() {
                break;
            }
            // Take at most 1000 at a time: the rest stays lent for the next fill.
            let n = lent.len().min(1000);
            got.extend_from_slice(&lent[..n]);
            lender.as_mut().consume(n);
        }
        Ok::<_, std::io::Error>(got)
    };
    let (_connected, got) =
        tokio::time::timeout(SAFETY, async { tokio::try_join!(writer, reader) }).await??;
    assert!(
        got == data,
        "{} bytes of {} came in order",
        got.len(),
        data.len()
    );
    Ok(())
}
