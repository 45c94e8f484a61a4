//! `clientSubjects=`: which client identities a mutual-TLS server admits, beyond "any
//! certificate its `clientCA=` issued" (ghostunnel's `--allow-dns`, `--allow-uri`,
//! `--allow-cn`). The chain is verified first, by webpki; then the client's certificate must
//! carry one of the allowed DNS names, URIs (SPIFFE IDs) or common names.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// One client identity a server admits with `clientSubjects=`: written `dns:NAME`,
/// `uri:URI` or `cn:NAME` (the prefix in any case, as OpenSSL writes `DNS:` and `URI:`).
///
/// A `dns:` entry matches a DNS name of the certificate's subjectAltName (ASCII case aside;
/// a wildcard in the certificate matches only the same wildcard), a `uri:` entry a URI of it
/// exactly (a SPIFFE ID such as `spiffe://example.org/api`), a `cn:` entry a common name of
/// the certificate's subject exactly.
///
/// # Examples
/// ```
/// use endpoint_tls::ClientSubject;
/// let spiffe: ClientSubject = "URI:spiffe://example.org/api".parse().unwrap();
/// assert_eq!(spiffe, ClientSubject::Uri("spiffe://example.org/api".into()));
/// assert_eq!(spiffe.to_string(), "uri:spiffe://example.org/api");
/// assert!("ip:127.0.0.1".parse::<ClientSubject>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientSubject {
    /// `dns:NAME`: a DNS name in the certificate's subjectAltName.
    Dns(String),
    /// `uri:URI`: a URI in the certificate's subjectAltName, e.g. a SPIFFE ID.
    Uri(String),
    /// `cn:NAME`: a common name (CN) of the certificate's subject.
    CommonName(String),
}

impl fmt::Display for ClientSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientSubject::Dns(name) => write!(f, "dns:{name}"),
            ClientSubject::Uri(uri) => write!(f, "uri:{uri}"),
            ClientSubject::CommonName(name) => write!(f, "cn:{name}"),
        }
    }
}

impl FromStr for ClientSubject {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((kind, value)) = text.split_once(':') else {
            return Err(format!("\"{text}\" is not dns:NAME, uri:URI or cn:NAME"));
        };
        if value.is_empty() {
            return Err(format!("\"{text}\" names nothing after \"{kind}:\""));
        }
        if value.chars().any(char::is_control) {
            return Err(format!(
                "\"{}\" holds a control character",
                endpoint_core::printable(text)
            ));
        }
        match kind.to_ascii_lowercase().as_str() {
            "dns" => Ok(ClientSubject::Dns(value.to_ascii_lowercase())),
            "uri" => Ok(ClientSubject::Uri(value.to_owned())),
            "cn" => Ok(ClientSubject::CommonName(value.to_owned())),
            _ => Err(format!(
                "\"{kind}:\" is not a kind of subject (dns:NAME, uri:URI or cn:NAME)"
            )),
        }
    }
}

/// Reads `clientSubjects=`: a comma-separated list of [`ClientSubject`]s (for kinds that
/// take the option from [`specs::CLIENT_SUBJECTS`](crate::specs::CLIENT_SUBJECTS) and set
/// [`TlsServerSettings::client_subjects`](crate::TlsServerSettings::client_subjects)).
///
/// # Errors
/// A sentence naming the entry that is not `dns:NAME`, `uri:URI` or `cn:NAME`.
///
/// # Examples
/// ```
/// use endpoint_tls::{parse_client_subjects, ClientSubject};
/// assert_eq!(
///     parse_client_subjects("dns:api.internal,cn:billing").unwrap(),
///     [
///         ClientSubject::Dns("api.internal".into()),
///         ClientSubject::CommonName("billing".into())
///     ]
/// );
/// assert!(parse_client_subjects("api.internal").is_err());
/// ```
pub fn parse_client_subjects(text: &str) -> Result<Vec<ClientSubject>, String> {
    text.split(',').map(str::parse).collect()
}

/// The identities a certificate carries, as [`ClientSubject`]s: its subjectAltName's DNS
/// names and URIs, then its subject's common names. Empty when it does not parse.
pub(crate) fn subjects_of(cert: &CertificateDer<'_>) -> Vec<ClientSubject> {
    let Ok((_, parsed)) = X509Certificate::from_der(cert.as_ref()) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    if let Ok(Some(san)) = parsed.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => found.push(ClientSubject::Dns(d.to_ascii_lowercase())),
                GeneralName::URI(u) => found.push(ClientSubject::Uri((*u).to_owned())),
                _ => {}
            }
        }
    }
    for cn in parsed.subject().iter_common_name() {
        if let Ok(cn) = cn.as_str() {
            found.push(ClientSubject::CommonName(cn.to_owned()));
        }
    }
    found
}

/// The first of `allowed` that `cert` carries, if any.
pub(crate) fn admitted(
    cert: &CertificateDer<'_>,
    allowed: &[ClientSubject],
) -> Option<ClientSubject> {
    let carried = subjects_of(cert);
    allowed.iter().find(|a| carried.contains(a)).cloned()
}

/// webpki's client verifier, then the allow-list: a client whose certificate chains to
/// `clientCA=` but carries none of the allowed subjects is refused with the alert
/// `access_denied` (RFC 8446: "a valid certificate was received, but when access control was
/// applied, the sender decided not to proceed").
#[derive(Debug)]
pub(crate) struct SubjectVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    allowed: Vec<ClientSubject>,
}

impl SubjectVerifier {
    pub(crate) fn new(
        inner: Arc<dyn ClientCertVerifier>,
        allowed: Vec<ClientSubject>,
    ) -> Arc<Self> {
        Arc::new(SubjectVerifier { inner, allowed })
    }
}

impl ClientCertVerifier for SubjectVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        if admitted(end_entity, &self.allowed).is_some() {
            return Ok(verified);
        }
        // Per handshake and chosen by the client (within what its CA signed): debug only.
        let presented: Vec<String> = subjects_of(end_entity)
            .iter()
            .map(|s| endpoint_core::printable(&s.to_string()).into_owned())
            .collect();
        tracing::debug!(
            ?presented,
            "refused a client certificate: none of its subjects is in clientSubjects="
        );
        Err(CertificateError::ApplicationVerificationFailure.into())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_and_print() {
        let list =
            parse_client_subjects("DNS:API.Internal,uri:spiffe://example.org/api,cn:a b").unwrap();
        assert_eq!(
            list,
            [
                ClientSubject::Dns("api.internal".into()),
                ClientSubject::Uri("spiffe://example.org/api".into()),
                ClientSubject::CommonName("a b".into()),
            ]
        );
        let printed: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(
            printed.join(","),
            "dns:api.internal,uri:spiffe://example.org/api,cn:a b"
        );
        for bad in ["", "api", "dns:", "ip:127.0.0.1", "dns:a,", "cn:a\nb"] {
            assert!(parse_client_subjects(bad).is_err(), "{bad:?}");
        }
    }
}
