//! What every endpoint of this crate shares: the crypto provider and the handshake timeout.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;

/// How long a handshake may take unless `handshakeTimeout=` says otherwise (declared once, in
/// the option spec).
pub(crate) fn default_handshake_timeout() -> Duration {
    endpoint_core::description::declared_default(
        &[crate::specs::HANDSHAKE_TIMEOUT],
        "handshakeTimeout",
    )
}

/// The crypto provider every endpoint of this crate uses (`ring`).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}
