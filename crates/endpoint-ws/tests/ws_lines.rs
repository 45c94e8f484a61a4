//! Line-oriented use through a `BufReader`, the way most protocols read.
mod support;

use support::{pair, TestResult, SAFETY};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn a_line_each_way_through_bufreaders() -> TestResult {
    let (_l, accepted, connected) = pair("ws:0:interface=127.0.0.1:path=/lines", |p| {
        format!("ws://127.0.0.1:{p}/lines")
    })
    .await?;
    let mut server = BufReader::new(accepted);
    let mut client = BufReader::new(connected);
    client.get_mut().write_all(b"hello, endpoint\n").await?;
    client.get_mut().flush().await?;
    let mut request = String::new();
    tokio::time::timeout(SAFETY, server.read_line(&mut request)).await??;
    assert_eq!(request, "hello, endpoint\n");
    server.get_mut().write_all(b"you said it\n").await?;
    server.get_mut().flush().await?;
    let mut reply = String::new();
    tokio::time::timeout(SAFETY, client.read_line(&mut reply)).await??;
    assert_eq!(reply, "you said it\n");
    Ok(())
}
