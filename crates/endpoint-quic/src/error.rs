//! Turning quinn's failures into the workspace's errors, and remembering why a certificate
//! was refused (quinn reports a failed handshake as a transport error code and text only).

use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

use endpoint_core::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{AlertDescription, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// endpoint-tls's verifier, keeping the last error it returned so a failed handshake can be
/// reported as the [`TlsProblem`](endpoint_tls::TlsProblem) it was.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    last: Mutex<Option<rustls::Error>>,
}

impl RecordingVerifier {
    pub(crate) fn new(inner: Arc<dyn ServerCertVerifier>) -> Arc<Self> {
        Arc::new(RecordingVerifier {
            inner,
            last: Mutex::new(None),
        })
    }

    /// The last verification error, taken.
    pub(crate) fn take(&self) -> Option<rustls::Error> {
        self.last.lock().map(|mut l| l.take()).unwrap_or(None)
    }

    fn record<T>(&self, result: Result<T, rustls::Error>) -> Result<T, rustls::Error> {
        if let Err(e) = &result {
            if let Ok(mut last) = self.last.lock() {
                *last = Some(e.clone());
            }
        }
        result
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.record(self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record(self.inner.verify_tls12_signature(message, cert, dss))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record(self.inner.verify_tls13_signature(message, cert, dss))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

/// The TLS alert a QUIC transport error code carries (`0x0100 + alert`, RFC 9001 §4.8).
fn alert(code: quinn::TransportErrorCode) -> Option<AlertDescription> {
    let code = u64::from(code);
    (0x100..0x200)
        .contains(&code)
        .then(|| AlertDescription::from((code - 0x100) as u8))
}

/// A connection attempt that failed: a TLS problem when the handshake failed (our verifier's
/// error, or the alert the peer sent), a timeout, else an I/O error.
pub(crate) fn connect_failed(
    error: quinn::ConnectionError,
    endpoint: &dyn fmt::Display,
    verifier: Option<&RecordingVerifier>,
    verify_name: &str,
    alpn: &[String],
) -> Error {
    use quinn::ConnectionError as C;
    let tls =
        |e: rustls::Error| endpoint_tls::handshake_error(e, endpoint, Some(verify_name), alpn);
    match &error {
        C::TransportError(t) if alert(t.code).is_some() => {
            match verifier.and_then(RecordingVerifier::take) {
                Some(e) => tls(e),
                None => {
                    let alert = alert(t.code).unwrap_or(AlertDescription::HandshakeFailure);
                    tls(local_alert(alert))
                }
            }
        }
        C::ConnectionClosed(close) if alert(close.error_code).is_some() => {
            let alert = alert(close.error_code).unwrap_or(AlertDescription::HandshakeFailure);
            tls(rustls::Error::AlertReceived(alert))
        }
        _ => Error::io("connect to", endpoint, io::Error::from(error)),
    }
}

/// What our own side's alert means: no shared ALPN, or a handshake failure in words.
fn local_alert(alert: AlertDescription) -> rustls::Error {
    match alert {
        AlertDescription::NoApplicationProtocol => rustls::Error::NoApplicationProtocol,
        other => rustls::Error::General(format!("the handshake failed ({other:?})")),
    }
}
