//! hyper-util's client with `endpoints::hyper::Connector`: GET requests over a unix socket,
//! TLS over a unix socket and WebSocket over TCP, against our own axum server on the same
//! description. The URI names the host and path; the description is where the bytes go.
#![cfg(all(feature = "hyper", feature = "axum"))]

use endpoint_testkit::{TestResult, SAFETY};

use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use endpoints::hyper::Connector;
use endpoints::{Address, ConnectionInfo};

/// What came back: status, body, and the client side's `ConnectionInfo` of each response.
struct Got {
    status: u16,
    bodies: Vec<String>,
    infos: Vec<ConnectionInfo>,
}

/// Serves a router that says which `Host` it was asked for and sends two GETs through a
/// connector made from the client description.
async fn get_twice(server: &str, client_of: impl Fn(&Address) -> String) -> TestResult<Got> {
    let listener = endpoints::server_from_string(server)?.bind().await?;
    let connector: Connector = client_of(listener.local_address()).parse()?;
    let app = Router::new().route(
        "/hello",
        get(|headers: HeaderMap| async move {
            let host = headers.get("host").and_then(|h| h.to_str().ok());
            format!("hello {}", host.unwrap_or("(no host)"))
        }),
    );
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
    let mut got = Got {
        status: 0,
        bodies: Vec::new(),
        infos: Vec::new(),
    };
    for uri in [
        "http://app.example/hello",
        "http://other.example:8080/hello",
    ] {
        let response = tokio::time::timeout(SAFETY, client.get(uri.parse()?)).await??;
        got.status = response.status().as_u16();
        let info = response.extensions().get::<ConnectionInfo>().cloned();
        got.infos
            .push(info.ok_or("no ConnectionInfo in the response")?);
        let body = tokio::time::timeout(SAFETY, response.into_body().collect()).await??;
        got.bodies
            .push(String::from_utf8(body.to_bytes().to_vec())?);
    }
    serving.abort();
    Ok(got)
}

#[tokio::test]
async fn get_over_a_unix_socket() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("http.sock").to_string_lossy());
    let got = get_twice(&format!("unix:{path}"), |_| format!("unix:{path}")).await?;
    assert_eq!(got.status, 200);
    // The URI's authority is the Host header, not the target.
    assert_eq!(
        got.bodies,
        ["hello app.example", "hello other.example:8080"]
    );
    for info in &got.infos {
        assert_eq!(info.stack, ["unix"]);
    }
    Ok(())
}

#[tokio::test]
async fn get_over_tls_over_a_unix_socket() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    let pair = pki.tls_over_unix("https.sock");
    // An http:// URI: the description's own TLS applies, verified against the test CA.
    let got = get_twice(&pair.server, |_| pair.client.clone()).await?;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.bodies,
        ["hello app.example", "hello other.example:8080"]
    );
    for info in &got.infos {
        assert_eq!(info.stack, ["unix", "tls"]);
        let tls = info.get::<endpoints::tls::TlsInfo>().ok_or("no TlsInfo")?;
        assert_eq!(tls.server_name.as_deref(), Some("localhost"));
    }
    Ok(())
}

#[tokio::test]
async fn get_over_websocket_over_tcp() -> TestResult {
    let got = get_twice("ws+tcp:0:interface=127.0.0.1:path=/tunnel", |a| {
        format!("ws+tcp:127.0.0.1:{}:path=/tunnel", a.port().unwrap())
    })
    .await?;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.bodies,
        ["hello app.example", "hello other.example:8080"]
    );
    for info in &got.infos {
        assert_eq!(info.stack, ["tcp", "ws"]);
        let ws = info.get::<endpoints::ws::WsInfo>().ok_or("no WsInfo")?;
        assert_eq!(ws.path, "/tunnel");
    }
    Ok(())
}

#[tokio::test]
async fn a_failed_connect_is_the_endpoint_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("absent.sock").to_string_lossy());
    let connector: Connector = format!("unix:{path}").parse()?;
    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
    let error = tokio::time::timeout(SAFETY, client.get("http://app/".parse()?))
        .await?
        .expect_err("nothing listens there");
    assert!(error.is_connect(), "{error:?}");
    let mut source = std::error::Error::source(&error);
    let mut found = None;
    while let Some(e) = source {
        if let Some(ours) = e.downcast_ref::<endpoints::Error>() {
            found = Some(ours.to_string());
        }
        source = e.source();
    }
    let ours = found.ok_or_else(|| format!("no endpoints::Error under {error:?}"))?;
    assert!(ours.contains("absent.sock"), "{ours}");
    Ok(())
}

#[tokio::test]
async fn an_https_uri_needs_tls_in_the_description() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("plain.sock").to_string_lossy());
    let listener = endpoints::server_from_string(&format!("unix:{path}"))?
        .bind()
        .await?;
    let app = Router::new().route("/", get(|| async { "secret" }));
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let connector: Connector = format!("unix:{path}").parse()?;
    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);

    // Over plain unix, an https:// request is refused rather than sent in clear text...
    let error = tokio::time::timeout(SAFETY, client.get("https://app/".parse()?))
        .await?
        .expect_err("no TLS in the description");
    let mut source = std::error::Error::source(&error);
    let mut kind = None;
    while let Some(e) = source {
        if let Some(ours) = e.downcast_ref::<endpoints::Error>() {
            kind = ours.io_kind();
        }
        source = e.source();
    }
    assert_eq!(kind, Some(std::io::ErrorKind::InvalidInput), "{error:?}");
    // ... and the same request as http:// goes through.
    let response = tokio::time::timeout(SAFETY, client.get("http://app/".parse()?)).await??;
    let body = response.into_body().collect().await?.to_bytes();
    assert_eq!(&body[..], b"secret");
    serving.abort();
    Ok(())
}

#[tokio::test]
async fn an_https_uri_goes_through_a_tls_description() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("tls.sock").to_string_lossy());
    let server = format!("tls+unix:{path}:certificate={}", pki.arg("server.pem"));
    let listener = endpoints::server_from_string(&server)?.bind().await?;
    let app = Router::new().route("/", get(|| async { "over tls" }));
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let connector: Connector = format!(
        "tls+unix:{path}:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    )
    .parse()?;
    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
    let response =
        tokio::time::timeout(SAFETY, client.get("https://localhost/".parse()?)).await??;
    let body = response.into_body().collect().await?.to_bytes();
    assert_eq!(&body[..], b"over tls");
    serving.abort();
    Ok(())
}

#[test]
fn a_connector_prints_and_parses_its_description() -> TestResult {
    let connector: Connector = "unix:/run/app.sock".parse()?;
    assert_eq!(
        connector.to_string(),
        connector.endpoint().to_string(),
        "Display is the endpoint's canonical description"
    );
    assert!("tpc:8080".parse::<Connector>().is_err());
    Ok(())
}

/// A server that speaks HTTP/2 only, over `tls+tcp:` with `alpn=h2`: the connector tells
/// hyper-util that ALPN agreed on h2 (the connection's `Secured` mark), so a default client
/// (not `http2_only`) speaks HTTP/2 to it instead of HTTP/1.
#[tokio::test]
async fn alpn_h2_over_tls_makes_the_client_speak_http2() -> TestResult {
    use hyper::server::conn::http2;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;

    let pki = endpoint_testkit::TestPki::new();
    let server = format!(
        "tls+tcp:0:interface=127.0.0.1:certificate={}:alpn=h2",
        pki.arg("server.pem")
    );
    let mut listener = endpoints::server_from_string(&server)?.bind().await?;
    let port = listener.local_address().port().ok_or("no port")?;
    let serving = tokio::spawn(async move {
        while let Ok(connection) = listener.accept().await {
            let secured = connection.info().get::<endpoints::core::Secured>().cloned();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<_>| {
                    let body = format!("{:?} {:?}", request.version(), secured);
                    async move { Ok::<_, std::convert::Infallible>(hyper::Response::new(body)) }
                });
                let _ = http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(connection), service)
                    .await;
            });
        }
    });
    let connector: Connector = format!(
        "tls+tcp:localhost:{port}:trustRoots={}:alpn=h2",
        pki.arg("ca.pem")
    )
    .parse()?;
    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
    let response =
        tokio::time::timeout(SAFETY, client.get("https://localhost/".parse()?)).await??;
    assert_eq!(response.version(), hyper::Version::HTTP_2);
    let info = response.extensions().get::<ConnectionInfo>().cloned();
    let secured = info
        .as_ref()
        .and_then(|i| i.get::<endpoints::core::Secured>());
    assert!(secured.is_some_and(|s| s.is_h2()), "{info:?}");
    let body = tokio::time::timeout(SAFETY, response.into_body().collect()).await??;
    assert_eq!(
        String::from_utf8(body.to_bytes().to_vec())?,
        "HTTP/2.0 Some(Secured { alpn: Some([104, 50]), protocol: Some(\"TLSv1.3\"), server_name: Some(\"localhost\") })"
    );
    serving.abort();
    Ok(())
}
