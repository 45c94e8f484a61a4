//! Several server descriptions as one: `endpoint listen DESC...`, `endpoint relay SERVER...
//! CLIENT`, and `systemd:name=*` adopting every passed socket. Real binary, real sockets.

mod support;

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

use support::{echo_server, start, start_relay, TestResult, LIMIT};

/// Sends `payload`, half-closes, and returns everything read back.
async fn exchange<S: AsyncRead + AsyncWrite>(stream: S, payload: &[u8]) -> TestResult<Vec<u8>> {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let send = async {
        writer.write_all(payload).await?;
        writer.shutdown().await
    };
    let receive = async {
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await.map(|_| back)
    };
    let ((), back) = tokio::try_join!(send, receive)?;
    Ok(back)
}

#[tokio::test]
async fn listen_takes_the_first_connection_on_any_description() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("second.sock");
    let unix = format!("unix:{}", path.to_str().ok_or("UTF-8 temp path")?);
    let mut listen = start(
        &["listen", "tcp:0:interface=127.0.0.1", &unix],
        "listening on ",
    )
    .await?;
    // The first line names the first description's address.
    listen.address.parse::<SocketAddr>()?;
    let mut stdin = listen.child.stdin.take().ok_or("stdin is piped")?;
    let mut stdout = listen.child.stdout.take().ok_or("stdout is piped")?;
    let (back, got) = tokio::time::timeout(LIMIT, async {
        let over_unix = async {
            let stream = UnixStream::connect(&path).await?;
            exchange(stream, b"over the second one").await
        };
        let child_side = async {
            stdin.write_all(b"answer").await?;
            drop(stdin);
            let mut got = Vec::new();
            stdout.read_to_end(&mut got).await?;
            TestResult::Ok(got)
        };
        tokio::try_join!(over_unix, child_side)
    })
    .await??;
    assert_eq!(back, b"answer");
    assert_eq!(got, b"over the second one");
    let status = tokio::time::timeout(LIMIT, listen.child.wait()).await??;
    let stderr = listen.stderr.await?;
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("listening on {}", path.display())),
        "a line per address: {stderr}"
    );
    assert!(!path.exists(), "the unix socket file is removed");
    Ok(())
}

#[tokio::test]
async fn relay_forwards_from_every_server_description() -> TestResult {
    let (echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("relay.sock");
    let unix = format!("unix:{}", path.to_str().ok_or("UTF-8 temp path")?);
    let client = format!("tcp:127.0.0.1:{echo_port}");
    let relay = start_relay(&["tcp:0:interface=127.0.0.1", &unix, &client]).await?;
    let tcp: SocketAddr = relay.address.parse()?;
    let (over_tcp, over_unix) = tokio::time::timeout(LIMIT, async {
        tokio::try_join!(
            async { exchange(TcpStream::connect(tcp).await?, b"via tcp").await },
            async { exchange(UnixStream::connect(&path).await?, b"via unix").await },
        )
    })
    .await??;
    assert_eq!(over_tcp, b"via tcp");
    assert_eq!(over_unix, b"via unix");

    let pid = relay.child.id().ok_or("relay is running")?;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    assert!(killed.success());
    let mut child = relay.child;
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = relay.stderr.await?;
    assert!(status.success(), "{stderr}");
    assert!(!path.exists(), "the unix socket file is removed on exit");
    echo.shutdown(std::time::Duration::from_secs(1)).await;
    Ok(())
}
