//! Where a proxy layer's proxy is: fixed by its description, or read from the environment at
//! each connect (`proxy=env`), and what one connect goes through.

use std::fmt;
use std::io;
use std::sync::Arc;

use endpoint_core::description::Description;
use endpoint_core::{Authority, ClientEndpoint, Error, InnerParser, Result};

use crate::env::{self, Choice};
use crate::url::Scheme;

/// Where the proxy is.
#[derive(Clone, Debug)]
pub(crate) enum Route {
    /// The proxy a description names (`proxy=tcp\:h\:1080`, or a URL standing for one).
    Fixed(Arc<dyn ClientEndpoint>),
    /// `proxy=env`: the environment names the proxy, its protocol and credentials, or none,
    /// read at each connect; the registry that parsed the layer parses the proxy's `tcp:`
    /// description then, so its allow-list and egress policy apply as to a nested one.
    Environment(Arc<dyn InnerParser>),
}

/// What one connect goes through.
pub(crate) enum Hop {
    /// The target, directly (`no_proxy` lists it, or no variable names a proxy).
    Direct,
    /// This proxy, speaking `scheme`'s protocol, with these credentials.
    Proxy {
        proxy: Arc<dyn ClientEndpoint>,
        scheme: Scheme,
        credentials: Option<(String, String)>,
    },
}

impl Route {
    /// The fixed proxy, if the description names one.
    pub(crate) fn fixed(&self) -> Option<&Arc<dyn ClientEndpoint>> {
        match self {
            Route::Fixed(proxy) => Some(proxy),
            Route::Environment(_) => None,
        }
    }

    /// The `proxy=` value in the layer's description: the nested description, or `env`.
    pub(crate) fn describe(&self, description: Description) -> Description {
        match self {
            Route::Fixed(proxy) => description.nested("proxy", proxy.description()),
            Route::Environment(_) => description.option("proxy", "env"),
        }
    }

    /// What a connect to `target` goes through: the fixed proxy with the layer's own
    /// protocol (`own`) and credentials, or what the environment (read with `lookup`) says.
    ///
    /// # Errors
    /// A variable whose value is not a proxy URL (`InvalidInput`, naming the variable, never
    /// the value), or a proxy address the registry refuses.
    pub(crate) fn hop(
        &self,
        target: &Authority,
        own: Scheme,
        credentials: Option<(String, String)>,
        outer: &dyn fmt::Display,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Hop> {
        let registry = match self {
            Route::Fixed(proxy) => {
                return Ok(Hop::Proxy {
                    proxy: Arc::clone(proxy),
                    scheme: own,
                    credentials,
                })
            }
            Route::Environment(registry) => registry,
        };
        let (url, from) = match env::choose(lookup, target) {
            Ok(Choice::Direct) => return Ok(Hop::Direct),
            Ok(Choice::Proxy { url, from }) => (url, from),
            Err(reason) => {
                return Err(Error::io(
                    "connect through",
                    outer,
                    io::Error::new(io::ErrorKind::InvalidInput, reason),
                ))
            }
        };
        let proxy = registry
            .client(&url.description())
            .map_err(|e| Error::Other {
                message: format!("the proxy {from} names cannot be used for {outer}"),
                source: Some(Box::new(e)),
            })?;
        tracing::debug!(endpoint = %outer, variable = from, proxy = %proxy, "proxy from the environment");
        let credentials = match url.user {
            Some(user) => Some((user, url.password.unwrap_or_default())),
            None => credentials,
        };
        Ok(Hop::Proxy {
            proxy,
            scheme: url.scheme,
            credentials,
        })
    }
}
