//! Independent proxies (microsocks, tinyproxy) run as child processes on loopback, and the
//! targets they reach: echo servers, a closed port, a proxy that never answers.
#![allow(dead_code)]

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub use endpoint_testkit::TestResult;
#[allow(unused_imports)]
pub use endpoint_testkit::{free_port, microsocks, tinyproxy, Proxy};

pub use endpoint_testkit::SAFETY;

/// A port on 127.0.0.1 nothing listens on (bound, then released).
pub async fn closed_port() -> u16 {
    free_port().await
}

/// A "proxy" that accepts, sends `answer`, and then says nothing more, holding every
/// connection open.
pub async fn stalling_proxy(answer: &'static [u8]) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 64];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(answer).await;
            held.push(stream);
        }
    });
    Ok(port)
}

/// Writes `message` and reads it back.
pub async fn round_trip(connection: &mut endpoints::Connection, message: &[u8]) -> TestResult {
    connection.write_all(message).await?;
    let mut back = vec![0u8; message.len()];
    tokio::time::timeout(SAFETY, connection.read_exact(&mut back)).await??;
    assert_eq!(back, message);
    Ok(())
}

/// The `ProxyError` behind an error from `connect`.
pub fn proxy_error(error: &endpoints::Error) -> &endpoint_proxy::ProxyError {
    endpoint_proxy::ProxyError::find(error)
        .unwrap_or_else(|| panic!("no ProxyError behind {error}"))
}
