//! Public-key pins (`pin=sha256/BASE64`): the SHA-256 of a certificate's
//! subjectPublicKeyInfo, as HPKP, curl's `--pinnedpubkey` and Chromium's
//! `--ignore-certificate-errors-spki-list` write it.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::TlsProblem;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use endpoint_core::Result;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::setup;

/// Standard base64; decoding takes the padding or leaves it out.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A public-key pin: the SHA-256 of a certificate's subjectPublicKeyInfo, written
/// `sha256/BASE64`. A client given `pin=` accepts a server whose certificate carries one of
/// its pinned keys (see the crate docs); `endpoint tls pin FILE|DESCRIPTION` prints one.
///
/// The key, not the certificate, is pinned: a certificate renewed with the same key keeps
/// its pin.
///
/// # Examples
/// ```
/// # fn main() -> Result<(), endpoint_core::Error> {
/// use endpoint_tls::SpkiPin;
/// # let pki = endpoint_testkit::TestPki::new();
/// # let server_pem = pki.path("server.pem");
/// let pin = SpkiPin::of_pem_file(&server_pem)?;
/// let text = pin.to_string();
/// assert!(text.starts_with("sha256/") && text.len() == 51);
/// assert_eq!(text.parse::<SpkiPin>(), Ok(pin));
/// assert!("sha256/tooshort".parse::<SpkiPin>().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpkiPin([u8; 32]);

impl SpkiPin {
    /// The pin of a DER-encoded subjectPublicKeyInfo.
    pub fn of_public_key(spki_der: &[u8]) -> SpkiPin {
        let digest = ring::digest::digest(&ring::digest::SHA256, spki_der);
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest.as_ref());
        SpkiPin(bytes)
    }

    /// The pin of a DER-encoded certificate's key; `None` when it is not a certificate.
    pub fn of_certificate(der: &[u8]) -> Option<SpkiPin> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        Some(SpkiPin::of_public_key(cert.tbs_certificate.subject_pki.raw))
    }

    /// The pin of the first certificate in a PEM file.
    ///
    /// # Errors
    /// [`Error::Handshake`](endpoint_core::Error::Handshake) when the file cannot be read, is not PEM, or holds no certificate.
    pub fn of_pem_file(path: impl AsRef<Path>) -> Result<SpkiPin> {
        let path = path.as_ref();
        let certificates = crate::pem::certificates(path, "certificate")?;
        let no_certificate = || {
            setup(TlsProblem::NoCertificate {
                path: path.into(),
                role: "certificate file".into(),
            })
        };
        let first = certificates.first().ok_or_else(no_certificate)?;
        SpkiPin::of_certificate(first.as_ref()).ok_or_else(|| {
            setup(TlsProblem::NotPem {
                path: path.into(),
                role: "certificate file".into(),
            })
        })
    }

    /// The SHA-256 digest.
    pub fn sha256(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for SpkiPin {
    /// The pin of a key whose subjectPublicKeyInfo has this SHA-256 digest.
    fn from(sha256: [u8; 32]) -> Self {
        SpkiPin(sha256)
    }
}

impl fmt::Display for SpkiPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256/{}", BASE64.encode(self.0))
    }
}

impl fmt::Debug for SpkiPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpkiPin({self})")
    }
}

impl FromStr for SpkiPin {
    type Err = String;

    /// Parses `sha256/BASE64` (44 base64 characters with padding, 43 without).
    fn from_str(text: &str) -> Result<Self, String> {
        let wrong = || {
            format!(
                "is not a pin: \"{text}\" (expected sha256/ and the base64 of a SHA-256 \
                 digest, as `endpoint tls pin` prints)"
            )
        };
        let encoded = text.strip_prefix("sha256/").ok_or_else(wrong)?;
        let bytes = BASE64.decode(encoded).map_err(|_| wrong())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| wrong())?;
        Ok(SpkiPin(bytes))
    }
}

/// `sha256/A,sha256/B` → the pins.
pub(crate) fn parse_pins(text: &str) -> Result<Vec<SpkiPin>, String> {
    text.split(',').map(SpkiPin::from_str).collect()
}

/// The pins as a description writes them.
pub(crate) fn join(pins: &[SpkiPin]) -> Option<String> {
    (!pins.is_empty()).then(|| {
        pins.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_round_trip_and_bad_ones_say_why() {
        let pin = SpkiPin::of_public_key(b"key");
        let text = pin.to_string();
        assert_eq!(text.len(), "sha256/".len() + 44);
        assert_eq!(text.parse::<SpkiPin>(), Ok(pin));
        assert_eq!(text.trim_end_matches('=').parse::<SpkiPin>(), Ok(pin));
        for bad in ["", "sha1/abc", "sha256/", "sha256/!!", "sha256/AAAA"] {
            let error = bad.parse::<SpkiPin>().unwrap_err();
            assert!(error.starts_with("is not a pin"), "{error}");
        }
        assert_eq!(parse_pins(&format!("{text},{text}")), Ok(vec![pin, pin]));
        assert!(parse_pins(&format!("{text},")).is_err());
    }
}
