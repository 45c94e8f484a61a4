//! `endpoint serve FILE`: many relays from one file, reloaded on SIGHUP, with metrics,
//! JSON logs and systemd-style readiness — all through the real binary, real sockets on
//! loopback and real TLS and WebSocket handshakes.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use endpoint_testkit::{tcp_echo_server, unix_echo_server, TestPki};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use support::{endpoint, http_get_unix, TestResult, LIMIT};

/// A running `endpoint -v serve FILE` whose stderr lines arrive on a channel.
struct Serving {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Serving {
    async fn start(file: &Path, extra: &[&str], env: &[(&str, &str)]) -> TestResult<Serving> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_endpoint"));
        command
            .args(extra)
            .arg("-v")
            .arg("serve")
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn()?;
        let stderr = child.stderr.take().ok_or("stderr")?;
        let (send, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Serving {
            child,
            lines,
            seen: Vec::new(),
        })
    }

    /// Waits for a stderr line that `wanted` accepts; returns it.
    async fn line(&mut self, wanted: impl Fn(&str) -> bool) -> TestResult<String> {
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.lines.recv()).await;
            match next {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return Ok(line);
                    }
                }
                Ok(None) => return Err(format!("stderr ended; saw {:?}", self.seen).into()),
                Err(_) => return Err(format!("no such line; saw {:?}", self.seen).into()),
            }
        }
    }

    /// The port of `relay NAME listening on 127.0.0.1:PORT`, from the next such line.
    async fn port_of(&mut self, name: &str) -> TestResult<u16> {
        let prefix = format!("relay {name} listening on ");
        let line = self.line(|l| l.starts_with(&prefix)).await?;
        let address = &line[prefix.len()..];
        Ok(address.rsplit(':').next().ok_or("a port")?.parse()?)
    }

    fn signal(&self, signal: i32) -> TestResult {
        let pid = self.child.id().ok_or("running")?;
        // SAFETY: kill(2) with a pid we own and a valid signal number.
        if unsafe { libc::kill(pid as i32, signal) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(())
    }
}

/// Writes `text` and reads it back through `stream`.
async fn echoes<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
    text: &[u8],
) -> TestResult {
    stream.write_all(text).await?;
    stream.flush().await?;
    let mut back = vec![0; text.len()];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut back)).await??;
    assert_eq!(back, text);
    Ok(())
}

async fn tcp_echoes(port: u16, text: &[u8]) -> TestResult {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    echoes(&mut stream, text).await
}

fn write(path: &Path, text: &str) -> TestResult<PathBuf> {
    std::fs::write(path, text)?;
    Ok(path.to_path_buf())
}

#[tokio::test]
async fn three_relays_serve_and_a_reload_adds_removes_and_keeps_connections() -> TestResult {
    let pki = TestPki::new();
    let tcp_backend = tcp_echo_server().await?;
    let unix_backend = unix_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let relays = |fourth: bool, keep_plain: bool| {
        let mut text = String::new();
        if keep_plain {
            text += &format!(
                "[[relay]]\nname = \"plain\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{}\"\ngrace = \"30s\"\n\n",
                tcp_backend.port()
            );
        }
        text += &format!(
            "[[relay]]\nname = \"secure\"\nlisten = 'ssl:0:interface=127.0.0.1:privateKey={}'\nto = 'unix:{}'\n\n",
            pki.arg("server.pem"),
            unix_backend.path().display()
        );
        text += &format!(
            "[[relay]]\nname = \"web\"\nlisten = \"ws:0:interface=127.0.0.1:path=/tunnel\"\nto = \"tcp:127.0.0.1:{}\"\n\n",
            tcp_backend.port()
        );
        if fourth {
            text += &format!(
                "[[relay]]\nname = \"fourth\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{}\"\n",
                tcp_backend.port()
            );
        }
        text
    };
    let file = write(&dir.path().join("relays.toml"), &relays(false, true))?;
    let mut serving = Serving::start(&file, &[], &[]).await?;
    let plain = serving.port_of("plain").await?;
    let secure = serving.port_of("secure").await?;
    eprintln!("DEBUG secure={secure} seen={:?}", serving.seen);
    let web = serving.port_of("web").await?;

    tcp_echoes(plain, b"plain bytes").await?;
    let tls = endpoints::client_from_string(&format!(
        "tls:localhost:{secure}:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    echoes(&mut tls.connect().await?, b"through TLS to a unix socket").await?;
    let ws = endpoints::client_from_string(&format!("ws://127.0.0.1:{web}/tunnel"))?;
    echoes(&mut ws.connect().await?, b"through a WebSocket").await?;

    // A connection through the relay that will be removed, open across the reload.
    let mut held = TcpStream::connect(("127.0.0.1", plain)).await?;
    echoes(&mut held, b"before").await?;

    write(&file, &relays(true, false))?;
    serving.signal(libc::SIGHUP)?;
    serving.line(|l| l.starts_with("reloaded ")).await?;
    let fourth = serving.port_of("fourth").await?;
    tcp_echoes(fourth, b"the new one").await?;
    // The removed relay refuses new connections...
    let refused = TcpStream::connect(("127.0.0.1", plain)).await;
    assert!(refused.is_err(), "the removed relay still accepts");
    // ...while its established connection keeps echoing until it ends.
    echoes(&mut held, b"after the reload").await?;
    drop(held);
    // The others kept their listeners and serve on.
    echoes(&mut tls.connect().await?, b"still secure").await?;
    echoes(&mut ws.connect().await?, b"still a WebSocket").await?;

    // A broken file changes nothing and is reported.
    std::fs::write(
        &file,
        "[[relay]]\nname = \"web\"\nlisten = \"tpc:0\"\nto = \"tcp:x:1\"\n",
    )?;
    serving.signal(libc::SIGHUP)?;
    let refused = serving.line(|l| l.contains("reload refused")).await?;
    assert!(refused.contains("relays.toml:3:11"), "{refused}");
    tcp_echoes(fourth, b"fourth still serves").await?;
    echoes(&mut tls.connect().await?, b"secure still serves").await?;
    echoes(&mut ws.connect().await?, b"web still serves").await?;

    serving.signal(libc::SIGTERM)?;
    let status = tokio::time::timeout(LIMIT, serving.child.wait()).await??;
    assert!(status.success(), "{status}");
    Ok(())
}

#[tokio::test]
async fn a_reload_that_keeps_the_address_refuses_no_connection() -> TestResult {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use std::sync::Arc;
    let first = tcp_echo_server().await?;
    let second = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let file_for = |listen: &str, to: u16| {
        format!(
            "[[relay]]\nname = \"steady\"\nlisten = \"{listen}\"\nto = \"tcp:127.0.0.1:{to}\"\n"
        )
    };
    let file = write(
        &dir.path().join("r.toml"),
        &file_for("tcp:0:interface=127.0.0.1", first.port()),
    )?;
    let mut serving = Serving::start(&file, &[], &[]).await?;
    let port = serving.port_of("steady").await?;
    // From now on the address is fixed; the listener's description changes on odd rounds.
    let fixed = |backlog: u32| format!("tcp:{port}:interface=127.0.0.1:backlog={backlog}");
    write(&file, &file_for(&fixed(50), first.port()))?;
    serving.signal(libc::SIGHUP)?;
    serving.line(|l| l.starts_with("reloaded ")).await?;

    // A client looping connections while the relay is retargeted and rebound.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU32::new(0));
    let looping = {
        let (stop, done) = (Arc::clone(&stop), Arc::clone(&done));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
                echoes(&mut stream, b"ping").await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            TestResult::Ok(())
        })
    };
    for round in 0..8u32 {
        // Some connections go through between two reloads.
        let before = done.load(Ordering::Relaxed);
        endpoint_testkit::eventually(LIMIT, || done.load(Ordering::Relaxed) >= before + 3).await?;
        // Even rounds change `to` (the listener stays), odd rounds the backlog (rebound).
        let backend = if round % 4 < 2 { &second } else { &first };
        let backlog = if (round + 1) % 4 < 2 { 50 } else { 64 };
        write(&file, &file_for(&fixed(backlog), backend.port()))?;
        serving.signal(libc::SIGHUP)?;
        let line = serving.line(|l| l.starts_with("reloaded ")).await?;
        let expected = if round % 2 == 0 {
            "1 updated"
        } else {
            "1 rebound"
        };
        assert!(line.contains(expected), "round {round}: {line}");
    }
    stop.store(true, Ordering::Relaxed);
    looping.await??;
    Ok(())
}

#[tokio::test]
async fn a_changed_password_is_a_change() -> TestResult {
    // The plan compares values, secrets included: only the password differs.
    let dir = tempfile::tempdir()?;
    let with = |password: &str| {
        format!(
            "[[relay]]\nname = \"proxied\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = 'socks5+tcp:127.0.0.1:9:proxy=tcp\\:127.0.0.1\\:1080:user=me:password={password}'\n"
        )
    };
    let file = write(&dir.path().join("p.toml"), &with("first"))?;
    let mut serving = Serving::start(&file, &[], &[]).await?;
    serving.port_of("proxied").await?;
    write(&file, &with("second"))?;
    serving.signal(libc::SIGHUP)?;
    let line = serving.line(|l| l.starts_with("reloaded ")).await?;
    assert!(line.contains("1 updated"), "{line}");
    // The same file again: nothing changes.
    serving.signal(libc::SIGHUP)?;
    let line = serving.line(|l| l.starts_with("reloaded ")).await?;
    assert!(line.contains("1 unchanged"), "{line}");
    assert!(serving
        .seen
        .iter()
        .all(|l| !l.contains("second") && !l.contains("first")));
    Ok(())
}

#[test]
fn check_locates_every_mistake_and_never_quotes_a_secret() -> TestResult {
    let dir = tempfile::tempdir()?;
    for (text, expected) in [
        (
            "[[relay]]\nname = \"web\"\nlisten = \"tpc:8080\"\nto = \"tcp:localhost:80\"\n",
            vec!["bad.toml:3:11: relay \"web\":", "did you mean", "tpc:8080", "^"],
        ),
        (
            "[[relay]]\nname = \"web\"\nlisten = \"tcp:8080\"\nto = \"tcp:localhost:80\"\nretires = 3\n",
            vec!["bad.toml:5:1: relay \"web\":", "retires"],
        ),
        (
            "[[relay]]\nname = \"a\"\nlisten = \"tcp:1\"\nto = \"tcp:h:1\"\n[[relay]]\nname = \"a\"\nlisten = \"tcp:2\"\nto = \"tcp:h:2\"\n",
            vec!["bad.toml:6:8: relay \"a\":", "already"],
        ),
        (
            "[[relay]]\nname = \"s\"\nlisten = \"tcp:1\"\nto = 'socks5+tcp:h:1:proxy=tcp\\:127.0.0.1\\:1080:password=hunter2:bogus=1'\n",
            vec!["bad.toml:4:", "relay \"s\"", "bogus"],
        ),
        (
            "[[relay]]\nname = \"d\"\nlisten = \"tcp:1\"\nto = \"tcp:h:1\"\ngrace = \"soon\"\n",
            vec!["bad.toml:5:9: relay \"d\":", "duration"],
        ),
    ] {
        let file = write(&dir.path().join("bad.toml"), text)?;
        let output = endpoint().arg("serve").arg("--check").arg(&file).output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{text}\n{stderr}");
        for part in expected {
            assert!(stderr.contains(part), "{part:?} not in {stderr}");
        }
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    let good = write(
        &dir.path().join("good.toml"),
        "metrics = \"tcp:0:interface=127.0.0.1\"\n[[relay]]\nname = \"a\"\nlisten = [\"tcp:0\", \"unix:/nonexistent/dir/a.sock\"]\nto = \"tcp:localhost:1\"\nretry = 30\n",
    )?;
    let output = endpoint().arg("serve").arg("--check").arg(&good).output()?;
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 relay valid"));
    // The example the README points to stays valid (its secret comes from the environment).
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/serve/relays.toml"
    );
    let output = endpoint()
        .args(["serve", "--check", example])
        .env("RELAY_PROXY_PASSWORD", "from the environment")
        .output()?;
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("3 relays valid"));
    Ok(())
}

#[tokio::test]
async fn metrics_count_the_traffic_and_a_real_parser_reads_them() -> TestResult {
    if !endpoint_testkit::require_python_module("prometheus_client") {
        return Ok(());
    }
    let backend = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let metrics_socket = dir.path().join("metrics.sock");
    let (_refuser, refusing) = refusing_port()?;
    let pki = TestPki::new();
    let file = write(
        &dir.path().join("m.toml"),
        &format!(
            "metrics = 'unix:{}'\n[[relay]]\nname = \"counted\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{}\"\n\n[[relay]]\nname = \"nowhere\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{}\"\n\n[[relay]]\nname = \"secure\"\nlisten = 'ssl:0:interface=127.0.0.1:privateKey={}:maxHandshakesPerSource=1'\nto = \"tcp:127.0.0.1:{}\"\n",
            metrics_socket.display(),
            backend.port(),
            refusing,
            pki.arg("server.pem"),
            backend.port(),
        ),
    )?;
    let mut serving = Serving::start(&file, &[], &[]).await?;
    let counted = serving.port_of("counted").await?;
    let nowhere = serving.port_of("nowhere").await?;
    let secure = serving.port_of("secure").await?;
    serving
        .line(|l| l.starts_with("metrics listening on"))
        .await?;
    let tls = endpoints::client_from_string(&format!(
        "tls:localhost:{secure}:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    echoes(&mut tls.connect().await?, b"counted by version").await?;
    for _ in 0..3 {
        tcp_echoes(counted, &[7u8; 1000]).await?;
    }
    // A refused upstream: the accepted connection is closed.
    let mut refused = TcpStream::connect(("127.0.0.1", nowhere)).await?;
    let mut buf = [0u8; 1];
    let _ = tokio::time::timeout(LIMIT, refused.read(&mut buf)).await?;

    // The pairs end asynchronously: wait until the counters say all four finished.
    let latest = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let socket = metrics_socket.clone();
    let seen = std::sync::Arc::clone(&latest);
    let finished = endpoint_testkit::eventually_async(LIMIT, move || {
        let socket = socket.clone();
        let seen = std::sync::Arc::clone(&seen);
        async move {
            let body = http_get_unix(&socket, "/metrics").await.unwrap_or_default();
            let done = body
                .contains("endpoint_relay_connections_finished_total{relay=\"counted\"} 3")
                && body.contains(
                    "endpoint_relay_errors_total{relay=\"nowhere\",class=\"upstream_refused\"} 1",
                );
            *seen.lock().expect("not poisoned") = body;
            done
        }
    })
    .await;
    let body = latest.lock().expect("not poisoned").clone();
    finished.map_err(|e| format!("{e}: {body}"))?;
    let check = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
values = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        values[(s.name, tuple(sorted(s.labels.items())))] = s.value
def get(name, labels):
    return values[(name, tuple(sorted(labels.items())))]
counted = {"relay": "counted"}
assert get("endpoint_relay_connections_accepted_total", counted) == 3
assert get("endpoint_relay_connections_active", counted) == 0
assert get("endpoint_relay_bytes_total", {"relay": "counted", "direction": "to_upstream"}) == 3000
assert get("endpoint_relay_bytes_total", {"relay": "counted", "direction": "to_client"}) == 3000
assert get("endpoint_relay_errors_total", {"relay": "nowhere", "class": "upstream_refused"}) == 1
assert get("endpoint_relay_upstream_connect_seconds_count", counted) == 3
assert get("endpoint_relay_pair_duration_seconds_count", counted) == 3
assert get("endpoint_relay_listening", counted) == 1
assert get("endpoint_relay_tls_handshakes_total", {"relay": "secure", "version": "TLSv1.3"}) == 1
assert get("endpoint_relay_tls_handshakes_total", {"relay": "counted", "version": "TLSv1.3"}) == 0
print("parsed", len(values))
"#;
    let mut python = std::process::Command::new("python3")
        .arg("-c")
        .arg(check)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    use std::io::Write;
    python
        .stdin
        .take()
        .ok_or("stdin")?
        .write_all(body.as_bytes())?;
    let output = python.wait_with_output()?;
    assert!(
        output.status.success(),
        "{}\n{body}",
        String::from_utf8_lossy(&output.stderr)
    );
    let health = http_get_unix(&metrics_socket, "/healthz").await?;
    assert!(health.ends_with("ok\n"), "{health}");

    // Connections that never reach the relay count too: a handshake that fails...
    let mut garbage = TcpStream::connect(("127.0.0.1", secure)).await?;
    garbage
        .write_all(b"this is not a TLS ClientHello\r\n\r\n")
        .await?;
    let _ = tokio::time::timeout(LIMIT, garbage.read(&mut buf)).await?;
    // ...and a pending handshake closed to make room (maxHandshakesPerSource=1).
    let mut first_idle = TcpStream::connect(("127.0.0.1", secure)).await?;
    let _second_idle = TcpStream::connect(("127.0.0.1", secure)).await?;
    assert!(matches!(
        tokio::time::timeout(LIMIT, first_idle.read(&mut buf)).await?,
        Ok(0) | Err(_)
    ));
    let socket = metrics_socket.clone();
    endpoint_testkit::eventually_async(LIMIT, move || {
        let socket = socket.clone();
        async move {
            let body = http_get_unix(&socket, "/metrics").await.unwrap_or_default();
            body.contains(
                "endpoint_relay_errors_total{relay=\"secure\",class=\"handshake_failed\"} 1",
            ) && body.contains(
                "endpoint_relay_errors_total{relay=\"secure\",class=\"admission_refused\"} 1",
            )
        }
    })
    .await?;
    Ok(())
}

/// A client `deny=` names is closed before the relay sees it, and counted in its own class
/// (`address_refused`, apart from `admission_refused`, a full server).
#[tokio::test]
async fn metrics_count_clients_refused_by_address() -> TestResult {
    let backend = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let metrics_socket = dir.path().join("metrics.sock");
    let file = write(
        &dir.path().join("a.toml"),
        &format!(
            "metrics = 'unix:{}'\n[[relay]]\nname = \"guarded\"\nlisten = \"tcp:0:interface=127.0.0.1:deny=127.0.0.2\"\nto = \"tcp:127.0.0.1:{}\"\n",
            metrics_socket.display(),
            backend.port(),
        ),
    )?;
    let mut serving = Serving::start(&file, &[], &[]).await?;
    let guarded = serving.port_of("guarded").await?;
    serving
        .line(|l| l.starts_with("metrics listening on"))
        .await?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(([127, 0, 0, 2], 0).into())?;
    let mut refused = socket.connect(([127, 0, 0, 1], guarded).into()).await?;
    let _ = refused.write_all(b"not relayed").await;
    let mut buf = [0u8; 16];
    assert!(matches!(
        tokio::time::timeout(LIMIT, refused.read(&mut buf)).await?,
        Ok(0) | Err(_)
    ));
    tcp_echoes(guarded, b"relayed").await?;
    let socket = metrics_socket.clone();
    endpoint_testkit::eventually_async(LIMIT, move || {
        let socket = socket.clone();
        async move {
            let body = http_get_unix(&socket, "/metrics").await.unwrap_or_default();
            body.contains(
                "endpoint_relay_errors_total{relay=\"guarded\",class=\"address_refused\"} 1",
            )
        }
    })
    .await?;
    Ok(())
}

/// A loopback port that refuses: bound, never listening (the port stays ours while the
/// socket lives).
fn refusing_port() -> TestResult<(socket2::Socket, u16)> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    let port = socket
        .local_addr()?
        .as_socket()
        .ok_or("an IP address")?
        .port();
    Ok((socket, port))
}

#[tokio::test]
async fn json_logs_are_one_object_a_line() -> TestResult {
    let backend = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let (_refuser, refusing) = refusing_port()?;
    let file = write(
        &dir.path().join("j.toml"),
        &format!(
            "[[relay]]\nname = \"logged\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = 'socks5+tcp:127.0.0.1:{}:proxy=tcp\\:127.0.0.1\\:{}:user=me:password=hunter2'\n",
            backend.port(),
            refusing
        ),
    )?;
    let mut serving = Serving::start(&file, &["--log-format", "json"], &[]).await?;
    let port = serving.port_of("logged").await?;
    // The upstream (a proxy that refuses) fails: a warning with the relay's span.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut buf = [0u8; 1];
    let _ = tokio::time::timeout(LIMIT, stream.read(&mut buf)).await?;
    let line = serving
        .line(|l| l.starts_with('{') && l.contains("could not connect upstream"))
        .await?;
    let value: serde_json::Value = serde_json::from_str(&line)?;
    assert_eq!(value["level"], "WARN", "{line}");
    assert!(value["timestamp"].is_string(), "{line}");
    assert!(value["target"]
        .as_str()
        .is_some_and(|t| t.starts_with("endpoint_serve")));
    assert_eq!(value["relay"], "logged", "{line}");
    assert!(
        value["peer"]
            .as_str()
            .is_some_and(|p| p.starts_with("127.0.0.1:")),
        "{line}"
    );
    serving.signal(libc::SIGTERM)?;
    tokio::time::timeout(LIMIT, serving.child.wait()).await??;
    for line in &serving.seen {
        assert!(!line.contains("hunter2"), "{line}");
        if line.starts_with('{') {
            serde_json::from_str::<serde_json::Value>(line)?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_supervisor_hears_ready_reloading_and_stopping_in_order() -> TestResult {
    let backend = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let notify_path = dir.path().join("notify.sock");
    let notify = tokio::net::UnixDatagram::bind(&notify_path)?;
    let file = write(
        &dir.path().join("n.toml"),
        &format!(
            "[[relay]]\nname = \"n\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{}\"\n",
            backend.port()
        ),
    )?;
    let path = notify_path.to_string_lossy().to_string();
    let mut serving = Serving::start(&file, &[], &[("NOTIFY_SOCKET", &path)]).await?;
    let mut messages = Vec::new();
    let receive = || async {
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(LIMIT, notify.recv(&mut buf)).await??;
        TestResult::Ok(String::from_utf8_lossy(&buf[..n]).to_string())
    };
    let ready = receive().await?;
    // Ready only once every listener is bound: the relay answers now.
    let port = serving.port_of("n").await?;
    tcp_echoes(port, b"ready means ready").await?;
    messages.push(ready);
    serving.signal(libc::SIGHUP)?;
    messages.push(receive().await?);
    messages.push(receive().await?);
    serving.signal(libc::SIGTERM)?;
    messages.push(receive().await?);
    tokio::time::timeout(LIMIT, serving.child.wait()).await??;
    let first_lines: Vec<&str> = messages
        .iter()
        .map(|m| m.lines().next().unwrap_or_default())
        .collect();
    assert_eq!(
        first_lines,
        ["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"],
        "{messages:?}"
    );
    assert!(
        messages[0].contains("STATUS=serving 1 relays"),
        "{messages:?}"
    );
    assert!(messages[1].contains("MONOTONIC_USEC="), "{messages:?}");
    Ok(())
}

#[tokio::test]
async fn the_watchdog_is_fed_when_the_supervisor_asks() -> TestResult {
    let backend = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let notify_path = dir.path().join("notify.sock");
    let notify = tokio::net::UnixDatagram::bind(&notify_path)?;
    let file = write(
        &dir.path().join("w.toml"),
        &format!(
            "[[relay]]\nname = \"w\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{}\"\n",
            backend.port()
        ),
    )?;
    let path = notify_path.to_string_lossy().to_string();
    // 200 ms: the service must say WATCHDOG=1 at least every 100 ms.
    let _serving = Serving::start(
        &file,
        &[],
        &[("NOTIFY_SOCKET", &path), ("WATCHDOG_USEC", "200000")],
    )
    .await?;
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 4096];
    let fed = |seen: &[String]| seen.iter().filter(|m| m.trim() == "WATCHDOG=1").count();
    while fed(&seen) < 2 {
        assert!(seen.len() < 100, "no WATCHDOG=1 in {seen:?}");
        let n = tokio::time::timeout(LIMIT, notify.recv(&mut buf)).await??;
        seen.push(String::from_utf8_lossy(&buf[..n]).to_string());
    }
    assert!(seen[0].starts_with("READY=1"), "{seen:?}");
    Ok(())
}

#[test]
fn the_guard_flags_bound_what_the_file_may_describe() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = write(
        &dir.path().join("g.toml"),
        "[[relay]]\nname = \"local\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"unix:/run/app.sock\"\n",
    )?;
    let output = endpoint()
        .args(["serve", "--check", "--allow-kinds", "tcp"])
        .arg(&file)
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("g.toml:4:") && stderr.contains("unix"),
        "{stderr}"
    );
    let output = endpoint()
        .args(["serve", "--check", "--allow-kinds", "tcp,unix"])
        .arg(&file)
        .output()?;
    assert!(output.status.success(), "{output:?}");
    Ok(())
}

#[tokio::test]
async fn relay_serves_the_same_metrics() -> TestResult {
    let backend = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let metrics_socket = dir.path().join("relay-metrics.sock");
    let metrics = format!("unix:{}", metrics_socket.display());
    let upstream = format!("tcp:127.0.0.1:{}", backend.port());
    let relay = support::start_relay(&[
        "--metrics",
        &metrics,
        "tcp:0:interface=127.0.0.1",
        &upstream,
    ])
    .await?;
    let port = relay.port()?;
    for _ in 0..2 {
        tcp_echoes(port, &[1u8; 500]).await?;
    }
    let socket = metrics_socket.clone();
    endpoint_testkit::eventually_async(LIMIT, move || {
        let socket = socket.clone();
        async move {
            let body = http_get_unix(&socket, "/metrics").await.unwrap_or_default();
            body.contains("endpoint_relay_connections_finished_total{relay=\"relay\"} 2")
                && body.contains(
                    "endpoint_relay_bytes_total{relay=\"relay\",direction=\"to_upstream\"} 1000",
                )
                && body.contains("endpoint_relay_upstream_connect_seconds_count{relay=\"relay\"} 2")
        }
    })
    .await?;
    Ok(())
}
