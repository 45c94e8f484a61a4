//! The `throttle` layer's endpoints.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{Args, Description, FromOption};
use endpoint_core::{
    Authority, BoxFuture, ClientEndpoint, Connection, Listener, Result, ServerEndpoint, Upgrade,
};

use crate::stream::Throttled;

/// The settings of the `throttle+` layer over a client: `rate` bytes per second each way,
/// bursts of up to `burst` bytes. Put the layer over any client endpoint with
/// [`layer`](ThrottleClientSettings::layer).
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use endpoint_throttle::ThrottleClientSettings;
/// use endpoints::tcp::TcpClientEndpoint;
/// let client = ThrottleClientSettings::new(1000, 4000)
///     .layer(Arc::new(TcpClientEndpoint::new("localhost", 80)));
/// assert!(client.to_string().ends_with(":throttle.rate=1000:throttle.burst=4000"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleClientSettings {
    /// Bytes per second.
    pub rate: u64,
    /// Bytes that may pass at once after a quiet spell.
    pub burst: u64,
}

impl ThrottleClientSettings {
    /// `rate` bytes per second each way, bursts of up to `burst` bytes.
    pub const fn new(rate: u64, burst: u64) -> Self {
        ThrottleClientSettings { rate, burst }
    }

    /// Limits every connection `inner` makes (the tower-style `Layer::layer`).
    pub fn layer(self, inner: Arc<dyn ClientEndpoint>) -> ThrottleClientEndpoint {
        ThrottleClientEndpoint {
            inner,
            rate: Rate::new(self.rate, self.burst),
        }
    }

    /// Reads `rate` and `burst` (default: the rate) from a layer's arguments.
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        let rate = Rate::from_args(args)?;
        Ok(ThrottleClientSettings::new(rate.rate, rate.burst))
    }
}

/// The settings of the `throttle+` layer over a server: every accepted connection gets `rate`
/// bytes per second each way, bursts of up to `burst` bytes. Put the layer over any server
/// endpoint with [`layer`](ThrottleServerSettings::layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleServerSettings {
    /// Bytes per second.
    pub rate: u64,
    /// Bytes that may pass at once after a quiet spell.
    pub burst: u64,
}

impl ThrottleServerSettings {
    /// `rate` bytes per second each way, bursts of up to `burst` bytes.
    pub const fn new(rate: u64, burst: u64) -> Self {
        ThrottleServerSettings { rate, burst }
    }

    /// Limits every connection `inner` accepts (the tower-style `Layer::layer`).
    pub fn layer(self, inner: Arc<dyn ServerEndpoint>) -> ThrottleServerEndpoint {
        ThrottleServerEndpoint {
            inner,
            rate: Rate::new(self.rate, self.burst),
        }
    }

    /// Reads `rate` and `burst` (default: the rate) from a layer's arguments.
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        let rate = Rate::from_args(args)?;
        Ok(ThrottleServerSettings::new(rate.rate, rate.burst))
    }
}

/// A bandwidth limit as the layer applies it (one per endpoint; the connection upgrade).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rate {
    rate: u64,
    burst: u64,
}

impl Rate {
    const fn new(rate: u64, burst: u64) -> Self {
        Rate { rate, burst }
    }

    fn from_args(args: &mut Args) -> Result<Self> {
        let at_least_one = |t: &str| match u64::from_option(t)? {
            0 => Err("must be at least 1 byte (per second, for rate)".to_owned()),
            n => Ok(n),
        };
        let rate = args.get_with("rate", at_least_one)?;
        let burst = args
            .get_optional_with("burst", at_least_one)?
            .unwrap_or(rate);
        Ok(Rate { rate, burst })
    }

    fn wrap(self, connection: Connection) -> Connection {
        let (io, mut info) = connection.into_parts();
        info.stack.push("throttle");
        Connection::new(Throttled::new(io, self.rate, self.burst), info)
    }
}

/// `throttle+CLIENT`: connects with the inner endpoint, then limits the connection. Built by
/// [`ThrottleClientSettings::layer`].
#[derive(Debug)]
pub struct ThrottleClientEndpoint {
    inner: Arc<dyn ClientEndpoint>,
    rate: Rate,
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

    fn description(&self) -> Description {
        Description::layer("throttle", self.inner.description())
            .option("rate", self.rate.rate)
            .option("burst", self.rate.burst)
    }
}

impl fmt::Display for ThrottleClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

/// `throttle+SERVER`: listens with the inner endpoint and limits every accepted connection.
/// Built by [`ThrottleServerSettings::layer`].
#[derive(Debug)]
pub struct ThrottleServerEndpoint {
    inner: Arc<dyn ServerEndpoint>,
    rate: Rate,
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

    fn description(&self) -> Description {
        Description::layer("throttle", self.inner.description())
            .option("rate", self.rate.rate)
            .option("burst", self.rate.burst)
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
        self.description().fmt(f)
    }
}
