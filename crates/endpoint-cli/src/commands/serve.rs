//! `endpoint serve FILE`: every relay of a TOML file in one process, reloaded on SIGHUP,
//! with metrics and readiness for supervisors.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use endpoint_serve::{
    longest_grace, metrics_service, notify, Metrics, Relays, ReloadOutcome, ServeConfig,
};
use endpoints::ServerDescription;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Mutex;
use tracing::{info, warn};

use crate::failure::Failure;
use crate::limits::raise_descriptor_limit;

/// Arguments of `endpoint serve`.
#[derive(Debug, Args)]
#[non_exhaustive]
pub struct ServeArgs {
    /// The configuration file (TOML): `[[relay]]` tables with `name`, `listen` (a server
    /// description or a list), `to` (a client description), optional `retry` and `grace`
    /// durations; top-level `metrics = "SERVER"` serves `/metrics` and `/healthz`. See
    /// `examples/serve/relays.toml`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Check the file and exit without binding anything: 0 when every relay is valid, 2 with
    /// `FILE:LINE:COLUMN` and the reason otherwise.
    #[arg(long)]
    pub check: bool,
    /// Serve `GET /metrics` (OpenMetrics text) and `GET /healthz` on this server description
    /// (`tcp:9100:interface=127.0.0.1`, `unix:/run/relay-metrics.sock`); overrides the
    /// file's `metrics`.
    #[arg(long, value_name = "SERVER")]
    pub metrics: Option<ServerDescription>,

    /// What the file's descriptions may reach (read before clap runs, by `guard::prescan`):
    /// every relay's `listen` and `to`, and `metrics`, are parsed with it.
    #[command(flatten)]
    pub guard: crate::guard::GuardArgs,
}

/// Loads the file, starts every relay (exit 1 if one cannot bind, naming it), then serves
/// until SIGINT/SIGTERM. SIGHUP reads the file again and applies the differences, relay by
/// relay, by value; a file that fails to parse or to bind changes nothing and is reported.
/// With `NOTIFY_SOCKET` set it sends `READY=1`, `RELOADING=1` … `READY=1`, `STOPPING=1`,
/// `STATUS=` lines and, when `WATCHDOG_USEC` asks, `WATCHDOG=1`.
///
/// # Errors
/// A bad file (exit 2), a relay or the metrics listener that cannot bind, or the signal
/// handlers that cannot be installed (exit 1).
pub async fn run(args: &ServeArgs) -> Result<(), Failure> {
    let config = ServeConfig::load(&args.file).map_err(|e| Failure::Usage(e.to_string()))?;
    if args.check {
        if !crate::logging::quiet() {
            println!(
                "{}: {} relay{} valid",
                args.file.display(),
                config.relays.len(),
                if config.relays.len() == 1 { "" } else { "s" }
            );
        }
        return Ok(());
    }
    if let Err(e) = raise_descriptor_limit() {
        warn!(error = %e, "could not raise the open-descriptor limit");
    }
    // Installed before anything binds, so a signal sent once we are ready counts.
    let shutdown = endpoints::shutdown_signal()?;
    let mut hangup = signal(SignalKind::hangup()).map_err(|e| Failure::Runtime(Box::new(e)))?;
    let metrics = Arc::new(Metrics::new());
    let relays = Arc::new(Mutex::new(Relays::new(Arc::clone(&metrics))));
    relays
        .lock()
        .await
        .apply(&config.relays)
        .await
        .map_err(|e| Failure::Runtime(Box::new(e)))?;
    let metrics_on = args.metrics.clone().or_else(|| config.metrics.clone());
    let mut metrics_listener = match &metrics_on {
        Some(on) => {
            let watched = Arc::clone(&relays);
            // While a reload holds the relays, the old ones still serve: healthy.
            let health = move || watched.try_lock().map_or(true, |r| r.all_listening());
            let mut service = metrics_service(on, Arc::clone(&metrics), Arc::new(health));
            service.start().await?;
            Some(service)
        }
        None => None,
    };
    report_listening(&relays, metrics_listener.as_ref()).await;
    notify::ready(&status_line(&*relays.lock().await));
    let watchdog = notify::watchdog_interval().map(|every| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                notify::watchdog();
            }
        })
    });
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = hangup.recv() => {
                notify::reloading();
                let mut running = relays.lock().await;
                match reload(&args.file, &mut running).await {
                    Ok(summary) => {
                        metrics.reloaded(ReloadOutcome::applied);
                        info!(file = %args.file.display(), %summary, "reloaded");
                        if crate::logging::verbosity() >= 1 {
                            eprintln!("reloaded {}: {summary}", args.file.display());
                        }
                    }
                    Err(error) => {
                        metrics.reloaded(ReloadOutcome::failed);
                        // Printed whole (with the caret), whatever the log level.
                        eprintln!("endpoint: reload refused, nothing changed: {error}");
                    }
                }
                // Certificates renew at once too, as `relay` does on SIGHUP.
                let _ = tokio::task::spawn_blocking(endpoints::tls::reload_certificates).await;
                notify::ready(&status_line(&running));
                drop(running);
                report_listening(&relays, None).await;
            }
        }
    }
    notify::stopping();
    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    if let Some(mut listener) = metrics_listener.take() {
        listener.stop().await;
    }
    let relays = Arc::try_unwrap(relays)
        .map_err(|_| ())
        .map(Mutex::into_inner);
    if let Ok(relays) = relays {
        let grace = longest_grace(&relays.configs());
        // Each relay waits its own grace; this bounds the whole.
        let _ = tokio::time::timeout(grace + Duration::from_secs(1), relays.shutdown()).await;
    }
    Ok(())
}

/// Reads the file again and applies it; the summary says what changed.
async fn reload(file: &std::path::Path, relays: &mut Relays) -> Result<String, String> {
    let config = ServeConfig::load(file).map_err(|e| e.to_string())?;
    let plan = relays
        .apply(&config.relays)
        .await
        .map_err(|e| crate::failure::chain(&e))?;
    Ok(format!(
        "{} started, {} stopped, {} updated, {} rebound, {} unchanged",
        plan.start.len(),
        plan.stop.len(),
        plan.retarget.len(),
        plan.rebind.len(),
        plan.unchanged
    ))
}

fn status_line(relays: &Relays) -> String {
    format!("serving {} relays", relays.len())
}

/// With `-v`, one line per relay and address: `relay NAME listening on ADDRESS`.
async fn report_listening(relays: &Mutex<Relays>, metrics: Option<&endpoints::Service>) {
    if crate::logging::verbosity() < 1 {
        return;
    }
    let relays = relays.lock().await;
    for config in relays.configs() {
        for address in relays.local_addresses(&config.name) {
            eprintln!("relay {} listening on {address}", config.name);
        }
    }
    if let Some(address) = metrics.and_then(|m| m.local_address()) {
        eprintln!("metrics listening on {address}");
    }
}
