//! Interoperability with an independent QUIC implementation, Python's `aioquic`, both ways.
//!
//! Skipped (with a message) only when `python3 -c "import aioquic"` fails and `CI` is unset;
//! `.ci/run` installs the package.
mod support;

use std::path::PathBuf;
use std::process::Stdio;

use endpoint_testkit::{python_server, require_python_module};
use futures_util::future::join_all;
use support::{client, echo_server, logs, port_of, round_trip, server, Pki, TestResult, SAFETY};
use tokio::process::Command;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name)
}

#[tokio::test]
async fn our_client_talks_to_an_aioquic_server() -> TestResult {
    if !require_python_module("aioquic") {
        return Ok(());
    }
    logs();
    let pki = Pki::new();
    let (mut python, port) = python_server(
        &script("echo_server.py"),
        &[
            pki.path("server-cert.pem").as_os_str(),
            pki.path("server-key.pem").as_os_str(),
            "endpoints".as_ref(),
        ],
    )
    .await?;

    let client = client(&pki, port, "");
    let messages: Vec<Vec<u8>> = (0..20)
        .map(|i| format!("rust stream {i} ").repeat(500).into_bytes())
        .collect();
    let trips = join_all(messages.iter().map(|m| round_trip(&*client, m)));
    let mut ids = std::collections::HashSet::new();
    for (result, message) in tokio::time::timeout(SAFETY, trips)
        .await?
        .into_iter()
        .zip(&messages)
    {
        let (back, stream) = result?;
        assert!(back == *message, "an echo differs");
        let info = support::quic(&stream);
        assert_eq!(info.alpn.as_deref(), Some("endpoints"));
        ids.insert(info.stable_id);
    }
    assert_eq!(ids.len(), 1, "one QUIC connection for every stream");

    drop(python.child.stdin.take());
    tokio::time::timeout(SAFETY, python.child.wait()).await??;
    Ok(())
}

#[tokio::test]
async fn an_aioquic_client_talks_to_our_server() -> TestResult {
    if !require_python_module("aioquic") {
        return Ok(());
    }
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":alpn=h3,endpoints").await?;
    let port = port_of(&listener);
    let mut seen = echo_server(listener);
    let python = Command::new("python3")
        .arg(script("client.py"))
        .arg(port.to_string())
        .arg(pki.path("ca.pem"))
        .arg("endpoints")
        .arg("10")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let output = tokio::time::timeout(SAFETY, python.wait_with_output()).await??;
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the python client failed: {said}");
    assert_eq!(said.trim(), "ok 10");
    let mut ids = std::collections::HashSet::new();
    for _ in 0..10 {
        let (info, _) = seen.recv().await.ok_or("the server ended")?;
        assert_eq!(info.alpn.as_deref(), Some("endpoints"));
        ids.insert(info.stable_id);
    }
    assert_eq!(ids.len(), 1);
    Ok(())
}
