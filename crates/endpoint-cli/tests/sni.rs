//! Routing by TLS server name without terminating TLS: `endpoint relay sni+tcp:0 --route ...`
//! and `serve`'s `routes = {..}`, driven by `openssl s_client`, with two TLS backends that
//! each present their own certificate.

mod support;

use std::path::Path;
use std::process::Stdio;

use endpoint_testkit::{Authority, Usage};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;

use support::{http_get_unix, start, start_relay, TestResult, LIMIT};

/// The test CA and the backends' certificates: `a.example`, and `*.b.example`.
fn pki(dir: &Path) {
    let ca = Authority::new("Test Root CA");
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    let a = ca.issue("a.example", &["a.example"], Usage::Server);
    std::fs::write(dir.join("a.pem"), a.combined()).unwrap();
    let b = ca.issue("wild.b.example", &["*.b.example"], Usage::Server);
    std::fs::write(dir.join("b.pem"), b.combined()).unwrap();
}

/// A TLS server of ours with `cert` that greets every connection with `backend-TAG\n`, then
/// echoes.
async fn backend(
    dir: &Path,
    cert: &str,
    tag: &'static str,
) -> TestResult<(endpoints::ListeningPort, u16)> {
    let description = format!(
        "tls+tcp:0:interface=127.0.0.1:certificate={}",
        endpoints::core::description::quote(&dir.join(cert).to_string_lossy())
    );
    let listener = endpoints::server_from_string(&description)?.bind().await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let handle = listener.listen(move |mut connection| async move {
        let _ = connection
            .write_all(format!("backend-{tag}\n").as_bytes())
            .await;
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = connection.read(&mut buf).await {
            if connection.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    Ok((handle, port))
}

/// `openssl s_client -servername NAME` through `port`, verifying against the test CA: its
/// output once the backend echoed `ping`, or everything it printed before it ended.
async fn s_client(dir: &Path, port: u16, name: &str) -> TestResult<String> {
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args([
            "-servername",
            name,
            "-verify_hostname",
            name,
            "-verify_return_error",
        ])
        .arg("-CAfile")
        .arg(dir.join("ca.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("stdin")?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("stdout")?).lines();
    let mut seen = String::new();
    let mut pinged = false;
    let read = async {
        while let Some(line) = lines.next_line().await? {
            seen.push_str(&line);
            seen.push('\n');
            if line.starts_with("backend-") && !pinged {
                pinged = true;
                stdin.write_all(b"ping\n").await?;
            } else if pinged && line == "ping" {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    };
    tokio::time::timeout(LIMIT, read).await??;
    let _ = child.kill().await;
    Ok(seen)
}

/// The subject line `s_client` printed (`subject=CN = a.example` or `subject=CN=a.example`,
/// by version), without spaces.
fn subject(output: &str) -> String {
    output
        .lines()
        .find(|l| l.starts_with("subject="))
        .unwrap_or_default()
        .replace(' ', "")
}

/// Asserts that a session for `name` reached the backend `tag`, which presented `cn`.
async fn reaches(dir: &Path, port: u16, name: &str, tag: &str, cn: &str) -> TestResult {
    let output = s_client(dir, port, name).await?;
    assert_eq!(
        subject(&output),
        format!("subject=CN={cn}"),
        "{name}: {output}"
    );
    assert!(
        output.contains(&format!("backend-{tag}\n")),
        "{name}: {output}"
    );
    assert!(output.contains("\nping\n"), "{name}: the echo: {output}");
    Ok(())
}

/// Asserts that a session for `name` was closed before any backend answered.
async fn refused(dir: &Path, port: u16, name: &str) -> TestResult {
    let output = s_client(dir, port, name).await?;
    assert!(!output.contains("backend-"), "{name}: {output}");
    assert!(subject(&output).is_empty(), "{name}: {output}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_route_sends_each_name_to_its_own_tls_backend() -> TestResult {
    if endpoint_testkit::require_tool("openssl").is_none() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    pki(dir.path());
    let (_a, a) = backend(dir.path(), "a.pem", "a").await?;
    let (_b, b) = backend(dir.path(), "b.pem", "b").await?;
    let route_a = format!("a.example=tcp:127.0.0.1:{a}");
    let route_b = format!("*.b.example=tcp:127.0.0.1:{b}");

    let relay = start_relay(&[
        "sni+tcp:0:interface=127.0.0.1",
        "--route",
        &route_a,
        "--route",
        &route_b,
    ])
    .await?;
    let port = relay.port()?;
    reaches(dir.path(), port, "a.example", "a", "a.example").await?;
    reaches(dir.path(), port, "x.b.example", "b", "wild.b.example").await?;
    reaches(dir.path(), port, "A.Example", "a", "a.example").await?;
    // No default: an unknown name, and one label too many for the wildcard, are closed.
    refused(dir.path(), port, "c.example").await?;
    refused(dir.path(), port, "y.x.b.example").await?;
    drop(relay);

    // With a default, the unknown name goes there.
    let default = format!("default=tcp:127.0.0.1:{b}");
    let relay = start_relay(&[
        "sni+tcp:0:interface=127.0.0.1",
        "--route",
        &route_a,
        "--route",
        &default,
    ])
    .await?;
    let port = relay.port()?;
    reaches(dir.path(), port, "a.example", "a", "a.example").await?;
    // The default backend's certificate covers *.b.example; no route names z.b.example.
    reaches(dir.path(), port, "z.b.example", "b", "wild.b.example").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_send_no_client_hello_are_closed_and_counted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let socket = dir.path().join("metrics.sock");
    let metrics_description = format!(
        "unix:{}",
        endpoints::core::description::quote(&socket.to_string_lossy())
    );
    let relay = start_relay(&[
        "--metrics",
        &metrics_description,
        "sni+tcp:0:interface=127.0.0.1:timeout=1",
        "--route",
        "default=tcp:127.0.0.1:9",
    ])
    .await?;
    let port = relay.port()?;
    let mut buf = [0u8; 64];

    let mut http = TcpStream::connect(("127.0.0.1", port)).await?;
    http.write_all(b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n")
        .await?;
    let closed = tokio::time::timeout(LIMIT, http.read(&mut buf)).await?;
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");

    // Says nothing: closed once its second passes.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).await?;
    let closed = tokio::time::timeout(LIMIT, silent.read(&mut buf)).await?;
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");

    let wanted = "endpoint_relay_errors_total{relay=\"relay\",class=\"handshake_failed\"} 2";
    let socket = socket.clone();
    endpoint_testkit::eventually_async(LIMIT, move || {
        let socket = socket.clone();
        async move {
            http_get_unix(&socket, "/metrics")
                .await
                .unwrap_or_default()
                .contains(wanted)
        }
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn route_needs_a_server_that_reads_the_name() -> TestResult {
    let output = support::endpoint()
        .args(["relay", "tcp:0", "--route", "default=tcp:127.0.0.1:9"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("listen with sni+"), "{stderr}");

    let output = support::endpoint()
        .args([
            "relay",
            "sni+tcp:0",
            "--route",
            "a..example=tcp:127.0.0.1:9",
        ])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("route \"a..example\""), "{stderr}");

    // A CLIENT as well as routes: the client is refused, and what to write instead is said.
    let output = support::endpoint()
        .args([
            "relay",
            "sni+tcp:0",
            "tcp:127.0.0.1:9",
            "--route",
            "a.example=tcp:127.0.0.1:9",
        ])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--route default=tcp:127.0.0.1:9"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn kinds_sni_documents_the_layer() -> TestResult {
    let output = support::endpoint().args(["kinds", "sni"]).output()?;
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ClientHello"), "{stdout}");
    assert!(stdout.contains("timeout"), "{stdout}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_routes_table_sends_each_name_to_its_own_tls_backend() -> TestResult {
    if endpoint_testkit::require_tool("openssl").is_none() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    pki(dir.path());
    let (_a, a) = backend(dir.path(), "a.pem", "a").await?;
    let (_b, b) = backend(dir.path(), "b.pem", "b").await?;
    let file = dir.path().join("sni.toml");
    std::fs::write(
        &file,
        format!(
            "[[relay]]\nname = \"front\"\nlisten = \"sni+tcp:0:interface=127.0.0.1\"\n\
             routes = {{ \"a.example\" = \"tcp:127.0.0.1:{a}\", \"*.b.example\" = \"tcp:127.0.0.1:{b}\" }}\n"
        ),
    )?;
    let file = file.to_string_lossy().into_owned();
    let serving = start(&["-v", "serve", &file], "relay front listening on ").await?;
    let port = serving.port()?;
    reaches(dir.path(), port, "a.example", "a", "a.example").await?;
    reaches(dir.path(), port, "x.b.example", "b", "wild.b.example").await?;
    refused(dir.path(), port, "c.example").await?;
    Ok(())
}
