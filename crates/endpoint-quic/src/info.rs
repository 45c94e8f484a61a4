//! What a QUIC connection settled, stored in the `ConnectionInfo` of each of its streams.

use endpoint_core::{ConnectionInfo, Secured};
use rustls_pki_types::CertificateDer;

/// The QUIC connection a stream belongs to: read it with
/// `connection.info().get::<QuicInfo>()`.
///
/// Every stream of one QUIC connection carries the same `stable_id`, so a server can tell
/// which streams came over one connection (one client, one handshake).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct QuicInfo {
    /// The application protocol agreed by ALPN (QUIC always agrees on one).
    pub alpn: Option<String>,
    /// The server name the client sent (SNI); on the client side, the name it verified.
    pub server_name: Option<String>,
    /// The peer's certificate chain, leaf first (empty when the peer sent none: a client
    /// without a certificate).
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Identifies the QUIC connection within this process (quinn's `stable_id`).
    pub stable_id: usize,
    /// This stream's QUIC stream id (0, 4, 8, ... for client-opened bidirectional streams).
    pub stream_id: u64,
    /// A handle on the QUIC connection (round-trip time, statistics, closing it and every
    /// stream on it). Holding it keeps the connection open on the server side.
    pub connection: quinn::Connection,
}

impl QuicInfo {
    pub(crate) fn new(
        connection: &quinn::Connection,
        stream_id: u64,
        verified_name: Option<&str>,
    ) -> Self {
        let handshake = connection
            .handshake_data()
            .and_then(|d| d.downcast::<quinn::crypto::rustls::HandshakeData>().ok());
        let alpn = alpn(connection).map(|p| String::from_utf8_lossy(&p).into_owned());
        let server_name = handshake
            .and_then(|h| h.server_name.clone())
            .or_else(|| verified_name.map(str::to_owned));
        let peer_certificates = connection
            .peer_identity()
            .and_then(|i| i.downcast::<Vec<CertificateDer<'static>>>().ok())
            .map(|c| *c)
            .unwrap_or_default();
        QuicInfo {
            alpn,
            server_name,
            peer_certificates,
            stable_id: connection.stable_id(),
            stream_id,
            connection: connection.clone(),
        }
    }
}

/// The application protocol the QUIC handshake agreed on, as sent.
fn alpn(connection: &quinn::Connection) -> Option<Vec<u8>> {
    connection
        .handshake_data()
        .and_then(|d| d.downcast::<quinn::crypto::rustls::HandshakeData>().ok())
        .and_then(|h| h.protocol)
}

/// Stores what a QUIC stream's info holds: the [`QuicInfo`], and the [`Secured`] mark every
/// QUIC connection earns (TLS 1.3 inside).
pub(crate) fn insert(
    info: &mut ConnectionInfo,
    connection: &quinn::Connection,
    stream_id: u64,
    verified_name: Option<&str>,
) {
    // QUIC always carries TLS 1.3 (RFC 9001).
    info.insert(Secured::new(alpn(connection)).with_protocol("TLSv1.3"));
    info.insert(QuicInfo::new(connection, stream_id, verified_name));
}
