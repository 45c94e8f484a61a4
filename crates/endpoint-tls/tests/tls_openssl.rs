//! Interoperability with OpenSSL's own client and server (`openssl s_client`, `s_server`),
//! both directions. `.ci/run` installs openssl; without it these tests fail, never pass.
mod support;

use std::process::Stdio;

use endpoint_core::Registry;
use endpoint_testkit::TestResult;
use endpoint_tls as _;
use support::{port_of, Pki, SAFETY};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn openssl_s_client_talks_to_our_server() -> TestResult {
    let pki = Pki::new();
    let mut listener = Registry::global()
        .server(&format!(
            "ssl:0:privateKey={}:interface=127.0.0.1",
            pki.arg("server.pem")
        ))?
        .bind()
        .await?;
    let port = port_of(&listener);
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
        ])
        .args([
            "-verify_return_error",
            "-verify_hostname",
            "localhost",
            "-quiet",
            "-CAfile",
        ])
        .arg(pki.path("ca.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hello from openssl\n").await?;
    let mut accepted = tokio::time::timeout(SAFETY, listener.accept()).await??;
    let mut line = String::new();
    let mut reader = BufReader::new(&mut accepted);
    tokio::time::timeout(SAFETY, reader.read_line(&mut line)).await??;
    assert_eq!(line, "hello from openssl\n");
    accepted.write_all(b"hello from rust\n").await?;
    accepted.shutdown().await?;
    drop(stdin);
    let mut out = String::new();
    tokio::time::timeout(
        SAFETY,
        child.stdout.take().unwrap().read_to_string(&mut out),
    )
    .await??;
    assert!(out.contains("hello from rust"), "{out:?}");
    Ok(())
}

#[tokio::test]
async fn our_client_talks_to_openssl_s_server() -> TestResult {
    let pki = Pki::new();
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-naccept",
            "1",
            "-cert",
        ])
        .arg(pki.path("server-cert.pem"))
        .arg("-key")
        .arg(pki.path("server-key.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // s_server prints "ACCEPT 127.0.0.1:PORT" once it listens.
    let port = tokio::time::timeout(SAFETY, async {
        let mut line = String::new();
        loop {
            line.clear();
            if stdout.read_line(&mut line).await? == 0 {
                return Err::<u16, Box<dyn std::error::Error + Send + Sync>>(
                    "s_server exited".into(),
                );
            }
            if let Some(address) = line.trim().strip_prefix("ACCEPT ") {
                return Ok(address.rsplit(':').next().unwrap().parse()?);
            }
        }
    })
    .await??;
    let client = Registry::global().client(&format!(
        "tls:localhost:{port}:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let mut connection = tokio::time::timeout(SAFETY, client.connect()).await??;
    connection.write_all(b"hello from rust\n").await?;
    // s_server prints what it receives on stdout.
    tokio::time::timeout(SAFETY, async {
        let mut line = String::new();
        while !line.contains("hello from rust") {
            line.clear();
            if stdout.read_line(&mut line).await? == 0 {
                return Err::<(), Box<dyn std::error::Error + Send + Sync>>(
                    "s_server ended before the message".into(),
                );
            }
        }
        Ok(())
    })
    .await??;
    // And sends its stdin to us.
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"hello from openssl\n")
        .await?;
    let mut reader = BufReader::new(&mut connection);
    let mut line = String::new();
    tokio::time::timeout(SAFETY, reader.read_line(&mut line)).await??;
    assert_eq!(line, "hello from openssl\n");
    Ok(())
}
