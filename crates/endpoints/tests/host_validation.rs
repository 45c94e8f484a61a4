//! Every client host a description names is a DNS name or an IP literal, checked by the one
//! validator in core (`endpoint_core::description::parse_host`): a carriage return, a line
//! feed, a NUL, a space, `/` or `@` in the host of any kind is a description error naming
//! the option and the byte, so nothing can smuggle a header or a second request into an
//! HTTP `CONNECT` (issue 19, SECURITY.md "Client hosts").

use std::sync::Arc;
use std::time::Duration;

use endpoints::core::description::parse_host;
use endpoints::proxy::HttpConnectClientEndpoint;
use endpoints::tcp::TcpClientEndpoint;
use endpoints::{quote, Authority, ClientEndpoint, Error, Registry};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Hosts every kind must refuse, with the byte of the host each refusal names.
const BAD_HOSTS: &[(&str, usize)] = &[
    (
        "allowed.example\r\nX-Injected: yes\r\n\r\nGET / HTTP/1.1",
        15,
    ),
    ("allowed.example\nX-Injected: yes", 15),
    ("allowed.example\0", 15),
    ("allowed example", 7),
    ("allowed.example/path", 15),
    ("user@allowed.example", 4),
];

/// Client descriptions with `{}` where a host goes, and the option the error must name.
fn templates() -> Vec<(&'static str, &'static str)> {
    let mut templates = vec![
        ("tcp:{}:80", "host"),
        ("tcp:host={}:port=80", "host"),
        ("ssl:{}:443", "host"),
        ("ssl:example.com:443:hostname={}", "hostname"),
        ("tls:{}:443", "host"),
        ("tls:host={}:port=443", "host"),
        ("tls+tcp:example.com:443:hostname={}", "hostname"),
        ("ws:{}:80", "host"),
        ("ws+tcp:example.com:80:host={}", "host"),
        ("ws+tcp:example.com:80:ws.host={}", "host"),
        (r"httpconnect+tcp:{}:443:proxy=tcp\:127.0.0.1\:3128", "host"),
        (r"socks5+tcp:{}:443:proxy=tcp\:127.0.0.1\:1080", "host"),
        (
            r"tls+httpconnect+tcp:{}:443:proxy=tcp\:127.0.0.1\:3128",
            "host",
        ),
    ];
    if cfg!(feature = "quic") {
        templates.push(("quic:{}:443", "host"));
        templates.push(("quic:example.com:443:hostname={}", "hostname"));
    }
    templates
}

/// The option error `text` must give: naming `option`, the byte, and the caret inside the
/// input.
fn assert_refused(text: &str, option: &str, byte: usize) {
    match Registry::global().client(text) {
        Err(Error::Option {
            option: named,
            reason,
            position,
            input,
            ..
        }) => {
            assert!(
                named == option || named.ends_with(&format!(".{option}")),
                "{text:?}: the error names option {named:?}, not {option:?}: {reason}"
            );
            assert!(
                reason.contains(&format!("at byte {byte}")),
                "{text:?}: the reason does not name byte {byte}: {reason}"
            );
            assert!(position <= input.len() && input.is_char_boundary(position));
        }
        Err(other) => panic!("{text:?}: not an option error: {other}"),
        Ok(endpoint) => panic!(
            "{text:?} is accepted, as {:?}",
            endpoint.description().unmasked().to_string()
        ),
    }
}

#[test]
fn every_kind_refuses_a_host_with_control_characters_spaces_slashes_or_at() {
    for (template, option) in templates() {
        for (host, byte) in BAD_HOSTS {
            let text = template.replace("{}", &quote(host));
            assert_refused(&text, option, *byte);
        }
    }
}

#[test]
fn good_hosts_are_accepted_by_every_kind() -> TestResult {
    for (template, _) in templates() {
        for host in ["example.com", "127.0.0.1", "[::1]", "xn--bcher-kva.example"] {
            let text = template.replace("{}", &quote(host));
            Registry::global()
                .client(&text)
                .map_err(|e| format!("{text:?}: {e}"))?;
        }
    }
    Ok(())
}

#[test]
fn a_ws_host_header_takes_a_port_and_brackets_ipv6() -> TestResult {
    let registry = Registry::global();
    for (host, sent) in [
        (r"example.com\:8080", "example.com:8080"),
        (r"[\:\:1]\:8080", "[::1]:8080"),
        (r"\:\:1", "[::1]"),
        ("bücher.example", "bücher.example"),
    ] {
        let text = format!("ws+tcp:example.com:80:host={host}");
        let endpoint = registry.client(&text)?;
        let canonical = endpoint.description().unmasked().to_string();
        assert!(
            canonical.contains(&format!("ws.host={}", quote(sent))),
            "{text}: {canonical}"
        );
        assert_eq!(
            registry
                .client(&canonical)?
                .description()
                .unmasked()
                .to_string(),
            canonical
        );
    }
    for (host, says) in [
        (r"[\:\:1\:8080", "no ']' closes"),
        (r"example.com\:99999", "is not a port"),
        ("a b", "at byte 1"),
        (r"a b\:80", "at byte 1"),
    ] {
        let text = format!("ws+tcp:example.com:80:host={host}");
        match registry.client(&text) {
            Err(Error::Option { reason, .. }) => assert!(reason.contains(says), "{reason}"),
            other => panic!("{text}: {:?}", other.map(|e| e.to_string())),
        }
    }
    Ok(())
}

/// A proxy on loopback that records what arrives: reads one request head, answers
/// `200`, and returns every byte it read.
async fn recording_proxy() -> std::io::Result<(u16, tokio::task::JoinHandle<Vec<u8>>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let task = tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return Vec::new();
        };
        let mut seen = Vec::new();
        let mut chunk = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return seen,
                Ok(n) => seen.extend_from_slice(&chunk[..n]),
            }
        }
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await;
        // Whatever else the client sends (a smuggled second request) arrives too.
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(200), socket.read(&mut chunk)).await
        {
            seen.extend_from_slice(&chunk[..n]);
        }
        seen
    });
    Ok((port, task))
}

#[tokio::test]
async fn no_injected_header_reaches_a_real_connect_proxy() -> TestResult {
    let injected = "allowed.example\r\nX-Injected: yes\r\n\r\nGET /admin HTTP/1.1";
    let (port, proxy) = recording_proxy().await?;
    let text = format!(
        r"httpconnect+tcp:{}:80:proxy=tcp\:127.0.0.1\:{port}",
        quote(injected)
    );
    let parsed = Registry::global().client(&text);
    if let Ok(endpoint) = &parsed {
        // Today's behaviour before the fix: show what the proxy read.
        let _ = tokio::time::timeout(Duration::from_secs(5), endpoint.connect()).await;
        let seen = String::from_utf8_lossy(&proxy.await?).into_owned();
        assert!(
            !seen.contains("X-Injected"),
            "the proxy read an injected header: {seen:?}"
        );
        panic!("{text:?} parses");
    }
    assert!(matches!(parsed, Err(Error::Option { .. })));
    proxy.abort();

    // A host built in code, not parsed, is refused at connect: nothing reaches the proxy.
    let (port, proxy) = recording_proxy().await?;
    let tcp = Arc::new(TcpClientEndpoint::new("127.0.0.1", port));
    let endpoint = HttpConnectClientEndpoint::new(Authority::new(injected, 80), tcp);
    let error = endpoint
        .connect()
        .await
        .err()
        .ok_or("a CONNECT with an injected host connected")?;
    assert_eq!(
        error.io_kind(),
        Some(std::io::ErrorKind::InvalidInput),
        "{error}"
    );
    proxy.abort();

    // A good host: the proxy reads exactly one request head, with the target in it.
    let (port, proxy) = recording_proxy().await?;
    let text = format!(r"httpconnect+tcp:allowed.example:80:proxy=tcp\:127.0.0.1\:{port}");
    let endpoint = Registry::global().client(&text)?;
    let connection = endpoint.connect().await?;
    drop(connection);
    let seen = String::from_utf8(proxy.await?)?;
    assert_eq!(
        seen,
        "CONNECT allowed.example:80 HTTP/1.1\r\nHost: allowed.example:80\r\n\r\n"
    );
    Ok(())
}

#[test]
fn the_validator_returns_the_normalised_host() {
    assert_eq!(parse_host("[2001:db8::1]").as_deref(), Ok("2001:db8::1"));
    assert_eq!(parse_host("example.com").as_deref(), Ok("example.com"));
    let error = parse_host("a\r\nb").expect_err("CR LF");
    assert_eq!(error.position(), 1);
    assert!(error.reason().contains("carriage return"), "{error}");
}
