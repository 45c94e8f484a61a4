//! `endpoint relay` runs its listener as a `ServiceGroup`: on SIGTERM it stops accepting at
//! once, lets connections in flight finish within `--grace`, cuts the rest, and exits 0.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use endpoints::ListeningPort;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::{start_relay, Running, TestResult, LIMIT};

async fn echo_server() -> TestResult<(ListeningPort, u16)> {
    let listener = endpoints::server_from_string("tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("a port")?;
    let port_handle = listener.listen(|connection| async move {
        let (mut reader, mut writer) = tokio::io::split(connection);
        if tokio::io::copy(&mut reader, &mut writer).await.is_ok() {
            let _ = writer.shutdown().await;
        }
    });
    Ok((port_handle, port))
}

async fn relay(echo_port: u16, grace: &str) -> TestResult<(Running, SocketAddr)> {
    let client = format!("tcp:127.0.0.1:{echo_port}");
    let relay = start_relay(&["--grace", grace, "tcp:0:interface=127.0.0.1", &client]).await?;
    let address = relay.address.parse()?;
    Ok((relay, address))
}

fn terminate(relay: &Running) -> TestResult {
    let pid = relay.child.id().ok_or("relay is running")?;
    // SAFETY: sending SIGTERM to our own child.
    if unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(())
}

/// Connects until the relay refuses: it has stopped listening. Connections that still got in
/// are closed at once, so they do not hold the relay up.
async fn until_refused(address: SocketAddr) -> TestResult {
    tokio::time::timeout(LIMIT, async {
        loop {
            match TcpStream::connect(address).await {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return Ok(()),
                // Caught while the socket closes: try again.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
                Err(e) => return Err(e),
                Ok(stream) => {
                    drop(stream);
                    tokio::task::yield_now().await;
                }
            }
        }
    })
    .await??;
    Ok(())
}

#[tokio::test]
async fn sigterm_stops_accepting_and_lets_the_connection_in_flight_finish() -> TestResult {
    let (echo, echo_port) = echo_server().await?;
    let (relay, address) = relay(echo_port, "30").await?;

    // A connection in flight: established end to end before the signal.
    let mut in_flight = TcpStream::connect(address).await?;
    in_flight.write_all(b"first ").await?;
    let mut first = [0; 6];
    tokio::time::timeout(LIMIT, in_flight.read_exact(&mut first)).await??;
    assert_eq!(&first, b"first ");

    terminate(&relay)?;
    until_refused(address).await?;
    let mut child = relay.child;
    assert!(
        child.try_wait()?.is_none(),
        "the relay exited before its connection finished"
    );

    // The connection in flight still works, and finishes.
    in_flight.write_all(b"second").await?;
    in_flight.shutdown().await?;
    let mut rest = Vec::new();
    tokio::time::timeout(LIMIT, in_flight.read_to_end(&mut rest)).await??;
    assert_eq!(rest, b"second");

    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = relay.stderr.await?;
    assert!(status.success(), "exit {status}; stderr: {stderr}");
    echo.shutdown(Duration::from_secs(1)).await;
    Ok(())
}

#[tokio::test]
async fn connections_still_open_after_the_grace_period_are_cut() -> TestResult {
    let (echo, echo_port) = echo_server().await?;
    let (relay, address) = relay(echo_port, "0.2").await?;
    let mut idle = TcpStream::connect(address).await?;
    idle.write_all(b"x").await?;
    let mut x = [0; 1];
    tokio::time::timeout(LIMIT, idle.read_exact(&mut x)).await??;

    terminate(&relay)?;
    let mut child = relay.child;
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = relay.stderr.await?;
    assert!(status.success(), "exit {status}; stderr: {stderr}");
    // The relay cut it: end of stream (or a reset).
    let mut buf = [0; 1];
    match tokio::time::timeout(LIMIT, idle.read(&mut buf)).await? {
        Ok(0) | Err(_) => {}
        Ok(n) => return Err(format!("read {n} bytes from a cut connection").into()),
    }
    echo.shutdown(Duration::from_secs(1)).await;
    Ok(())
}

#[tokio::test]
async fn a_port_in_use_is_an_error_at_start_and_exit_1() -> TestResult {
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = taken.local_addr()?.port();
    let output = tokio::time::timeout(
        LIMIT,
        tokio::process::Command::new(env!("CARGO_BIN_EXE_endpoint"))
            .args([
                "relay",
                &format!("tcp:{port}:interface=127.0.0.1"),
                "tcp:127.0.0.1:1",
            ])
            .output(),
    )
    .await??;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("could not listen on"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("address already in use"),
        "{stderr}"
    );
    Ok(())
}
