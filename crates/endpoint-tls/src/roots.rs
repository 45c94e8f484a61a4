//! Trust roots: the platform's, a directory of `.pem` files, or one PEM file.

use std::path::Path;
use std::sync::OnceLock;

use crate::TlsProblem;
use endpoint_core::{Error, Result};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;

use crate::error::{setup, setup_caused};
use crate::pem::certificates;

/// The platform's trust roots (the system certificate store, read once per process with
/// `rustls-native-certs`: `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the distribution's bundle).
/// May be empty on a machine without a store; the client then fails at connect time.
pub(crate) fn platform() -> RootCertStore {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    let certs = ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::debug!(error = %e, "skipped part of the platform trust store");
        }
        found.certs
    });
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(certs.iter().cloned());
    store
}

/// The error for a client that needs the platform's roots on a machine that has none.
pub(crate) fn no_platform_roots() -> Error {
    setup(TlsProblem::NoPlatformRoots)
}

/// Roots from `path`: every `*.pem` file of a directory, or every certificate of one PEM
/// file.
///
/// A directory follows Twisted's `caCertsDir` rules as Twisted means them (its loader says
/// "we don't care" about bad files) and as OpenSSL's hashed directories behave: only files
/// ending in `.pem` are read, duplicates are merged, and a file that cannot be read, is not
/// PEM, holds no certificate or holds one webpki cannot use as a root is skipped with a
/// debug log. (Twisted 26.10 in fact aborts on a `.pem` file that is not a certificate, as
/// its `except` misses the exception raised: sample C088; a stray file in a shared CA
/// directory should not take a server down.) Only a directory left with no usable
/// certificate is an error, [`TlsProblem::NoCaInDirectory`], naming the directory.
pub(crate) fn from_path(path: &Path, option: &str) -> Result<RootCertStore> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        let role = option.to_owned();
        setup_caused(
            TlsProblem::Unreadable {
                path: path.into(),
                role,
            },
            e,
        )
    })?;
    if metadata.is_dir() {
        return from_directory(path, option);
    }
    let certs = certificates(path, "CA certificate")?;
    if certs.is_empty() {
        return Err(setup(TlsProblem::NoCertificate {
            path: path.into(),
            role: option.to_owned(),
        }));
    }
    let mut store = RootCertStore::empty();
    for cert in certs {
        store.add(cert).map_err(|e| {
            let role = option.to_owned();
            setup_caused(
                TlsProblem::NotACa {
                    path: path.into(),
                    role,
                },
                e,
            )
        })?;
    }
    Ok(store)
}

/// The roots of a CA directory: every usable certificate of its `.pem` files (see
/// [`from_path`]).
fn from_directory(path: &Path, option: &str) -> Result<RootCertStore> {
    let entries = std::fs::read_dir(path).map_err(|e| {
        let role = format!("{option} directory");
        setup_caused(
            TlsProblem::Unreadable {
                path: path.into(),
                role,
            },
            e,
        )
    })?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pem")) && p.is_file())
        .collect();
    files.sort();
    let mut store = RootCertStore::empty();
    let mut skipped = 0;
    for file in files {
        let usable = certificates(&file, "CA certificate").map(|found| {
            let before = store.len();
            for cert in found {
                if let Err(e) = store.add(cert) {
                    tracing::debug!(file = %file.display(), error = %e, "skipped a certificate that cannot be a trust root");
                }
            }
            store.len() > before
        });
        match usable {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(file = %file.display(), option, "skipped a .pem file with no usable CA certificate");
                skipped += 1;
            }
            Err(e) => {
                tracing::debug!(file = %file.display(), option, error = %e, "skipped a .pem file");
                skipped += 1;
            }
        }
    }
    if store.is_empty() {
        return Err(setup(TlsProblem::NoCaInDirectory {
            path: path.into(),
            role: option.to_owned(),
            skipped,
        }));
    }
    Ok(store)
}
