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
