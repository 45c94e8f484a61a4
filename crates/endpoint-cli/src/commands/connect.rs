//! `endpoint connect DESC`: connect and join the connection to stdin/stdout.

use clap::Args;

use crate::failure::Failure;
use crate::pipe::join_stdio;

/// Arguments of `endpoint connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Client description to connect to, e.g. `tcp:example.com:80` or `unix:/tmp/app.sock`.
    #[arg(value_name = "DESC")]
    pub description: String,
}

/// Connects and joins the connection to stdin/stdout until both directions end.
///
/// # Errors
/// A bad description, a failed connect (refused, timed out), or a failed copy.
pub async fn run(args: &ConnectArgs) -> Result<(), Failure> {
    let endpoint = endpoints::client_from_string(&args.description)?;
    let connection = endpoint.connect().await?;
    tracing::info!(
        local = %connection.local_address(),
        peer = %connection.peer_address(),
        "connected"
    );
    join_stdio(connection).await
}
