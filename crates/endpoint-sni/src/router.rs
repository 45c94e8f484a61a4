//! Routing by server name: a client endpoint that picks its upstream by the name the accepted
//! connection asked for.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use endpoint_core::description::Description;
use endpoint_core::{printable, BoxFuture, ClientEndpoint, Connection, Error, Origin, Result};
use tracing::debug;

/// The route key that names the default route.
pub const DEFAULT_ROUTE: &str = "default";

/// A client endpoint that connects to one of several upstreams, chosen by the server name of
/// the connection it connects for ([`Origin::server_name`]): the name an `sni+` layer read
/// from the ClientHello, or the one a terminating TLS server (`tls:`, `tls+`) agreed on.
///
/// Routes are
/// - exact names (`a.example`), compared case-insensitively;
/// - wildcards (`*.b.example`), which match exactly one more label, as in certificates:
///   `x.b.example` but neither `b.example` nor `y.x.b.example`;
/// - `default`, for a name no other route matches and for a connection that asked for no
///   name (or a connect made on behalf of no one).
///
/// An exact route wins over a wildcard. A name no route matches, with no default, is refused
/// with an error naming it: a relay then closes the accepted connection.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use endpoint_core::{ConnectionInfo, Origin, TlsHello};
/// use endpoint_sni::SniRouter;
/// use tokio::io::AsyncReadExt;
///
/// // Two backends: each says who it is.
/// let backend = |greeting: &'static [u8]| async move {
///     let mut listener = endpoints::server_from_string("tcp:0:interface=127.0.0.1")?.bind().await?;
///     let port = listener.local_address().port().unwrap();
///     tokio::spawn(async move {
///         use tokio::io::AsyncWriteExt;
///         while let Ok(mut c) = listener.accept().await {
///             let _ = c.write_all(greeting).await;
///         }
///     });
///     Ok::<_, endpoint_core::Error>(endpoints::client_from_string(&format!("tcp:127.0.0.1:{port}"))?)
/// };
/// let router = SniRouter::new()
///     .route("a.example", backend(b"a").await?)?
///     .route("*.b.example", backend(b"b").await?)?;
///
/// let for_name = |name: &str| {
///     let mut info = ConnectionInfo::new(
///         "tcp",
///         "127.0.0.1:443".parse::<std::net::SocketAddr>().unwrap().into(),
///         "127.0.0.1:50000".parse::<std::net::SocketAddr>().unwrap().into(),
///     );
///     info.insert(TlsHello::new(Some(name.to_string()), Vec::new()));
///     Origin::new(info)
/// };
/// use endpoint_core::ClientEndpoint;
/// let mut first = [0; 1];
/// router.connect_for(&for_name("a.example")).await?.read_exact(&mut first).await?;
/// assert_eq!(&first, b"a");
/// router.connect_for(&for_name("x.b.example")).await?.read_exact(&mut first).await?;
/// assert_eq!(&first, b"b");
/// // No route and no default: refused.
/// let refused = router.connect_for(&for_name("c.example")).await.unwrap_err();
/// assert!(refused.to_string().contains("no route for server name \"c.example\""));
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct SniRouter {
    /// Exact names, lowercase.
    exact: BTreeMap<String, Arc<dyn ClientEndpoint>>,
    /// Wildcards by the name after `*.`, lowercase.
    wildcard: BTreeMap<String, Arc<dyn ClientEndpoint>>,
    default: Option<Arc<dyn ClientEndpoint>>,
}

impl SniRouter {
    /// A router with no routes: it refuses every connect until given some.
    pub fn new() -> Self {
        SniRouter::default()
    }

    /// Adds a route: `pattern` is a host name (`a.example`), a wildcard (`*.b.example`), or
    /// `default`.
    ///
    /// # Errors
    /// A pattern that is none of those, or that a route already has (case-insensitively).
    pub fn route(mut self, pattern: &str, endpoint: Arc<dyn ClientEndpoint>) -> Result<Self> {
        let refused = |why: &str| {
            Err(Error::Other {
                message: format!("route {:?}: {why}", printable(pattern)),
                source: None,
            })
        };
        let lower = pattern.to_ascii_lowercase();
        if lower == DEFAULT_ROUTE {
            if self.default.is_some() {
                return refused("there is already a default route");
            }
            self.default = Some(endpoint);
            return Ok(self);
        }
        let (table, name) = match lower.strip_prefix("*.") {
            Some(rest) => (&mut self.wildcard, rest.to_string()),
            None => (&mut self.exact, lower.clone()),
        };
        if !is_host_name(&name) {
            return refused(
                "not a host name (a.example), a wildcard of one label (*.b.example), or default",
            );
        }
        if table.contains_key(&name) {
            return refused("this name already has a route");
        }
        table.insert(name, endpoint);
        Ok(self)
    }

    /// Sets the route for names no other route matches (the same as `route("default", ..)`).
    pub fn default_route(mut self, endpoint: Arc<dyn ClientEndpoint>) -> Self {
        self.default = Some(endpoint);
        self
    }

    /// The endpoint a connection asking for `name` goes to (`None`: asked for no name).
    pub fn pick(&self, name: Option<&str>) -> Option<&Arc<dyn ClientEndpoint>> {
        let matched = name.and_then(|name| {
            let name = name.to_ascii_lowercase();
            self.exact.get(&name).or_else(|| {
                let (_, parent) = name.split_once('.')?;
                self.wildcard.get(parent)
            })
        });
        matched.or(self.default.as_ref())
    }

    /// How many routes, the default included.
    pub fn len(&self) -> usize {
        self.exact.len() + self.wildcard.len() + usize::from(self.default.is_some())
    }

    /// True when there is no route at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// True when connections accepted on a server of this description carry a server name a
/// [`SniRouter`] can route by: an `sni+` layer reads it, or a TLS server (`tls`, `ssl`,
/// `quic`) terminates and agrees on it. Configurations check their routed listeners with it.
///
/// ```
/// # use endpoints as _;
/// use endpoint_sni::routable;
/// let server = |text: &str| endpoint_core::server_from_string(text).unwrap().description();
/// assert!(routable(&server("sni+tcp:443")));
/// assert!(!routable(&server("tcp:443")));
/// ```
pub fn routable(server: &Description) -> bool {
    let parts = server.merged_parts();
    if !parts.is_empty() {
        return parts.iter().all(routable);
    }
    ["sni", "tls", "ssl", "quic"]
        .iter()
        .any(|kind| server.contains_kind(kind))
}

/// Letters, digits, `-` and `_` in dot-separated labels of 1 to 63 bytes, 253 at most: what
/// the `sni+` layer accepts in a ClientHello.
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl fmt::Debug for SniRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SniRouter")
            .field(&self.description().to_string())
            .finish()
    }
}

impl fmt::Display for SniRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ClientEndpoint for SniRouter {
    /// Connects to the route of [`Origin::current`]'s server name.
    ///
    /// # Errors
    /// No route for the name and no default (the error names it); else the chosen
    /// endpoint's connect error.
    ///
    /// # Cancel safety
    /// As the chosen endpoint's `connect`.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            // Read when polled: the origin is in scope then, however the caller entered it
            // (`connect_for`, or `Origin::scope` around a connect made earlier).
            let origin = Origin::current();
            let name = origin.as_ref().and_then(Origin::server_name);
            let Some(endpoint) = self.pick(name) else {
                let message = match name {
                    Some(name) => format!(
                        "no route for server name \"{}\" and no default route",
                        printable(name)
                    ),
                    None => "the client asked for no server name and there is no default route"
                        .to_string(),
                };
                return Err(Error::Other {
                    message,
                    source: None,
                });
            };
            debug!(server_name = name.unwrap_or(""), upstream = %endpoint, "routed by server name");
            endpoint.connect().await
        })
    }

    /// `sni-router:` with each route as a nested description, in a stable order (exact names,
    /// wildcards, then `default`), so two routers with the same routes are equal.
    fn description(&self) -> Description {
        let mut d = Description::new("sni-router");
        for (name, endpoint) in &self.exact {
            d = d.nested(name, endpoint.description());
        }
        for (name, endpoint) in &self.wildcard {
            d = d.nested(&format!("*.{name}"), endpoint.description());
        }
        if let Some(endpoint) = &self.default {
            d = d.nested(DEFAULT_ROUTE, endpoint.description());
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use endpoints as _;

    fn router() -> SniRouter {
        let tcp = |port: u16| -> Arc<dyn ClientEndpoint> {
            endpoint_core::Registry::global()
                .client(&format!("tcp:127.0.0.1:{port}"))
                .unwrap()
        };
        SniRouter::new()
            .route("A.Example", tcp(1))
            .unwrap()
            .route("*.b.example", tcp(2))
            .unwrap()
            .route("c.b.example", tcp(3))
            .unwrap()
    }

    fn port(endpoint: Option<&Arc<dyn ClientEndpoint>>) -> Option<String> {
        endpoint.map(|e| e.to_string())
    }

    #[test]
    fn exact_names_win_over_wildcards_and_case_does_not_matter() {
        let r = router();
        assert!(port(r.pick(Some("a.EXAMPLE"))).unwrap().contains(":1"));
        assert!(port(r.pick(Some("x.b.example"))).unwrap().contains(":2"));
        assert!(port(r.pick(Some("c.b.example"))).unwrap().contains(":3"));
    }

    #[test]
    fn a_wildcard_matches_exactly_one_label() {
        let r = router();
        assert!(r.pick(Some("b.example")).is_none());
        assert!(r.pick(Some("y.x.b.example")).is_none());
        assert!(r.pick(None).is_none());
    }

    #[test]
    fn the_default_takes_the_rest() {
        let fallback = endpoint_core::Registry::global()
            .client("tcp:127.0.0.1:9")
            .unwrap();
        let r = router().route("DEFAULT", fallback).unwrap();
        assert!(port(r.pick(Some("other.example"))).unwrap().contains(":9"));
        assert!(port(r.pick(None)).unwrap().contains(":9"));
        assert_eq!(r.len(), 4);
    }

    #[test]
    fn bad_and_repeated_patterns_are_refused() {
        let any = || {
            endpoint_core::Registry::global()
                .client("tcp:127.0.0.1:9")
                .unwrap()
        };
        for bad in [
            "",
            "*",
            "*.",
            "a.*.example",
            "**.a",
            "a..b",
            "a b",
            "-a.example",
        ] {
            let e = SniRouter::new().route(bad, any()).unwrap_err();
            assert!(e.to_string().starts_with("route "), "{bad}: {e}");
        }
        let e = router().route("a.example", any()).unwrap_err();
        assert!(e.to_string().contains("already has a route"), "{e}");
    }
}
