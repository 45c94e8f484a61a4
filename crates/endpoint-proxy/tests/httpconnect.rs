//! `httpconnect+` against tinyproxy, an independent HTTP proxy: echo, Basic credentials,
//! 407 without them, a refused target, an IPv6 target.

mod support;

use std::io::ErrorKind;

use endpoint_proxy::{ProxiedThrough, ProxyProblem, Stage};
use endpoints::{Address, Registry};
use support::*;

#[tokio::test]
async fn echo_through_http_connect() -> TestResult {
    let Some(binary) = tool("tinyproxy") else {
        return Ok(());
    };
    let target = echo_server("127.0.0.1".parse()?).await?;
    let proxy = tinyproxy(&binary, &[target.port()], None).await?;
    let text = format!(
        "httpconnect+tcp:127.0.0.1:{}:proxy={}",
        target.port(),
        proxy.description()
    );
    let mut connection = Registry::global().client(&text)?.connect().await?;
    round_trip(&mut connection, b"hello through CONNECT").await?;
    assert_eq!(connection.peer_address(), &Address::Inet(target));
    assert_eq!(connection.info().stack, ["tcp", "httpconnect"]);
    let through = connection
        .info()
        .get::<ProxiedThrough>()
        .ok_or("no ProxiedThrough")?;
    assert_eq!(through.protocol, "httpconnect");
    assert!(connection.is_plain_socket());
    Ok(())
}

#[tokio::test]
async fn an_ipv6_target() -> TestResult {
    let Some(binary) = tool("tinyproxy") else {
        return Ok(());
    };
    let target = echo_server("::1".parse()?).await?;
    let proxy = tinyproxy(&binary, &[target.port()], None).await?;
    let text = format!(
        "httpconnect+tcp:[::1]:{}:proxy={}",
        target.port(),
        proxy.description()
    );
    let mut connection = Registry::global().client(&text)?.connect().await?;
    round_trip(&mut connection, b"over ipv6").await?;
    Ok(())
}

#[tokio::test]
async fn basic_credentials_and_a_407_without_them() -> TestResult {
    let Some(binary) = tool("tinyproxy") else {
        return Ok(());
    };
    let target = echo_server("127.0.0.1".parse()?).await?;
    let proxy = tinyproxy(&binary, &[target.port()], Some(("alice", "s3cret"))).await?;
    let base = format!(
        "httpconnect+tcp:127.0.0.1:{}:proxy={}",
        target.port(),
        proxy.description()
    );
    let mut connection = Registry::global()
        .client(&format!("{base}:user=alice:password=s3cret"))?
        .connect()
        .await?;
    round_trip(&mut connection, b"authenticated").await?;

    let error = Registry::global()
        .client(&base)?
        .connect()
        .await
        .unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(ErrorKind::PermissionDenied),
        "{error}"
    );
    let cause = proxy_error(&error);
    assert_eq!(cause.stage, Stage::Auth);
    assert_eq!(cause.problem, ProxyProblem::CredentialsRequired);

    let error = Registry::global()
        .client(&format!("{base}:user=alice:password=wrong"))?
        .connect()
        .await
        .unwrap_err();
    let cause = proxy_error(&error);
    assert_eq!(cause.stage, Stage::Auth, "{cause}");
    assert_eq!(cause.problem, ProxyProblem::BadCredentials);
    assert!(cause
        .to_string()
        .contains(&format!("127.0.0.1:{}", proxy.port)));
    assert!(!error.to_string().contains("wrong"), "{error}");
    Ok(())
}

#[tokio::test]
async fn a_refused_target_and_a_forbidden_port() -> TestResult {
    let Some(binary) = tool("tinyproxy") else {
        return Ok(());
    };
    let closed = closed_port().await;
    let target = echo_server("127.0.0.1".parse()?).await?;
    // CONNECT is allowed to the closed port, not to the echo server's.
    let proxy = tinyproxy(&binary, &[closed], None).await?;

    let text = format!(
        "httpconnect+tcp:127.0.0.1:{closed}:proxy={}",
        proxy.description()
    );
    let error = Registry::global()
        .client(&text)?
        .connect()
        .await
        .unwrap_err();
    let cause = proxy_error(&error);
    assert_eq!(cause.stage, Stage::ConnectRequest);
    let ProxyProblem::Status { code, .. } = cause.problem else {
        panic!("not a status: {cause}");
    };
    assert!(code >= 500, "{cause}");
    assert!(cause
        .to_string()
        .contains(&format!("127.0.0.1:{}", proxy.port)));

    let text = format!(
        "httpconnect+tcp:127.0.0.1:{}:proxy={}",
        target.port(),
        proxy.description()
    );
    let error = Registry::global()
        .client(&text)?
        .connect()
        .await
        .unwrap_err();
    let cause = proxy_error(&error);
    assert!(
        matches!(cause.problem, ProxyProblem::Status { code: 403, .. }),
        "{cause}"
    );
    assert_eq!(error.io_kind(), Some(ErrorKind::PermissionDenied));
    Ok(())
}

#[tokio::test]
async fn bytes_sent_with_the_answer_come_first_and_the_socket_stays_plain() -> TestResult {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A toy proxy that puts the target's first bytes in the same segment as its answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await?;
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await?);
        }
        stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\nbanner\n")
            .await?;
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).await?;
        stream.write_all(&buf).await?;
        std::io::Result::Ok(())
    });
    let text = format!(r"httpconnect+tcp:example.com:22:proxy=tcp\:127.0.0.1\:{port}");
    let mut connection = Registry::global().client(&text)?.connect().await?;
    assert!(connection.is_plain_socket());
    let mut banner = [0u8; 7];
    connection.read_exact(&mut banner).await?;
    assert_eq!(&banner, b"banner\n");
    round_trip(&mut connection, b"ping").await?;
    assert_eq!(
        connection.peer_address(),
        &Address::Other("example.com:22".into())
    );
    Ok(())
}
