//! Anything wrong that can be found from the text and the files it names is a mistake in the
//! description: an option error naming the option as written, with the path and the OS
//! reason, and exit status 2 — never a run-time failure (1).

mod support;

use support::{endpoint, TestResult};

/// Runs `endpoint ARGS...` and returns its exit code and stderr.
fn run(args: &[&str]) -> std::io::Result<(Option<i32>, String)> {
    let output = endpoint().args(args).output()?;
    Ok((
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// Asserts exit 2 and that stderr has every one of `needles`.
fn bad_description(args: &[&str], needles: &[&str]) -> TestResult {
    let (code, stderr) = run(args)?;
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: missing {needle:?} in {stderr}"
        );
    }
    assert!(stderr.contains('^'), "{args:?}: no caret in {stderr}");
    Ok(())
}

#[test]
fn a_missing_server_key_names_privatekey() -> TestResult {
    bad_description(
        &[
            "describe",
            "--server",
            "--",
            "ssl:8443:privateKey=/no/such/key.pem",
        ],
        &[
            "option \"privateKey\" of ssl",
            "\"/no/such/key.pem\"",
            "No such file or directory",
        ],
    )
}

#[test]
fn a_missing_ca_directory_names_cacertsdir() -> TestResult {
    bad_description(
        &[
            "describe",
            "--client",
            "ssl:example.com:443:caCertsDir=/no/such/dir",
        ],
        &[
            "option \"caCertsDir\" of ssl",
            "\"/no/such/dir\"",
            "No such file or directory",
        ],
    )
}

#[test]
fn an_empty_hostname_is_an_option_error() -> TestResult {
    bad_description(
        &["describe", "--client", "ssl:example.com:443:hostname="],
        &["option \"hostname\" of ssl", "is empty"],
    )
}

#[test]
fn a_host_with_a_space_is_an_option_error() -> TestResult {
    bad_description(
        &["describe", "--client", "tls:bad host:443"],
        &["option \"host\" of tls", "\"bad host\""],
    )
}

#[test]
fn a_host_that_could_inject_a_header_is_a_description_error() -> TestResult {
    // Issue 19: the tcp host goes into an HTTP CONNECT request line and Host header.
    bad_description(
        &[
            "describe",
            "--client",
            "httpconnect+tcp:allowed.example\r\nX-Injected\\: yes\r\n\r\nGET / HTTP/1.1:80:proxy=tcp\\:127.0.0.1\\:3128",
        ],
        &[
            "option \"host\" of tcp",
            "a carriage return (U+000D) at byte 15",
        ],
    )?;
    bad_description(
        &["connect", "tcp:[a:b]:80"],
        &[
            "option \"host\" of tcp",
            "brackets hold an IPv6 address only",
        ],
    )
}

#[test]
fn a_pem_directory_without_certificates_is_refused_at_parse() -> TestResult {
    bad_description(
        &["listen", "tls:/nonexistent-dir:port=0"],
        &[
            "option \"path\" of tls",
            "/nonexistent-dir",
            "No such file or directory",
        ],
    )?;
    let empty = tempfile::tempdir()?;
    let text = format!(
        "tls:{}:port=0",
        endpoints::quote(&empty.path().to_string_lossy())
    );
    bad_description(
        &["listen", &text],
        &["option \"path\" of tls", "holds no usable certificate"],
    )
}

#[test]
fn an_empty_unix_path_is_refused_at_parse() -> TestResult {
    bad_description(
        &["describe", "--server", "unix:"],
        &["option \"address\" of unix", "is empty"],
    )?;
    bad_description(
        &["describe", "--client", "unix:"],
        &["option \"path\" of unix", "is empty"],
    )
}

#[test]
fn an_abstract_unix_name_refuses_mode_owner_and_group() -> TestResult {
    for (text, option) in [
        ("unix:@app:mode=600", "mode"),
        ("unix:@app:owner=root", "owner"),
        ("unix:@app:group=0", "group"),
    ] {
        bad_description(
            &["describe", "--server", text],
            &[
                &format!("option \"{option}\" of unix"),
                "abstract sockets have no file permissions",
            ],
        )?;
    }
    Ok(())
}

#[test]
fn a_key_that_is_not_the_certificates_key_names_the_option() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    let text = format!(
        "tls+tcp:0:certificate={}:privateKey={}",
        pki.arg("server-cert.pem"),
        pki.arg("client.pem")
    );
    bad_description(
        &["describe", "--server", &text],
        &["option \"privateKey\" of tls", "does not match"],
    )
}

/// Issue 19 item 13: a stray file in a CA directory is skipped; a directory with nothing
/// usable is a description error naming the option (it was a run-time failure, exit 1,
/// naming the stray file).
#[test]
fn a_ca_directory_with_no_usable_certificate_names_the_option() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    std::fs::write(pki.path("cas/garbage.pem"), "this is not PEM\n")?;
    let (code, stderr) = run(&[
        "describe",
        "--client",
        &format!("ssl:example.com:443:caCertsDir={}", pki.arg("cas")),
    ])?;
    assert_eq!(code, Some(0), "{stderr}");
    std::fs::remove_file(pki.path("cas/ca.pem"))?;
    for text in [
        format!("ssl:example.com:443:caCertsDir={}", pki.arg("cas")),
        format!("tls:example.com:443:trustRoots={}", pki.arg("cas")),
    ] {
        let option = if text.starts_with("ssl") {
            "option \"caCertsDir\" of ssl"
        } else {
            "option \"trustRoots\" of tls"
        };
        bad_description(
            &["describe", "--client", &text],
            &[option, "no usable CA certificate", "1 .pem file(s)"],
        )?;
    }
    // Issue 19 item 14: caCertsDir= names a directory, as in Twisted.
    bad_description(
        &[
            "describe",
            "--client",
            &format!("ssl:example.com:443:caCertsDir={}", pki.arg("ca.pem")),
        ],
        &["option \"caCertsDir\" of ssl", "not a directory"],
    )
}
