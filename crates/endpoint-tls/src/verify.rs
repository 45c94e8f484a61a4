//! The client's server-certificate verifier: webpki's, unchanged, except that a name mismatch
//! reports the certificate's own names (read with x509-parser) instead of webpki's debug text.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, RootCertStore,
};
use rustls::{Error, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::pin::SpkiPin;
use crate::TlsProblem;

/// webpki's verifier, with the names of a mismatching certificate made readable.
#[derive(Debug)]
pub(crate) struct ServerVerifier(Arc<WebPkiServerVerifier>);

impl ServerVerifier {
    /// The verifier for `roots`, or `None` when there are no roots (webpki will not build
    /// one; such a client fails before any handshake).
    pub(crate) fn new(roots: RootCertStore, provider: &Arc<CryptoProvider>) -> Option<Arc<Self>> {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .ok()
            .map(|inner| Arc::new(ServerVerifier(inner)))
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| match e {
                Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                    expected,
                    presented,
                }) => CertificateError::NotValidForNameContext {
                    expected,
                    presented: subject_names(end_entity).unwrap_or(presented),
                }
                .into(),
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.0.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.0.root_hint_subjects()
    }
}

/// A verifier for `pin=`: the server's certificate must carry one of the pinned keys; with
/// roots as well (`trustRoots=`, `caCertsDir=`), it must also pass webpki's verification.
/// Without roots the pin is the whole check of the certificate (no issuer, name or dates):
/// the pinned key is the server's identity. Either way the handshake's signatures are
/// checked, which proves the server holds the pinned key's private half.
#[derive(Debug)]
pub(crate) struct PinnedVerifier {
    pins: Vec<SpkiPin>,
    roots: Option<Arc<ServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    pub(crate) fn new(
        pins: Vec<SpkiPin>,
        roots: Option<Arc<ServerVerifier>>,
        provider: &Arc<CryptoProvider>,
    ) -> Arc<Self> {
        Arc::new(PinnedVerifier {
            pins,
            roots,
            algorithms: provider.signature_verification_algorithms,
        })
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        // The pin first, so a refusal always names the key presented (`endpoint tls pin`
        // relies on it).
        let presented = SpkiPin::of_certificate(end_entity.as_ref())
            .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
        if !self.pins.contains(&presented) {
            // The problem itself rides in rustls' error, so `errors` can take it back out.
            let mismatch = TlsProblem::PinMismatch {
                presented: presented.to_string(),
                expected: self.pins.iter().map(ToString::to_string).collect(),
            };
            return Err(CertificateError::Other(OtherError(Arc::new(mismatch))).into());
        }
        match &self.roots {
            Some(roots) => {
                roots.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.roots.as_ref().and_then(|r| r.root_hint_subjects())
    }
}

/// The DNS names and IP addresses of a certificate's subjectAltName extension, in order;
/// `None` when the certificate cannot be parsed.
fn subject_names(cert: &CertificateDer<'_>) -> Option<Vec<String>> {
    let (_, parsed) = X509Certificate::from_der(cert.as_ref()).ok()?;
    let Some(san) = parsed.subject_alternative_name().ok()? else {
        return Some(Vec::new());
    };
    let names = san
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => <[u8; 4]>::try_from(*ip)
                    .ok()
                    .map(|b| Ipv4Addr::from(b).to_string()),
                16 => <[u8; 16]>::try_from(*ip)
                    .ok()
                    .map(|b| Ipv6Addr::from(b).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_test_server_certificate() {
        use rustls_pki_types::pem::PemObject;
        let pki = endpoint_testkit::TestPki::new();
        let cert = CertificateDer::from_pem_file(pki.path("server-cert.pem")).unwrap();
        assert_eq!(
            subject_names(&cert),
            Some(vec!["localhost".into(), "127.0.0.1".into(), "::1".into()])
        );
        assert_eq!(subject_names(&CertificateDer::from(vec![1, 2, 3])), None);
    }
}
