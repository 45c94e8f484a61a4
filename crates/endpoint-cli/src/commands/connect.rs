//! `endpoint connect DESC`: connect and join the connection to stdin/stdout.

use clap::Args;
use endpoints::unix::ChildProcess;
use endpoints::{ClientDescription, Side};

use crate::failure::Failure;
use crate::pipe::join_stdio;

/// Arguments of `endpoint connect`.
#[derive(Debug, Args)]
#[non_exhaustive]
pub struct ConnectArgs {
    /// Client description to connect to, e.g. `tcp:example.com:80` or `unix:/tmp/app.sock`.
    #[arg(value_name = "DESC", long_help = endpoints::clap::help(
        "Client description to connect to, e.g. `tcp:example.com:80` or `unix:/tmp/app.sock`.",
        Side::Client,
    ))]
    pub description: ClientDescription,

    /// What the description may reach (read before clap runs, by `guard::prescan`).
    #[command(flatten)]
    pub guard: crate::guard::GuardArgs,
}

/// Connects and joins the connection to stdin/stdout until both directions end. For
/// `exec:`, the program's exit status becomes the command's.
///
/// # Errors
/// A failed connect (refused, timed out), or a failed copy.
pub async fn run(args: &ConnectArgs) -> Result<(), Failure> {
    let connection = args.description.endpoint().connect().await?;
    tracing::info!(
        local = %connection.local_address(),
        peer = %connection.peer_address(),
        "connected"
    );
    let child = connection.info().get::<ChildProcess>().cloned();
    let joined = join_stdio(connection).await;
    match child {
        // A program's exit status is the outcome, as with any shell pipeline: `exit 3`
        // makes `endpoint connect exec:...` exit 3 (a write to a program that stopped
        // reading is not the failure).
        Some(child) => match child.exited().await {
            Some(status) => {
                tracing::info!(pid = child.pid, %status, "the program exited");
                Failure::from_exit(status)
            }
            None => joined,
        },
        None => joined,
    }
}
