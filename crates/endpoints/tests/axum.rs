//! `axum::serve` over endpoints: the same router served over TCP and a unix socket, checked
//! with a real HTTP/1.1 request across the wire.
#![cfg(feature = "axum")]

use endpoint_testkit::{TestResult, SAFETY};

use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get_over(
    server: &str,
    client_of: impl Fn(&endpoints::Address) -> String,
) -> TestResult<String> {
    let listener = endpoints::server_from_string(server)?.bind().await?;
    let client = endpoints::client_from_string(&client_of(listener.local_address()))?;
    let app = Router::new().route("/", get(|| async { "hello from axum" }));
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut connection = tokio::time::timeout(SAFETY, client.connect()).await??;
    connection
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await?;
    let mut response = String::new();
    tokio::time::timeout(SAFETY, connection.read_to_string(&mut response)).await??;
    serving.abort();
    Ok(response)
}

#[tokio::test]
async fn axum_serves_over_tcp() -> TestResult {
    let response = get_over("tcp:0:interface=127.0.0.1", |a| {
        format!("tcp:127.0.0.1:{}", a.port().unwrap())
    })
    .await?;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("hello from axum"), "{response}");
    Ok(())
}

#[tokio::test]
async fn axum_serves_over_a_unix_socket() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("http.sock").to_string_lossy());
    let response = get_over(&format!("unix:{path}"), |_| format!("unix:{path}")).await?;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("hello from axum"), "{response}");
    Ok(())
}

/// Sends one `GET /` over `connection` and returns the whole response.
async fn get_root(mut connection: endpoints::Connection) -> TestResult<String> {
    connection
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await?;
    let mut response = String::new();
    tokio::time::timeout(SAFETY, connection.read_to_string(&mut response)).await??;
    Ok(response)
}

#[tokio::test]
async fn axum_serves_over_tcp_and_unix_at_once() -> TestResult {
    use axum::extract::ConnectInfo;
    use endpoints::ServerEndpoint;

    let dir = tempfile::tempdir()?;
    let file = dir.path().join("http.sock");
    let path = endpoints::quote(&file.to_string_lossy());
    let unix = format!("unix:{path}");
    let both = endpoints::servers_from_strings(&["tcp:0:interface=127.0.0.1", &unix])?;
    let listener = both.bind().await?;
    let locals = listener.local_addresses().to_vec();
    assert_eq!(locals.len(), 2);
    assert_eq!(listener.local_address(), &locals[0]);
    let port = locals[0].port().ok_or("tcp port")?;
    assert!(file.exists());

    // The handler reports which listener its connection came in on.
    let app = Router::new()
        .route(
            "/",
            get(|ConnectInfo(source): ConnectInfo<Source>| async move { source.0 }),
        )
        .into_make_service_with_connect_info::<Source>();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let tcp = endpoints::client_from_string(&format!("tcp:127.0.0.1:{port}"))?;
    let unix_client = endpoints::client_from_string(&unix)?;
    let (over_tcp, over_unix) = tokio::time::timeout(SAFETY, async {
        let (a, b) = tokio::try_join!(tcp.connect(), unix_client.connect())?;
        tokio::try_join!(get_root(a), get_root(b))
    })
    .await??;
    assert!(over_tcp.starts_with("HTTP/1.1 200 OK"), "{over_tcp}");
    assert!(
        over_tcp.ends_with("0 tcp:0:interface=127.0.0.1:backlog=50"),
        "{over_tcp}"
    );
    assert!(
        over_unix.ends_with(&format!("1 {unix}:backlog=50:lockfile=1")),
        "{over_unix}"
    );

    // Ending the server drops the merged listener: the port and the socket file are freed.
    serving.abort();
    let _ = serving.await;
    assert!(!file.exists(), "the unix socket file is removed");
    std::net::TcpListener::bind(("127.0.0.1", port))?;
    Ok(())
}

/// The connect info the test's handler reads: the merged listener's index and description.
#[derive(Clone, Debug)]
struct Source(String);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, endpoints::Listener>>
    for Source
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, endpoints::Listener>) -> Self {
        let source = stream.io().info().get::<endpoints::ListenerSource>();
        Source(source.map_or_else(
            || "none".to_owned(),
            |s| format!("{} {}", s.index, s.description),
        ))
    }
}
