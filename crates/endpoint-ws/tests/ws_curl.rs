//! The server's upgrade response, checked with an independent client: `curl`.
//!
//! Skipped (with a message) when curl is not installed; `.ci/run` installs it.
mod support;

use std::process::Stdio;

use support::{serve, TestResult, SAFETY};
use tokio::process::Command;

async fn curl(port: u16, path: &str) -> TestResult<Option<String>> {
    let output = Command::new("curl")
        .args([
            "-sS",
            "-i",
            "-N",
            "--http1.1",
            "--max-time",
            "5",
            "-H",
            "Connection: Upgrade",
            "-H",
            "Upgrade: websocket",
            "-H",
            "Sec-WebSocket-Version: 13",
            "-H",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        ])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
    match output {
        Ok(output) => Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: curl is not installed");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[tokio::test]
async fn curl_sees_101_and_the_rfc_accept_key() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:path=/path").await?;
    // The server drops the connection once upgraded, so curl ends at once.
    let drop_it = async {
        let connection = accepted.recv().await;
        drop(connection);
    };
    let (answer, ()) =
        tokio::time::timeout(SAFETY, async { tokio::join!(curl(port, "/path"), drop_it) }).await?;
    let Some(answer) = answer? else {
        return Ok(());
    };
    assert!(
        answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{answer}"
    );
    // RFC 6455, section 1.3: the key "dGhlIHNhbXBsZSBub25jZQ==" answers with this value.
    assert!(
        answer.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{answer}"
    );
    assert!(answer.contains("Upgrade: websocket\r\n"), "{answer}");
    Ok(())
}

#[tokio::test]
async fn curl_sees_404_for_another_path() -> TestResult {
    let (_accepted, port) = serve("ws:0:interface=127.0.0.1:path=/path").await?;
    let Some(answer) = tokio::time::timeout(SAFETY, curl(port, "/other")).await?? else {
        return Ok(());
    };
    assert!(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), "{answer}");
    assert!(answer.contains("no websocket at /other"), "{answer}");
    Ok(())
}
