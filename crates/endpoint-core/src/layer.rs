//! Server-side upgrades: the per-connection handshakes of layers (TLS, WebSocket, PROXY).

use std::time::Duration;

use crate::connection::Connection;
use crate::error::Result;
use crate::future::BoxFuture;

/// A per-connection handshake a layer runs after accept, e.g. a TLS server handshake.
///
/// The [`Listener`](crate::Listener) runs each upgrade in its own task under
/// [`timeout`](Upgrade::timeout): a slow or failed handshake is logged and dropped, and never
/// delays other connections or ends the listener.
pub trait Upgrade: Send + Sync + 'static {
    /// The layer's name, for logs.
    fn name(&self) -> &'static str;

    /// How long the handshake may take.
    fn timeout(&self) -> Duration;

    /// Runs the handshake over `connection` and returns the upgraded connection.
    ///
    /// # Errors
    /// Any error drops this connection only.
    fn upgrade(&self, connection: Connection) -> BoxFuture<'static, Result<Connection>>;

    /// True for a layer that replaces the connection's peer address with the real client's
    /// (a PROXY header reader, when its sender is trusted). A listener with `allow=`/`deny=`
    /// then judges the address right after this layer's handshake, before any later layer's,
    /// instead of the address it accepted. The default, `false`, leaves the peer as it was.
    fn reveals_peer(&self) -> bool {
        false
    }
}
