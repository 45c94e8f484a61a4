//! `axum::serve` over endpoints: the same router served over TCP and a unix socket, checked
//! with a real HTTP/1.1 request across the wire.
#![cfg(feature = "axum")]

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SAFETY: Duration = Duration::from_secs(20);

async fn get_over(
    server: &str,
    client_of: impl Fn(&endpoints::Address) -> String,
) -> Result<String, Box<dyn std::error::Error>> {
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
