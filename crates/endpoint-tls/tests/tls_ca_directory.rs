//! CA directories (`caCertsDir=`, `trustRoots=`, `clientCA=`): a stray file that is not a
//! certificate is skipped, a directory with nothing usable is a description error naming the
//! option, and `caCertsDir=` takes a directory only (issue 19 items 13 and 14).
mod support;

use endpoint_core::{Error, Registry};
use endpoint_testkit::TestResult;
use endpoint_tls::TlsProblem;
use support::{echo, port_of, ssl_listener, Pki};

/// `cas/` of the test PKI plus the files Twisted's sample calls `cas-bad/`: a `.pem` file
/// that is not PEM, an empty one and a key (three skipped files), a subdirectory named like
/// a PEM file and a text file (neither is read).
fn with_stray_files(pki: &Pki) -> TestResult {
    let cas = pki.path("cas");
    std::fs::write(cas.join("garbage.pem"), "this is not PEM\n")?;
    std::fs::write(cas.join("empty.pem"), "")?;
    std::fs::copy(pki.path("server-key.pem"), cas.join("key.pem"))?;
    std::fs::create_dir(cas.join("sub.pem"))?;
    std::fs::write(cas.join("notes.txt"), "not read\n")?;
    Ok(())
}

#[tokio::test]
async fn stray_files_in_a_ca_directory_are_skipped() -> TestResult {
    let pki = Pki::new();
    with_stray_files(&pki)?;
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    let port = port_of(&listener);
    for client in [
        format!(
            "ssl:127.0.0.1:{port}:hostname=localhost:caCertsDir={}",
            pki.arg("cas")
        ),
        format!("tls:localhost:{port}:trustRoots={}", pki.arg("cas")),
        format!(
            "tls+tcp:127.0.0.1:{port}:hostname=localhost:trustRoots={}",
            pki.arg("cas")
        ),
    ] {
        let client = Registry::global().client(&client)?;
        echo(&mut listener, &*client).await?;
    }
    // A server's clientCA= directory too: the good client gets through.
    let mut mutual = Registry::global()
        .server(&format!(
            "tls+tcp:0:interface=127.0.0.1:certificate={}:clientCA={}",
            pki.arg("server.pem"),
            pki.arg("cas")
        ))?
        .bind()
        .await?;
    let client = Registry::global().client(&format!(
        "tls+tcp:127.0.0.1:{}:hostname=localhost:trustRoots={}:certificate={}",
        port_of(&mutual),
        pki.arg("ca.pem"),
        pki.arg("client.pem")
    ))?;
    echo(&mut mutual, &*client).await?;
    Ok(())
}

#[test]
fn a_ca_directory_with_nothing_usable_is_an_option_error() -> TestResult {
    let pki = Pki::new();
    with_stray_files(&pki)?;
    std::fs::remove_file(pki.path("cas/ca.pem"))?;
    let cas = pki.arg("cas");
    for (description, option, server) in [
        (format!("ssl:h:443:caCertsDir={cas}"), "caCertsDir", false),
        (format!("tls:h:443:trustRoots={cas}"), "trustRoots", false),
        (
            format!("tls+tcp:h:443:trustRoots={cas}"),
            "trustRoots",
            false,
        ),
        (
            format!(
                "tls+tcp:0:certificate={}:clientCA={cas}",
                pki.arg("server.pem")
            ),
            "clientCA",
            true,
        ),
    ] {
        let error = if server {
            Registry::global().server(&description).unwrap_err()
        } else {
            Registry::global().client(&description).unwrap_err()
        };
        let Error::Option {
            option: named,
            reason,
            ..
        } = &error
        else {
            panic!("not an option error: {error:?}");
        };
        assert_eq!(named, option, "{error}");
        assert!(
            reason.contains("no usable CA certificate")
                && reason.contains(&*pki.path("cas").to_string_lossy())
                && reason.contains("3 .pem file(s) there were skipped"),
            "{error}"
        );
    }
    // In code, the evidence is typed.
    let mut settings = endpoint_tls::TlsClientSettings::new("h");
    settings.trust_roots = Some(pki.path("cas"));
    let inner = Registry::global().client("tcp:h:443")?;
    let error = settings.layer(inner).unwrap_err();
    assert_eq!(
        error.find::<TlsProblem>(),
        Some(&TlsProblem::NoCaInDirectory {
            path: pki.path("cas"),
            role: "trustRoots".into(),
            skipped: 3,
        }),
        "{error}"
    );
    Ok(())
}

#[test]
fn ca_certs_dir_takes_a_directory_only() -> TestResult {
    let pki = Pki::new();
    let error = Registry::global()
        .client(&format!("ssl:h:443:caCertsDir={}", pki.arg("ca.pem")))
        .unwrap_err();
    assert!(
        matches!(&error, Error::Option { option, reason, .. }
            if option == "caCertsDir" && reason.contains("not a directory")),
        "{error}"
    );
    // trustRoots= (ours, of tls: and tls+) takes one PEM file as well.
    Registry::global().client(&format!("tls:h:443:trustRoots={}", pki.arg("ca.pem")))?;
    Ok(())
}
