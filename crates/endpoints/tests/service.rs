//! `Service` and `ServiceGroup` over real sockets: start errors, rollback, stop, drain.

use std::time::Duration;

use endpoint_testkit::TestResult;
use endpoints::{Connection, Error, Service, ServiceGroup};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

const LIMIT: Duration = Duration::from_secs(10);

async fn echo(connection: Connection) {
    let (mut reader, mut writer) = tokio::io::split(connection);
    if tokio::io::copy(&mut reader, &mut writer).await.is_ok() {
        let _ = writer.shutdown().await;
    }
}

#[test]
fn a_bad_description_fails_at_construction() {
    let error = Service::from_description("tcp:http", echo).unwrap_err();
    assert!(matches!(error, Error::Option { .. }), "{error}");
}

#[tokio::test]
async fn start_on_an_address_in_use_is_an_error() -> TestResult {
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = taken.local_addr()?.port();
    let mut service = Service::from_description(&format!("tcp:{port}:interface=127.0.0.1"), echo)?;
    let error = service.start().await.unwrap_err();
    assert_eq!(error.io_kind(), Some(std::io::ErrorKind::AddrInUse));
    assert!(!service.is_running());
    assert!(service.local_address().is_none());
    Ok(())
}

#[tokio::test]
async fn start_serves_and_stop_refuses_new_connections() -> TestResult {
    let mut service = Service::from_description("tcp:0:interface=127.0.0.1", echo)?;
    service.start().await?;
    service.start().await?; // already running: nothing happens
    let address = service
        .local_address()
        .and_then(|a| a.as_inet())
        .ok_or("address")?;
    let mut stream = TcpStream::connect(address).await?;
    stream.write_all(b"ping").await?;
    let mut buf = [0; 4];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"ping");

    service.stop().await;
    assert!(!service.is_running());
    let refused = TcpStream::connect(address).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The accepted connection keeps running.
    stream.write_all(b"pong").await?;
    tokio::time::timeout(LIMIT, stream.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"pong");
    Ok(())
}

#[tokio::test]
async fn a_failed_start_all_stops_the_services_it_started() -> TestResult {
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = taken.local_addr()?.port();
    let mut group = ServiceGroup::new();
    group
        .add(Service::from_description(
            "tcp:0:interface=127.0.0.1",
            echo,
        )?)
        .add(Service::from_description(
            &format!("tcp:{port}:interface=127.0.0.1"),
            echo,
        )?);
    let error = group.start_all().await.unwrap_err();
    assert_eq!(error.io_kind(), Some(std::io::ErrorKind::AddrInUse));
    assert!(group.services().iter().all(|s| !s.is_running()));
    Ok(())
}

#[tokio::test]
async fn run_until_drains_handlers_within_the_grace_period() -> TestResult {
    let (accepted_tx, mut accepted_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    let mut group = ServiceGroup::new();
    group.add(Service::from_description(
        "tcp:0:interface=127.0.0.1",
        move |mut connection: Connection| {
            let accepted = accepted_tx.clone();
            let mut release = release_rx.clone();
            async move {
                // Holds the connection until released, then answers.
                let _ = accepted.send(());
                let _ = release.wait_for(|r| *r).await;
                let _ = connection.write_all(b"done").await;
            }
        },
    )?);
    group.start_all().await?;
    let address = group.services()[0]
        .local_address()
        .and_then(|a| a.as_inet())
        .ok_or("address")?;
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let client = async move {
        let mut in_flight = TcpStream::connect(address).await?;
        // Once a handler holds the connection, ask the group to stop, then release the
        // handler: it must still be allowed to finish.
        accepted_rx.recv().await.ok_or("no handler")?;
        stop_tx.send(()).map_err(|_| "group gone")?;
        release_tx.send(true)?;
        let mut done = Vec::new();
        in_flight.read_to_end(&mut done).await?;
        TestResult::Ok(done)
    };
    let run = group.run_until(LIMIT, async {
        let _ = stop_rx.await;
    });
    let (ran, done) = tokio::time::timeout(LIMIT, async { tokio::join!(run, client) }).await?;
    ran?;
    assert_eq!(done?, b"done");
    assert!(group.services().iter().all(|s| !s.is_running()));
    Ok(())
}
