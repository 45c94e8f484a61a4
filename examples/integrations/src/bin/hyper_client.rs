//! hyper-util's HTTP client over any description: `endpoints::hyper::Connector` sends every
//! request to one client description, whatever host the URI names, so `http://app/...` can
//! mean a unix socket, TLS over a unix socket, or WebSocket over TCP. Here an axum router is
//! served on the matching server description in the same process and asked twice (the
//! second request reuses the pooled connection).
//!
//! Run: `cargo run -p endpoint-integration-examples --bin hyper_client` (a unix socket in a temp dir), or
//! `cargo run -p endpoint-integration-examples --bin hyper_client -- ws+tcp:8080:interface=127.0.0.1 ws+tcp:127.0.0.1:8080`.

use std::error::Error;

use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use endpoints::hyper::Connector;
use endpoints::ConnectionInfo;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let dir = tempfile::tempdir()?;
    let socket = endpoints::quote(&dir.path().join("http.sock").to_string_lossy());
    let mut args = std::env::args().skip(1);
    let server = args.next().unwrap_or_else(|| format!("unix:{socket}"));
    let client = args.next().unwrap_or_else(|| format!("unix:{socket}"));

    let listener = endpoints::server_from_string(&server)?.bind().await?;
    println!("serving HTTP on {} ({server})", listener.local_address());
    let app = Router::new().route("/hello", get(|| async { "hello over a connector\n" }));
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    // The connector is the transport; the URI only gives the Host header and the path.
    let connector: Connector = client.parse()?;
    let http = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
    for _ in 0..2 {
        let response = http.get("http://app/hello".parse()?).await?;
        let status = response.status();
        if let Some(info) = response.extensions().get::<ConnectionInfo>() {
            println!(
                "connected {} -> {} via {:?}",
                info.local, info.peer, info.stack
            );
        }
        let body = response.into_body().collect().await?.to_bytes();
        print!("{status} {}", String::from_utf8_lossy(&body));
    }

    serving.abort();
    Ok(())
}
