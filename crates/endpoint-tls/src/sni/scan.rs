//! Reading a `tls:` directory: walking it (bounded, never through a directory link), and
//! pairing its keys with its certificates by public key, in time linear in the files.
//!
//! Everything here reads the disk and parses certificates, so it runs off the async runtime
//! (a blocking task, or the parser's own thread): a directory of thousands of pairs must not
//! stall the handshakes and timers of the whole process.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::reload::Stamp;

/// How deep a `tls:` directory is walked: its own files are at depth 0, those of a
/// subdirectory at 1, and so on. Deeper directories are skipped (with a debug log), so a
/// pathological tree cannot keep a scan busy.
pub(crate) const MAX_DEPTH: usize = 8;

/// The longest chain linked for a leaf (the leaf included).
const MAX_CHAIN: usize = 8;

/// Certificates found in a PEM directory, by DNS name.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) by_name: HashMap<String, Arc<CertifiedKey>>,
    pub(crate) default: Option<Arc<CertifiedKey>>,
    pub(crate) domains: Vec<String>,
    /// How many files or keys the scan had to skip (each logged as a warning).
    pub(crate) unusable: usize,
}

/// The `.pem` files under `dir` with their metadata, in walking order: what a look at the
/// directory compares to notice a change.
pub(crate) fn stamps(dir: &Path) -> Vec<(PathBuf, Option<Stamp>)> {
    let mut files = Vec::new();
    pem_files(dir, 0, &mut files);
    files
        .into_iter()
        .map(|f| {
            let stamp = Stamp::of(&f);
            (f, stamp)
        })
        .collect()
}

/// Appends the `.pem` files under `dir`, sorted. Subdirectories are walked down to
/// [`MAX_DEPTH`]; a link to a directory is not followed (so a link loop cannot make the walk
/// grow or repeat), while a link to a file is read as the file (certbot's `live/` directory
/// is made of such links).
fn pem_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    // `file_type` is the entry's own type: a link is a link, whatever it points to.
    let mut entries: Vec<_> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            Some((e.path(), e.file_type().ok()?))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        if kind.is_dir() {
            if depth < MAX_DEPTH {
                pem_files(&path, depth + 1, out);
            } else {
                tracing::debug!(directory = %path.display(), "not walked: deeper than {MAX_DEPTH} levels");
            }
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("pem"))
        {
            // A regular file or a link; reading refuses anything but a regular file.
            out.push(path);
        } else if kind.is_symlink() && path.is_dir() {
            tracing::debug!(link = %path.display(), "not walked: a link to a directory");
        }
    }
}

/// A certificate of the directory, parsed once.
struct Parsed {
    der: CertificateDer<'static>,
    /// The DER of its SubjectPublicKeyInfo (what pairs it with its key).
    spki: Vec<u8>,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    dns_names: Vec<String>,
}

impl Parsed {
    fn new(der: CertificateDer<'static>) -> Option<Parsed> {
        let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
        let dns_names = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some((*d).to_ascii_lowercase()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(Parsed {
            spki: cert.public_key().raw.to_vec(),
            subject: cert.subject().as_raw().to_vec(),
            issuer: cert.issuer().as_raw().to_vec(),
            dns_names,
            der: der.clone(),
        })
    }
}

/// Reads every `.pem` file under `dir` and pairs keys with certificates. The first pair
/// found (in walking order) is the default.
pub(crate) fn scan(dir: &Path, provider: &Arc<CryptoProvider>) -> Scan {
    let mut files = Vec::new();
    pem_files(dir, 0, &mut files);
    let mut certs: Vec<Parsed> = Vec::new();
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
        for der in found.into_iter().filter_map(Result::ok) {
            match Parsed::new(der) {
                Some(parsed) => certs.push(parsed),
                None => {
                    tracing::warn!(file = %file.display(), "skipped a certificate that does not parse");
                    result.unusable += 1;
                }
            }
        }
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
    let pairs = pair(&certs, &keys);
    let leaves: HashSet<usize> = pairs.iter().map(|&(cert, _)| cert).collect();
    let used: HashSet<usize> = pairs.iter().map(|&(_, key)| key).collect();
    for (i, (path, _)) in keys.iter().enumerate() {
        if !used.contains(&i) {
            tracing::warn!(file = %path.display(), "a private key with no certificate was ignored");
            result.unusable += 1;
        }
    }
    // Issuers by subject name, for linking chains; leaves are never chain certificates.
    let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, cert) in certs.iter().enumerate() {
        if !leaves.contains(&i) {
            by_subject.entry(&cert.subject).or_default().push(i);
        }
    }
    for (leaf, key) in pairs {
        let chain = chain_for(leaf, &certs, &by_subject);
        let certified = Arc::new(CertifiedKey::new(chain, keys[key].1.clone()));
        if result.default.is_none() {
            result.default = Some(certified.clone());
        }
        for name in &certs[leaf].dns_names {
            result.domains.push(name.clone());
            result
                .by_name
                .entry(name.clone())
                .or_insert_with(|| certified.clone());
        }
    }
    result.domains.sort();
    result.domains.dedup();
    result
}

/// Pairs each certificate whose public key is one of `keys` with that key, in certificate
/// order: one hash lookup per certificate (the same key may serve several certificates).
fn pair(certs: &[Parsed], keys: &[(PathBuf, Arc<dyn SigningKey>)]) -> Vec<(usize, usize)> {
    let mut by_spki: HashMap<Vec<u8>, usize> = HashMap::new();
    for (i, (_, key)) in keys.iter().enumerate() {
        if let Some(spki) = key.public_key() {
            by_spki.entry(spki.as_ref().to_vec()).or_insert(i);
        }
    }
    certs
        .iter()
        .enumerate()
        .filter_map(|(c, cert)| by_spki.get(&cert.spki).map(|&k| (c, k)))
        .collect()
}

/// The leaf followed by the certificates that issued it, found by issuer and subject names.
fn chain_for(
    leaf: usize,
    certs: &[Parsed],
    by_subject: &HashMap<&[u8], Vec<usize>>,
) -> Vec<CertificateDer<'static>> {
    let mut chain = vec![leaf];
    while chain.len() < MAX_CHAIN {
        let last = &certs[chain[chain.len() - 1]];
        if last.subject == last.issuer {
            break;
        }
        let next = by_subject
            .get(last.issuer.as_slice())
            .and_then(|found| found.iter().find(|i| !chain.contains(i)));
        match next {
            Some(&i) => chain.push(i),
            None => break,
        }
    }
    chain.into_iter().map(|i| certs[i].der.clone()).collect()
}
