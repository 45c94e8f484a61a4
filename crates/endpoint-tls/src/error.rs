//! TLS errors: [`TlsProblem`], the typed evidence of a failed TLS setup or handshake, and
//! turning rustls failures into the [`Error::Handshake`] that carries one.

mod problem;

use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use endpoint_core::description::Args;
use endpoint_core::Error;
use rustls::{AlertDescription, CertificateError, ExtendedKeyPurpose, PeerIncompatible};
use rustls_pki_types::UnixTime;

pub use problem::TlsProblem;

/// The layer name TLS errors carry: their messages start `tls: ` or `tls handshake with`.
pub(crate) const LAYER: &str = "tls";

impl TlsProblem {
    /// This problem as the workspace's error: [`Error::Handshake`] with layer `tls`, whose
    /// message is `tls handshake with "{endpoint}" failed: {problem}` (or `tls: {problem}`
    /// without an endpoint). For transports that run TLS themselves (QUIC).
    pub fn into_error(
        self,
        endpoint: Option<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::handshake(LAYER, endpoint, self, source)
    }
}

/// A problem found while loading files and settings, with no underlying error.
pub(crate) fn setup(problem: TlsProblem) -> Error {
    Error::handshake(LAYER, None, problem, None)
}

/// A problem found while loading files and settings, caused by `source`.
pub(crate) fn setup_caused(
    problem: TlsProblem,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::handshake(LAYER, None, problem, Some(Box::new(source)))
}

/// Turns a problem with a file the description names into an [`Error::Option`] for the
/// option that named it (as the user wrote it), with the path and the OS reason: a mistake
/// in the description, found while parsing. `options` pairs option names with the paths
/// they gave; any other error is returned as it is.
pub(crate) fn blame_option(args: &Args, options: &[(&str, Option<String>)], error: Error) -> Error {
    let Error::Handshake {
        layer: LAYER,
        problem,
        source,
        ..
    } = &error
    else {
        return error;
    };
    let Some(problem) = problem.downcast_ref::<TlsProblem>() else {
        return error;
    };
    let Some(path) = problem.path() else {
        return error;
    };
    let Some((name, _)) = options
        .iter()
        .find(|(_, given)| given.as_deref().is_some_and(|g| Path::new(g) == path))
    else {
        return error;
    };
    let mut reason = match problem {
        TlsProblem::Unreadable { .. } => {
            format!("names \"{}\", which cannot be read", path.display())
        }
        TlsProblem::NoCaInDirectory { .. } => format!("names an unusable directory: {problem}"),
        other => format!("names an unusable file: {other}"),
    };
    if let Some(source) = source {
        reason.push_str(&format!(" ({source})"));
    }
    args.invalid(name, args.position_of(name), reason)
}

/// Wraps a failed handshake: says what failed, keeps the I/O error (holding rustls' error,
/// if any) as the source.
///
/// `endpoint` is the client's description or the server's peer; `verify_name` the name the
/// client verifies; `alpn` the protocols this side offered or accepts.
pub(crate) fn handshake(
    error: io::Error,
    endpoint: &dyn std::fmt::Display,
    verify_name: Option<&str>,
    alpn: &[String],
) -> Error {
    let problem = match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(e) => problem(e, verify_name, alpn),
        None => TlsProblem::ConnectionLost,
    };
    Error::handshake(
        LAYER,
        Some(endpoint.to_string()),
        problem,
        Some(Box::new(error)),
    )
}

fn problem(error: &rustls::Error, verify_name: Option<&str>, alpn: &[String]) -> TlsProblem {
    use rustls::Error as E;
    let words = |w: &str| TlsProblem::Handshake(w.to_owned());
    match error {
        E::InvalidCertificate(cert) => certificate(cert, verify_name),
        E::NoApplicationProtocol => TlsProblem::NoSharedAlpn {
            offered: alpn.to_vec(),
        },
        E::PeerIncompatible(p) => incompatible(p),
        E::NoCertificatesPresented => TlsProblem::NoCertificatePresented,
        E::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => TlsProblem::PeerRequiresClientCertificate,
            AlertDescription::HandshakeFailure => TlsProblem::PeerRefusedHandshake,
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::AccessDenied => TlsProblem::PeerRejectedOurCertificate {
                alert: alert_name(*alert),
            },
            AlertDescription::NoApplicationProtocol => TlsProblem::NoSharedAlpn {
                offered: alpn.to_vec(),
            },
            AlertDescription::ProtocolVersion => TlsProblem::NoSharedVersion,
            other => TlsProblem::PeerAlert {
                alert: alert_name(*other),
            },
        },
        E::InvalidMessage(_) => {
            words("the peer's answer is not valid TLS (does it speak TLS on this port?)")
        }
        E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
            words("the peer sent a TLS message out of turn")
        }
        E::PeerMisbehaved(_) => words("the peer broke the TLS protocol"),
        E::PeerSentOversizedRecord => {
            words("the peer sent an oversized record (does it speak TLS on this port?)")
        }
        E::DecryptError => words("a message from the peer could not be decrypted"),
        E::InvalidCertRevocationList(_) => words("a certificate revocation list is invalid"),
        E::UnsupportedNameType => words("the name to verify is of a type rustls cannot check"),
        _ => words("rustls reported an unexpected error"),
    }
}

fn certificate(error: &CertificateError, verify_name: Option<&str>) -> TlsProblem {
    use CertificateError as C;
    let rejected = |reason: &str| TlsProblem::CertificateRejected {
        reason: reason.to_owned(),
    };
    #[allow(deprecated)]
    match error {
        C::UnknownIssuer => TlsProblem::UnknownIssuer,
        C::NotValidForName => TlsProblem::NameMismatch {
            expected: verify_name.unwrap_or_default().to_owned(),
            presented: Vec::new(),
        },
        C::NotValidForNameContext {
            expected,
            presented,
        } => TlsProblem::NameMismatch {
            expected: expected.to_str().into_owned(),
            presented: presented.clone(),
        },
        C::Expired => TlsProblem::Expired {
            not_after: None,
            now: None,
        },
        C::ExpiredContext { time, not_after } => TlsProblem::Expired {
            not_after: Some(system_time(*not_after)),
            now: Some(system_time(*time)),
        },
        C::NotValidYet => TlsProblem::NotYetValid {
            not_before: None,
            now: None,
        },
        C::NotValidYetContext { time, not_before } => TlsProblem::NotYetValid {
            not_before: Some(system_time(*not_before)),
            now: Some(system_time(*time)),
        },
        C::Revoked => TlsProblem::Revoked,
        C::BadSignature => TlsProblem::BadSignature,
        C::InvalidPurposeContext {
            required,
            presented,
        } => TlsProblem::WrongPurpose {
            required: purpose(required),
            presented: presented.iter().map(purpose).collect(),
        },
        C::InvalidPurpose => rejected("it is not allowed for this use (extended key usage)"),
        C::BadEncoding => rejected("it is not correctly encoded"),
        C::UnhandledCriticalExtension => {
            rejected("it has a critical extension the verifier does not handle")
        }
        C::UnknownRevocationStatus => rejected("its revocation status is unknown"),
        C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => {
            rejected("the certificate revocation list is out of date")
        }
        C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            rejected("it is signed with an algorithm the verifier does not support")
        }
        C::InvalidOcspResponse => rejected("its OCSP response is invalid"),
        // Only clientSubjects= refuses this way here.
        C::ApplicationVerificationFailure => {
            rejected("it carries none of the subjects clientSubjects= allows")
        }
        C::Other(other) if other.0.is::<TlsProblem>() => {
            match other.0.downcast_ref::<TlsProblem>() {
                Some(problem) => problem.clone(),
                None => rejected("the verifier refused it"),
            }
        }
        C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) => TlsProblem::CaUsedAsEndEntity,
            Some(webpki::Error::EndEntityUsedAsCa) => {
                rejected("its chain uses a leaf certificate as a CA")
            }
            Some(webpki::Error::CertDistrusted) => rejected("it is distrusted"),
            Some(webpki::Error::PathLenConstraintViolated) => {
                rejected("its chain is longer than a CA allows")
            }
            Some(webpki::Error::NameConstraintViolation) => {
                rejected("it names a host its CA may not issue for")
            }
            _ => rejected("the verifier refused it"),
        },
        _ => rejected("the verifier refused it"),
    }
}

fn incompatible(p: &PeerIncompatible) -> TlsProblem {
    use PeerIncompatible as P;
    match p {
        P::ServerDoesNotSupportTls12Or13
        | P::ServerTlsVersionIsDisabledByOurConfig
        | P::SupportedVersionsExtensionRequired
        | P::Tls12NotOffered
        | P::Tls12NotOfferedOrEnabled => TlsProblem::NoSharedVersion,
        P::NoCipherSuitesInCommon
        | P::NoKxGroupsInCommon
        | P::NoSignatureSchemesInCommon
        | P::NoCertificateRequestSignatureSchemesInCommon
        | P::NoEcPointFormatsInCommon => TlsProblem::NoSharedCipher,
        _ => TlsProblem::Handshake("the peer lacks a TLS feature this side requires".into()),
    }
}

fn system_time(t: UnixTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.as_secs())
}

/// An extended key usage in words: rustls' own, or the dotted OID.
fn purpose(p: &ExtendedKeyPurpose) -> String {
    match p {
        ExtendedKeyPurpose::Other(arcs) => {
            let dotted: Vec<String> = arcs.iter().map(usize::to_string).collect();
            format!("OID {}", dotted.join("."))
        }
        known => known.to_string(),
    }
}

/// An alert's name as RFC 8446 writes it, in words (rustls has only `Debug` for these).
fn alert_name(alert: AlertDescription) -> String {
    use AlertDescription as A;
    let name = match alert {
        A::CloseNotify => "close notify",
        A::UnexpectedMessage => "unexpected message",
        A::BadRecordMac => "bad record MAC",
        A::DecryptionFailed => "decryption failed",
        A::RecordOverflow => "record overflow",
        A::DecompressionFailure => "decompression failure",
        A::HandshakeFailure => "handshake failure",
        A::NoCertificate => "no certificate",
        A::BadCertificate => "bad certificate",
        A::UnsupportedCertificate => "unsupported certificate",
        A::CertificateRevoked => "certificate revoked",
        A::CertificateExpired => "certificate expired",
        A::CertificateUnknown => "certificate unknown",
        A::IllegalParameter => "illegal parameter",
        A::UnknownCA => "unknown CA",
        A::AccessDenied => "access denied",
        A::DecodeError => "decode error",
        A::DecryptError => "decrypt error",
        A::ExportRestriction => "export restriction",
        A::ProtocolVersion => "protocol version",
        A::InsufficientSecurity => "insufficient security",
        A::InternalError => "internal error",
        A::InappropriateFallback => "inappropriate fallback",
        A::UserCanceled => "user canceled",
        A::NoRenegotiation => "no renegotiation",
        A::MissingExtension => "missing extension",
        A::UnsupportedExtension => "unsupported extension",
        A::CertificateUnobtainable => "certificate unobtainable",
        A::UnrecognisedName => "unrecognized name",
        A::BadCertificateStatusResponse => "bad certificate status response",
        A::BadCertificateHashValue => "bad certificate hash value",
        A::UnknownPSKIdentity => "unknown PSK identity",
        A::CertificateRequired => "certificate required",
        A::NoApplicationProtocol => "no application protocol",
        A::EncryptedClientHelloRequired => "encrypted client hello required",
        other => return format!("number {}", u8::from(other)),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_have_names_in_words() {
        assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown CA");
        assert_eq!(alert_name(AlertDescription::from(0xfe)), "number 254");
    }

    #[test]
    fn no_debug_text_for_a_ca_used_as_a_leaf() {
        let error = rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
            std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity),
        )));
        let problem = problem(&error, Some("localhost"), &[]);
        assert_eq!(problem, TlsProblem::CaUsedAsEndEntity);
        assert!(!problem.to_string().contains("OtherError("), "{problem}");
    }

    #[test]
    fn purposes_in_words() {
        assert_eq!(
            purpose(&ExtendedKeyPurpose::ClientAuth),
            "client authentication"
        );
        assert_eq!(
            purpose(&ExtendedKeyPurpose::Other(vec![1, 3, 6, 1])),
            "OID 1.3.6.1"
        );
    }
}
