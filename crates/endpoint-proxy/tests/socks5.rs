//! `socks5+` against microsocks, an independent SOCKS5 proxy: echo with and without
//! credentials, bad credentials, a refused target, an IPv6 target, local resolution.

mod support;

use std::io::ErrorKind;

use endpoint_proxy::{ProxiedThrough, ProxyProblem, Stage};
use endpoints::{Address, Registry};
use support::*;

#[tokio::test]
async fn echo_through_socks5_without_authentication() -> TestResult {
    let Some(binary) = tool("microsocks") else {
        return Ok(());
    };
    let proxy = microsocks(&binary, None).await?;
    let target = echo_server("127.0.0.1".parse()?).await?;
    let text = format!(
        "socks5+tcp:127.0.0.1:{}:proxy={}",
        target.port(),
        proxy.description()
    );
    let client = Registry::global().client(&text)?;
    let mut connection = client.connect().await?;
    round_trip(&mut connection, b"hello through socks5").await?;
    // The peer is the target; the proxy is kept aside; the bytes are still a plain socket's.
    assert_eq!(connection.peer_address(), &Address::Inet(target));
    assert_eq!(connection.info().stack, ["tcp", "socks5"]);
    let through = connection
        .info()
        .get::<ProxiedThrough>()
        .ok_or("no ProxiedThrough")?;
    assert_eq!(through.protocol, "socks5");
    assert_eq!(
        through.proxy_address,
        Address::Inet(([127, 0, 0, 1], proxy.port).into())
    );
    assert!(through.bound.is_some());
    assert!(connection.is_plain_socket());
    Ok(())
}

#[tokio::test]
async fn a_name_is_resolved_by_the_proxy_or_locally() -> TestResult {
    let Some(binary) = tool("microsocks") else {
        return Ok(());
    };
    let proxy = microsocks(&binary, None).await?;
    let target = echo_server("127.0.0.1".parse()?).await?;
    for resolve in ["remote", "local"] {
        let text = format!(
            "socks5+tcp:localhost:{}:proxy={}:resolve={resolve}",
            target.port(),
            proxy.description()
        );
        let mut connection = Registry::global().client(&text)?.connect().await?;
        round_trip(&mut connection, resolve.as_bytes()).await?;
        if resolve == "remote" {
            let peer = Address::Other(format!("localhost:{}", target.port()));
            assert_eq!(connection.peer_address(), &peer);
        } else {
            assert!(connection.peer_address().as_inet().is_some());
        }
    }
    Ok(())
}

#[tokio::test]
async fn an_ipv6_target() -> TestResult {
    let Some(binary) = tool("microsocks") else {
        return Ok(());
    };
    let proxy = microsocks(&binary, None).await?;
    let target = echo_server("::1".parse()?).await?;
    let text = format!(
        "socks5+tcp:[::1]:{}:proxy={}",
        target.port(),
        proxy.description()
    );
    let mut connection = Registry::global().client(&text)?.connect().await?;
    round_trip(&mut connection, b"over ipv6").await?;
    assert_eq!(connection.peer_address(), &Address::Inet(target));
    Ok(())
}

#[tokio::test]
async fn echo_with_a_user_and_password() -> TestResult {
    let Some(binary) = tool("microsocks") else {
        return Ok(());
    };
    let proxy = microsocks(&binary, Some(("alice", "s3cret"))).await?;
    let target = echo_server("127.0.0.1".parse()?).await?;
    let text = format!(
        "socks5+tcp:127.0.0.1:{}:proxy={}:user=alice:password=s3cret",
        target.port(),
        proxy.description()
    );
    let client = Registry::global().client(&text)?;
    let mut connection = client.connect().await?;
    round_trip(&mut connection, b"authenticated").await?;

    // Without credentials, the proxy accepts none of the methods offered.
    let anonymous = format!(
        "socks5+tcp:127.0.0.1:{}:proxy={}",
        target.port(),
        proxy.description()
    );
    let error = Registry::global()
        .client(&anonymous)?
        .connect()
        .await
        .unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(ErrorKind::PermissionDenied),
        "{error}"
    );
    let cause = proxy_error(&error);
    assert_eq!(cause.stage, Stage::Greeting);
    assert!(matches!(
        cause.problem,
        ProxyProblem::NoAcceptableMethod { .. }
    ));
    Ok(())
}

#[tokio::test]
async fn a_bad_password_fails_at_the_auth_stage_naming_the_proxy() -> TestResult {
    let Some(binary) = tool("microsocks") else {
        return Ok(());
    };
    let proxy = microsocks(&binary, Some(("alice", "s3cret"))).await?;
    let target = echo_server("127.0.0.1".parse()?).await?;
    let text = format!(
        "socks5+tcp:127.0.0.1:{}:proxy={}:user=alice:password=wrong",
        target.port(),
        proxy.description()
    );
    let error = Registry::global()
        .client(&text)?
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
    assert_eq!(cause.problem, ProxyProblem::BadCredentials);
    let message = cause.to_string();
    assert!(message.starts_with("auth with socks5 proxy"), "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", proxy.port)),
        "{message}"
    );
    assert!(
        message.contains("rejected the user name and password"),
        "{message}"
    );
    // The password is in neither message.
    assert!(!error.to_string().contains("wrong"), "{error}");
    assert!(!message.contains("wrong"), "{message}");
    Ok(())
}

#[tokio::test]
async fn a_refused_target_is_a_refusal_from_the_proxy() -> TestResult {
    let Some(binary) = tool("microsocks") else {
        return Ok(());
    };
    let proxy = microsocks(&binary, None).await?;
    let closed = closed_port().await;
    let text = format!(
        "socks5+tcp:127.0.0.1:{closed}:proxy={}",
        proxy.description()
    );
    let error = Registry::global()
        .client(&text)?
        .connect()
        .await
        .unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(ErrorKind::ConnectionRefused),
        "{error}"
    );
    let cause = proxy_error(&error);
    assert_eq!(cause.stage, Stage::ConnectRequest);
    assert_eq!(cause.problem, ProxyProblem::Reply { code: 5 });
    let message = cause.to_string();
    assert!(message.contains("refused"), "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", proxy.port)),
        "{message}"
    );
    assert!(error
        .to_string()
        .starts_with("could not connect through \"socks5+tcp:"));
    Ok(())
}
