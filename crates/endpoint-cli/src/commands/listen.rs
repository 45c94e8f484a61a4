//! `endpoint listen DESC...`: accept one connection (on any of the descriptions) and join it
//! to stdin/stdout.

use std::sync::Arc;

use clap::Args;
use endpoints::{MergedServerEndpoint, ServerDescription, ServerEndpoint, Side};

use crate::failure::Failure;
use crate::pipe::join_stdio;

/// Arguments of `endpoint listen`.
#[derive(Debug, Args)]
#[non_exhaustive]
pub struct ListenArgs {
    /// Server descriptions to listen on, e.g. `tcp:8080` or `unix:/tmp/app.sock`; with
    /// several, the first connection on any of them is taken.
    #[arg(value_name = "DESC", required = true, num_args = 1.., long_help = endpoints::clap::help(
        "Server descriptions to listen on, e.g. `tcp:8080` or `unix:/tmp/app.sock`; with \
         several, the first connection on any of them is taken.",
        Side::Server,
    ))]
    pub descriptions: Vec<ServerDescription>,
}

/// Binds, prints `listening on ADDRESS` to stderr (a line per address; not with `-q`),
/// accepts one connection, stops listening, and joins the connection to stdin/stdout until
/// both directions end. `SIGHUP` reloads TLS certificates.
///
/// # Errors
/// A failed bind or accept, or a failed copy (clap has refused a bad description).
pub async fn run(args: &ListenArgs) -> Result<(), Failure> {
    super::tls::reload_on_sighup()?;
    let mut listener = match &args.descriptions[..] {
        [one] => one.endpoint().bind().await?,
        several => {
            let parts = several.iter().map(|d| Arc::clone(d.endpoint())).collect();
            MergedServerEndpoint::new(parts).bind().await?
        }
    };
    if !crate::logging::quiet() {
        for local in listener.local_addresses() {
            eprintln!("listening on {local}");
        }
    }
    let connection = listener.accept().await?;
    match connection.info().get::<endpoints::ListenerSource>() {
        Some(source) => tracing::info!(peer = %connection.peer_address(),
            on = %source.description, "accepted"),
        None => tracing::info!(peer = %connection.peer_address(), "accepted"),
    }
    // One connection only: close the socket (and remove a unix socket file) right away.
    drop(listener);
    join_stdio(connection).await
}
