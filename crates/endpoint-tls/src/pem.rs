//! Reading certificates and keys from PEM files, with errors that name the file.

use std::path::Path;
use std::sync::Arc;

use crate::TlsProblem;
use endpoint_core::Result;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{setup, setup_caused};

/// The largest PEM file read (a distribution's whole CA bundle is about 200 KiB).
const MAX_PEM_BYTES: u64 = 16 << 20;

/// Reads a regular file of at most [`MAX_PEM_BYTES`]. A description names files by path, so
/// a device (`/dev/zero`, which never ends), a FIFO (whose open waits for a writer) or a huge
/// file must fail at once instead of stalling or exhausting the process.
pub(crate) fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_PEM_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} MiB", MAX_PEM_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    read_file(path).map_err(|e| {
        let role = format!("{what} file");
        setup_caused(
            TlsProblem::Unreadable {
                path: path.into(),
                role,
            },
            e,
        )
    })
}

/// Every certificate in a PEM file, in order (possibly none).
pub(crate) fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read(path, what)?;
    CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| not_pem(path, what, e))
}

/// The first private key in a PEM file, if there is one.
pub(crate) fn private_key(path: &Path, what: &str) -> Result<Option<PrivateKeyDer<'static>>> {
    let bytes = read(path, what)?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(Some(key)),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => Ok(None),
        Err(e) => Err(not_pem(path, what, e)),
    }
}

fn not_pem(path: &Path, what: &str, e: rustls_pki_types::pem::Error) -> endpoint_core::Error {
    let role = format!("{what} file");
    setup_caused(
        TlsProblem::NotPem {
            path: path.into(),
            role,
        },
        e,
    )
}

/// A certificate chain and its key, from one file or two (Twisted's `certKey`/`privateKey`:
/// each file may hold either or both; certificates are looked for in the certificate file
/// first, the key in the key file first).
pub(crate) fn identity(
    certificate: &Path,
    key: &Path,
    extra_chain: &[CertificateDer<'static>],
    provider: &Arc<CryptoProvider>,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    load(certificate, key, extra_chain, provider).map(|(chain, key, _)| (chain, key))
}

/// As [`identity`], as the signing key rustls serves (checked to match the certificate).
pub(crate) fn certified_key(
    certificate: &Path,
    key: &Path,
    extra_chain: &[CertificateDer<'static>],
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<CertifiedKey>> {
    load(certificate, key, extra_chain, provider).map(|(_, _, certified)| certified)
}

type Loaded = (
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
    Arc<CertifiedKey>,
);

fn load(
    certificate: &Path,
    key: &Path,
    extra_chain: &[CertificateDer<'static>],
    provider: &Arc<CryptoProvider>,
) -> Result<Loaded> {
    let mut chain = certificates(certificate, "certificate")?;
    if chain.is_empty() && key != certificate {
        chain = certificates(key, "private key")?;
    }
    if chain.is_empty() {
        return Err(setup(TlsProblem::NoCertificate {
            path: certificate.into(),
            role: "certificate file".into(),
        }));
    }
    let found = match private_key(key, "private key")? {
        Some(k) => Some(k),
        None if key != certificate => private_key(certificate, "certificate")?,
        None => None,
    };
    let Some(private_key) = found else {
        return Err(setup(TlsProblem::NoPrivateKey { path: key.into() }));
    };
    chain.extend(extra_chain.iter().cloned());
    let certified = check_match(&chain, &private_key, provider).map_err(|e| {
        let problem = TlsProblem::KeyMismatch {
            key: key.into(),
            certificate: certificate.into(),
        };
        setup_caused(problem, e)
    })?;
    Ok((chain, private_key, certified))
}

/// Checks that `key` is the private key of the first certificate of `chain`.
pub(crate) fn check_match(
    chain: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<CertifiedKey>, rustls::Error> {
    let signing = provider.key_provider.load_private_key(key.clone_key())?;
    let certified = CertifiedKey::new(chain.to_vec(), signing);
    certified.keys_match()?;
    Ok(Arc::new(certified))
}
/// Every certificate of a chain file; a file with none is an error (as in Twisted).
pub(crate) fn chain_file(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let chain = certificates(path, "extraCertChain")?;
    if chain.is_empty() {
        return Err(setup(TlsProblem::NoCertificate {
            path: path.into(),
            role: "extraCertChain file".into(),
        }));
    }
    Ok(chain)
}
