//! An echo server on any description: the transport is configuration, not code.
//!
//! Run: `cargo run -p endpoint-examples --bin echo_server -- unix:/tmp/echo.sock`
//! (default `tcp:7007:interface=127.0.0.1`), then `endpoint connect unix:/tmp/echo.sock`.
//! Ctrl-C stops listening and gives running connections two seconds to finish.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let description = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp:7007:interface=127.0.0.1".into());
    let endpoint = endpoints::server_from_string(&description)?;
    let port = endpoint.bind().await?.listen(|mut connection| async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match connection.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if connection.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
    eprintln!("echoing on {} ({endpoint})", port.local_address());
    tokio::signal::ctrl_c().await?;
    let aborted = port.shutdown(Duration::from_secs(2)).await;
    eprintln!("stopped; {aborted} connection(s) cut off");
    Ok(())
}
