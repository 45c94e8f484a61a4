//! A third-party kind in the CLI: built with `--features throttle`, the `endpoint` binary
//! links the example plugin crate, lists its `throttle` layer, and accepts `throttle+...` in
//! every command. `cargo test --workspace --all-features` (what CI runs) includes it.
#![cfg(feature = "throttle")]

mod support;

use std::process::Stdio;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use support::{endpoint, start, TestResult, LIMIT};

#[test]
fn kinds_lists_the_plugin() -> TestResult {
    let output = endpoint().arg("kinds").output()?;
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("throttle"), "{text}");
    assert!(text.contains("rate"), "{text}");
    Ok(())
}

#[test]
fn describe_accepts_the_plugin_layer() -> TestResult {
    let output = endpoint()
        .args([
            "describe",
            "--server",
            "throttle+tcp:8080:rate=1000",
            "--json",
        ])
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(r#""layers":[{"kind":"throttle","rate":1000"#),
        "{stdout}"
    );
    Ok(())
}

#[tokio::test]
async fn listen_and_connect_through_the_plugin_layer() -> TestResult {
    let listening = start(
        &["listen", "throttle+tcp:0:interface=127.0.0.1:rate=1000000"],
        "listening on ",
    )
    .await?;
    let port = listening.port()?;
    let mut connect = tokio::process::Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args([
            "connect",
            &format!("throttle+tcp:127.0.0.1:{port}:rate=1000000"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut to_server = connect.stdin.take().ok_or("stdin")?;
    let mut listener = listening.child;
    let mut from_client = listener.stdout.take().ok_or("stdout")?;
    drop(listener.stdin.take());
    let exchange = async {
        to_server.write_all(b"through the plugin").await?;
        drop(to_server);
        let mut got = Vec::new();
        from_client.read_to_end(&mut got).await?;
        TestResult::Ok(got)
    };
    let got = tokio::time::timeout(LIMIT, exchange).await??;
    assert_eq!(got, b"through the plugin");
    Ok(())
}
