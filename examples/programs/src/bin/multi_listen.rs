//! Several listeners as one: one axum router served over TCP and a unix socket at once, from
//! a list of server descriptions (`endpoints::servers_from_strings`). The handler reads
//! which listener each connection came in on (`ListenerSource`); the program then calls both
//! and prints the answers.
//!
//! Run: `cargo run -p endpoint-examples --bin multi_listen`, or give the server descriptions:
//! `cargo run -p endpoint-examples --bin multi_listen -- tcp:8080:interface=127.0.0.1 unix:/tmp/a.sock`.

use std::error::Error;

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::routing::get;
use axum::serve::IncomingStream;
use axum::Router;
use endpoints::{Address, Listener, ListenerSource, ServerEndpoint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Which of the merged listeners a request came in on.
#[derive(Clone, Debug)]
struct Source(String);

impl Connected<IncomingStream<'_, Listener>> for Source {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        let source = stream.io().info().get::<ListenerSource>();
        Source(source.map_or_else(String::new, |s| {
            format!("listener {} ({})", s.index, s.description)
        }))
    }
}

/// The client description that reaches a listener bound at `local`.
fn client_for(local: &Address) -> Option<String> {
    match local {
        Address::Inet(a) => Some(format!("tcp:{}:{}", a.ip(), a.port())),
        Address::Unix(path) => Some(format!("unix:{}", endpoints::quote(&path.to_string()))),
        _ => None,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let dir = tempfile::tempdir()?;
    let socket = endpoints::quote(&dir.path().join("multi.sock").to_string_lossy());
    let mut servers: Vec<String> = std::env::args().skip(1).collect();
    if servers.is_empty() {
        servers = vec!["tcp:0:interface=127.0.0.1".into(), format!("unix:{socket}")];
    }

    // One listener over every description; each connection says where it came from.
    let listener = endpoints::servers_from_strings(&servers)?.bind().await?;
    let locals = listener.local_addresses().to_vec();
    for local in &locals {
        println!("serving HTTP on {local}");
    }
    let app = Router::new()
        .route(
            "/",
            get(
                |ConnectInfo(Source(source)): ConnectInfo<Source>| async move {
                    format!("hello from {source}\n")
                },
            ),
        )
        .into_make_service_with_connect_info::<Source>();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    // Call every listener once.
    for local in &locals {
        let Some(description) = client_for(local) else {
            continue;
        };
        let mut connection = endpoints::client_from_string(&description)?
            .connect()
            .await?;
        connection
            .write_all(b"GET / HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n")
            .await?;
        let mut response = String::new();
        connection.read_to_string(&mut response).await?;
        let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        print!("{description} -> {body}");
    }

    // Dropping the listener frees every port and removes the unix socket file.
    serving.abort();
    Ok(())
}
