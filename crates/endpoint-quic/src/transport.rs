//! QUIC transport settings and setup errors shared by the server and the client.

use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::Args;
use endpoint_core::{Error, Result};
use endpoint_tls::TlsProblem;

/// The longest gap between keep-alive PINGs a client sends while it has streams open.
pub(crate) const MAX_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The transport settings: `idle` (zero: no idle timeout), the streams a peer may open
/// (`None` for a client, which accepts none), and keep-alive PINGs on a client.
pub(crate) fn config(
    idle: Duration,
    max_streams: Option<u32>,
    keep_alive: bool,
) -> Result<Arc<quinn::TransportConfig>> {
    let mut transport = quinn::TransportConfig::default();
    if idle.is_zero() {
        transport.max_idle_timeout(None);
    } else {
        let timeout = quinn::IdleTimeout::try_from(idle)
            .map_err(|e| setup_error("idleTimeout is too long", e))?;
        transport.max_idle_timeout(Some(timeout));
        if keep_alive {
            transport.keep_alive_interval(Some((idle / 3).min(MAX_KEEP_ALIVE)));
        }
    }
    transport.max_concurrent_bidi_streams(max_streams.unwrap_or(0).into());
    transport.max_concurrent_uni_streams(0u32.into());
    Ok(Arc::new(transport))
}

/// A setting that cannot run QUIC, as a TLS [`Error::Handshake`] with the cause.
pub(crate) fn setup_error(
    what: &str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    TlsProblem::Setup(what.to_owned()).into_error(None, Some(Box::new(source)))
}

/// A problem with a file the description names, as an [`Error::Option`] for that option.
pub(crate) fn blame_option(args: &Args, files: &[(&str, Option<String>)], error: Error) -> Error {
    endpoint_tls::blame_option(args, files, error)
}
