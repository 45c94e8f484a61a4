//! Certificates that renew themselves: a server certificate resolver that notices replaced
//! files (at most one cheap `stat` check a second, on the handshake that finds it due) and
//! re-reads them on demand ([`reload_certificates`]), keeping the old certificate when the
//! new files are unusable.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use crate::TlsProblem;
use endpoint_core::{Error, Result};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::{error, pem, provider};

/// How often a handshake may look at the files' metadata for a change.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(1);

/// What `stat` says about a file: enough to notice a rewrite, a rename over it, or a link
/// pointed elsewhere. `None` when the file cannot be looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    /// The stamp of `path` (following links, as reading it does).
    pub(crate) fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            device: m.dev(),
            inode: m.ino(),
            len: m.len(),
            modified: (m.mtime(), m.mtime_nsec()),
            changed: (m.ctime(), m.ctime_nsec()),
        })
    }
}

/// Something [`reload_certificates`] reloads: a resolver of this module, or a `tls:`
/// directory.
pub(crate) trait Reload: Send + Sync {
    /// Reads the files again now; an error means the old certificates stay.
    fn reload(&self) -> Result<()>;
}

/// Every live reloadable resolver of the process.
static LIVE: Mutex<Vec<Weak<dyn Reload>>> = Mutex::new(Vec::new());

/// Adds `resolver` to those [`reload_certificates`] reaches, forgetting dropped ones.
pub(crate) fn register(resolver: Weak<dyn Reload>) {
    let mut live = LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    live.retain(|r| r.strong_count() > 0);
    live.push(resolver);
}

/// What [`reload_certificates`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ReloadOutcome {
    /// How many servers' certificates were read again and are now in use.
    pub reloaded: usize,
    /// The servers that kept their old certificates, each with why (an unreadable file, a
    /// key that does not match its certificate, ...). Already logged as warnings.
    pub kept: Vec<Error>,
}

/// Re-reads the certificate and key files of every TLS server of the process now (`ssl:`,
/// `tls:` directories, `tls+`, and so `wss:`): every handshake after this returns uses them,
/// while established connections carry on untouched. A server whose new files are
/// unusable keeps its old certificate, and logs why.
///
/// Servers also notice replaced files by themselves: a handshake looks at the files'
/// metadata (modification time, size, inode) at most once a second and reloads when it
/// changed. Call this to be sure at a known moment, for example after renewing certificates
/// or on `SIGHUP` (what `endpoint listen` and `endpoint relay` do). It reads files, so in
/// async code prefer calling it through `tokio::task::spawn_blocking`.
///
/// Replace files atomically (write a new file, then rename it over the old one, as certbot
/// and most tools do); a file caught half-written is rejected and the old certificate kept
/// until the write is complete.
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use endpoint_core::description::quote;
/// use endpoint_tls as _;
/// # let pki = endpoint_testkit::TestPki::new();
/// # let (server_pem, expired_pem) = (pki.path("server.pem"), pki.path("expired.pem"));
/// let key = quote(&server_pem.to_string_lossy());
/// let server = endpoint_core::Registry::global()
///     .server(&format!("ssl:0:privateKey={key}:interface=127.0.0.1"))?;
/// let _listener = server.bind().await?;
///
/// // Renew: write the new certificate and key next to the old, rename it over them.
/// std::fs::copy(&expired_pem, server_pem.with_extension("new"))?;
/// std::fs::rename(server_pem.with_extension("new"), &server_pem)?;
/// let outcome = endpoint_tls::reload_certificates();
/// assert!(outcome.reloaded >= 1 && outcome.kept.is_empty());
/// # Ok(()) }
/// ```
pub fn reload_certificates() -> ReloadOutcome {
    let live: Vec<Arc<dyn Reload>> = {
        let mut live = LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        live.retain(|r| r.strong_count() > 0);
        live.iter().filter_map(Weak::upgrade).collect()
    };
    let mut outcome = ReloadOutcome::default();
    for resolver in live {
        match resolver.reload() {
            Ok(()) => outcome.reloaded += 1,
            Err(e) => outcome.kept.push(e),
        }
    }
    outcome
}

/// The files of one certificate: the chain (which may hold the key), the key, extra chain
/// certificates.
#[derive(Clone, Debug)]
struct Files {
    certificate: PathBuf,
    private_key: PathBuf,
    extra_chain: Option<PathBuf>,
}

impl Files {
    fn paths(&self) -> impl Iterator<Item = &Path> {
        [Some(&self.certificate), Some(&self.private_key)]
            .into_iter()
            .chain([self.extra_chain.as_ref()])
            .flatten()
            .map(PathBuf::as_path)
    }

    fn stamps(&self) -> Vec<Option<Stamp>> {
        self.paths().map(Stamp::of).collect()
    }

    fn load(&self) -> Result<Arc<CertifiedKey>> {
        let extra = match &self.extra_chain {
            Some(path) => pem::chain_file(path)?,
            None => Vec::new(),
        };
        pem::certified_key(&self.certificate, &self.private_key, &extra, &provider())
    }
}

/// When the files were last looked at, and what they looked like.
#[derive(Debug)]
struct Check {
    at: Instant,
    stamps: Vec<Option<Stamp>>,
}

/// A rustls certificate resolver for one certificate and key, read from PEM files, that
/// renews itself: it serves the certificate it holds, and reloads it when the files change
/// (noticed by the first handshake at least a second after the last look, from their
/// metadata alone) or when [`reload_certificates`] or [`reload`](Self::reload) is called.
/// Unusable new files (unreadable, not PEM, a key that does not match the certificate) leave
/// the old certificate in use, with a warning naming the file and the reason.
///
/// Every TLS server of this crate that serves one certificate uses it; any rustls
/// `ServerConfig` can (`with_cert_resolver`), so other servers (QUIC, say) get renewal
/// by using it too.
///
/// # Examples
/// ```
/// # fn main() -> Result<(), endpoint_core::Error> {
/// use endpoint_tls::ReloadingCertResolver;
/// # let pki = endpoint_testkit::TestPki::new();
/// # let (chain, key) = (pki.path("server-cert.pem"), pki.path("server-key.pem"));
/// let resolver = ReloadingCertResolver::load(&chain, Some(&key), None)?;
/// let config = rustls::ServerConfig::builder_with_provider(
///     rustls::crypto::ring::default_provider().into(),
/// )
/// .with_safe_default_protocol_versions()
/// .unwrap()
/// .with_no_client_auth()
/// .with_cert_resolver(resolver.clone());
/// # let _ = config;
/// // After replacing the files (or let the next handshake notice):
/// resolver.reload()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ReloadingCertResolver {
    files: Files,
    current: RwLock<Arc<CertifiedKey>>,
    check: Mutex<Check>,
    check_every: Duration,
}

impl ReloadingCertResolver {
    /// Reads `certificate` (a PEM chain, which may also hold the key), the key from
    /// `private_key` (default: `certificate`), and `extra_chain` (more chain certificates to
    /// send), and registers the resolver with [`reload_certificates`].
    ///
    /// # Errors
    /// [`Error::Handshake`] naming the file that is missing, holds no certificate or key, or whose
    /// key does not match the certificate.
    pub fn load(
        certificate: impl AsRef<Path>,
        private_key: Option<&Path>,
        extra_chain: Option<&Path>,
    ) -> Result<Arc<Self>> {
        Self::load_checking_every(certificate, private_key, extra_chain, CHECK_EVERY)
    }

    pub(crate) fn load_checking_every(
        certificate: impl AsRef<Path>,
        private_key: Option<&Path>,
        extra_chain: Option<&Path>,
        check_every: Duration,
    ) -> Result<Arc<Self>> {
        let certificate = certificate.as_ref().to_owned();
        let files = Files {
            private_key: private_key.map_or_else(|| certificate.clone(), Path::to_owned),
            certificate,
            extra_chain: extra_chain.map(Path::to_owned),
        };
        let stamps = files.stamps();
        let key = files.load()?;
        let resolver = Arc::new(ReloadingCertResolver {
            files,
            current: RwLock::new(key),
            check: Mutex::new(Check {
                at: Instant::now(),
                stamps,
            }),
            check_every,
        });
        let weak: Weak<dyn Reload> = Arc::downgrade(&resolver) as Weak<ReloadingCertResolver>;
        register(weak);
        Ok(resolver)
    }

    /// The certificate and key served now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reads the files again now; the next handshake uses them.
    ///
    /// # Errors
    /// [`Error::Handshake`] naming the file and the problem when the files are unusable; the
    /// old certificate then stays in use (and a warning is logged).
    pub fn reload(&self) -> Result<()> {
        let mut check = self
            .check
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        check.at = Instant::now();
        check.stamps = self.files.stamps();
        self.replace()
    }

    /// Loads the files and swaps them in, or logs why not.
    fn replace(&self) -> Result<()> {
        match self.files.load() {
            Ok(key) => {
                *self
                    .current
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = key;
                tracing::info!(certificate = %self.files.certificate.display(), "reloaded the certificate");
                Ok(())
            }
            Err(e) => {
                warn_kept(&self.files.certificate, &e);
                Err(e)
            }
        }
    }

    /// At most once per `check_every`: reloads when the files' metadata changed. A
    /// handshake that finds another one checking does not wait.
    fn reload_if_changed(&self) {
        let Ok(mut check) = self.check.try_lock() else {
            return;
        };
        if check.at.elapsed() < self.check_every {
            return;
        }
        self.reload_if_stamps_changed(&mut check);
    }

    /// Reloads now if the files' metadata changed since they were read (at `bind`: the
    /// files may have been renewed since parsing).
    pub(crate) fn reload_if_stale(&self) {
        let mut check = self
            .check
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.reload_if_stamps_changed(&mut check);
    }

    fn reload_if_stamps_changed(&self, check: &mut Check) {
        check.at = Instant::now();
        let stamps = self.files.stamps();
        if stamps == check.stamps {
            return;
        }
        check.stamps = stamps;
        // The error is logged; the old certificate stays.
        let _ = self.replace();
    }
}

impl Reload for ReloadingCertResolver {
    fn reload(&self) -> Result<()> {
        ReloadingCertResolver::reload(self)
    }
}

impl ResolvesServerCert for ReloadingCertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.reload_if_changed();
        Some(self.current())
    }
}

/// Logs that unusable new files left the old certificate of `what` in use, and why.
pub(crate) fn warn_kept(what: &Path, error: &Error) {
    match std::error::Error::source(error) {
        Some(cause) => {
            tracing::warn!(certificate = %what.display(), error = %error, %cause, "kept the old certificate: the new files are unusable")
        }
        None => {
            tracing::warn!(certificate = %what.display(), error = %error, "kept the old certificate: the new files are unusable")
        }
    }
}

/// The error for a `tls:` directory whose rescan kept old certificates, saying `why`.
pub(crate) fn directory_kept(directory: &Path, why: &str) -> Error {
    error::setup(TlsProblem::Setup(format!(
        "the certificate directory \"{}\" was rescanned, but {why}; the certificates it \
         served before stay in use",
        directory.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use endpoint_testkit::{Authority, Usage};

    fn serial(key: &CertifiedKey) -> Vec<u8> {
        use x509_parser::prelude::{FromDer, X509Certificate};
        let (_, cert) = X509Certificate::from_der(key.cert[0].as_ref()).unwrap();
        cert.raw_serial().to_vec()
    }

    fn replace(path: &Path, text: &str) {
        let new = path.with_extension("new");
        std::fs::write(&new, text).unwrap();
        std::fs::rename(&new, path).unwrap();
    }

    #[test]
    fn a_handshake_notices_replaced_files_and_keeps_the_old_on_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("CA");
        let path = dir.path().join("server.pem");
        std::fs::write(&path, ca.issue("a", &["a.test"], Usage::Server).combined()).unwrap();
        let resolver =
            ReloadingCertResolver::load_checking_every(&path, None, None, Duration::ZERO).unwrap();
        let first = serial(&resolver.current());

        // Nothing changed: no reload, the same certificate.
        resolver.reload_if_changed();
        assert_eq!(serial(&resolver.current()), first);

        let renewed = ca.issue("a", &["a.test"], Usage::Server);
        replace(&path, &renewed.combined());
        resolver.reload_if_changed();
        let second = serial(&resolver.current());
        assert_ne!(second, first);

        // A key of another certificate: refused, the renewed one stays.
        let other = ca.issue("b", &["b.test"], Usage::Server);
        replace(&path, &format!("{}{}", renewed.cert_pem, other.key_pem));
        resolver.reload_if_changed();
        assert_eq!(serial(&resolver.current()), second);
        let error = resolver.reload().unwrap_err();
        assert!(
            matches!(
                error.find::<TlsProblem>(),
                Some(TlsProblem::KeyMismatch { .. })
            ),
            "{error}"
        );
        assert_eq!(serial(&resolver.current()), second);

        replace(&path, "garbage");
        resolver.reload_if_changed();
        assert_eq!(serial(&resolver.current()), second);
    }

    #[test]
    fn checks_wait_for_the_interval() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("CA");
        let path = dir.path().join("server.pem");
        std::fs::write(&path, ca.issue("a", &["a.test"], Usage::Server).combined()).unwrap();
        let resolver = ReloadingCertResolver::load(&path, None, None).unwrap();
        let first = serial(&resolver.current());
        replace(&path, &ca.issue("a", &["a.test"], Usage::Server).combined());
        // Within a second of loading: not looked at yet.
        resolver.reload_if_changed();
        assert_eq!(serial(&resolver.current()), first);
        resolver.reload().unwrap();
        assert_ne!(serial(&resolver.current()), first);
    }
}
