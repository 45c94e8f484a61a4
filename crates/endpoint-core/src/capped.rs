//! `maxConnections=`: a server description option every kind takes, applied to the listener.

use std::fmt;
use std::sync::Arc;

use crate::description::tree::Description;
use crate::endpoint::ServerEndpoint;
use crate::error::Result;
use crate::future::BoxFuture;
use crate::listener::Listener;

/// The keyword, written after any server description: `tcp:8080:maxConnections=1000`.
pub(crate) const MAX_CONNECTIONS: &str = "maxConnections";

/// A server endpoint whose listeners hold at most `max` live connections.
#[derive(Debug)]
pub(crate) struct Capped {
    pub(crate) inner: Arc<dyn ServerEndpoint>,
    pub(crate) max: usize,
}

impl ServerEndpoint for Capped {
    /// Binds the inner endpoint and caps its listener.
    ///
    /// # Cancel safety
    /// As cancel-safe as the inner endpoint's `bind`.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let listener = self.inner.bind().await?;
            Ok(listener.with_max_connections(self.max))
        })
    }

    fn description(&self) -> Description {
        self.inner.description().common(MAX_CONNECTIONS, self.max)
    }
}

/// The inner description with `:maxConnections=N` after it.
impl fmt::Display for Capped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}
