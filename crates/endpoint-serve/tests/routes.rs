//! `routes = {..}`: a relay that routes by the TLS server name, read from the file, compared
//! by value on reload, and run on loopback sockets with captured ClientHellos.

use std::sync::Arc;
use std::time::Duration;

use endpoint_serve::{Metrics, Plan, Relays, ServeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// Linking the transports registers their kinds (`sni` comes with endpoint-serve).
use endpoint_tcp as _;
use endpoint_unix as _;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
const LIMIT: Duration = Duration::from_secs(30);

/// A ClientHello from `openssl s_client -servername a.example`.
const HELLO_A: &[u8] = include_bytes!("../../endpoint-sni/tests/data/openssl-client-hello.bin");
/// A ClientHello from Chromium opening `https://x.b.example/`.
const HELLO_XB: &[u8] = include_bytes!("../../endpoint-sni/tests/data/chromium-client-hello.bin");

fn parse(text: &str) -> Result<ServeConfig, endpoint_serve::ConfigError> {
    ServeConfig::parse(text, "f.toml")
}

fn relay(listen: &str, rest: &str) -> String {
    format!("[[relay]]\nname = \"front\"\nlisten = \"{listen}\"\n{rest}")
}

#[test]
fn routes_replace_to_and_say_where_they_are_wrong() {
    let routes = "routes = { \"a.example\" = \"tcp:127.0.0.1:1\", \"*.b.example\" = \"tcp:127.0.0.1:2\", default = \"tcp:127.0.0.1:3\" }\n";
    let ok = parse(&relay("sni+tcp:443", routes)).unwrap();
    let to = ok.relays[0].to.to_string();
    assert!(to.starts_with("sni-router:"), "{to}");

    let both = parse(&relay(
        "sni+tcp:443",
        &format!("to = \"tcp:127.0.0.1:1\"\n{routes}"),
    ))
    .unwrap_err();
    assert!(
        both.message.contains("`to` or `routes`, not both"),
        "{both}"
    );
    assert_eq!(both.line, Some(4), "{both}");

    let neither = parse(&relay("sni+tcp:443", "")).unwrap_err();
    assert!(neither.message.contains("missing field `to`"), "{neither}");

    // A route's description error names the route and points into the value.
    let bad = parse(&relay(
        "sni+tcp:443",
        "routes = { \"a.example\" = \"tpc:127.0.0.1:1\" }\n",
    ))
    .unwrap_err();
    assert!(bad.message.starts_with("route \"a.example\": "), "{bad}");
    assert_eq!((bad.line, bad.column), (Some(4), Some(27)), "{bad}");
    assert_eq!(bad.relay.as_deref(), Some("front"));

    // A key that is no host name, wildcard or default is located at the key.
    let key = parse(&relay(
        "sni+tcp:443",
        "routes = { \"a..example\" = \"tcp:127.0.0.1:1\" }\n",
    ))
    .unwrap_err();
    assert!(key.message.contains("route \"a..example\""), "{key}");
    assert_eq!((key.line, key.column), (Some(4), Some(12)), "{key}");

    let empty = parse(&relay("sni+tcp:443", "routes = {}\n")).unwrap_err();
    assert!(empty.message.contains("`routes` is empty"), "{empty}");

    // A plain listener never learns the name.
    let plain = parse(&relay("tcp:443", routes)).unwrap_err();
    assert!(plain.message.contains("listen with sni+"), "{plain}");
    assert_eq!(plain.line, Some(3), "{plain}");
}

#[test]
fn routes_are_compared_by_value_on_reload() {
    let file = |a: u16| {
        parse(&relay(
            "sni+tcp:443",
            &format!("routes = {{ \"A.example\" = \"tcp:127.0.0.1:{a}\", default = \"tcp:127.0.0.1:3\" }}\n"),
        ))
        .unwrap()
    };
    let written_differently = parse(&relay(
        "sni+tcp:443",
        "routes = { default = \"tcp:127.0.0.1:3:timeout=30\", \"a.example\" = \"tcp:127.0.0.1:1\" }\n",
    ))
    .unwrap();
    assert!(Plan::between(&file(1).relays, &written_differently.relays).is_empty());
    assert_eq!(
        Plan::between(&file(1).relays, &file(2).relays)
            .retarget
            .len(),
        1
    );
}

/// An upstream that writes `name` to every connection, then closes it.
async fn named_upstream(name: &'static str) -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut hello = [0u8; 5];
                // The hello reaches the upstream untouched: its record header first.
                if stream.read_exact(&mut hello).await.is_ok() && hello[0] == 22 {
                    let _ = stream.write_all(name.as_bytes()).await;
                }
            });
        }
    });
    Ok(port)
}

/// What the upstream a ClientHello is routed to answers ("" when the relay closes).
async fn answer(port: u16, hello: &[u8]) -> TestResult<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(hello).await?;
    let mut text = Vec::new();
    let _ = tokio::time::timeout(LIMIT, stream.read_to_end(&mut text)).await?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routed_relay_follows_its_routes_across_a_reload() -> TestResult {
    let one = named_upstream("one").await?;
    let two = named_upstream("two").await?;
    let file = |a: u16| {
        parse(&relay(
            "sni+tcp:0:interface=127.0.0.1",
            &format!("routes = {{ \"a.example\" = \"tcp:127.0.0.1:{a}\", \"*.b.example\" = \"tcp:127.0.0.1:{two}\" }}\ngrace = \"1s\"\n"),
        ))
        .unwrap()
    };
    let mut relays = Relays::new(Arc::new(Metrics::new()));
    relays.apply(&file(one).relays).await?;
    let port = relays.local_addresses("front")[0].port().ok_or("a port")?;
    assert_eq!(answer(port, HELLO_A).await?, "one");
    assert_eq!(answer(port, HELLO_XB).await?, "two");

    relays.apply(&file(two).relays).await?;
    assert_eq!(answer(port, HELLO_A).await?, "two");
    relays.shutdown().await;
    Ok(())
}
