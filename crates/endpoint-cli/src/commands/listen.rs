//! `endpoint listen DESC`: accept one connection and join it to stdin/stdout.

use clap::Args;
use endpoints::{ServerDescription, Side};

use crate::failure::Failure;
use crate::pipe::join_stdio;

/// Arguments of `endpoint listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Server description to listen on, e.g. `tcp:8080` or `unix:/tmp/app.sock`.
    #[arg(value_name = "DESC", long_help = endpoints::clap::help(
        "Server description to listen on, e.g. `tcp:8080` or `unix:/tmp/app.sock`.",
        Side::Server,
    ))]
    pub description: ServerDescription,
}

/// Binds, prints `listening on ADDRESS` to stderr (not with `-q`), accepts one connection, stops listening,
/// and joins the connection to stdin/stdout until both directions end.
///
/// # Errors
/// A failed bind or accept, or a failed copy (clap has refused a bad description).
pub async fn run(args: &ListenArgs) -> Result<(), Failure> {
    let mut listener = args.description.endpoint().bind().await?;
    if !crate::logging::quiet() {
        eprintln!("listening on {}", listener.local_address());
    }
    let connection = listener.accept().await?;
    tracing::info!(peer = %connection.peer_address(), "accepted");
    // One connection only: close the socket (and remove a unix socket file) right away.
    drop(listener);
    join_stdio(connection).await
}
