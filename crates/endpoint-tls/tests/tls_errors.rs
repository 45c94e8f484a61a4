//! Bad files and options get errors a user can act on.
mod support;

use endpoint_core::{Error, Registry, TlsProblem};
use endpoint_tls as _;
use endpoint_unix as _;
use support::Pki;

fn server_error(description: &str) -> Error {
    Registry::global().server(description).unwrap_err()
}

#[test]
fn file_problems_name_the_file() {
    let pki = Pki::new();
    let missing = server_error(&format!("ssl:443:privateKey={}", pki.arg("nope.pem")));
    assert_eq!(
        missing.tls_problem(),
        Some(&TlsProblem::Unreadable {
            path: pki.path("nope.pem"),
            role: "certificate file".into()
        }),
        "{missing}"
    );
    let text = missing.to_string();
    assert!(
        text.starts_with("tls: could not read certificate file \"") && text.contains("nope.pem"),
        "{text}"
    );
    let source = std::error::Error::source(&missing).expect("the OS error");
    assert_eq!(
        source.downcast_ref::<std::io::Error>().map(|e| e.kind()),
        Some(std::io::ErrorKind::NotFound)
    );

    let no_cert = server_error(&format!("ssl:443:privateKey={}", pki.arg("server-key.pem")));
    assert!(
        matches!(
            no_cert.tls_problem(),
            Some(TlsProblem::NoCertificate { path, .. }) if *path == pki.path("server-key.pem")
        ),
        "{no_cert}"
    );
    assert!(
        no_cert.to_string().contains("no certificate found"),
        "{no_cert}"
    );

    let no_key = server_error(&format!(
        "ssl:443:privateKey={}",
        pki.arg("server-cert.pem")
    ));
    assert_eq!(
        no_key.tls_problem(),
        Some(&TlsProblem::NoPrivateKey {
            path: pki.path("server-cert.pem")
        }),
        "{no_key}"
    );

    std::fs::write(pki.path("empty.pem"), "").unwrap();
    let empty_chain = server_error(&format!(
        "ssl:443:privateKey={}:extraCertChain={}",
        pki.arg("server.pem"),
        pki.arg("empty.pem")
    ));
    assert_eq!(
        empty_chain.tls_problem(),
        Some(&TlsProblem::NoCertificate {
            path: pki.path("empty.pem"),
            role: "extraCertChain file".into()
        }),
        "{empty_chain}"
    );

    let other_key = pki.path("client.pem");
    let mismatch = server_error(&format!(
        "ssl:443:privateKey={}:certKey={}",
        endpoint_core::description::quote(&other_key.to_string_lossy()),
        pki.arg("server-cert.pem")
    ));
    assert_eq!(
        mismatch.tls_problem(),
        Some(&TlsProblem::KeyMismatch {
            key: other_key,
            certificate: pki.path("server-cert.pem")
        }),
        "{mismatch}"
    );
    assert!(
        mismatch.to_string().contains("does not match"),
        "{mismatch}"
    );
}

#[test]
fn option_problems_say_what_is_accepted() {
    let pki = Pki::new();
    let e = Registry::global()
        .server(&format!(
            "ssl:443:privateKey={}:sslmethod=SSLv3_METHOD",
            pki.arg("server.pem")
        ))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, .. } if option == "sslmethod"),
        "{e}"
    );
    assert!(e.to_string().contains("rustls does not offer"), "{e}");

    let e = Registry::global()
        .client("tls:h:443:caCertsDir=/x")
        .unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, .. } if option == "caCertsDir"),
        "{e}"
    );

    let e = Registry::global()
        .client(&format!("ssl:h:443:caCertsDir={}", pki.arg("nonexistent")))
        .unwrap_err();
    assert_eq!(
        e.tls_problem(),
        Some(&TlsProblem::Unreadable {
            path: pki.path("nonexistent"),
            role: "trustRoots".into()
        }),
        "{e}"
    );

    let e = Registry::global()
        .client("tls+unix:/tmp/x.sock")
        .unwrap_err();
    assert!(e.to_string().contains("hostname"), "{e}");
}
