//! Stopping a listening port: accepted connections live on, the file and lock go.

use std::time::Duration;

use endpoint_core::{ClientEndpoint, Connection, ServerEndpoint};
use endpoint_testkit::TestResult;
use endpoint_unix::{UnixClientEndpoint, UnixServerEndpoint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(10);

async fn echo_handler(mut connection: Connection) {
    let mut buf = [0; 64];
    loop {
        match connection.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if connection.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn round_trip(connection: &mut Connection, message: &[u8]) -> TestResult {
    connection.write_all(message).await?;
    let mut back = vec![0; message.len()];
    tokio::time::timeout(LIMIT, connection.read_exact(&mut back)).await??;
    assert_eq!(back, message);
    Ok(())
}

#[tokio::test]
async fn stop_listening_keeps_connections_and_cleans_up() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("stop.sock");
    let lock = dir.path().join("stop.sock.lock");
    let server = UnixServerEndpoint::new(&path);
    let client = UnixClientEndpoint::new(&path);

    let port = server.bind().await?.listen(echo_handler);
    assert!(path.exists());
    assert!(lock.symlink_metadata().is_ok());

    let mut connection = client.connect().await?;
    // The handler has the connection once it echoes.
    round_trip(&mut connection, b"before stop").await?;

    tokio::time::timeout(LIMIT, port.stop_listening()).await?;
    assert!(port.is_stopped());
    assert!(!path.exists(), "socket file left behind");
    assert!(lock.symlink_metadata().is_err(), "lock file left behind");

    round_trip(&mut connection, b"after stop").await?;

    let err = client
        .connect()
        .await
        .expect_err("nothing listens any more");
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::NotFound), "{err}");

    // A second stop does nothing.
    tokio::time::timeout(LIMIT, port.stop_listening()).await?;
    Ok(())
}

#[tokio::test]
async fn dropping_the_listener_cleans_up() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("drop.sock");
    let listener = UnixServerEndpoint::new(&path).bind().await?;
    assert!(path.exists());
    drop(listener);
    assert!(!path.exists());
    assert!(dir
        .path()
        .join("drop.sock.lock")
        .symlink_metadata()
        .is_err());
    // And the path can be listened on again at once.
    let _again = UnixServerEndpoint::new(&path).bind().await?;
    Ok(())
}

#[tokio::test]
async fn a_replaced_socket_file_is_left_alone() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("replaced.sock");
    let listener = UnixServerEndpoint::new(&path)
        .lockfile(false)
        .bind()
        .await?;
    std::fs::remove_file(&path)?;
    std::fs::write(&path, "someone else's")?;
    drop(listener);
    assert_eq!(std::fs::read_to_string(&path)?, "someone else's");
    Ok(())
}
