//! Turning rustls failures into sentences a user can act on.

use std::io;

use endpoint_core::Error;
use rustls::{AlertDescription, CertificateError};

/// Wraps a failed handshake: says what failed, keeps the rustls error as the source.
pub(crate) fn handshake(
    error: io::Error,
    endpoint: &dyn std::fmt::Display,
    verify_name: Option<&str>,
) -> Error {
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    let what = match &tls {
        Some(e) => describe(e, verify_name),
        None => format!("the connection failed during the handshake ({error})"),
    };
    Error::Tls {
        message: format!("handshake with \"{endpoint}\" failed: {what}"),
        source: Some(Box::new(error)),
    }
}

fn describe(error: &rustls::Error, verify_name: Option<&str>) -> String {
    use rustls::Error as E;
    match error {
        E::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => {
                "the peer's certificate is not signed by a trusted root (unknown issuer); \
                 name its CA with trustRoots="
                    .into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "the certificate is not valid for the name {} (name mismatch)",
                    verify_name
                        .map(|n| format!("\"{n}\""))
                        .unwrap_or_else(|| "asked for".into())
                )
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the certificate is not valid yet".into()
            }
            CertificateError::Revoked => "the certificate has been revoked".into(),
            CertificateError::BadSignature => "the certificate's signature is invalid".into(),
            other => format!("the certificate was rejected ({other:?})"),
        },
        E::NoApplicationProtocol => "no shared application protocol (ALPN)".into(),
        E::PeerIncompatible(p) => format!("no shared protocol version or cipher suite ({p:?})"),
        E::NoCertificatesPresented => {
            "the peer presented no certificate, but one is required".into()
        }
        E::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired | AlertDescription::HandshakeFailure => {
                format!("the peer refused the handshake ({alert:?}; does it require a client certificate?)")
            }
            AlertDescription::UnknownCA | AlertDescription::BadCertificate => {
                format!("the peer rejected our certificate ({alert:?})")
            }
            AlertDescription::NoApplicationProtocol => {
                "no shared application protocol (ALPN)".into()
            }
            AlertDescription::ProtocolVersion => "no shared protocol version".into(),
            other => format!("the peer sent the alert {other:?}"),
        },
        other => other.to_string(),
    }
}
