//! The `quic` kinds through the `endpoint` command: `describe --json`, `kinds`, and a
//! `listen`/`connect` pair over loopback QUIC.

mod support;

use std::net::SocketAddr;
use std::process::Stdio;

use endpoint_testkit::TestPki;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use support::{endpoint, start, TestResult, LIMIT};

fn describe_json(side: &str, description: &str) -> TestResult<String> {
    let output = endpoint()
        .args(["describe", &format!("--{side}"), description, "--json"])
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{description}: {stderr}");
    Ok(String::from_utf8(output.stdout)?.trim_end().to_owned())
}

#[test]
fn describe_json_shows_every_quic_option() -> TestResult {
    assert_eq!(
        describe_json("client", "quic:example.com:4433")?,
        r#"{"side":"client","kind":"quic","layers":[],"host":"example.com","port":4433,"hostname":null,"trustRoots":null,"certificate":null,"privateKey":null,"alpn":["endpoints"],"idleTimeout":30,"timeout":30,"maxUdpPayload":1452}"#
    );
    let pki = TestPki::new();
    let cert = pki.arg("server.pem");
    let described = describe_json(
        "server",
        &format!("quic:4433:certificate={cert}:alpn=h3,endpoints"),
    )?;
    let path = serde_json::to_string(&pki.path("server.pem"))?;
    assert_eq!(
        described,
        format!(
            r#"{{"side":"server","kind":"quic","layers":[],"port":4433,"interface":"","certificate":{path},"privateKey":null,"clientCA":null,"alpn":["h3","endpoints"],"idleTimeout":30,"maxStreams":100,"handshakeTimeout":10,"retry":"auto","receiveWindow":4194304,"streamReceiveWindow":1048576,"maxUdpPayload":1452}}"#
        )
    );
    // A server without a certificate is a description error (exit 2).
    let output = endpoint()
        .args(["describe", "--server", "quic:4433"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    Ok(())
}

#[test]
fn kinds_lists_quic_on_both_sides() -> TestResult {
    let output = endpoint().arg("kinds").output()?;
    let text = String::from_utf8(output.stdout)?;
    assert!(text.contains("quic (server base)"), "{text}");
    assert!(text.contains("quic (client base)"), "{text}");
    Ok(())
}

#[tokio::test]
async fn listen_and_connect_over_quic() -> TestResult {
    let pki = TestPki::new();
    let server = format!(
        "quic:0:interface=127.0.0.1:certificate={}",
        pki.arg("server.pem")
    );
    let mut listen = start(&["listen", &server], "listening on ").await?;
    let port = listen.address.parse::<SocketAddr>()?.port();
    let mut listen_stdin = listen.child.stdin.take().ok_or("stdin is piped")?;
    listen_stdin.write_all(b"world\n").await?;
    drop(listen_stdin);

    let client = format!(
        "quic:127.0.0.1:{port}:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    );
    let mut connect = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["connect", &client])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = connect.stdin.take().ok_or("stdin is piped")?;
    stdin.write_all(b"hello\n").await?;
    drop(stdin);
    let connected = tokio::time::timeout(LIMIT, connect.wait_with_output()).await??;
    let stderr = String::from_utf8_lossy(&connected.stderr);
    assert!(connected.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&connected.stdout), "world\n");

    let listened = tokio::time::timeout(LIMIT, listen.child.wait_with_output()).await??;
    let listen_stderr = listen.stderr.await?;
    assert!(listened.status.success(), "{listen_stderr}");
    assert_eq!(String::from_utf8_lossy(&listened.stdout), "hello\n");
    Ok(())
}
