//! `endpoint tls pin FILE|DESCRIPTION`: the pin (`sha256/BASE64`) a client's `pin=` takes;
//! and reloading every TLS server's certificates on `SIGHUP` (`listen`, `relay`).

use clap::{Args, Subcommand};
use endpoints::Error;

use crate::failure::Failure;

/// Installs a `SIGHUP` handler that makes every TLS server of the process read its
/// certificate and key files again (the next handshake uses them; established connections
/// are untouched; unusable new files keep the old certificate, with a warning).
///
/// # Errors
/// When the handler cannot be installed.
pub fn reload_on_sighup() -> Result<(), Failure> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangup = signal(SignalKind::hangup()).map_err(|e| Error::Other {
        message: "could not install the SIGHUP handler".into(),
        source: Some(Box::new(e)),
    })?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading certificates");
            // It reads files: off the async threads.
            match tokio::task::spawn_blocking(endpoints::tls::reload_certificates).await {
                Ok(outcome) => tracing::info!(
                    reloaded = outcome.reloaded,
                    kept = outcome.kept.len(),
                    "reloaded certificates"
                ),
                Err(e) => tracing::warn!(error = %e, "reloading certificates failed"),
            }
        }
    });
    Ok(())
}

/// Arguments of `endpoint tls`.
#[derive(Debug, Args)]
#[non_exhaustive]
pub struct TlsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TlsCommand,
}

/// The `endpoint tls` subcommands.
#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Print the pin (`sha256/BASE64`) of a certificate file's first certificate, or of the
    /// certificate a live server presents, for a client's `pin=`.
    Pin(PinArgs),
}

/// Arguments of `endpoint tls pin`.
#[derive(Debug, Args)]
#[non_exhaustive]
pub struct PinArgs {
    /// A PEM file (an existing file is always taken as one), or a TLS client description to
    /// connect to, e.g. `tls:localhost:8443`.
    #[arg(value_name = "FILE|DESCRIPTION")]
    pub target: String,
}

/// Runs an `endpoint tls` subcommand.
///
/// # Errors
/// As [`pin`].
pub async fn run(args: &TlsArgs) -> Result<(), Failure> {
    match &args.command {
        TlsCommand::Pin(args) => pin(args).await,
    }
}

/// Prints the pin of FILE's first certificate, or of the certificate the server at
/// DESCRIPTION presents.
///
/// For a server, the client connects with one extra pin that no key has, so it refuses the
/// server right after reading its certificate, and the refusal names the key the server
/// presented: nothing is sent, and no unverified connection is ever accepted. (A
/// description that cannot take the extra pin, say one that already has `pin=`, connects as
/// written, and the pin is read from the connection.)
///
/// # Errors
/// A file that is unreadable or holds no certificate; a description that does not parse or
/// cannot connect; a connection that is not TLS.
pub async fn pin(args: &PinArgs) -> Result<(), Failure> {
    let pin = if std::path::Path::new(&args.target).is_file() {
        endpoints::tls::SpkiPin::of_pem_file(&args.target)?
    } else {
        presented_pin(&args.target).await?
    };
    println!("{pin}");
    Ok(())
}

/// The pin of the certificate the server at `description` presents.
async fn presented_pin(description: &str) -> Result<endpoints::tls::SpkiPin, Failure> {
    use endpoints::tls::TlsProblem;
    use endpoints::tls::{SpkiPin, TlsInfo};
    let matches_nothing = SpkiPin::from([0; 32]);
    let probe = format!("{description}:pin={matches_nothing}");
    let client = match endpoints::client_from_string(&probe) {
        Ok(client) => client,
        Err(_) => endpoints::client_from_string(description)?,
    };
    match client.connect().await {
        Ok(connection) => {
            let leaf = connection
                .info()
                .get::<TlsInfo>()
                .and_then(|tls| tls.peer_certificates.first().cloned());
            leaf.and_then(|der| SpkiPin::of_certificate(&der))
                .ok_or_else(|| {
                    Failure::Endpoint(Error::Other {
                        message: format!("\"{description}\" presented no TLS certificate"),
                        source: None,
                    })
                })
        }
        Err(error) => match error.find::<TlsProblem>() {
            Some(TlsProblem::PinMismatch { presented, .. }) => {
                presented.parse().map_err(|reason: String| {
                    Failure::Endpoint(Error::Other {
                        message: format!("the presented pin {reason}"),
                        source: None,
                    })
                })
            }
            _ => Err(error.into()),
        },
    }
}
