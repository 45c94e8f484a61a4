//! Bad files and options get errors a user can act on.
mod support;

use endpoint_core::{Error, Registry};
use endpoint_tls as _;
use endpoint_unix as _;
use support::Pki;

fn server_error(description: &str) -> String {
    let e = Registry::global().server(description).unwrap_err();
    e.to_string()
}

#[test]
fn file_problems_name_the_file() {
    let pki = Pki::new();
    let missing = server_error(&format!("ssl:443:privateKey={}", pki.arg("nope.pem")));
    assert!(
        missing.contains("nope.pem") && missing.contains("could not read"),
        "{missing}"
    );

    let no_cert = server_error(&format!("ssl:443:privateKey={}", pki.arg("server-key.pem")));
    assert!(no_cert.contains("no certificate found"), "{no_cert}");

    let no_key = server_error(&format!(
        "ssl:443:privateKey={}",
        pki.arg("server-cert.pem")
    ));
    assert!(no_key.contains("no private key found"), "{no_key}");

    std::fs::write(pki.path("empty.pem"), "").unwrap();
    let empty_chain = server_error(&format!(
        "ssl:443:privateKey={}:extraCertChain={}",
        pki.arg("server.pem"),
        pki.arg("empty.pem")
    ));
    assert!(
        empty_chain.contains("holds no certificate"),
        "{empty_chain}"
    );

    let other_key = pki.path("client.pem");
    let mismatch = server_error(&format!(
        "ssl:443:privateKey={}:certKey={}",
        endpoint_core::description::quote(&other_key.to_string_lossy()),
        pki.arg("server-cert.pem")
    ));
    assert!(mismatch.contains("does not match"), "{mismatch}");
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
    assert!(e.to_string().contains("cannot be read"), "{e}");

    let e = Registry::global()
        .client("tls+unix:/tmp/x.sock")
        .unwrap_err();
    assert!(e.to_string().contains("hostname"), "{e}");
}
