//! `endpoint relay SERVER CLIENT`: forward every accepted connection to a new client
//! connection, until SIGINT or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use endpoints::description::parse_seconds;
use endpoints::{ClientEndpoint, Connection, Service, ServiceGroup};
use tracing::{debug, warn};

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

/// Starts a [`Service`] on SERVER, prints `relaying ADDRESS -> CLIENT` to stderr, and splices
/// every accepted connection with a fresh CLIENT connection. On SIGINT or SIGTERM it stops
/// listening, gives open connections `--grace` seconds, and returns.
///
/// # Errors
/// A bad description, failing to install the signal handlers, a failed bind, or the listener
/// ending on its own (a fatal accept error). Failures of single connections are logged and do
/// not stop the relay.
pub async fn run(args: &RelayArgs) -> Result<(), Failure> {
    let client = endpoints::client_from_string(&args.client)?;
    let forward_to = Arc::clone(&client);
    let service = Service::from_description(&args.server, move |accepted| {
        relay_one(accepted, Arc::clone(&forward_to))
    })?;
    // Installed before anything is printed, so a signal sent once the line is read counts.
    let signal = endpoints::shutdown_signal()?;
    let mut group = ServiceGroup::new();
    group.add(service);
    group.start_all().await?;
    if let Some(local) = group.services()[0].local_address() {
        eprintln!("relaying {local} -> {client}");
    }
    group.run_until(args.grace, signal).await?;
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
