//! Upgrades the server refuses: wrong path, origin, subprotocol, not a WebSocket at all.
mod support;

use endpoint_core::{Address, Connection, ConnectionInfo, Error, Registry, Upgrade};
use endpoint_ws::WsProblem;
use endpoint_ws::{WsInfo, WsServerSettings, WsUpgrade};
use support::{chain, pair, serve, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connects `client` to a listener and returns the client's error; the listener must go on
/// accepting afterwards, which a good client then proves.
async fn refused(server: &str, client: impl Fn(u16) -> String) -> TestResult<Error> {
    let (mut accepted, port) = serve(server).await?;
    let bad = Registry::global().client(&client(port))?;
    let error = tokio::time::timeout(SAFETY, bad.connect())
        .await?
        .expect_err("the upgrade should be refused");
    // The listener survives the refusal.
    let good = Registry::global().client(&format!(
        "ws+tcp:127.0.0.1:{port}:ws.path=/ok:ws.origin=https\\://good"
    ))?;
    let mut connected = tokio::time::timeout(SAFETY, good.connect()).await??;
    let mut server = loop {
        let c = tokio::time::timeout(SAFETY, accepted.recv())
            .await?
            .unwrap();
        if c.info().get::<WsInfo>().unwrap().header("origin") == Some("https://good") {
            break c;
        }
    };
    support::exchange(&mut connected, &mut server, b"still serving").await?;
    Ok(error)
}

const SERVER: &str = "ws:0:interface=127.0.0.1:path=/ok:origins=https\\://good";

#[tokio::test]
async fn wrong_path_is_404() -> TestResult {
    let error = refused(SERVER, |p| {
        format!("ws:127.0.0.1:{p}:path=/nope:origin=https\\://good")
    })
    .await?;
    let Error::Handshake {
        layer: "websocket",
        endpoint: Some(endpoint),
        problem,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    let Some(WsProblem::UpgradeRefused {
        status: 404,
        reason,
        body: Some(body),
    }) = problem.downcast_ref::<WsProblem>()
    else {
        panic!("{error:?}")
    };
    assert_eq!(reason, "Not Found");
    assert!(body.starts_with("no websocket at /nope"), "{body}");
    assert!(endpoint.contains("ws.path=/nope"), "{endpoint}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("websocket handshake with \"{endpoint}\" failed: ")),
        "{text}"
    );
    assert!(
        text.contains("server refused the upgrade: 404 Not Found (no websocket at /nope"),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn origin_mismatch_is_403() -> TestResult {
    let error = refused(SERVER, |p| {
        format!("ws:127.0.0.1:{p}:path=/ok:origin=https\\://evil")
    })
    .await?;
    let Some(WsProblem::UpgradeRefused {
        status: 403,
        body: Some(body),
        ..
    }) = error.find::<WsProblem>()
    else {
        panic!("{error:?}")
    };
    assert_eq!(body, "origin \"https://evil\" is not allowed");
    assert!(error.to_string().contains("403 Forbidden"), "{error}");
    // No Origin at all is refused too.
    let error = refused(SERVER, |p| format!("ws:127.0.0.1:{p}:path=/ok")).await?;
    assert!(
        matches!(
            error.find::<WsProblem>(),
            Some(WsProblem::UpgradeRefused { status: 403, .. })
        ),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn subprotocol_refusal_is_clear() -> TestResult {
    let (_accepted, port) = serve("ws:0:interface=127.0.0.1:subprotocols=chat").await?;
    let client =
        Registry::global().client(&format!("ws:127.0.0.1:{port}:subprotocols=mqtt,stomp"))?;
    let error = tokio::time::timeout(SAFETY, client.connect())
        .await?
        .expect_err("refused");
    let Some(WsProblem::UpgradeRefused {
        status: 400,
        reason,
        body: Some(body),
    }) = error.find::<WsProblem>()
    else {
        panic!("{error:?}")
    };
    assert_eq!(reason, "Bad Request");
    assert_eq!(
        body,
        "no supported subprotocol offered (offered: mqtt, stomp; supported: chat)"
    );
    Ok(())
}

#[tokio::test]
async fn subprotocol_negotiation_picks_the_clients_first_supported() -> TestResult {
    let (_l, accepted, connected) = pair(
        "ws:0:interface=127.0.0.1:subprotocols=v1.chat,v2.chat,plain",
        |p| format!("ws:127.0.0.1:{p}:subprotocols=v3.chat,v2.chat,v1.chat"),
    )
    .await?;
    let chosen =
        |c: &endpoint_core::Connection| c.info().get::<WsInfo>().unwrap().subprotocol.clone();
    assert_eq!(chosen(&accepted).as_deref(), Some("v2.chat"));
    assert_eq!(chosen(&connected).as_deref(), Some("v2.chat"));
    Ok(())
}

#[tokio::test]
async fn a_client_offering_to_a_server_without_subprotocols_is_told_clearly() -> TestResult {
    // The server negotiates nothing and accepts; our client refuses the answer.
    let error = refused("ws:0:interface=127.0.0.1:path=/ok", |p| {
        format!("ws:127.0.0.1:{p}:path=/ok:subprotocols=chat")
    })
    .await?;
    assert_eq!(
        error.find::<WsProblem>(),
        Some(&WsProblem::NoSubprotocolChosen {
            offered: vec!["chat".into()]
        }),
        "{}",
        chain(&error)
    );
    let text = error.to_string();
    assert!(
        text.contains("the server chose no subprotocol; refused (offered: chat)"),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn plain_http_gets_426_and_the_listener_goes_on() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1").await?;
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await?;
    let mut answer = String::new();
    tokio::time::timeout(SAFETY, raw.read_to_string(&mut answer)).await??;
    assert!(
        answer.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
        "{answer}"
    );
    assert!(answer.contains("Upgrade: websocket\r\n"), "{answer}");

    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    raw.write_all(b"\x16\x03\x01 not http at all\r\n\r\n")
        .await?;
    let mut answer = String::new();
    tokio::time::timeout(SAFETY, raw.read_to_string(&mut answer)).await??;
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );

    let client = Registry::global().client(&format!("ws:127.0.0.1:{port}"))?;
    tokio::time::timeout(SAFETY, client.connect()).await??;
    tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    Ok(())
}

#[tokio::test]
async fn a_server_that_is_not_websocket() -> TestResult {
    // A plain TCP server answering HTTP 200: the client names the status.
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = tcp.local_addr()?.port();
    let server = async {
        let (mut s, _) = tcp.accept().await?;
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf).await?;
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            .await?;
        Ok::<_, std::io::Error>(s)
    };
    let client = Registry::global().client(&format!("ws:127.0.0.1:{port}"))?;
    let (_s, result) =
        tokio::time::timeout(SAFETY, async { tokio::join!(server, client.connect()) }).await?;
    let error = result.expect_err("not a websocket server");
    assert_eq!(
        error.find::<WsProblem>(),
        Some(&WsProblem::UpgradeRefused {
            status: 200,
            reason: "OK".into(),
            body: Some("hi".into()),
        }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("server refused the upgrade: 200 OK (hi)"),
        "{error}"
    );
    Ok(())
}

/// Runs the server side of the upgrade on one end of an in-memory pipe, writes `request`
/// into the other and closes it, and returns the upgrade's error.
async fn server_side_error(options: WsServerSettings, request: &[u8]) -> TestResult<Error> {
    let (ours, mut theirs) = tokio::io::duplex(4096);
    let peer: std::net::SocketAddr = "192.0.2.7:5555".parse()?;
    let local: std::net::SocketAddr = "127.0.0.1:80".parse()?;
    let info = ConnectionInfo::new("tcp", Address::Inet(local), Address::Inet(peer));
    let upgrade = WsUpgrade::new(options).upgrade(Connection::new(ours, info));
    theirs.write_all(request).await?;
    // Then hang up our writing side: a partial request ends there.
    theirs.shutdown().await?;
    let error = tokio::time::timeout(SAFETY, upgrade)
        .await?
        .expect_err("the upgrade should be refused");
    Ok(error)
}

#[tokio::test]
async fn the_server_side_error_names_the_peer_and_the_status() -> TestResult {
    let options = WsServerSettings::default().path("/ok");
    let request = b"GET /nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    let error = server_side_error(options, request).await?;
    let Error::Handshake {
        layer: "websocket",
        endpoint: Some(endpoint),
        problem,
        source: None,
    } = &error
    else {
        panic!("{error:?}")
    };
    let Some(WsProblem::RequestRefused {
        status: 404,
        reason,
        detail,
    }) = problem.downcast_ref::<WsProblem>()
    else {
        panic!("{error:?}")
    };
    assert_eq!(endpoint, "192.0.2.7:5555");
    assert_eq!(reason, "Not Found");
    assert_eq!(detail, "no websocket at /nope (this server serves /ok)");
    assert_eq!(
        error.to_string(),
        "websocket handshake with \"192.0.2.7:5555\" failed: refused the upgrade with \
         404 Not Found: no websocket at /nope (this server serves /ok)"
    );

    // A peer that hangs up half-way: the connection was lost, and the OS error (once) says
    // how.
    let error = server_side_error(WsServerSettings::default(), b"GET / HTTP/1.1\r\n").await?;
    assert_eq!(error.find::<WsProblem>(), Some(&WsProblem::ConnectionLost));
    let source = std::error::Error::source(&error).expect("the I/O error");
    assert!(!error.to_string().contains(&source.to_string()), "{error}");
    Ok(())
}

#[tokio::test]
async fn a_server_that_hangs_up_is_a_lost_connection_told_once() -> TestResult {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = tcp.local_addr()?.port();
    let hang_up = async {
        let (mut s, _) = tcp.accept().await?;
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf).await?;
        Ok::<_, std::io::Error>(())
    };
    let client = Registry::global().client(&format!("ws:127.0.0.1:{port}"))?;
    let (served, result) =
        tokio::time::timeout(SAFETY, async { tokio::join!(hang_up, client.connect()) }).await?;
    served?;
    let error = result.expect_err("the server hung up");
    assert_eq!(
        error.find::<WsProblem>(),
        Some(&WsProblem::ConnectionLost),
        "{error}"
    );
    // Each text of the chain once: ours, then the OS error (not tungstenite's wrapper of it).
    let mut texts = vec![error.to_string()];
    let mut next = std::error::Error::source(&error);
    while let Some(cause) = next {
        texts.push(cause.to_string());
        next = cause.source();
    }
    assert!(texts.len() >= 2, "{texts:?}");
    for (i, inner) in texts.iter().enumerate().skip(1) {
        assert!(
            texts[..i]
                .iter()
                .all(|outer| !outer.contains(inner.as_str())),
            "repeated: {texts:?}"
        );
    }
    Ok(())
}
