//! The `throttle` layer's endpoints.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{Args, Canonical};
use endpoint_core::{
    BoxFuture, ClientEndpoint, Connection, Listener, Result, ServerEndpoint, Upgrade,
};

use crate::stream::Throttled;

/// A bandwidth limit: `rate` bytes per second each way, bursts of up to `burst` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Bytes per second.
    pub rate: u64,
    /// Bytes that may pass at once after a quiet spell.
    pub burst: u64,
}

impl Rate {
    pub(crate) fn parse(mut args: Args) -> Result<Self> {
        let rate = args.keyword("rate");
        let rate = args.required("rate", rate)?;
        let rate_value =
            args.convert(
                "rate",
                &rate,
                |t| match endpoint_core::description::parse_integer(t)? {
                    0 => Err("must be at least 1 byte per second".into()),
                    n => Ok(n),
                },
            )?;
        let burst = match args.keyword("burst") {
            Some(v) => {
                args.convert(
                    "burst",
                    &v,
                    |t| match endpoint_core::description::parse_integer(t)? {
                        0 => Err("must be at least 1 byte".into()),
                        n => Ok(n),
                    },
                )?
            }
            None => rate_value,
        };
        args.finish()?;
        Ok(Rate {
            rate: rate_value,
            burst,
        })
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
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move { Ok(self.rate.wrap(self.inner.connect().await?)) })
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
