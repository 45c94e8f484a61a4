//! `endpoint tls pin FILE|DESCRIPTION`, and `SIGHUP` making `endpoint relay` and `endpoint
//! listen` serve renewed certificates.

mod support;

use std::path::Path;
use std::process::Stdio;

use endpoint_testkit::{Authority, Usage};
use endpoints::tls::{SpkiPin, TlsInfo};
use endpoints::{quote, Registry};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{ChildStderr, Command};

use support::{endpoint, TestResult, LIMIT};

#[test]
fn pin_of_a_file() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    let output = endpoint()
        .args(["tls", "pin"])
        .arg(pki.path("server-cert.pem"))
        .output()?;
    assert!(output.status.success(), "{output:?}");
    let expected = SpkiPin::of_pem_file(pki.path("server.pem"))?;
    assert_eq!(String::from_utf8(output.stdout)?, format!("{expected}\n"));

    let output = endpoint()
        .args(["tls", "pin"])
        .arg(pki.path("server-key.pem"))
        .output()?;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8(output.stderr)?;
    assert!(stderr.contains("no certificate found"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn pin_of_a_live_server_then_trusted_with_it() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    let server = Registry::global().server(&format!(
        "ssl:0:privateKey={}:interface=127.0.0.1",
        pki.arg("ca-as-leaf.pem")
    ))?;
    let mut listener = server.bind().await?;
    let port = listener.local_address().port().ok_or("a port")?;
    // The server's handshakes run while it is polled.
    let serving = tokio::spawn(async move { while listener.accept().await.is_ok() {} });
    let output = tokio::time::timeout(
        LIMIT,
        Command::new(env!("CARGO_BIN_EXE_endpoint"))
            .args(["tls", "pin", &format!("tls:localhost:{port}")])
            .output(),
    )
    .await??;
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout)?;
    let expected = SpkiPin::of_pem_file(pki.path("ca-as-leaf.pem"))?;
    assert_eq!(printed, format!("{expected}\n"));

    // The printed pin is what a client needs to trust that self-signed server.
    let pin = printed.trim();
    let client = Registry::global().client(&format!("tls:localhost:{port}:pin={pin}"))?;
    client.connect().await?;
    serving.abort();
    Ok(())
}

fn replace(path: &Path, text: &str) -> TestResult {
    let new = path.with_extension("new");
    std::fs::write(&new, text)?;
    std::fs::rename(&new, path)?;
    Ok(())
}

/// Reads stderr lines until one contains `needle`; returns that line.
async fn line_with(lines: &mut Lines<BufReader<ChildStderr>>, needle: &str) -> TestResult<String> {
    let found = tokio::time::timeout(LIMIT, async {
        while let Some(line) = lines.next_line().await? {
            if line.contains(needle) {
                return TestResult::Ok(line);
            }
        }
        Err(format!("stderr ended before {needle:?}").into())
    })
    .await??;
    Ok(found)
}

/// The leaf certificate a fresh client (no resumed session) is shown at `port`.
async fn presented(port: u16, ca: &str) -> TestResult<Vec<u8>> {
    let client = Registry::global().client(&format!("tls:localhost:{port}:trustRoots={ca}"))?;
    let connection = tokio::time::timeout(LIMIT, client.connect()).await??;
    let tls = connection
        .info()
        .get::<TlsInfo>()
        .ok_or("a TLS connection")?;
    Ok(tls.peer_certificates[0].to_vec())
}

fn der_of(pem: &str) -> Vec<u8> {
    let (_, parsed) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    parsed.contents
}

/// Starts `endpoint -v ARGS...` (an `ssl:` server on SERVER_PEM), renews the certificate,
/// sends SIGHUP, waits for the log line, and checks a new client sees the new certificate.
async fn renews_on_sighup(args: &[&str], ready: &str, listen_mode: bool) -> TestResult {
    let dir = tempfile::tempdir()?;
    let ca = Authority::new("SIGHUP CA");
    std::fs::write(dir.path().join("ca.pem"), ca.pem())?;
    let server_pem = dir.path().join("server.pem");
    let issue = || ca.issue("localhost", &["localhost"], Usage::Server);
    let first = issue();
    replace(&server_pem, &first.combined())?;
    let key = quote(&server_pem.to_string_lossy());
    let server = format!("ssl:0:privateKey={key}:interface=127.0.0.1");
    let args: Vec<String> = args.iter().map(|a| a.replace("SERVER", &server)).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(child.stderr.take().ok_or("stderr")?).lines();
    let line = line_with(&mut lines, ready).await?;
    let address = line[line.find(ready).unwrap_or(0) + ready.len()..]
        .split_whitespace()
        .next()
        .ok_or("an address")?
        .to_owned();
    let port: u16 = address.rsplit(':').next().ok_or("a port")?.parse()?;
    let ca_arg = quote(&dir.path().join("ca.pem").to_string_lossy());
    if !listen_mode {
        assert_eq!(presented(port, &ca_arg).await?, der_of(&first.cert_pem));
    }

    let renewed = issue();
    replace(&server_pem, &renewed.combined())?;
    let pid = child.id().ok_or("running")?;
    // SAFETY: sending SIGHUP to our own child.
    if unsafe { libc::kill(pid as libc::pid_t, libc::SIGHUP) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    let done = line_with(&mut lines, "reloaded certificates").await?;
    assert!(done.contains("reloaded=1"), "{done}");
    assert_eq!(presented(port, &ca_arg).await?, der_of(&renewed.cert_pem));
    child.start_kill()?;
    Ok(())
}

#[tokio::test]
async fn relay_serves_a_renewed_certificate_after_sighup() -> TestResult {
    let echo = Registry::global()
        .server("tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let echo_port = echo.local_address().port().ok_or("a port")?;
    let _echo = echo.listen(|connection| async move {
        let (mut r, mut w) = tokio::io::split(connection);
        let _ = tokio::io::copy(&mut r, &mut w).await;
    });
    let client = format!("tcp:127.0.0.1:{echo_port}");
    renews_on_sighup(&["-v", "relay", "SERVER", &client], "relaying ", false).await
}

#[tokio::test]
async fn listen_serves_a_renewed_certificate_after_sighup() -> TestResult {
    // `listen` takes one connection, so only the one after the reload is made.
    renews_on_sighup(&["-v", "listen", "SERVER"], "listening on ", true).await
}
