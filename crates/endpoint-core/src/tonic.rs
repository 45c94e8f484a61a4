//! tonic's `Connected` for [`Connection`] (the `tonic` feature).
//!
//! Only this impl lives here, because the orphan rule wants it next to `Connection`; the
//! channel helpers are `endpoints::tonic::channel` and `channel_lazy`, in the facade.

use tonic::transport::server::Connected;

use crate::connection::{Connection, ConnectionInfo};

/// A gRPC handler sees the connection's [`ConnectionInfo`] (addresses, the transports it
/// went through, what TLS or WebSocket learned) in its request extensions: a
/// [`Listener`](crate::Listener) is a stream of `Connection`s, so
/// `Server::builder().add_service(svc).serve_with_incoming(listener)` serves over any server
/// description.
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
impl Connected for Connection {
    type ConnectInfo = ConnectionInfo;

    fn connect_info(&self) -> ConnectionInfo {
        self.info().clone()
    }
}
