//! What went wrong with TLS, as data: the evidence of a TLS
//! [`Error::Handshake`](endpoint_core::Error::Handshake).

use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// What went wrong in a TLS setup or handshake, with the evidence in fields.
///
/// This is the `problem` of a TLS [`Error::Handshake`](endpoint_core::Error::Handshake) (layer
/// `tls`); `error.find::<TlsProblem>()` gets it. Match on it to react to a failure without
/// reading messages; its `Display` is a lowercase sentence in words (never a
/// library's debug text). The variants follow rustls' `CertificateError`: expected against
/// found, where the handshake tells us both.
///
/// # Examples
/// ```
/// use endpoint_tls::TlsProblem;
/// let problem = TlsProblem::NameMismatch {
///     expected: "wrong.example".into(),
///     presented: vec!["localhost".into(), "127.0.0.1".into()],
/// };
/// assert_eq!(
///     problem.to_string(),
///     "the certificate is not valid for the name \"wrong.example\" (name mismatch); \
///      it is valid for localhost, 127.0.0.1"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The peer's certificate chain does not end at a trusted root. Name the CA that issued
    /// it with `trustRoots=` (`caCertsDir=` for `ssl:`; `clientCA=` on a server).
    #[error(
        "the peer's certificate is not signed by a trusted root (unknown issuer); name its CA \
         with trustRoots= (clientCA= on a server)"
    )]
    UnknownIssuer,
    /// The peer's certificate does not name the host we verify. Connect to a name it
    /// carries, or set `hostname=` to one.
    #[error(
        "the certificate is not valid for the name \"{expected}\" (name mismatch){}",
        valid_for(presented)
    )]
    NameMismatch {
        /// The name we verified (the `hostname`, or the host connected to).
        expected: String,
        /// The DNS names and IP addresses of the certificate's subjectAltName extension;
        /// empty when the verifier did not say.
        presented: Vec<String>,
    },
    /// The peer's certificate is past its `notAfter` date (or the clock is wrong).
    #[error("the certificate has expired{}", dates("expired on", not_after, now))]
    Expired {
        /// The certificate's `notAfter` time, when the verifier reported it.
        not_after: Option<SystemTime>,
        /// The time the certificate was checked at, when the verifier reported it.
        now: Option<SystemTime>,
    },
    /// The peer's certificate is before its `notBefore` date (or the clock is wrong).
    #[error(
        "the certificate is not valid yet{}",
        dates("valid from", not_before, now)
    )]
    NotYetValid {
        /// The certificate's `notBefore` time, when the verifier reported it.
        not_before: Option<SystemTime>,
        /// The time the certificate was checked at, when the verifier reported it.
        now: Option<SystemTime>,
    },
    /// The peer presents a CA certificate as its own. Give it a leaf certificate signed by
    /// that CA instead (and trust the CA).
    #[error(
        "the peer presents a CA certificate as its own certificate; give it a leaf \
         certificate signed by that CA instead"
    )]
    CaUsedAsEndEntity,
    /// The peer's certificate has been revoked by its issuer.
    #[error("the certificate has been revoked")]
    Revoked,
    /// A certificate of the peer's chain is not correctly signed by its issuer.
    #[error("the certificate's signature is invalid")]
    BadSignature,
    /// The peer's certificate is for another purpose (a client certificate used by a
    /// server, or the reverse).
    #[error(
        "the certificate is not for {required} (it allows: {})",
        list_or_none(presented)
    )]
    WrongPurpose {
        /// The purpose required, e.g. `server authentication`.
        required: String,
        /// The purposes the certificate allows.
        presented: Vec<String>,
    },
    /// The server's key is none of those pinned with `pin=`. If the server's key changed
    /// on purpose, pin the new one (`endpoint tls pin` prints it).
    #[error(
        "the server's key matches no pin: it presents {presented}, pinned {}",
        expected.join(", ")
    )]
    PinMismatch {
        /// The pin of the key the server presented (`sha256/BASE64`).
        presented: String,
        /// The pins given with `pin=`.
        expected: Vec<String>,
    },
    /// The verifier rejected the peer's certificate for another reason, said in `reason`.
    #[error("the certificate was rejected: {reason}")]
    CertificateRejected {
        /// Why, in words.
        reason: String,
    },
    /// No application protocol (ALPN) both sides accept.
    #[error(
        "no shared application protocol (ALPN); this side offered {}",
        list_or_none(offered)
    )]
    NoSharedAlpn {
        /// The protocols this side offered (a client) or accepts (a server).
        offered: Vec<String>,
    },
    /// No TLS version both sides speak (this side speaks TLS 1.2 and 1.3, or what
    /// `sslmethod=` allows).
    #[error("no shared protocol version")]
    NoSharedVersion,
    /// No cipher suite, key exchange group or signature scheme both sides support.
    #[error("no shared cipher suite, key exchange group or signature scheme")]
    NoSharedCipher,
    /// The peer (a server) requires a client certificate. Name one with `certificate=`.
    #[error("the peer requires a client certificate; name one with certificate=")]
    PeerRequiresClientCertificate,
    /// The peer ended the handshake with a generic failure; often it requires a client
    /// certificate we did not send, or wants a version or cipher we lack.
    #[error(
        "the peer refused the handshake (alert \"handshake failure\"); does it require a \
         client certificate?"
    )]
    PeerRefusedHandshake,
    /// The peer rejected the certificate this side presented.
    #[error("the peer rejected our certificate (alert \"{alert}\")")]
    PeerRejectedOurCertificate {
        /// The alert it sent, in the words of RFC 8446, e.g. `unknown CA`.
        alert: String,
    },
    /// The peer presented no certificate, but this side requires one (mutual TLS).
    #[error("the peer presented no certificate, but one is required")]
    NoCertificatePresented,
    /// The peer ended the handshake with another alert.
    #[error("the peer ended the handshake with the alert \"{alert}\"")]
    PeerAlert {
        /// The alert, in the words of RFC 8446, e.g. `internal error`.
        alert: String,
    },
    /// The connection failed (closed, reset) during the handshake; the OS error or the
    /// early end is the source. Often the peer does not speak TLS on that port.
    #[error("the connection failed during the handshake")]
    ConnectionLost,
    /// Any other handshake failure, in words; the library's error is the source.
    #[error("{0}")]
    Handshake(String),
    /// A file could not be read (missing, no permission) or a directory listed; the OS
    /// error is the source.
    #[error("could not read {role} \"{}\"", path.display())]
    Unreadable {
        /// The file or directory.
        path: PathBuf,
        /// What it is for, e.g. `certificate file`, `trustRoots`.
        role: String,
    },
    /// A file is not PEM; the parser's error is the source.
    #[error("{role} \"{}\" is not valid PEM", path.display())]
    NotPem {
        /// The file.
        path: PathBuf,
        /// What it is for, e.g. `private key file`.
        role: String,
    },
    /// A file that must hold a certificate holds none.
    #[error("no certificate found in {role} \"{}\"", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// What it is for, e.g. `certificate file`, `extraCertChain file`.
        role: String,
    },
    /// A CA directory (`caCertsDir=`, `trustRoots=`, `clientCA=`) holds no usable CA
    /// certificate: no `.pem` file, or only files that are unreadable, not PEM or not
    /// certificates (each skipped, with a debug log).
    #[error(
        "no usable CA certificate in the directory \"{}\"{}",
        path.display(),
        skipped_files(*skipped)
    )]
    NoCaInDirectory {
        /// The directory.
        path: PathBuf,
        /// The option it was given with, e.g. `caCertsDir`.
        role: String,
        /// How many `.pem` files were skipped.
        skipped: usize,
    },
    /// The key file (or the certificate file, which may also hold the key) holds no private
    /// key.
    #[error("no private key found in \"{}\"", path.display())]
    NoPrivateKey {
        /// The file looked in first.
        path: PathBuf,
    },
    /// The private key is not the key of the certificate; rustls' check is the source.
    #[error(
        "the private key in \"{}\" does not match the certificate in \"{}\"",
        key.display(),
        certificate.display()
    )]
    KeyMismatch {
        /// The file the key came from.
        key: PathBuf,
        /// The file the certificate came from.
        certificate: PathBuf,
    },
    /// A certificate given as a trust root cannot be used as one; the verifier's error is
    /// the source.
    #[error("a certificate in {role} \"{}\" is not a usable CA", path.display())]
    NotACa {
        /// The file or directory.
        path: PathBuf,
        /// The option it was given with, e.g. `trustRoots`.
        role: String,
    },
    /// A client needs the platform's trust roots and the machine has none.
    #[error(
        "no platform trust roots found (install the ca-certificates package, or name roots \
         with trustRoots= or caCertsDir=)"
    )]
    NoPlatformRoots,
    /// The name to verify is neither a DNS name nor an IP address.
    #[error("\"{host}\" is not a valid DNS name or IP address to verify")]
    InvalidHostName {
        /// The name as given.
        host: String,
    },
    /// Any other problem with the settings, in words; the library's error is the source.
    #[error("{0}")]
    Setup(String),
}

impl TlsProblem {
    /// The file this problem is about, for the file variants (for [`KeyMismatch`], the key).
    ///
    /// [`KeyMismatch`]: TlsProblem::KeyMismatch
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            TlsProblem::Unreadable { path, .. }
            | TlsProblem::NotPem { path, .. }
            | TlsProblem::NoCertificate { path, .. }
            | TlsProblem::NoCaInDirectory { path, .. }
            | TlsProblem::NoPrivateKey { path }
            | TlsProblem::NotACa { path, .. }
            | TlsProblem::KeyMismatch { key: path, .. } => Some(path),
            _ => None,
        }
    }

    /// True for the problems with the peer's certificate (issuer, name, dates, purpose).
    pub fn is_verification(&self) -> bool {
        matches!(
            self,
            TlsProblem::UnknownIssuer
                | TlsProblem::NameMismatch { .. }
                | TlsProblem::Expired { .. }
                | TlsProblem::NotYetValid { .. }
                | TlsProblem::CaUsedAsEndEntity
                | TlsProblem::Revoked
                | TlsProblem::BadSignature
                | TlsProblem::WrongPurpose { .. }
                | TlsProblem::PinMismatch { .. }
                | TlsProblem::CertificateRejected { .. }
        )
    }
}

fn valid_for(presented: &[String]) -> String {
    if presented.is_empty() {
        String::new()
    } else {
        format!("; it is valid for {}", presented.join(", "))
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn dates(what: &str, date: &Option<SystemTime>, now: &Option<SystemTime>) -> String {
    match (date, now) {
        (Some(d), Some(n)) => format!(" ({what} {}; it is now {})", Utc(*d), Utc(*n)),
        (Some(d), None) => format!(" ({what} {})", Utc(*d)),
        _ => String::new(),
    }
}

/// A time printed as `2002-01-01 00:00:00 UTC`.
struct Utc(SystemTime);

impl fmt::Display for Utc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs: i64 = match self.0.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        )
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction: day 1..=31, month 1..=12.
    (year, month as u32, day as u32)
}

/// `; N .pem file(s) there were skipped ...`, or nothing for none.
fn skipped_files(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        n => format!(
            "; {n} .pem file(s) there were skipped (unreadable, not PEM, or not a certificate)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn dates_print_in_utc() {
        assert_eq!(Utc(at(0)).to_string(), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            Utc(at(1_009_843_200)).to_string(),
            "2002-01-01 00:00:00 UTC"
        );
        assert_eq!(Utc(at(951_825_599)).to_string(), "2000-02-29 11:59:59 UTC");
        assert_eq!(
            Utc(at(4_102_444_800)).to_string(),
            "2100-01-01 00:00:00 UTC"
        );
        assert_eq!(
            Utc(UNIX_EPOCH - Duration::from_secs(1)).to_string(),
            "1969-12-31 23:59:59 UTC"
        );
    }

    #[test]
    fn expired_names_both_dates() {
        let problem = TlsProblem::Expired {
            not_after: Some(at(1_009_843_200)),
            now: Some(at(1_700_000_000)),
        };
        assert_eq!(
            problem.to_string(),
            "the certificate has expired (expired on 2002-01-01 00:00:00 UTC; it is now \
             2023-11-14 22:13:20 UTC)"
        );
        let bare = TlsProblem::Expired {
            not_after: None,
            now: None,
        };
        assert_eq!(bare.to_string(), "the certificate has expired");
    }

    #[test]
    fn lists_say_none_when_empty() {
        let problem = TlsProblem::NoSharedAlpn { offered: vec![] };
        assert!(problem.to_string().ends_with("offered none"), "{problem}");
        let problem = TlsProblem::NameMismatch {
            expected: "a.example".into(),
            presented: vec![],
        };
        assert!(
            problem.to_string().ends_with("(name mismatch)"),
            "{problem}"
        );
    }
}
