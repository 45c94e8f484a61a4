//! Happy Eyeballs: a name whose first address refuses or never answers still connects.
mod support;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::{BoxFuture, ClientEndpoint, Registry};
use endpoint_tcp::{Resolve, TcpClientEndpoint};
use endpoint_testkit::TestResult;
use support::{black_hole, refusing, SAFETY};

/// Resolves every name to a fixed list of loopback addresses.
struct Fixed(Vec<SocketAddr>);

impl Resolve for Fixed {
    fn resolve(&self, _host: &str, _port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let addresses = self.0.clone();
        Box::pin(async move { Ok(addresses) })
    }
}

async fn good_listener() -> Result<endpoint_core::Listener, endpoint_core::Error> {
    Registry::global()
        .server("tcp:0:interface=127.0.0.1")?
        .bind()
        .await
}

#[tokio::test]
async fn falls_back_past_a_refusing_address() -> TestResult {
    let (_keep, refused) = refusing();
    let mut listener = good_listener().await?;
    let good = listener.local_address().as_inet().unwrap();
    let client = TcpClientEndpoint::new("service.test", 0)
        .attempt_delay(Duration::from_secs(60))
        .resolver(Arc::new(Fixed(vec![refused, good])));
    // A refusal starts the next attempt at once, not after the 60 s delay.
    let (connection, _) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(client.connect(), listener.accept())
    })
    .await??;
    assert_eq!(connection.peer_address().as_inet(), Some(good));
    Ok(())
}

#[tokio::test]
async fn falls_back_past_an_address_that_never_answers() -> TestResult {
    let hole = black_hole();
    let mut listener = good_listener().await?;
    let good = listener.local_address().as_inet().unwrap();
    let client = TcpClientEndpoint::new("service.test", 0)
        .attempt_delay(Duration::from_millis(50))
        .resolver(Arc::new(Fixed(vec![hole.address, good])));
    let (connection, _) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(client.connect(), listener.accept())
    })
    .await??;
    assert_eq!(connection.peer_address().as_inet(), Some(good));
    Ok(())
}

#[tokio::test]
async fn all_refusing_reports_the_refusal() -> TestResult {
    let (_a, first) = refusing();
    let (_b, second) = refusing();
    let client =
        TcpClientEndpoint::new("service.test", 0).resolver(Arc::new(Fixed(vec![first, second])));
    let error = client.connect().await.unwrap_err();
    assert_eq!(error.io_kind(), Some(io::ErrorKind::ConnectionRefused));
    Ok(())
}

#[tokio::test]
async fn an_empty_resolution_is_a_clear_error() -> TestResult {
    let client = TcpClientEndpoint::new("service.test", 80).resolver(Arc::new(Fixed(vec![])));
    let error = client.connect().await.unwrap_err();
    assert!(error.to_string().contains("service.test"), "{error}");
    assert_eq!(error.io_kind(), Some(io::ErrorKind::NotFound));
    Ok(())
}
