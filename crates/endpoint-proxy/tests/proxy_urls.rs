//! `proxy=` as a URL (`socks5://`, `socks5h://`, `http://`, with `user:password@`): the
//! same value as the nested description it stands for, through real proxies (microsocks,
//! tinyproxy), never printing the password, and under the registry's egress guard.
//! (`proxy=env` reads the process environment, so its end-to-end tests run the `endpoint`
//! binary with a chosen environment: `crates/endpoint-cli/tests/proxy_env.rs`.)

mod support;

use std::io::ErrorKind;

use endpoint_proxy::ProxiedThrough;
use endpoint_testkit::{require_tool, tcp_echo_server};
use endpoints::core::EgressPolicy;
use endpoints::{Address, ClientDescription, Registry};
use support::*;

const PASSWORD: &str = "s3cret-pw";

/// The parsed value of `text` and its whole canonical text (secrets included).
fn value(text: &str) -> (ClientDescription, String) {
    let parsed: ClientDescription = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
    let whole = parsed.endpoint().description().unmasked().to_string();
    (parsed, whole)
}

#[test]
fn a_url_is_the_nested_description_it_stands_for() {
    let pairs = [
        (
            r"socks5+tcp:example.com:443:proxy=socks5h\://alice\:s3cret-pw@127.0.0.1\:1081",
            r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1081:user=alice:password=s3cret-pw:resolve=remote",
        ),
        (
            r"socks5+tcp:example.com:443:proxy=SOCKS5\://proxy.internal",
            r"socks5+tcp:example.com:443:proxy=tcp\:proxy.internal\:1080:resolve=local",
        ),
        (
            r"socks5+tcp:example.com:443:proxy=socks5\://[\:\:1]\:1080:resolve=local",
            r"socks5+tcp:example.com:443:proxy=tcp\:[\:\:1]\:1080:resolve=local",
        ),
        (
            r"httpconnect+tcp:example.com:443:proxy=http\://bob\:p%40ss@proxy.internal\:3128/",
            r"httpconnect+tcp:example.com:443:proxy=tcp\:proxy.internal\:3128:user=bob:password=p@ss",
        ),
        (
            r"httpconnect+tcp:example.com:443:proxy=http\://bob@proxy.internal\:3128",
            r"httpconnect+tcp:example.com:443:proxy=tcp\:proxy.internal\:3128:user=bob",
        ),
    ];
    for (url, nested) in pairs {
        let (url_value, url_text) = value(url);
        let (nested_value, nested_text) = value(nested);
        assert_eq!(url_value, nested_value, "{url}");
        assert_eq!(url_text, nested_text, "{url}");
        assert_eq!(url_value.to_string(), nested_value.to_string(), "{url}");
        // And the canonical text parses back to the same value.
        assert_eq!(value(&url_text).0, url_value, "{url}");
    }
}

#[test]
fn proxy_env_stays_env_in_canonical_text() {
    let (parsed, whole) = value(r"socks5+tcp:example.com:443:proxy=env");
    assert_eq!(
        whole,
        r"socks5+tcp:example.com:443:timeout=30:socks5.proxy=env:socks5.handshakeTimeout=10"
    );
    assert_eq!(value(&whole).0, parsed);
    let (_, whole) = value(r"httpconnect+tcp:example.com:443:proxy=env:user=me:password=pw");
    assert_eq!(
        whole,
        r"httpconnect+tcp:example.com:443:timeout=30:httpconnect.proxy=env:httpconnect.user=me:httpconnect.password=pw:httpconnect.handshakeTimeout=10"
    );
    // The environment's URL scheme decides who resolves names.
    let error = endpoints::client_from_string(r"socks5+tcp:h:443:proxy=env:resolve=local")
        .expect_err("resolve= with proxy=env");
    assert!(error.to_string().contains("resolve"), "{error}");
}

#[test]
fn urls_that_say_something_else_are_description_errors_without_the_password() {
    let cases = [
        // A scheme the other layer speaks.
        (
            r"socks5+tcp:h:443:proxy=http\://u\:s3cret-pw@p\:3128",
            "httpconnect",
        ),
        (
            r"httpconnect+tcp:h:443:proxy=socks5h\://u\:s3cret-pw@p\:1080",
            "socks5",
        ),
        // Schemes curl knows that these layers do not speak.
        (
            r"socks5+tcp:h:443:proxy=socks4\://u\:s3cret-pw@p\:1080",
            "socks4",
        ),
        (
            r"httpconnect+tcp:h:443:proxy=https\://u\:s3cret-pw@p\:443",
            "https",
        ),
        // Credentials twice; a scheme that disagrees with resolve=.
        (
            r"socks5+tcp:h:443:proxy=socks5\://u\:s3cret-pw@p:user=v",
            "twice",
        ),
        (
            r"socks5+tcp:h:443:proxy=socks5\://u\:s3cret-pw@p:resolve=remote",
            "resolve",
        ),
        // A path, a bad port, a bad host.
        (
            r"socks5+tcp:h:443:proxy=socks5\://u\:s3cret-pw@p\:1080/x",
            "path",
        ),
        (
            r"socks5+tcp:h:443:proxy=socks5\://u\:s3cret-pw@p\:0",
            "port",
        ),
        (
            r"socks5+tcp:h:443:proxy=socks5\://u\:s3cret-pw@a b\:1",
            "host",
        ),
        // Basic credentials cannot carry a colon in the user name.
        (
            r"httpconnect+tcp:h:443:proxy=http\://a%3Ab\:s3cret-pw@p",
            "colon",
        ),
    ];
    for (text, says) in cases {
        let error = endpoints::client_from_string(text).expect_err(text);
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(says), "{text}: {shown}");
        assert!(!shown.contains(PASSWORD), "{text}: {shown}");
    }
}

#[tokio::test]
async fn each_spelling_reaches_the_target_through_a_real_proxy() -> TestResult {
    let (Some(microsocks_bin), Some(tinyproxy_bin)) =
        (require_tool("microsocks"), require_tool("tinyproxy"))
    else {
        return Ok(());
    };
    let echo = tcp_echo_server().await?;
    let credentials = Some(("alice", PASSWORD));
    let socks_auth = microsocks(&microsocks_bin, credentials).await?;
    let socks_open = microsocks(&microsocks_bin, None).await?;
    let http_auth = tinyproxy(&tinyproxy_bin, &[echo.port()], credentials).await?;
    let at = |proxy: &Proxy| format!(r"127.0.0.1\:{}", proxy.port);
    let cases = [
        // socks5h://: the proxy resolves "localhost"; the peer is the name.
        (
            format!(
                r"socks5+tcp:localhost:{}:proxy=socks5h\://alice\:{PASSWORD}@{}",
                echo.port(),
                at(&socks_auth)
            ),
            "socks5",
            false,
        ),
        // socks5://: resolved here; the peer is an address.
        (
            format!(
                r"socks5+tcp:localhost:{}:proxy=socks5\://alice\:{PASSWORD}@{}",
                echo.port(),
                at(&socks_auth)
            ),
            "socks5",
            true,
        ),
        (
            format!(
                r"socks5+tcp:localhost:{}:proxy=socks5h\://{}",
                echo.port(),
                at(&socks_open)
            ),
            "socks5",
            false,
        ),
        (
            format!(
                r"httpconnect+tcp:127.0.0.1:{}:proxy=http\://alice\:{PASSWORD}@{}",
                echo.port(),
                at(&http_auth)
            ),
            "httpconnect",
            true,
        ),
    ];
    for (text, protocol, inet) in cases {
        let client = endpoints::client_from_string(&text)?;
        assert!(!client.to_string().contains(PASSWORD), "{client}");
        assert!(!format!("{client:?}").contains(PASSWORD), "{client:?}");
        let mut connection = tokio::time::timeout(SAFETY, client.connect()).await??;
        round_trip(&mut connection, b"through a URL").await?;
        assert_eq!(connection.info().stack, ["tcp", protocol], "{text}");
        let through = connection
            .info()
            .get::<ProxiedThrough>()
            .ok_or("ProxiedThrough")?;
        assert_eq!(through.protocol, protocol);
        assert!(!through.proxy.contains(PASSWORD), "{}", through.proxy);
        match connection.peer_address() {
            Address::Inet(address) => {
                assert!(inet, "{text}: {address}");
                assert_eq!(address.port(), echo.port());
            }
            other => {
                assert!(!inet, "{text}: {other}");
                assert_eq!(other.to_string(), format!("localhost:{}", echo.port()));
            }
        }
    }
    // A wrong password in the URL is refused, and neither password is printed.
    for text in [
        format!(
            r"socks5+tcp:127.0.0.1:{}:proxy=socks5h\://alice\:wrong-pw@{}",
            echo.port(),
            at(&socks_auth)
        ),
        format!(
            r"httpconnect+tcp:127.0.0.1:{}:proxy=http\://alice\:wrong-pw@{}",
            echo.port(),
            at(&http_auth)
        ),
    ] {
        let client = endpoints::client_from_string(&text)?;
        let error = tokio::time::timeout(SAFETY, client.connect())
            .await?
            .expect_err("a wrong password");
        assert_eq!(
            error.io_kind(),
            Some(ErrorKind::PermissionDenied),
            "{error}"
        );
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("wrong-pw") && !shown.contains(PASSWORD),
            "{shown}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_egress_guard_holds_for_a_proxy_url() -> TestResult {
    // A loopback proxy under a public-only policy: refused before anything is sent.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mut registry = Registry::from_inventory();
    registry.guard_egress(EgressPolicy::public_only());
    let client = registry.client(&format!(
        r"socks5+tcp:example.com:443:proxy=socks5h\://127.0.0.1\:{port}"
    ))?;
    let error = tokio::time::timeout(SAFETY, client.connect())
        .await?
        .expect_err("a loopback proxy under public_only");
    assert_eq!(
        error.io_kind(),
        Some(ErrorKind::PermissionDenied),
        "{error}"
    );
    Ok(())
}
