//! How a kind's parser reaches the registry that is parsing it, for descriptions nested in
//! its own (`tls`'s `endpoint=`, a proxy's target) — never the global one.

use std::fmt::Debug;
use std::sync::Arc;

use crate::egress::EgressPolicy;
use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::error::Result;

/// The registry that is parsing, as a kind's parser sees it through
/// [`Args::registry`](crate::description::Args::registry).
///
/// [`Registry`](crate::Registry) implements it; parsing an inner description through it
/// uses that registry's kinds (and its restrictions), so a program that builds its own
/// `Registry::new()` keeps control of what nested descriptions can name.
pub trait InnerParser: Debug + Send + Sync {
    /// Parses a server description with the same kinds.
    ///
    /// # Errors
    /// Whatever [`Registry::server`](crate::Registry::server) gives.
    fn server(&self, description: &str) -> Result<Arc<dyn ServerEndpoint>>;

    /// Parses a client description with the same kinds.
    ///
    /// # Errors
    /// Whatever [`Registry::client`](crate::Registry::client) gives.
    fn client(&self, description: &str) -> Result<Arc<dyn ClientEndpoint>>;

    /// The egress policy clients built by this registry must obey, if it has one: a
    /// transport that connects by address checks every resolved address against it.
    fn egress(&self) -> Option<&EgressPolicy> {
        None
    }
}
