//! On whose behalf a client connects: the accepted connection a relay connects for.
//!
//! A relay, a router or a proxy connects *for* someone. Some client endpoints need to know
//! who: `haproxy+` writes the accepted connection's real addresses into a PROXY header; a
//! router picks its upstream by the server name the client asked for; a pool may pin a
//! client to one member. The caller says once, with
//! [`ClientEndpoint::connect_for`](crate::ClientEndpoint::connect_for) (or [`Origin::scope`]
//! around any connect), and any endpoint at any depth of the stack reads it with
//! [`Origin::current`].
//!
//! The origin travels with the connect future (a tokio task-local) rather than through every
//! layer's signature, so a layer that knows nothing of it (a plugin written before it
//! existed, `tls+`, `ws+`) passes it on without a line of code: `tls+haproxy+tcp:` sends the
//! header under the TLS handshake with no help from the TLS layer.

use std::future::Future;
use std::sync::Arc;

use crate::address::Address;
use crate::connection::ConnectionInfo;
use crate::secured::Secured;

tokio::task_local! {
    static CURRENT: Origin;
}

/// The accepted connection a client connects on behalf of: its addresses and what its layers
/// learned (the TLS server name and ALPN a terminating layer agreed on, the [`TlsHello`] a
/// peeking layer read, the client a PROXY header named).
///
/// Cheap to clone (one `Arc`).
///
/// ```
/// use endpoint_core::{Address, ConnectionInfo, Origin};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let info = ConnectionInfo::new(
///     "tcp",
///     "127.0.0.1:443".parse::<std::net::SocketAddr>().unwrap().into(),
///     "127.0.0.2:50000".parse::<std::net::SocketAddr>().unwrap().into(),
/// );
/// assert!(Origin::current().is_none());
/// let seen = Origin::new(info)
///     .scope(async { Origin::current().map(|o| o.peer().clone()) })
///     .await;
/// assert_eq!(seen.unwrap().to_string(), "127.0.0.2:50000");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Origin(Arc<ConnectionInfo>);

impl Origin {
    /// The origin an accepted connection's info describes.
    pub fn new(info: ConnectionInfo) -> Self {
        Origin(Arc::new(info))
    }

    /// The origin of the connect running now, if its caller gave one (see
    /// [`ClientEndpoint::connect_for`](crate::ClientEndpoint::connect_for)).
    pub fn current() -> Option<Origin> {
        CURRENT.try_with(Origin::clone).ok()
    }

    /// Runs `future` (a connect) with this origin as [`Origin::current`]. A layer that moves
    /// its inner connect onto another task carries the origin across with this. It covers
    /// the future only, not the `connect()` call that built it: an endpoint that reads the
    /// origin does so inside its future (or see [`in_scope`](Self::in_scope)).
    pub fn scope<F: Future>(self, future: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self, future)
    }

    /// Calls `f` with this origin as [`Origin::current`]: for the synchronous part of a
    /// connect (building its future), which [`scope`](Self::scope) does not cover because the
    /// future exists before it is scoped.
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self.clone(), f)
    }

    /// The accepted connection's info, extensions included.
    pub fn info(&self) -> &ConnectionInfo {
        &self.0
    }

    /// The client's address: the real one when a trusted PROXY header named it.
    pub fn peer(&self) -> &Address {
        &self.0.peer
    }

    /// The address the client connected to.
    pub fn local(&self) -> &Address {
        &self.0.local
    }

    /// The server name the client asked for: from a TLS layer that terminated the
    /// connection, else from a [`TlsHello`] a peeking layer read.
    pub fn server_name(&self) -> Option<&str> {
        let terminated = self
            .0
            .get::<Secured>()
            .and_then(|s| s.server_name.as_deref());
        terminated.or_else(|| self.0.get::<TlsHello>()?.server_name.as_deref())
    }

    /// The application protocol: the one a terminating TLS layer agreed on, else the first
    /// the client offered in a peeked [`TlsHello`].
    pub fn alpn(&self) -> Option<&[u8]> {
        let agreed = self.0.get::<Secured>().and_then(|s| s.alpn.as_deref());
        agreed.or_else(|| self.0.get::<TlsHello>()?.alpn.first().map(Vec::as_slice))
    }
}

/// A [`ConnectionInfo`] extension: what a TLS client asked for in its ClientHello, read by a
/// layer that does not terminate TLS (`sni+`), so the bytes can go on untouched to a backend
/// that does. Routers pick an upstream by it; `haproxy+` forwards it in PROXY v2 TLVs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsHello {
    /// The `server_name` extension's host name (lowercase ASCII), if the client sent one.
    pub server_name: Option<String>,
    /// The protocols the client offered by ALPN, in its order of preference.
    pub alpn: Vec<Vec<u8>>,
}

impl TlsHello {
    /// What a ClientHello asked for.
    pub fn new(server_name: Option<String>, alpn: Vec<Vec<u8>>) -> Self {
        TlsHello { server_name, alpn }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::UnixAddress;

    fn info() -> ConnectionInfo {
        let unnamed = || Address::Unix(UnixAddress::Unnamed);
        ConnectionInfo::new("unix", unnamed(), unnamed())
    }

    #[tokio::test]
    async fn the_origin_is_seen_inside_its_scope_only() {
        let origin = Origin::new(info());
        let inside = origin.scope(async { Origin::current().is_some() }).await;
        assert!(inside);
        assert!(Origin::current().is_none());
    }

    /// An endpoint that reads the origin while building its future, not inside it.
    #[derive(Debug)]
    struct Eager;

    impl std::fmt::Display for Eager {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("eager")
        }
    }

    impl crate::ClientEndpoint for Eager {
        fn connect(&self) -> crate::BoxFuture<'_, crate::Result<crate::Connection>> {
            let seen = Origin::current().is_some();
            Box::pin(async move {
                Err(crate::Error::Other {
                    message: format!("seen while building: {seen}"),
                    source: None,
                })
            })
        }

        fn description(&self) -> crate::description::Description {
            crate::description::Description::new("eager")
        }
    }

    #[tokio::test]
    async fn connect_for_covers_the_synchronous_part_of_connect_too() {
        use crate::ClientEndpoint;
        let error = Eager.connect_for(&Origin::new(info())).await.unwrap_err();
        assert!(
            error.to_string().contains("seen while building: true"),
            "{error}"
        );
        let error = Eager.connect().await.unwrap_err();
        assert!(
            error.to_string().contains("seen while building: false"),
            "{error}"
        );
    }

    #[test]
    fn a_terminated_name_wins_over_a_peeked_one() {
        let mut info = info();
        info.insert(TlsHello::new(
            Some("peeked.example".into()),
            vec![b"h2".to_vec()],
        ));
        assert_eq!(
            Origin::new(info.clone()).server_name(),
            Some("peeked.example")
        );
        assert_eq!(Origin::new(info.clone()).alpn(), Some(&b"h2"[..]));
        info.insert(Secured::new(Some(b"http/1.1".to_vec())).with_server_name("tls.example"));
        let origin = Origin::new(info);
        assert_eq!(origin.server_name(), Some("tls.example"));
        assert_eq!(origin.alpn(), Some(&b"http/1.1"[..]));
    }
}
