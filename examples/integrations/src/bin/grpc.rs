//! gRPC over any description: tonic serves the standard health service on a listener from
//! `server_from_string` (`serve_with_incoming(listener)`), and a tonic client calls it through
//! a channel made from `client_from_string` (`endpoints::tonic::channel`). The handler sees
//! each call's `ConnectionInfo`. The service is tonic-health's, whose generated code ships in
//! the crate, so nothing here needs `protoc`; your own services work the same way.
//!
//! Run: `cargo run -p endpoint-integration-examples --bin grpc` (a unix socket in a temp dir), or
//! `cargo run -p endpoint-integration-examples --bin grpc -- tcp:50051:interface=127.0.0.1 tcp:127.0.0.1:50051`.

use std::error::Error;

use endpoints::ConnectionInfo;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic::Request;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let dir = tempfile::tempdir()?;
    let socket = endpoints::quote(&dir.path().join("grpc.sock").to_string_lossy());
    let mut args = std::env::args().skip(1);
    let server = args.next().unwrap_or_else(|| format!("unix:{socket}"));
    let client = args.next().unwrap_or_else(|| format!("unix:{socket}"));

    // The server: a listener is a stream of tonic-`Connected` connections (the `tonic` feature).
    let listener = endpoints::server_from_string(&server)?.bind().await?;
    println!("serving gRPC on {} ({server})", listener.local_address());
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("demo.Greeter", tonic_health::ServingStatus::Serving)
        .await;
    // Any handler can read what the transport knows about the caller.
    let health = InterceptedService::new(health, |request: Request<()>| {
        if let Some(info) = request.extensions().get::<ConnectionInfo>() {
            println!("call from {} via {:?}", info.peer, info.stack);
        }
        Ok(request)
    });
    let serving = tokio::spawn(
        Server::builder()
            .add_service(health)
            .serve_with_incoming(listener),
    );

    // The client: a tonic Channel whose connections come from the description.
    let channel = endpoints::tonic::channel(endpoints::client_from_string(&client)?).await?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "demo.Greeter".into(),
        })
        .await?;
    println!("demo.Greeter is {:?}", response.into_inner().status());

    serving.abort();
    Ok(())
}
