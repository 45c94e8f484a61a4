//! hyper-util's connection trait for [`Connection`] (the `hyper` feature).
//!
//! Only this impl lives here, because the orphan rule wants it next to `Connection`; the
//! connector itself is `endpoints::hyper::Connector`, in the facade.

use hyper_util::client::legacy::connect::{Connected, Connection as HyperConnection};

use crate::connection::Connection;
use crate::secured::Secured;

/// What hyper-util's pool learns about a connection: its [`ConnectionInfo`](crate::ConnectionInfo),
/// put in every response's extensions, and HTTP/2 when an encrypting layer agreed on `h2` by
/// ALPN (a [`Secured`] whose ALPN is `h2`), so the client speaks what the server chose.
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
impl HyperConnection for Connection {
    fn connected(&self) -> Connected {
        let connected = Connected::new().extra(self.info().clone());
        match self.info().get::<Secured>() {
            Some(secured) if secured.is_h2() => connected.negotiated_h2(),
            _ => connected,
        }
    }
}
