//! Proxies that stall, descriptions that are refused, policies that hold, and secrets that
//! stay secret.

mod support;

use std::io::ErrorKind;

use endpoint_proxy::ProxyProblem;
use endpoints::core::EgressPolicy;
use endpoints::{Error, Registry, Side};
use support::*;

async fn timeout_of(text: &str) -> Error {
    let client = Registry::global().client(text).expect(text);
    tokio::time::timeout(SAFETY, client.connect())
        .await
        .expect("the handshake timeout fired")
        .unwrap_err()
}

#[tokio::test]
async fn a_stalled_proxy_times_out_naming_the_proxy_and_the_stage() -> TestResult {
    // Says nothing at all: the socks5 greeting stalls.
    let silent = stalling_proxy(b"").await?;
    let error = timeout_of(&format!(
        r"socks5+tcp:127.0.0.1:1:proxy=tcp\:127.0.0.1\:{silent}:handshakeTimeout=0.3"
    ))
    .await;
    assert!(error.is_timeout(), "{error}");
    let message = error.to_string();
    assert!(message.contains("socks5 greeting"), "{message}");
    assert!(
        message.contains(&format!("tcp:127.0.0.1:{silent}")),
        "{message}"
    );
    assert!(message.starts_with("timed out after 0.3s"), "{message}");

    // Chooses username/password, then stalls: the auth stage.
    let picky = stalling_proxy(&[5, 2]).await?;
    let error = timeout_of(&format!(
        r"socks5+tcp:127.0.0.1:1:proxy=tcp\:127.0.0.1\:{picky}:user=u:password=p:handshakeTimeout=0.3"
    ))
    .await;
    assert!(error.to_string().contains("socks5 auth"), "{error}");

    // Accepts no authentication, then stalls on the request.
    let slow = stalling_proxy(&[5, 0]).await?;
    let error = timeout_of(&format!(
        r"socks5+tcp:127.0.0.1:1:proxy=tcp\:127.0.0.1\:{slow}:handshakeTimeout=0.3"
    ))
    .await;
    assert!(
        error.to_string().contains("socks5 connect request"),
        "{error}"
    );

    // An HTTP proxy that never answers CONNECT.
    let error = timeout_of(&format!(
        r"httpconnect+tcp:127.0.0.1:1:proxy=tcp\:127.0.0.1\:{silent}:handshakeTimeout=0.3"
    ))
    .await;
    assert!(error.is_timeout(), "{error}");
    assert!(
        error
            .to_string()
            .contains("http CONNECT request with proxy"),
        "{error}"
    );
    assert!(error
        .to_string()
        .contains(&format!("tcp:127.0.0.1:{silent}")));
    Ok(())
}

#[tokio::test]
async fn a_proxy_that_closes_or_speaks_another_protocol() -> TestResult {
    let garbage = stalling_proxy(b"SSH-2.0-OpenSSH_9.2\r\n\r\n").await?;
    let text = format!(r"httpconnect+tcp:127.0.0.1:1:proxy=tcp\:127.0.0.1\:{garbage}");
    let error = Registry::global()
        .client(&text)?
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.io_kind(), Some(ErrorKind::InvalidData), "{error}");
    let text = format!(r"socks5+tcp:127.0.0.1:1:proxy=tcp\:127.0.0.1\:{garbage}");
    let error = Registry::global()
        .client(&text)?
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.io_kind(), Some(ErrorKind::InvalidData), "{error}");
    Ok(())
}

#[test]
fn descriptions_that_cannot_work_are_refused_while_parsing() {
    let registry = Registry::global();
    for (text, option) in [
        ("socks5+tcp:example.com:443", "proxy"),
        (
            r"socks5+unix:/run/a.sock:proxy=tcp\:127.0.0.1\:1080",
            "target",
        ),
        (
            r"socks5+tls+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080",
            "target",
        ),
        (
            r"socks5+tcp:example.com:443:proxy=tpc\:127.0.0.1\:1080",
            "proxy",
        ),
        (
            r"socks5+tcp:example.com:443:proxy=tcp\:h\:1:password=p",
            "password",
        ),
        (
            r"socks5+tcp:example.com:443:proxy=tcp\:h\:1:resolve=dns",
            "resolve",
        ),
        (
            r"httpconnect+tcp:example.com:443:proxy=tcp\:h\:1:user=a\:b",
            "user",
        ),
    ] {
        match registry.client(text) {
            Err(Error::Option { option: o, .. }) => assert_eq!(o, option, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    let long = "a".repeat(256);
    let text = format!(r"socks5+tcp:example.com:443:proxy=tcp\:h\:1:user={long}");
    assert!(registry.client(&text).is_err());
}

#[test]
fn an_allow_list_holds_for_the_proxy_description() {
    let mut registry = Registry::global().clone();
    registry.allow_only(&["tcp", "socks5"]);
    assert!(registry
        .client(r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080")
        .is_ok());
    let error = registry
        .client(r"socks5+tcp:example.com:443:proxy=unix\:/run/socks.sock")
        .unwrap_err();
    assert!(error.to_string().contains("unix"), "{error}");
}

#[tokio::test]
async fn the_egress_policy_guards_the_proxy_connection_and_literal_targets() -> TestResult {
    let mut registry = Registry::global().clone();
    registry.guard_egress(EgressPolicy::public_only());
    // The proxy is on loopback: refused before any byte is sent.
    let error = registry
        .client(r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1")
        .expect("parses")
        .connect()
        .await
        .unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(ErrorKind::PermissionDenied),
        "{error}"
    );
    assert!(error.to_string().contains("tcp:127.0.0.1:1"), "{error}");
    // A literal loopback target is refused too, whatever the proxy.
    let error = registry
        .client(r"httpconnect+tcp:127.0.0.1:22:proxy=tcp\:192.0.2.1\:3128")
        .expect("parses")
        .connect()
        .await
        .unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(ErrorKind::PermissionDenied),
        "{error}"
    );
    let source = std::error::Error::source(&error).ok_or("no source")?;
    assert!(source.to_string().contains("loopback"), "{source}");
    Ok(())
}

#[test]
fn credentials_are_masked_in_display_debug_and_describe() -> TestResult {
    let text =
        r"tls+socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=alice:password=hunter2";
    let client = Registry::global().client(text)?;
    let shown = client.to_string();
    assert!(
        !shown.contains("hunter2") && !shown.contains("alice"),
        "{shown}"
    );
    assert!(
        shown.contains("socks5.user=***:socks5.password=***"),
        "{shown}"
    );
    assert!(!format!("{client:?}").contains("hunter2"));
    let described = Registry::global().describe(Side::Client, text)?;
    assert!(!format!("{described:?}").contains("hunter2"));
    // Asked for on purpose, the text is whole and parses back to itself.
    let revealed = client.description().unmasked().to_string();
    assert!(revealed.contains("socks5.password=hunter2"), "{revealed}");
    let again = Registry::global().client(&revealed)?.description();
    assert_eq!(again, client.description());
    assert_eq!(again.unmasked().to_string(), revealed);
    // tls+ verifies the target, not the proxy.
    assert_eq!(
        client.authority(),
        Some(endpoints::Authority::new("example.com", 443))
    );
    Ok(())
}

/// Peer-controlled text reaches the terminal escaped (issue 19, item 10): a proxy whose
/// reason phrase carries escape sequences and a forged line cannot recolour a terminal or
/// forge a log line; the raw phrase stays in the evidence.
#[tokio::test]
async fn a_hostile_reason_phrase_is_escaped_when_printed() -> TestResult {
    let hostile =
        stalling_proxy(b"HTTP/1.1 403 \x1b[31mForbidden\x1b[0m\x1b]0;owned\x07\r\n\r\n").await?;
    let text = format!(r"httpconnect+tcp:example.com:443:proxy=tcp\:127.0.0.1\:{hostile}");
    let error = Registry::global()
        .client(&text)?
        .connect()
        .await
        .expect_err("a 403 is a refusal");
    let mut shown = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(s) = source {
        shown.push_str(&format!(": {s}"));
        source = s.source();
    }
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07'),
        "{shown:?}"
    );
    assert!(shown.contains(r"\u{1b}[31mForbidden"), "{shown}");
    let cause = proxy_error(&error);
    assert!(
        matches!(&cause.problem, ProxyProblem::Status { code: 403, reason } if reason.contains('\x1b')),
        "the evidence keeps the raw phrase: {:?}",
        cause.problem
    );
    Ok(())
}
