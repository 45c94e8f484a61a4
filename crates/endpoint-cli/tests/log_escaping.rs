//! Peer text in logs is escaped: a PROXY header's unix addresses and a malformed header
//! full of escape sequences reach stderr as `\u{1b}...`, never as raw control characters
//! that would recolour a terminal or forge a log line.

mod support;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::{start, TestResult, LIMIT};

/// The PROXY v2 signature.
const V2_SIGNATURE: &[u8] = b"\r\n\r\n\0\r\nQUIT\n";

/// A PROXY v2 header whose source is the unix path `source` (and destination `/d`).
fn v2_unix_header(source: &[u8]) -> Vec<u8> {
    let mut header = V2_SIGNATURE.to_vec();
    header.extend_from_slice(&[0x21, 0x31]);
    header.extend_from_slice(&216u16.to_be_bytes());
    let mut src = [0u8; 108];
    src[..source.len()].copy_from_slice(source);
    let mut dst = [0u8; 108];
    dst[..2].copy_from_slice(b"/d");
    header.extend_from_slice(&src);
    header.extend_from_slice(&dst);
    header
}

#[tokio::test]
async fn peer_text_in_logs_is_escaped() -> TestResult {
    let mut running = start(
        &["-vv", "listen", "haproxy:tcp:0:interface=127.0.0.1"],
        "listening on ",
    )
    .await?;
    // A header that fails (logged as a failed handshake), then one that is read (its peer
    // address logged as the PROXY header's and as the accepted connection's).
    let mut bad = TcpStream::connect(&running.address).await?;
    bad.write_all(b"PROXY TCP4 \x1b[31m\x1b]0;pwned\x07 1.1.1.1 1 2\r\n")
        .await?;
    // The listener closes it once the header fails: wait for that on the wire, so the
    // failure is handled before the good connection (which `listen` then takes) arrives.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(LIMIT, bad.read_to_end(&mut rest)).await?;
    let mut good = TcpStream::connect(&running.address).await?;
    good.write_all(&v2_unix_header(b"/tmp/\x1b[2J\x1b[31mFORGED\r\nline"))
        .await?;
    // `listen` takes the one connection, then joins it to stdio: its stdin ends it.
    drop(running.child.stdin.take());
    drop((bad, good));
    let _ = tokio::time::timeout(LIMIT, running.child.wait()).await?;
    let _ = running.child.kill().await;
    let stderr = tokio::time::timeout(LIMIT, &mut running.stderr).await??;
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    assert!(
        stderr.contains(r"/tmp/\u{1b}[2J\u{1b}[31mFORGED\r\nline"),
        "the peer address is shown escaped: {stderr}"
    );
    assert!(stderr.contains("handshake failed"), "{stderr}");
    Ok(())
}
