//! Entry points for the fuzz targets in `fuzz/` (the `fuzzing` feature); not a stable API.

use std::path::Path;

use crate::sni::PemDirectory;

/// Scans `directory` as the `tls:` server does, then looks each of `names` up as an SNI name
/// would be (exact name, then the wildcard for its parent, no rescan): returns the domains
/// served and, for each name, whether a certificate of its own (not the default) matched.
pub fn pem_directory(directory: &Path, names: &[&str]) -> (Vec<String>, Vec<bool>) {
    let resolver = PemDirectory::new(directory.to_owned(), crate::provider());
    let found = names
        .iter()
        .map(|name| resolver.lookup(name).is_some())
        .collect();
    (resolver.domains(), found)
}
