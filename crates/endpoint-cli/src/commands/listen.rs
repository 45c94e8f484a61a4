//! `endpoint listen DESC`: accept one connection and join it to stdin/stdout.

use clap::Args;

use crate::failure::Failure;
use crate::pipe::join_stdio;

/// Arguments of `endpoint listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Server description to listen on, e.g. `tcp:8080` or `unix:/tmp/app.sock`.
    #[arg(value_name = "DESC")]
    pub description: String,
}

/// Binds, prints `listening on ADDRESS` to stderr, accepts one connection, stops listening,
/// and joins the connection to stdin/stdout until both directions end. `SIGHUP` reloads TLS
/// certificates.
///
/// # Errors
/// A bad description, a failed bind or accept, or a failed copy.
pub async fn run(args: &ListenArgs) -> Result<(), Failure> {
    let endpoint = endpoints::server_from_string(&args.description)?;
    super::tls::reload_on_sighup()?;
    let mut listener = endpoint.bind().await?;
    eprintln!("listening on {}", listener.local_address());
    let connection = listener.accept().await?;
    tracing::info!(peer = %connection.peer_address(), "accepted");
    // One connection only: close the socket (and remove a unix socket file) right away.
    drop(listener);
    join_stdio(connection).await
}
