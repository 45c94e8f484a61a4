//! Parsers receive the registry that is parsing, and layers ask the endpoint beneath them
//! what it reaches: a transport registered only in a program's own registry works under
//! `tls+` and `ws+` and as `tls`'s `endpoint=`, with SNI, name verification and the `Host`
//! header taken from its [`Authority`] (no `hostname=`).

use std::fmt;
use std::sync::Arc;

use endpoint_testkit::TestPki;
use endpoint_testkit::TestResult;
use endpoints::core::description::Args;
use endpoints::core::{BoxFuture, Kind, OptionSpec, OptionType};
use endpoints::tls::TlsInfo;
use endpoints::ws::WsInfo;
use endpoints::{Authority, ClientEndpoint, Connection, Error, Registry, Result, Side};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `tunnel:PORT:name=NAME`: a plugin-style transport that reaches `NAME` (its authority) by
/// connecting to 127.0.0.1:PORT. Nothing in the description says `tcp`, so only the
/// authority can tell a layer which name to verify or send.
#[derive(Debug)]
struct Tunnel {
    port: u16,
    name: String,
}

impl fmt::Display for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ClientEndpoint for Tunnel {
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            let tcp = format!("tcp:127.0.0.1:{}", self.port);
            Registry::global().client(&tcp)?.connect().await
        })
    }

    fn authority(&self) -> Option<Authority> {
        Some(Authority::new(self.name.as_str(), self.port))
    }

    fn description(&self) -> endpoints::core::description::Description {
        endpoints::core::description::Description::new("tunnel")
            .arg(self.port)
            .option("name", &self.name)
    }
}

static TUNNEL_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("port", OptionType::Port, "local port to tunnel through"),
    OptionSpec::new("name", OptionType::Text, "the host name reached"),
];

fn tunnel(mut args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    let port = args.get_param("port", 0)?;
    let name = args.get("name")?;
    args.finish()?;
    Ok(Arc::new(Tunnel { port, name }))
}

static TUNNEL: Kind = Kind::client(
    "tunnel",
    "test transport known only to one registry",
    TUNNEL_OPTIONS,
    tunnel,
)
.positional(&["port"]);

/// Every built-in kind and layer, and `tunnel`, but none of the shorthands.
fn own_registry() -> Registry {
    let mut registry = Registry::new();
    for kind in Registry::global().kinds() {
        registry.register(*kind);
    }
    for form in Registry::global().url_forms() {
        registry.register_url(*form);
    }
    registry.register(TUNNEL);
    registry
}

/// An `ssl` server for `localhost` from the test PKI, echoing one message, and the SNI it saw.
async fn tls_echo_server(
    pki: &TestPki,
) -> TestResult<(u16, tokio::task::JoinHandle<Option<String>>)> {
    let server = format!(
        "ssl:0:privateKey={}:interface=127.0.0.1",
        pki.arg("server.pem")
    );
    let mut listener = Registry::global().server(&server)?.bind().await?;
    let port = listener.local_address().port().ok_or("no port")?;
    let task = tokio::spawn(async move {
        let mut accepted = listener.accept().await.ok()?;
        let sni = accepted.info().get::<TlsInfo>()?.server_name.clone();
        let mut buf = [0; 4];
        accepted.read_exact(&mut buf).await.ok()?;
        accepted.write_all(&buf).await.ok()?;
        accepted.flush().await.ok()?;
        sni
    });
    Ok((port, task))
}

async fn round_trip(client: Arc<dyn ClientEndpoint>) -> TestResult {
    let mut connection = client.connect().await?;
    connection.write_all(b"ping").await?;
    connection.flush().await?;
    let mut buf = [0; 4];
    connection.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"ping");
    Ok(())
}

#[test]
fn a_registry_without_the_ws_shorthands_rejects_ws() -> TestResult {
    let registry = own_registry();
    match registry.client("ws:example.com:80") {
        Err(Error::UnknownKind {
            kind,
            side,
            suggestion,
            ..
        }) => {
            assert_eq!(kind, "ws");
            assert_eq!(side, Side::Client);
            assert_eq!(suggestion.as_deref(), Some("ws+..."));
        }
        other => panic!("expected an unknown kind, got {other:?}"),
    }
    // The global registry has them, and expands to the layered form.
    let global = Registry::global().client("ws:example.com:80")?;
    assert!(
        global.to_string().starts_with("ws+tcp:example.com:80:"),
        "{global}"
    );
    Ok(())
}

#[test]
fn an_own_kind_is_unknown_to_the_global_registry() {
    let inner = endpoints::quote("tunnel:1:name=localhost");
    let text = format!("tls:localhost:1:endpoint={inner}");
    assert!(own_registry().client(&text).is_ok());
    match Registry::global().client(&text) {
        Err(Error::Option { option, reason, .. }) => {
            assert_eq!(option, "endpoint");
            assert!(
                reason.contains("unknown client endpoint kind \"tunnel\""),
                "{reason}"
            );
        }
        other => panic!("expected the endpoint= error, got {other:?}"),
    }
}

#[tokio::test]
async fn tls_layer_verifies_and_sends_the_authority_of_a_plugin_transport() -> TestResult {
    let pki = TestPki::new();
    let (port, server) = tls_echo_server(&pki).await?;
    let text = format!(
        "tls+tunnel:{port}:name=localhost:trustRoots={}",
        pki.arg("ca.pem")
    );
    let client = own_registry().client(&text)?;
    assert_eq!(client.authority(), Some(Authority::new("localhost", port)));
    round_trip(client).await?;
    assert_eq!(server.await?.as_deref(), Some("localhost"), "the SNI sent");
    Ok(())
}

#[tokio::test]
async fn tls_layer_refuses_a_plugin_transport_whose_name_the_certificate_lacks() -> TestResult {
    let pki = TestPki::new();
    let (port, _server) = tls_echo_server(&pki).await?;
    let text = format!(
        "tls+tunnel:{port}:name=other.example:trustRoots={}",
        pki.arg("ca.pem")
    );
    let error = own_registry()
        .client(&text)?
        .connect()
        .await
        .expect_err("the certificate is for localhost");
    assert!(error.to_string().contains("other.example"), "{error}");
    Ok(())
}

#[tokio::test]
async fn tls_endpoint_option_parses_with_the_parsing_registry() -> TestResult {
    let pki = TestPki::new();
    let (port, server) = tls_echo_server(&pki).await?;
    let inner = endpoints::quote(&format!("tunnel:{port}:name=localhost"));
    let text = format!(
        "tls:localhost:{port}:trustRoots={}:endpoint={inner}",
        pki.arg("ca.pem")
    );
    round_trip(own_registry().client(&text)?).await?;
    assert_eq!(server.await?.as_deref(), Some("localhost"));
    Ok(())
}

#[tokio::test]
async fn ws_layer_sends_the_authority_of_a_plugin_transport_as_host() -> TestResult {
    let registry = own_registry();
    let mut listener = registry
        .server("ws+tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("no port")?;
    let client = registry.client(&format!("ws+tunnel:{port}:name=api.example"))?;
    assert_eq!(
        client.authority(),
        Some(Authority::new("api.example", port))
    );
    let (accepted, _connected) = tokio::try_join!(listener.accept(), client.connect())?;
    let info = accepted.info().get::<WsInfo>().ok_or("no WsInfo")?;
    assert_eq!(
        info.header("host"),
        Some(format!("api.example:{port}").as_str())
    );
    Ok(())
}

#[tokio::test]
async fn ws_over_tls_over_a_plugin_transport_gets_both_right() -> TestResult {
    let pki = TestPki::new();
    let registry = own_registry();
    let server = format!(
        "ws+ssl:0:privateKey={}:interface=127.0.0.1",
        pki.arg("server.pem")
    );
    let mut listener = registry.server(&server)?.bind().await?;
    let port = listener.local_address().port().ok_or("no port")?;
    let client = registry.client(&format!(
        "ws+tls+tunnel:{port}:name=localhost:tls.trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let (accepted, _connected) = tokio::try_join!(listener.accept(), client.connect())?;
    let ws = accepted.info().get::<WsInfo>().ok_or("no WsInfo")?;
    assert_eq!(
        ws.header("host"),
        Some(format!("localhost:{port}").as_str())
    );
    let tls = accepted.info().get::<TlsInfo>().ok_or("no TlsInfo")?;
    assert_eq!(tls.server_name.as_deref(), Some("localhost"));
    Ok(())
}

/// An allow-list holds for nested descriptions too: with only tcp, tls and ws allowed, no
/// description reaches a unix socket or a program, however deep it hides it.
#[test]
fn an_allow_list_holds_for_nested_descriptions() {
    let mut registry = Registry::global().clone();
    registry.allow_only(&["tcp", "tls", "ws"]);
    for allowed in [
        "tcp:example.com:80",
        "tls:example.com:443",
        "ws+tcp:example.com:80:path=/chat",
        "wss:example.com:443",
        "ws://example.com/chat",
        r"tls:example.com:443:endpoint=tcp\:example.com\:443",
    ] {
        assert!(registry.client(allowed).is_ok(), "{allowed} was refused");
    }
    for (refused, kind) in [
        ("unix:/var/run/docker.sock", "unix"),
        ("tls+unix:/var/run/docker.sock:hostname=docker", "unix"),
        ("ssl:example.com:443", "ssl"),
    ] {
        match registry.client(refused) {
            Err(Error::UnknownKind { kind: k, known, .. }) => {
                assert_eq!(k, kind);
                assert!(!known.iter().any(|n| n == "unix"), "{known:?}");
            }
            other => panic!("{refused}: expected an unknown kind, got {other:?}"),
        }
    }
    let nested = r"tls:example.com:443:endpoint=unix\:/var/run/docker.sock";
    match registry.client(nested) {
        Err(Error::Option { option, reason, .. }) => {
            assert_eq!(option, "endpoint");
            assert!(
                reason.contains("unknown client endpoint kind \"unix\""),
                "{reason}"
            );
        }
        other => panic!("expected the endpoint= error, got {other:?}"),
    }
    assert!(registry.server("haproxy:tcp:80").is_err());
    // The global registry is untouched.
    assert!(Registry::global()
        .client("unix:/var/run/docker.sock")
        .is_ok());
}
