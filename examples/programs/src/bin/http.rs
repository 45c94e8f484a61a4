//! HTTP over any description: an axum router served on a listener from `server_from_string`,
//! and a hyper HTTP/1 client whose connection comes from `client_from_string` (wrapped in
//! `hyper_util::rt::TokioIo`). The transport is a string: a unix socket by default, or TLS,
//! WebSocket, TCP... given on the command line as SERVER CLIENT.
//!
//! Run: `cargo run -p endpoint-examples --bin http` (unix socket in a temp dir), or
//! `cargo run -p endpoint-examples --bin http -- tcp:8080:interface=127.0.0.1 tcp:127.0.0.1:8080`.

use std::error::Error;

use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let dir = tempfile::tempdir()?;
    let socket = endpoints::quote(&dir.path().join("http.sock").to_string_lossy());
    let mut args = std::env::args().skip(1);
    let server = args.next().unwrap_or_else(|| format!("unix:{socket}"));
    let client = args.next().unwrap_or_else(|| format!("unix:{socket}"));

    // The server: any listener is an axum listener (the `axum` feature).
    let listener = endpoints::server_from_string(&server)?.bind().await?;
    println!("serving HTTP on {} ({server})", listener.local_address());
    let app = Router::new().route("/", get(|| async { "hello over an endpoint\n" }));
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    // The client: any connection is a hyper connection once wrapped in TokioIo.
    let connection = endpoints::client_from_string(&client)?.connect().await?;
    println!("connected through {:?}", connection.info().stack);
    let (mut sender, driver) =
        hyper::client::conn::http1::handshake(TokioIo::new(connection)).await?;
    tokio::spawn(driver);
    let request = hyper::Request::get("/")
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    print!("{status} {}", String::from_utf8_lossy(&body));

    serving.abort();
    Ok(())
}
