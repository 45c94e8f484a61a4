//! The `throttle` layer's endpoints.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{Args, Canonical, FromOption};
use endpoint_core::{
    Authority, BoxFuture, ClientEndpoint, Connection, Listener, Result, ServerEndpoint, Upgrade,
};

use crate::stream::Throttled;

/// A bandwidth limit: `rate` bytes per second each way, bursts of up to `burst` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rate {
    /// Bytes per second.
    pub rate: u64,
    /// Bytes that may pass at once after a quiet spell.
    pub burst: u64,
}

impl Rate {
    /// `rate` bytes per second each way, bursts of up to `burst` bytes.
    pub const fn new(rate: u64, burst: u64) -> Self {
        Rate { rate, burst }
    }

    /// Reads `rate` and `burst` (default: the rate) from a layer's arguments.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        let at_least_one = |t: &str| match u64::from_option(t)? {
            0 => Err("must be at least 1 byte (per second, for rate)".to_owned()),
            n => Ok(n),
        };
        let rate = args.get_with("rate", at_least_one)?;
        let burst = args
            .get_optional_with("burst", at_least_one)?
            .unwrap_or(rate);
        args.finish()?;
        Ok(Rate { rate, burst })
    }

    fn wrap(self, connection: Connection) -> Connection {
        let (io, mut info) = connection.into_parts();
        info.stack.push("throttle");
        Connection::new(Throttled::new(io, self.rate, self.burst), info)
    }
}

/// `throttle+CLIENT`: connects with the inner endpoint, then limits the connection.
#[derive(Debug)]
pub struct ThrottleClientEndpoint {
    inner: Arc<dyn ClientEndpoint>,
    rate: Rate,
}

impl ThrottleClientEndpoint {
    /// Limits connections made by `inner`.
    pub fn new(inner: Arc<dyn ClientEndpoint>, rate: Rate) -> Self {
        ThrottleClientEndpoint { inner, rate }
    }
}

impl ClientEndpoint for ThrottleClientEndpoint {
    /// Connects with the inner endpoint and limits the connection.
    ///
    /// # Cancel safety
    /// As cancel-safe as the inner endpoint's `connect`.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move { Ok(self.rate.wrap(self.inner.connect().await?)) })
    }

    /// A layer forwards what the endpoint beneath it reaches, so `tls+throttle+tcp` still
    /// verifies the tcp host.
    fn authority(&self) -> Option<Authority> {
        self.inner.authority()
    }
}

impl fmt::Display for ThrottleClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Canonical::layer("throttle", &self.inner)
            .option("rate", self.rate.rate)
            .option("burst", self.rate.burst)
            .fmt(f)
    }
}

/// `throttle+SERVER`: listens with the inner endpoint and limits every accepted connection.
#[derive(Debug)]
pub struct ThrottleServerEndpoint {
    inner: Arc<dyn ServerEndpoint>,
    rate: Rate,
}

impl ThrottleServerEndpoint {
    /// Limits connections accepted by `inner`.
    pub fn new(inner: Arc<dyn ServerEndpoint>, rate: Rate) -> Self {
        ThrottleServerEndpoint { inner, rate }
    }
}

impl ServerEndpoint for ThrottleServerEndpoint {
    /// Binds the inner endpoint and limits every accepted connection.
    ///
    /// # Cancel safety
    /// As cancel-safe as the inner endpoint's `bind`.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let listener = self.inner.bind().await?;
            Ok(listener
                .with_upgrade(Arc::new(self.rate))
                .with_description(self))
        })
    }
}

impl Upgrade for Rate {
    fn name(&self) -> &'static str {
        "throttle"
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn upgrade(&self, connection: Connection) -> BoxFuture<'static, Result<Connection>> {
        let rate = *self;
        Box::pin(async move { Ok(rate.wrap(connection)) })
    }
}

impl fmt::Display for ThrottleServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Canonical::layer("throttle", &self.inner)
            .option("rate", self.rate.rate)
            .option("burst", self.rate.burst)
            .fmt(f)
    }
}
