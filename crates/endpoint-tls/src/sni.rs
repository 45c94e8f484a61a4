//! Twisted's `tls:` server: a directory of PEM files served by SNI.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::reload::{directory_kept, register, warn_kept, Reload, Stamp, CHECK_EVERY};

/// Certificates found in a PEM directory, by DNS name.
#[derive(Debug, Default)]
struct Scan {
    by_name: HashMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
    domains: Vec<String>,
    /// How many files or keys the scan had to skip (each logged as a warning).
    unusable: usize,
}

/// The directory as last looked at: each `.pem` file's metadata, and when.
#[derive(Debug)]
struct Look {
    at: Instant,
    files: Vec<(PathBuf, Option<Stamp>)>,
}

/// Picks a certificate by SNI: the exact name, then the wildcard for its parent, then the
/// default certificate, the first one found. At most once a second a handshake looks at the
/// directory's `.pem` files (names and metadata) and rescans when they changed.
#[derive(Debug)]
pub(crate) struct PemDirectory {
    path: PathBuf,
    provider: Arc<CryptoProvider>,
    scan: RwLock<Scan>,
    look: Mutex<Look>,
    check_every: Duration,
}

impl PemDirectory {
    /// Scans `path` now (a missing or empty directory is not an error, as in Twisted) and
    /// registers the directory with [`reload_certificates`](crate::reload_certificates).
    pub(crate) fn new(path: PathBuf, provider: Arc<CryptoProvider>) -> Arc<Self> {
        Self::checking_every(path, provider, CHECK_EVERY)
    }

    fn checking_every(
        path: PathBuf,
        provider: Arc<CryptoProvider>,
        check_every: Duration,
    ) -> Arc<Self> {
        let files = stamps(&path);
        let scan = scan(&path, &provider);
        let directory = Arc::new(PemDirectory {
            path,
            provider,
            scan: RwLock::new(scan),
            look: Mutex::new(Look {
                at: Instant::now(),
                files,
            }),
            check_every,
        });
        let weak: Weak<dyn Reload> = Arc::downgrade(&directory) as Weak<PemDirectory>;
        register(weak);
        directory
    }

    /// True when at least one key and certificate pair was found.
    pub(crate) fn has_certificate(&self) -> bool {
        self.scan.read().is_ok_and(|s| s.default.is_some())
    }

    /// Scans the directory again now; true when the directory itself (not the certificates
    /// kept from before) holds a usable pair.
    pub(crate) fn rescan_now(&self) -> bool {
        let mut look = self.look.lock().unwrap_or_else(|p| p.into_inner());
        look.at = Instant::now();
        look.files = stamps(&self.path);
        self.rescan().0
    }

    /// Scans and swaps in what was found. When files were unusable, or none is left, the
    /// names served before and missing now keep their old certificates (a broken
    /// replacement changes nothing); a clean scan replaces everything, so removed
    /// certificates go. Says whether the scan found a usable pair, and why old certificates
    /// were kept, if they were.
    fn rescan(&self) -> (bool, endpoint_core::Result<()>) {
        let fresh = scan(&self.path, &self.provider);
        let mut guard = self.scan.write().unwrap_or_else(|p| p.into_inner());
        let unusable = fresh.unusable;
        let usable = fresh.default.is_some();
        if unusable == 0 && usable {
            *guard = fresh;
            tracing::info!(directory = %self.path.display(), domains = ?guard.domains, "reloaded the certificates");
            return (true, Ok(()));
        }
        let mut merged = fresh;
        for (name, key) in &guard.by_name {
            merged
                .by_name
                .entry(name.clone())
                .or_insert_with(|| key.clone());
        }
        if merged.default.is_none() {
            merged.default = guard.default.clone();
        }
        merged.domains = merged.by_name.keys().cloned().collect();
        merged.domains.sort();
        *guard = merged;
        let why = if unusable > 0 {
            format!("{unusable} file(s) there are unusable")
        } else {
            "it holds no usable key and certificate pair now".to_owned()
        };
        let error = directory_kept(&self.path, &why);
        warn_kept(&self.path, &error);
        (usable, Err(error))
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The DNS names served, sorted.
    pub(crate) fn domains(&self) -> Vec<String> {
        self.scan
            .read()
            .map(|s| s.domains.clone())
            .unwrap_or_default()
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let scan = self.scan.read().ok()?;
        if let Some(key) = scan.by_name.get(name) {
            return Some(key.clone());
        }
        let (_, parent) = name.split_once('.')?;
        scan.by_name.get(&format!("*.{parent}")).cloned()
    }

    /// At most once per `check_every`: rescans when the directory's `.pem` files changed
    /// (added, removed, replaced). A handshake that finds another one looking does not wait.
    fn rescan_if_changed(&self) {
        let Ok(mut look) = self.look.try_lock() else {
            return;
        };
        if look.at.elapsed() < self.check_every {
            return;
        }
        look.at = Instant::now();
        let files = stamps(&self.path);
        if files == look.files {
            return;
        }
        look.files = files;
        // Logged; the old certificates stay.
        let _ = self.rescan();
    }
}

impl Reload for PemDirectory {
    fn reload(&self) -> endpoint_core::Result<()> {
        let mut look = self.look.lock().unwrap_or_else(|p| p.into_inner());
        look.at = Instant::now();
        look.files = stamps(&self.path);
        self.rescan().1
    }
}

impl ResolvesServerCert for PemDirectory {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.rescan_if_changed();
        if let Some(name) = hello.server_name().map(str::to_ascii_lowercase) {
            if let Some(key) = self.lookup(&name) {
                return Some(key);
            }
            tracing::warn!(directory = %self.path.display(), %name, "no certificate for the requested name; using the default");
        }
        self.scan.read().ok()?.default.clone()
    }
}

/// The `.pem` files under `dir` with their metadata, in walking order.
fn stamps(dir: &Path) -> Vec<(PathBuf, Option<Stamp>)> {
    let mut files = Vec::new();
    pem_files(dir, &mut HashSet::new(), &mut files);
    files
        .into_iter()
        .map(|f| {
            let stamp = Stamp::of(&f);
            (f, stamp)
        })
        .collect()
}

/// Appends the `.pem` files under `dir`, sorted, walking each directory once: a link back
/// up the tree (or to a directory already walked) is skipped, so a loop ends the walk there.
fn pem_files(dir: &Path, walked: &mut HashSet<PathBuf>, out: &mut Vec<PathBuf>) {
    if !std::fs::canonicalize(dir).is_ok_and(|real| walked.insert(real)) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            pem_files(&path, walked, out);
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("pem"))
        {
            out.push(path);
        }
    }
}

fn scan(dir: &Path, provider: &Arc<CryptoProvider>) -> Scan {
    let mut files = Vec::new();
    pem_files(dir, &mut HashSet::new(), &mut files);
    let mut certs: Vec<CertificateDer<'static>> = Vec::new();
    let mut keys: Vec<(PathBuf, Arc<dyn SigningKey>)> = Vec::new();
    let mut result = Scan::default();
    for file in &files {
        let Ok(bytes) = crate::pem::read_file(file) else {
            tracing::warn!(file = %file.display(), "skipped an unreadable PEM file");
            result.unusable += 1;
            continue;
        };
        let found: Vec<_> = CertificateDer::pem_slice_iter(&bytes).collect();
        let found_keys: Vec<_> = PrivateKeyDer::pem_slice_iter(&bytes).collect();
        if (found.is_empty() && found_keys.is_empty())
            || found.iter().any(Result::is_err)
            || found_keys.iter().any(Result::is_err)
        {
            // Garbage, or a file caught half-written: whatever it served before stays.
            tracing::warn!(file = %file.display(), "skipped a .pem file that is not valid PEM or holds no certificate or key");
            result.unusable += 1;
        }
        certs.extend(found.into_iter().filter_map(Result::ok));
        for key in found_keys.into_iter().filter_map(Result::ok) {
            match provider.key_provider.load_private_key(key) {
                Ok(k) => keys.push((file.clone(), k)),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "skipped an unusable key");
                    result.unusable += 1;
                }
            }
        }
    }
    let mut used = vec![false; keys.len()];
    let mut leaves = Vec::new();
    for cert in &certs {
        let paired = keys.iter().position(|(_, key)| {
            CertifiedKey::new(vec![cert.clone()], key.clone())
                .keys_match()
                .is_ok()
        });
        if let Some(i) = paired {
            used[i] = true;
            leaves.push((cert.clone(), keys[i].1.clone()));
        }
    }
    let leaf_set: Vec<&CertificateDer> = leaves.iter().map(|(c, _)| c).collect();
    let intermediates: Vec<CertificateDer<'static>> = certs
        .iter()
        .filter(|c| !leaf_set.contains(c))
        .cloned()
        .collect();
    for (i, (path, _)) in keys.iter().enumerate() {
        if !used[i] {
            tracing::warn!(file = %path.display(), "a private key with no certificate was ignored");
            result.unusable += 1;
        }
    }
    for (leaf, key) in leaves {
        let names = dns_names(&leaf);
        let chain = chain_for(&leaf, &intermediates);
        let certified = Arc::new(CertifiedKey::new(chain, key));
        if result.default.is_none() {
            result.default = Some(certified.clone());
        }
        for name in names {
            let name = name.to_ascii_lowercase();
            result.domains.push(name.clone());
            result
                .by_name
                .entry(name)
                .or_insert_with(|| certified.clone());
        }
    }
    result.domains.sort();
    result.domains.dedup();
    result
}

fn dns_names(cert: &CertificateDer<'_>) -> Vec<String> {
    let Ok((_, parsed)) = X509Certificate::from_der(cert.as_ref()) else {
        return Vec::new();
    };
    let Ok(Some(san)) = parsed.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some((*d).to_owned()),
            _ => None,
        })
        .collect()
}

/// The leaf followed by the certificates that issued it, found by issuer and subject names.
fn chain_for(
    leaf: &CertificateDer<'static>,
    pool: &[CertificateDer<'static>],
) -> Vec<CertificateDer<'static>> {
    let names = |c: &CertificateDer<'_>| {
        X509Certificate::from_der(c.as_ref())
            .ok()
            .map(|(_, x)| (x.subject().as_raw().to_vec(), x.issuer().as_raw().to_vec()))
    };
    let mut chain = vec![leaf.clone()];
    while chain.len() < 8 {
        let Some((subject, issuer)) = chain.last().and_then(names) else {
            break;
        };
        if subject == issuer {
            break;
        }
        let next = pool
            .iter()
            .find(|c| names(c).is_some_and(|(s, _)| s == issuer) && !chain.contains(c));
        match next {
            Some(c) => chain.push(c.clone()),
            None => break,
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use endpoint_testkit::{Authority, Usage};

    fn replace(path: &Path, text: &str) {
        let new = path.with_extension("new");
        std::fs::write(&new, text).unwrap();
        std::fs::rename(&new, path).unwrap();
    }

    #[test]
    fn a_handshake_notices_changed_files_and_a_broken_one_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("CA");
        let path = dir.path().join("a.pem");
        replace(&path, &ca.issue("a", &["a.test"], Usage::Server).combined());
        let directory =
            PemDirectory::checking_every(dir.path().to_owned(), crate::provider(), Duration::ZERO);
        let first = directory.lookup("a.test").unwrap();

        directory.rescan_if_changed();
        assert!(Arc::ptr_eq(&first, &directory.lookup("a.test").unwrap()));

        replace(&path, &ca.issue("a", &["a.test"], Usage::Server).combined());
        directory.rescan_if_changed();
        let second = directory.lookup("a.test").unwrap();
        assert_ne!(first.cert, second.cert);

        replace(&path, "-----BEGIN CERTIFICATE-----\nhalf writ");
        directory.rescan_if_changed();
        assert_eq!(directory.lookup("a.test").unwrap().cert, second.cert);
        assert_eq!(directory.domains(), ["a.test"]);
    }
}
