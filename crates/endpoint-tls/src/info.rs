//! What a TLS handshake settled, stored in every TLS connection's `ConnectionInfo`.

use rustls::CommonState;
use rustls_pki_types::CertificateDer;

use crate::subjects::ClientSubject;

/// The outcome of a TLS handshake: read it with `connection.info().get::<TlsInfo>()`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsInfo {
    /// The protocol version, e.g. `TLSv1_3`.
    pub version: String,
    /// The cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The application protocol agreed by ALPN, if any.
    pub alpn: Option<String>,
    /// The server name the client sent (SNI), if any.
    pub server_name: Option<String>,
    /// The peer's certificate chain, leaf first (empty when the peer sent none).
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// On a server with `clientSubjects=`: the allowed identity the client's certificate
    /// carries (the first of the list it matched). `None` elsewhere.
    pub client_subject: Option<ClientSubject>,
}

impl TlsInfo {
    pub(crate) fn from_state(state: &CommonState, server_name: Option<String>) -> Self {
        TlsInfo {
            version: state
                .protocol_version()
                .map(|v| format!("{v:?}"))
                .unwrap_or_default(),
            cipher_suite: state
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()))
                .unwrap_or_default(),
            alpn: state
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            server_name,
            peer_certificates: state
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
            client_subject: None,
        }
    }
}

/// The [`Secured`](endpoint_core::Secured) mark of a finished handshake: its ALPN and its
/// protocol version as operators name it.
pub(crate) fn secured(
    alpn: Option<&[u8]>,
    version: Option<rustls::ProtocolVersion>,
) -> endpoint_core::Secured {
    let mark = endpoint_core::Secured::new(alpn.map(<[u8]>::to_vec));
    match version {
        Some(rustls::ProtocolVersion::TLSv1_3) => mark.with_protocol("TLSv1.3"),
        Some(rustls::ProtocolVersion::TLSv1_2) => mark.with_protocol("TLSv1.2"),
        _ => mark,
    }
}
