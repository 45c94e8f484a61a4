//! gRPC with tonic over endpoints: the standard health service (tonic-health's generated code,
//! no protoc) served with `serve_with_incoming(listener)` over a unix socket, TCP and TLS over
//! a unix socket, called by a tonic client whose channel connects through a client description.
//! The handler's request carries the connection's `ConnectionInfo` as tonic's connect info.
#![cfg(feature = "tonic")]

use std::sync::{Arc, Mutex};

use endpoint_testkit::{TestResult, SAFETY};
use endpoints::{Address, ConnectionInfo};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic::{Code, Request, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// What one round of calls saw: the status of a known service, the error code for an unknown
/// one, and the connect info of every request the server handled.
struct Round {
    status: ServingStatus,
    unknown: Code,
    seen: Vec<ConnectionInfo>,
}

async fn health_over(server: &str, client_of: impl Fn(&Address) -> String) -> TestResult<Round> {
    let listener = endpoints::server_from_string(server)?.bind().await?;
    let client = endpoints::client_from_string(&client_of(listener.local_address()))?;

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("echo.Echo", tonic_health::ServingStatus::Serving)
        .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    // Every request must carry our ConnectionInfo; the interceptor keeps a copy of it.
    let health = InterceptedService::new(health, move |request: Request<()>| {
        let info = request.extensions().get::<ConnectionInfo>().cloned();
        let info = info.ok_or_else(|| Status::internal("no ConnectionInfo in the request"))?;
        record
            .lock()
            .map_err(|_| Status::internal("poisoned"))?
            .push(info);
        Ok(request)
    });
    let serving = tokio::spawn(
        Server::builder()
            .add_service(health)
            .serve_with_incoming(listener),
    );

    let calls = async {
        let channel = endpoints::tonic::channel(client).await?;
        let mut health = HealthClient::new(channel);
        let known = health
            .check(HealthCheckRequest {
                service: "echo.Echo".into(),
            })
            .await?
            .into_inner();
        let unknown = health
            .check(HealthCheckRequest {
                service: "no.Such".into(),
            })
            .await
            .expect_err("an unknown service is NOT_FOUND");
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((known.status(), unknown.code()))
    };
    let (status, unknown) = tokio::time::timeout(SAFETY, calls).await??;
    serving.abort();
    let seen = seen.lock().map_err(|_| "poisoned")?.clone();
    Ok(Round {
        status,
        unknown,
        seen,
    })
}

#[tokio::test]
async fn grpc_over_a_unix_socket() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("grpc.sock").to_string_lossy());
    let round = health_over(&format!("unix:{path}"), |_| format!("unix:{path}")).await?;
    assert_eq!(round.status, ServingStatus::Serving);
    assert_eq!(round.unknown, Code::NotFound);
    assert_eq!(round.seen.len(), 2, "{:?}", round.seen);
    for info in &round.seen {
        assert_eq!(info.stack, ["unix"]);
        assert_eq!(
            info.local.to_string(),
            dir.path().join("grpc.sock").display().to_string()
        );
    }
    Ok(())
}

#[tokio::test]
async fn grpc_over_tcp() -> TestResult {
    let round = health_over("tcp:0:interface=127.0.0.1", |a| {
        format!("tcp:127.0.0.1:{}", a.port().unwrap())
    })
    .await?;
    assert_eq!(round.status, ServingStatus::Serving);
    assert_eq!(round.unknown, Code::NotFound);
    assert_eq!(round.seen.len(), 2, "{:?}", round.seen);
    for info in &round.seen {
        assert_eq!(info.stack, ["tcp"]);
        let Address::Inet(peer) = info.peer else {
            panic!("a TCP peer is an inet address: {:?}", info.peer);
        };
        assert!(peer.ip().is_loopback(), "{peer}");
    }
    // Both calls went over one connection: the channel keeps it.
    assert_eq!(round.seen[0].peer, round.seen[1].peer);
    Ok(())
}

#[tokio::test]
async fn grpc_over_tls_over_a_unix_socket() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    let pair = pki.tls_over_unix("grpcs.sock");
    let round = health_over(&pair.server, |_| pair.client.clone()).await?;
    assert_eq!(round.status, ServingStatus::Serving);
    assert_eq!(round.unknown, Code::NotFound);
    for info in &round.seen {
        assert_eq!(info.stack, ["unix", "tls"]);
        let tls = info.get::<endpoints::tls::TlsInfo>().ok_or("no TlsInfo")?;
        assert_eq!(tls.server_name.as_deref(), Some("localhost"));
    }
    Ok(())
}

#[tokio::test]
async fn a_lazy_channel_connects_on_its_first_call() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("lazy.sock").to_string_lossy());
    // Nothing listens yet: a lazy channel does no I/O until it is used.
    let channel =
        endpoints::tonic::channel_lazy(endpoints::client_from_string(&format!("unix:{path}"))?);
    let listener = endpoints::server_from_string(&format!("unix:{path}"))?
        .bind()
        .await?;
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let serving = tokio::spawn(
        Server::builder()
            .add_service(health)
            .serve_with_incoming(listener),
    );
    let response = tokio::time::timeout(
        SAFETY,
        HealthClient::new(channel).check(HealthCheckRequest::default()),
    )
    .await??;
    assert_eq!(response.into_inner().status(), ServingStatus::Serving);
    serving.abort();
    Ok(())
}

#[tokio::test]
async fn a_channel_to_nothing_fails_with_the_endpoint_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = endpoints::quote(&dir.path().join("absent.sock").to_string_lossy());
    let client = endpoints::client_from_string(&format!("unix:{path}"))?;
    let error = endpoints::tonic::channel(client)
        .await
        .expect_err("nothing listens there");
    // tonic wraps the connector's error; ours is in the source chain, naming the description.
    let mut source = std::error::Error::source(&error);
    let mut found = None;
    while let Some(e) = source {
        if let Some(ours) = e.downcast_ref::<endpoints::Error>() {
            found = Some(ours.to_string());
        }
        source = e.source();
    }
    let ours = found.ok_or_else(|| format!("no endpoints::Error under {error:?}"))?;
    assert!(ours.contains("absent.sock"), "{ours}");
    Ok(())
}
