//! `endpoint relay SERVER CLIENT`: forward every accepted connection to a new client
//! connection, until SIGINT or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use endpoints::description::parse_seconds;
use endpoints::{ClientEndpoint, Connection};
use tokio::signal::unix::{signal, SignalKind};
use tracing::{debug, info, warn};

use crate::failure::{chain, Failure};
use crate::pipe::splice;

/// Arguments of `endpoint relay`.
#[derive(Debug, Args)]
pub struct RelayArgs {
    /// Server description to accept connections on.
    #[arg(value_name = "SERVER")]
    pub server: String,
    /// Client description each accepted connection is forwarded to.
    #[arg(value_name = "CLIENT")]
    pub client: String,
    /// Seconds to let open connections finish after SIGINT/SIGTERM before cutting them.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    pub grace: Duration,
}

/// Binds SERVER, prints `relaying ADDRESS -> CLIENT` to stderr, and splices every accepted
/// connection with a fresh CLIENT connection. On SIGINT or SIGTERM it stops listening, gives
/// open connections `--grace` seconds, and returns.
///
/// # Errors
/// A bad description, failing to install the signal handlers, or a failed bind. Failures of
/// single connections are logged and do not stop the relay.
pub async fn run(args: &RelayArgs) -> Result<(), Failure> {
    let server = endpoints::server_from_string(&args.server)?;
    let client = endpoints::client_from_string(&args.client)?;
    // Installed before anything is printed, so a signal sent once the line is read counts.
    let mut interrupt = signal(SignalKind::interrupt()).map_err(signal_failure)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(signal_failure)?;

    let listener = server.bind().await?;
    eprintln!("relaying {} -> {client}", listener.local_address());
    let port = listener.listen(move |accepted| relay_one(accepted, Arc::clone(&client)));

    tokio::select! {
        _ = interrupt.recv() => info!("interrupted; shutting down"),
        _ = terminate.recv() => info!("terminated; shutting down"),
    }
    let aborted = port.shutdown(args.grace).await;
    if aborted > 0 {
        warn!(aborted, grace = ?args.grace, "cut connections still open after the grace period");
    }
    Ok(())
}

/// Connects to `client` and splices it with `accepted` until both directions end. A failed
/// connect is logged and closes `accepted`.
async fn relay_one(accepted: Connection, client: Arc<dyn ClientEndpoint>) {
    let peer = accepted.peer_address().clone();
    let outgoing = match client.connect().await {
        Ok(outgoing) => outgoing,
        Err(error) => {
            let error = chain(&error);
            warn!(%peer, %error, "could not connect; closing the accepted connection");
            return;
        }
    };
    match splice(accepted, outgoing).await {
        Ok((sent, received)) => debug!(%peer, sent, received, "relayed connection finished"),
        Err(error) => debug!(%peer, %error, "relayed connection failed"),
    }
}

fn signal_failure(error: std::io::Error) -> Failure {
    Failure::Endpoint(endpoints::Error::Other {
        message: "could not install the signal handlers".into(),
        source: Some(Box::new(error)),
    })
}
