//! Reading certificates and keys from PEM files, with errors that name the file.

use std::path::Path;
use std::sync::Arc;

use endpoint_core::{Error, Result};
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Tls {
        message: format!("could not read {what} file \"{}\"", path.display()),
        source: Some(Box::new(e)),
    })
}

/// Every certificate in a PEM file, in order (possibly none).
pub(crate) fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read(path, what)?;
    CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Tls {
            message: format!("{what} file \"{}\" is not valid PEM", path.display()),
            source: Some(Box::new(e)),
        })
}

/// The first private key in a PEM file, if there is one.
pub(crate) fn private_key(path: &Path, what: &str) -> Result<Option<PrivateKeyDer<'static>>> {
    let bytes = read(path, what)?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(Some(key)),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => Ok(None),
        Err(e) => Err(Error::Tls {
            message: format!("{what} file \"{}\" is not valid PEM", path.display()),
            source: Some(Box::new(e)),
        }),
    }
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
    let mut chain = certificates(certificate, "certificate")?;
    if chain.is_empty() && key != certificate {
        chain = certificates(key, "private key")?;
    }
    if chain.is_empty() {
        return Err(Error::Tls {
            message: format!("no certificate found in \"{}\"", certificate.display()),
            source: None,
        });
    }
    let found = match private_key(key, "private key")? {
        Some(k) => Some(k),
        None if key != certificate => private_key(certificate, "certificate")?,
        None => None,
    };
    let Some(private_key) = found else {
        return Err(Error::Tls {
            message: format!("no private key found in \"{}\"", key.display()),
            source: None,
        });
    };
    chain.extend(extra_chain.iter().cloned());
    check_match(&chain, &private_key, provider).map_err(|reason| Error::Tls {
        message: format!(
            "the private key in \"{}\" does not match the certificate in \"{}\" ({reason})",
            key.display(),
            certificate.display()
        ),
        source: None,
    })?;
    Ok((chain, private_key))
}

/// Checks that `key` is the private key of the first certificate of `chain`.
pub(crate) fn check_match(
    chain: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<CertifiedKey>, String> {
    let signing = provider
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| e.to_string())?;
    let certified = CertifiedKey::new(chain.to_vec(), signing);
    certified.keys_match().map_err(|e| e.to_string())?;
    Ok(Arc::new(certified))
}
