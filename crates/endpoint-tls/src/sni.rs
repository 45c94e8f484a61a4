//! Twisted's `tls:` server: a directory of PEM files served by SNI.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// How often a miss may trigger a rescan of the directory: a client sending random names
/// must not make the server walk the file system on every handshake.
const RESCAN_EVERY: Duration = Duration::from_secs(1);

/// Certificates found in a PEM directory, by DNS name.
#[derive(Debug, Default)]
struct Scan {
    by_name: HashMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
    domains: Vec<String>,
}

/// Picks a certificate by SNI: the exact name, then the wildcard for its parent, then (after
/// at most one rescan a second) the default certificate, the first one found.
#[derive(Debug)]
pub(crate) struct PemDirectory {
    path: PathBuf,
    provider: Arc<CryptoProvider>,
    scan: RwLock<(Scan, Instant)>,
}

impl PemDirectory {
    /// Scans `path` now (a missing or empty directory is not an error, as in Twisted).
    pub(crate) fn new(path: PathBuf, provider: Arc<CryptoProvider>) -> Self {
        let scan = scan(&path, &provider);
        PemDirectory {
            path,
            provider,
            scan: RwLock::new((scan, Instant::now())),
        }
    }

    /// True when at least one key and certificate pair was found.
    pub(crate) fn has_certificate(&self) -> bool {
        self.scan.read().is_ok_and(|s| s.0.default.is_some())
    }

    /// Scans the directory again now; true when it then holds a usable pair.
    pub(crate) fn rescan_now(&self) -> bool {
        let fresh = scan(&self.path, &self.provider);
        if let Ok(mut guard) = self.scan.write() {
            *guard = (fresh, Instant::now());
        }
        self.has_certificate()
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The DNS names served, sorted.
    pub(crate) fn domains(&self) -> Vec<String> {
        self.scan
            .read()
            .map(|s| s.0.domains.clone())
            .unwrap_or_default()
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let guard = self.scan.read().ok()?;
        let scan = &guard.0;
        if let Some(key) = scan.by_name.get(name) {
            return Some(key.clone());
        }
        let (_, parent) = name.split_once('.')?;
        scan.by_name.get(&format!("*.{parent}")).cloned()
    }

    fn rescan_if_due(&self) -> bool {
        let due = self
            .scan
            .read()
            .map(|s| s.1.elapsed() >= RESCAN_EVERY)
            .unwrap_or(false);
        if due {
            self.rescan_now();
        }
        due
    }
}

impl ResolvesServerCert for PemDirectory {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        if let Some(name) = hello.server_name().map(str::to_ascii_lowercase) {
            if let Some(key) = self.lookup(&name) {
                return Some(key);
            }
            if self.rescan_if_due() {
                if let Some(key) = self.lookup(&name) {
                    return Some(key);
                }
            }
            tracing::warn!(directory = %self.path.display(), %name, "no certificate for the requested name; using the default");
        }
        self.scan.read().ok()?.0.default.clone()
    }
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
    for file in &files {
        let Ok(bytes) = crate::pem::read_file(file) else {
            tracing::warn!(file = %file.display(), "skipped an unreadable PEM file");
            continue;
        };
        certs.extend(CertificateDer::pem_slice_iter(&bytes).filter_map(Result::ok));
        for key in PrivateKeyDer::pem_slice_iter(&bytes).filter_map(Result::ok) {
            match provider.key_provider.load_private_key(key) {
                Ok(k) => keys.push((file.clone(), k)),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "skipped an unusable key")
                }
            }
        }
    }
    let mut result = Scan::default();
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
