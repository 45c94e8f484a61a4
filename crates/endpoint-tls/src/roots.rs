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

/// Roots from `path`: every `*.pem` file of a directory (Twisted's `caCertsDir` rules: other
/// files are ignored, duplicates merged, a `.pem` file that holds no certificate is an error),
/// or every certificate of one PEM file.
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
    let mut certs = Vec::new();
    if metadata.is_dir() {
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
        for file in files {
            let found = certificates(&file, "CA certificate")?;
            if found.is_empty() {
                return Err(no_certificate(&file, option));
            }
            certs.extend(found);
        }
    } else {
        certs = certificates(path, "CA certificate")?;
    }
    if certs.is_empty() {
        return Err(no_certificate(path, option));
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

fn no_certificate(path: &Path, option: &str) -> Error {
    setup(TlsProblem::NoCertificate {
        path: path.into(),
        role: option.to_owned(),
    })
}
