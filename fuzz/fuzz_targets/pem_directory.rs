//! The PEM readers of endpoint-tls: the `tls:` server's PEM-directory loader (SNI), the
//! certificate and key files of `ssl:` and `tls+`, and `trustRoots=` CA directories. The
//! input is up to eight files separated by NUL bytes, written into a fresh directory as
//! `a.pem`, `b.PEM`, `sub/c.pem`, `d.txt` (ignored by the loader), `e.pem`, ...
//!
//! Checked: nothing panics; a `tls:DIR` server parses exactly when the directory holds a
//! usable key and certificate pair, and is otherwise an option error naming `path`; every
//! domain the loader reports is found by its SNI lookup.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use endpoints::{quote, Error, Registry};
use endpoints_fuzz::check_error;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = [
    "a.pem",
    "b.PEM",
    "sub/c.pem",
    "d.txt",
    "e.pem",
    "sub/deeper/f.pem",
    "g.pem",
    "h.pem",
];

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir");
        // Kept for the life of the process: the fuzzer ends it with exit().
        dir.keep()
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = scratch().join("pems");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub/deeper")).expect("a scratch directory");
    for (name, contents) in NAMES.iter().zip(data.split(|&b| b == 0)) {
        std::fs::write(dir.join(name), contents).expect("a scratch file");
    }

    let mut names = vec![
        "example.com",
        "www.example.com",
        "a.example.org",
        "localhost",
        "",
    ];
    let (domains, _) = endpoint_tls::fuzzing::pem_directory(&dir, &names);
    names = domains.iter().map(String::as_str).collect();
    let (_, found) = endpoint_tls::fuzzing::pem_directory(&dir, &names);
    for (name, found) in names.iter().zip(found) {
        assert!(found, "{name:?} is served but its lookup finds nothing");
    }

    let registry = Registry::global();
    let d = quote(&dir.to_string_lossy());
    match registry.server(&format!("tls:{d}:0")) {
        Ok(endpoint) => {
            let _ = endpoint.to_string();
        }
        Err(e) => {
            check_error(&e);
            assert!(
                matches!(&e, Error::Option { option, .. } if option == "path"),
                "a tls: directory is refused only for its path: {e}"
            );
            assert!(domains.is_empty(), "refused, yet it serves {domains:?}: {e}");
        }
    }
    for server in [
        format!("ssl:0:privateKey={d}/a.pem"),
        format!("ssl:0:privateKey={d}/a.pem:certKey={d}/b.PEM:extraCertChain={d}/e.pem"),
        format!("tls+tcp:0:certificate={d}/sub/c.pem:privateKey={d}/a.pem:clientCA={d}/e.pem"),
    ] {
        match registry.server(&server) {
            Ok(endpoint) => {
                let _ = endpoint.to_string();
            }
            Err(e) => check_error(&e),
        }
    }
    for client in [
        format!("tls:localhost:443:trustRoots={d}"),
        format!("ssl:localhost:443:caCertsDir={d}:certKey={d}/a.pem"),
        format!(
            "tls+tcp:localhost:443:trustRoots={d}/b.PEM:certificate={d}/e.pem:privateKey={d}/a.pem"
        ),
    ] {
        match registry.client(&client) {
            Ok(endpoint) => {
                let _ = endpoint.to_string();
            }
            Err(e) => check_error(&e),
        }
    }
});
