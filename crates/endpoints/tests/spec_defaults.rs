//! The option spec is the one home of a default: for every registered kind and layer, a
//! description that omits an option describes exactly like one that writes the option's
//! declared default. A parser or constructor with a default of its own shows up here.

use endpoint_testkit::TestPki;
use endpoints::core::Kind;
use endpoints::{Registry, Side};

/// A minimal description for each kind and layer, `{pki}` standing for the test PKI's
/// directory. A registered kind missing here fails the test, so new kinds get a row.
fn minimal(kind: &Kind, pki: &TestPki) -> Option<String> {
    let cert = pki.arg("server.pem");
    let dir = pki.arg("sni");
    let text = match (kind.name, kind.side(), kind.is_layer()) {
        ("tcp", Side::Server, false) => "tcp:0".to_owned(),
        ("tcp6", Side::Server, false) => "tcp6:0".to_owned(),
        ("tcp", Side::Client, false) => "tcp:localhost:1".to_owned(),
        ("unix", Side::Server, false) => "unix:/tmp/defaults.sock".to_owned(),
        ("unix", Side::Client, false) => "unix:/tmp/defaults.sock".to_owned(),
        ("systemd", Side::Server, false) => "systemd:domain=INET:index=0".to_owned(),
        ("stdio", Side::Server, false) => "stdio".to_owned(),
        ("exec", Side::Client, false) => "exec:/bin/cat".to_owned(),
        // `server.pem` is the declared default privateKey: the test runs where it exists.
        ("ssl", Side::Server, false) => "ssl:0".to_owned(),
        ("ssl", Side::Client, false) => "ssl:localhost:1".to_owned(),
        ("tls", Side::Server, false) => format!("tls:{dir}"),
        ("tls", Side::Client, false) => "tls:localhost:1".to_owned(),
        ("quic", Side::Server, false) => format!("quic:0:certificate={cert}"),
        ("quic", Side::Client, false) => "quic:localhost:1".to_owned(),
        ("srv", Side::Client, false) => "srv:_x._tcp.example.test".to_owned(),
        ("dns", Side::Client, false) => "dns:localhost:1".to_owned(),
        ("tls", Side::Server, true) => format!("tls+tcp:0:certificate={cert}"),
        ("tls", Side::Client, true) => "tls+tcp:localhost:1".to_owned(),
        // The proxy layers need the proxy's own description.
        ("socks5" | "httpconnect", Side::Client, true) => {
            format!(r"{}+tcp:localhost:1:proxy=tcp\:127.0.0.1\:1080", kind.name)
        }
        (layer, Side::Server, true) => format!("{layer}+tcp:0"),
        (layer, Side::Client, true) => format!("{layer}+tcp:localhost:1"),
        _ => return None,
    };
    Some(text)
}

#[test]
fn omitted_options_describe_as_their_declared_defaults() {
    let pki = TestPki::new();
    // Twisted's ssl server reads `server.pem` from the working directory by default.
    std::env::set_current_dir(pki.dir()).expect("cd into the test PKI");
    let registry = Registry::global();
    let mut checked = 0;
    let mut failures = Vec::new();
    for kind in registry.kinds() {
        let Some(base) = minimal(kind, &pki) else {
            failures.push(format!(
                "{} ({}, layer: {}) has no minimal description in this test",
                kind.name,
                kind.side(),
                kind.is_layer()
            ));
            continue;
        };
        let omitted = match registry.describe(kind.side(), &base) {
            Ok(described) => described,
            Err(e) => {
                failures.push(format!("{base}: {e}"));
                continue;
            }
        };
        for spec in kind.options {
            let Some(default) = spec.default else {
                continue;
            };
            let key = if kind.is_layer() {
                format!("{}.{}", kind.name, spec.name)
            } else {
                spec.name.to_owned()
            };
            let explicit = format!("{base}:{key}={}", endpoints::quote(default));
            match registry.describe(kind.side(), &explicit) {
                Ok(described) if described == omitted => checked += 1,
                Ok(described) => failures.push(format!(
                    "{}: omitting {} gives {:?}, writing its default gives {:?}",
                    kind.name, spec.name, omitted.canonical, described.canonical
                )),
                Err(e) => failures.push(format!("{explicit}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 40, "only {checked} defaults were checked");
}
