//! A relay's `to` or its `routes` table: where its connections go.
//!
//! `routes = { "a.example" = "tcp:10.0.0.1:443", "*.b.example" = "...", default = "..." }`
//! becomes an [`SniRouter`] (held as the relay's `to`, compared by value like any
//! description, so a reload that changes a route replaces the relay's route). Routing needs
//! the server name, so every listener of a routed relay must be `sni+` or a TLS server.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use endpoint_core::{ClientDescription, ClientEndpoint, ServerDescription};
use endpoint_sni::{routable, SniRouter};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

/// How the file reports a problem: the configuration module's locator, seen through what
/// routing needs of it (so this module does not import its parent).
pub(super) trait Report {
    /// The error type of the file.
    type Error;
    /// Parses a client description written in the file, for the relay.
    fn client(&self, value: &Spanned<String>) -> Result<ClientDescription, Self::Error>;
    /// An error at `span`, in the relay.
    fn at(&self, span: Range<usize>, message: String) -> Self::Error;
    /// `error`, said to be about the route `key`.
    fn in_route(&self, error: Self::Error, key: &str) -> Self::Error;
}

/// The `routes` table: each key (a host name, `*.` wildcard or `default`) and its client
/// description, with their spans.
pub(super) struct RawRoutes(Vec<(Spanned<String>, Spanned<String>)>);

impl<'de> Deserialize<'de> for RawRoutes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Table;
        impl<'de> Visitor<'de> for Table {
            type Value = RawRoutes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of server names to client descriptions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRoutes, A::Error> {
                let mut all = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    all.push((key, map.next_value::<Spanned<String>>()?));
                }
                Ok(RawRoutes(all))
            }
        }
        d.deserialize_map(Table)
    }
}

/// The relay's `to`: its one description, or the router its `routes` make. Exactly one of
/// the two must be there, and a routed relay must listen where the server name is known.
pub(super) fn target<R: Report>(
    report: &R,
    (to, routes): (Option<Spanned<String>>, Option<Spanned<RawRoutes>>),
    name: &Spanned<String>,
    (listen, listen_span): (&[ServerDescription], Range<usize>),
) -> Result<ClientDescription, R::Error> {
    let routes = match (to, routes) {
        (Some(to), None) => return report.client(&to),
        (Some(to), Some(_)) => {
            return Err(report.at(to.span(), "a relay has `to` or `routes`, not both".into()))
        }
        (None, None) => {
            return Err(report.at(
                name.span(),
                "missing field `to` (or `routes`, to route by server name)".into(),
            ))
        }
        (None, Some(routes)) => routes,
    };
    let span = routes.span();
    let RawRoutes(all) = routes.into_inner();
    if all.is_empty() {
        return Err(report.at(span, "`routes` is empty: give at least one route".into()));
    }
    let mut router = SniRouter::new();
    for (key, value) in all {
        let client = report
            .client(&value)
            .map_err(|e| report.in_route(e, key.get_ref()))?;
        let endpoint: Arc<dyn ClientEndpoint> = client.into_endpoint();
        router = router
            .route(key.get_ref(), endpoint)
            .map_err(|e| report.at(key.span(), e.to_string()))?;
    }
    if let Some(unroutable) = listen.iter().find(|l| !routable(&l.description())) {
        return Err(report.at(
            listen_span,
            format!(
                "`routes` choose by the server name the client asks for, which {unroutable} \
                 does not read: listen with sni+ (sni+tcp:443) or a TLS server (tls:...)"
            ),
        ));
    }
    let router: Arc<dyn ClientEndpoint> = Arc::new(router);
    Ok(ClientDescription::from(router))
}
