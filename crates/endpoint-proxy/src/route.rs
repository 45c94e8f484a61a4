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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use endpoint_core::{EgressPolicy, Registry};

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn hop(registry: Registry, pairs: &[(&str, &str)]) -> Result<Hop> {
        let route = Route::Environment(Arc::new(registry));
        route.hop(
            &Authority::new("example.com", 443),
            Scheme::Socks5h,
            Some(("own".into(), "own-pw".into())),
            &"socks5+tcp:example.com:443:proxy=env",
            &env(pairs),
        )
    }

    /// The environment's proxy is parsed by the registry that parsed the layer, so its
    /// egress policy refuses a loopback proxy at connect as it would a nested one.
    #[tokio::test]
    async fn the_environment_s_proxy_obeys_the_egress_guard() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut registry = Registry::from_inventory();
        registry.guard_egress(EgressPolicy::public_only());
        let proxy = format!("socks5h://127.0.0.1:{port}");
        let Ok(Hop::Proxy { proxy, .. }) = hop(registry, &[("ALL_PROXY", &proxy)]) else {
            panic!("expected a proxy");
        };
        let error = proxy.connect().await.expect_err("refused by the guard");
        assert_eq!(
            error.io_kind(),
            Some(io::ErrorKind::PermissionDenied),
            "{error}"
        );
    }

    /// A registry whose allow-list leaves `tcp` out refuses the proxy's `tcp:` description.
    #[test]
    fn the_environment_s_proxy_obeys_the_allow_list() {
        let mut registry = Registry::from_inventory();
        registry.allow_only(&["socks5", "unix"]);
        let error = match hop(registry, &[("https_proxy", "http://127.0.0.1:3128")]) {
            Err(error) => error,
            Ok(_) => panic!("tcp: is not allowed"),
        };
        assert!(error.to_string().contains("https_proxy"), "{error}");
    }

    #[test]
    fn credentials_come_from_the_url_else_from_the_layer() {
        let registry = Registry::from_inventory;
        let Ok(Hop::Proxy {
            scheme,
            credentials,
            ..
        }) = hop(registry(), &[("all_proxy", "socks5://u:p@127.0.0.1:1080")])
        else {
            panic!("expected a proxy");
        };
        assert_eq!(scheme, Scheme::Socks5);
        assert_eq!(credentials, Some(("u".into(), "p".into())));
        let Ok(Hop::Proxy {
            scheme,
            credentials,
            ..
        }) = hop(registry(), &[("https_proxy", "127.0.0.1:3128")])
        else {
            panic!("expected a proxy");
        };
        assert_eq!(scheme, Scheme::Http);
        assert_eq!(credentials, Some(("own".into(), "own-pw".into())));
        assert!(matches!(
            hop(
                registry(),
                &[("all_proxy", "socks5://h"), ("no_proxy", "*")]
            ),
            Ok(Hop::Direct)
        ));
        assert!(matches!(hop(registry(), &[]), Ok(Hop::Direct)));
    }
}
