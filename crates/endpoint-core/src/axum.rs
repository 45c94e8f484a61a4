//! `axum::serve` over any endpoint (the `axum` feature).

use std::io;
use std::time::Duration;

use crate::address::Address;
use crate::connection::Connection;
use crate::listener::Listener;

/// How long to wait before accepting again after an error that ended accepting; axum's
/// `Listener::accept` cannot fail, so the error is logged and accepting is retried.
const RETRY_AFTER_FATAL: Duration = Duration::from_secs(1);

/// `axum::serve(listener, app)` works for a listener of any kind: bind
/// `endpoints::server_from_string("unix:/run/app.sock")?` and hand the listener to axum.
/// `crates/endpoints/tests/axum.rs` serves one router over TCP and a unix socket.
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl axum::serve::Listener for Listener {
    type Io = Connection;
    type Addr = Address;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match Listener::accept(self).await {
                Ok(connection) => {
                    let peer = connection.peer_address().clone();
                    return (connection, peer);
                }
                Err(e) => {
                    tracing::error!(error = %e, "accept failed; retrying");
                    tokio::time::sleep(RETRY_AFTER_FATAL).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_address().clone())
    }
}
