//! The `endpoint` command end to end: the real binary, real loopback sockets.

mod support;

use std::net::SocketAddr;
use std::process::{Output, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::Command;

use support::{echo_server, endpoint, start, start_relay, TestResult, LIMIT};

fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn describe_json_matches_the_contract() -> TestResult {
    let output = endpoint()
        .args(["describe", "--server", "tcp:8080", "--json"])
        .output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        stdout_of(&output),
        "{\"side\":\"server\",\"kind\":\"tcp\",\"layers\":[],\"port\":8080,\"interface\":\"\",\"backlog\":50}\n"
    );
    Ok(())
}

#[test]
fn describe_text_prints_canonical_form_then_options() -> TestResult {
    let output = endpoint().args(["describe", "tcp:8080"]).output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        stdout_of(&output),
        "tcp:8080:interface=:backlog=50\n  port = 8080\n  interface = \"\"\n  backlog = 50\n"
    );
    Ok(())
}

#[test]
fn describe_unix_server_types_mode_and_lockfile() -> TestResult {
    let output = endpoint()
        .args(["describe", "unix:/tmp/x.sock:mode=0660", "--json"])
        .output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(json["kind"], "unix");
    assert_eq!(json["mode"], 432);
    assert_eq!(json["lockfile"], true);
    Ok(())
}

#[test]
fn describe_client_fills_in_defaults() -> TestResult {
    let output = endpoint()
        .args(["describe", "--client", "tcp:example.com:443", "--json"])
        .output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(json["side"], "client");
    assert_eq!(json["timeout"], 30);
    assert_eq!(json["bindAddress"], serde_json::Value::Null);
    Ok(())
}

#[test]
fn bad_description_exits_2_with_a_suggestion() -> TestResult {
    let output = endpoint().args(["describe", "tpc:8080"]).output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.starts_with("endpoint: "), "{stderr}");
    assert!(stderr.contains("did you mean \"tcp\""), "{stderr}");
    assert!(output.stdout.is_empty());
    Ok(())
}

#[test]
fn bad_option_exits_2_with_a_caret() -> TestResult {
    let output = endpoint().args(["listen", "tcp:80:bakclog=3"]).output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("did you mean \"backlog\""), "{stderr}");
    assert!(
        stderr.contains("\n  tcp:80:bakclog=3\n         ^\n"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn kinds_lists_tcp_and_tcp6() -> TestResult {
    let output = endpoint().arg("kinds").output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(text.contains("tcp (server base): "), "{text}");
    assert!(text.contains("tcp6 (server base): "), "{text}");
    assert!(text.contains("  usage: tcp:HOST:PORT\n"), "{text}");

    let output = endpoint().args(["kinds", "--json"]).output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let kinds = json["kinds"].as_array().ok_or("kinds is an array")?;
    let tcp_server = kinds
        .iter()
        .find(|k| k["name"] == "tcp" && k["side"] == "server")
        .ok_or("tcp server listed")?;
    assert_eq!(tcp_server["layer"], false);
    let backlog = tcp_server["options"]
        .as_array()
        .ok_or("options is an array")?
        .iter()
        .find(|o| o["name"] == "backlog")
        .ok_or("backlog listed")?;
    assert_eq!(backlog["default"], "50");
    assert!(kinds.iter().any(|k| k["name"] == "tcp6"));
    assert!(json["urlForms"].is_array());
    Ok(())
}

/// Runs `endpoint connect DESC` with `input` on stdin, up to the safety limit.
async fn connect_with_input(description: &str, input: &[u8]) -> TestResult<Output> {
    let mut connect = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["connect", description])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = connect.stdin.take().ok_or("stdin is piped")?;
    stdin.write_all(input).await?;
    drop(stdin);
    Ok(tokio::time::timeout(LIMIT, connect.wait_with_output()).await??)
}

/// `listen` and `connect` joined through the network, each reading the other's stdin.
async fn listen_and_connect(server: &str, client_for: impl Fn(&str) -> String) -> TestResult {
    let mut listen = start(&["listen", server], "listening on ").await?;
    let mut listen_stdin = listen.child.stdin.take().ok_or("stdin is piped")?;
    listen_stdin.write_all(b"world\n").await?;
    drop(listen_stdin);

    let connected = connect_with_input(&client_for(&listen.address), b"hello\n").await?;
    assert!(connected.status.success(), "{}", stderr_of(&connected));
    assert_eq!(stdout_of(&connected), "world\n");

    let listened = tokio::time::timeout(LIMIT, listen.child.wait_with_output()).await??;
    let listen_stderr = listen.stderr.await?;
    assert!(listened.status.success(), "{listen_stderr}");
    assert_eq!(stdout_of(&listened), "hello\n");
    Ok(())
}

#[tokio::test]
async fn listen_and_connect_over_tcp() -> TestResult {
    listen_and_connect("tcp:0:interface=127.0.0.1", |address| {
        let port = address.parse::<SocketAddr>().map(|a| a.port()).unwrap_or(0);
        format!("tcp:127.0.0.1:{port}")
    })
    .await
}

#[tokio::test]
async fn listen_and_connect_over_unix() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cli.sock");
    let path = path.to_str().ok_or("temp path is UTF-8")?;
    listen_and_connect(&format!("unix:{path}"), |address| format!("unix:{address}")).await
}

#[tokio::test]
async fn connect_to_a_closed_port_exits_1() -> TestResult {
    let port = {
        let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
        taken.local_addr()?.port()
    };
    let output = connect_with_input(&format!("tcp:127.0.0.1:{port}"), b"").await?;
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("endpoint: could not connect to "),
        "{stderr}"
    );
    assert!(stderr.contains("refused"), "{stderr}");
    Ok(())
}

/// Sends `payload` through `relay`, half-closes, and returns everything read back.
async fn echo_through(relay: SocketAddr, payload: Vec<u8>) -> TestResult<Vec<u8>> {
    let stream = TcpStream::connect(relay).await?;
    let (mut reader, mut writer) = stream.into_split();
    let send = async move {
        writer.write_all(&payload).await?;
        writer.shutdown().await
    };
    let receive = async move {
        let mut received = Vec::new();
        reader.read_to_end(&mut received).await.map(|_| received)
    };
    let ((), received) = tokio::try_join!(send, receive)?;
    Ok(received)
}

#[tokio::test]
async fn relay_propagates_half_close_and_stops_on_sigterm() -> TestResult {
    let (echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;

    let client = format!("tcp:127.0.0.1:{echo_port}");
    let relay = start_relay(&["tcp:0:interface=127.0.0.1", &client]).await?;
    let relay_address: SocketAddr = relay.address.parse()?;

    let first: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let second = b"the second client, half-closing too".to_vec();
    let (first_back, second_back) = tokio::time::timeout(LIMIT, async {
        tokio::try_join!(
            echo_through(relay_address, first.clone()),
            echo_through(relay_address, second.clone())
        )
    })
    .await??;
    assert_eq!(first_back.len(), first.len());
    assert!(first_back == first, "the first payload came back changed");
    assert_eq!(second_back, second);

    let pid = relay.child.id().ok_or("relay is running")?;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    assert!(killed.success());
    let mut child = relay.child;
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = relay.stderr.await?;
    assert!(
        status.success(),
        "relay exited with {status}; stderr: {stderr}"
    );
    echo.shutdown(std::time::Duration::from_secs(1)).await;
    Ok(())
}

#[tokio::test]
async fn relay_keeps_running_when_the_client_side_refuses() -> TestResult {
    let closed_port = {
        let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
        taken.local_addr()?.port()
    };
    let client = format!("tcp:127.0.0.1:{closed_port}");
    let relay = start_relay(&["tcp:0:interface=127.0.0.1", &client]).await?;
    let relay_address: SocketAddr = relay.address.parse()?;

    for _ in 0..2 {
        // The relay accepts, fails to connect onwards, and closes the accepted connection.
        let received = tokio::time::timeout(LIMIT, echo_through(relay_address, Vec::new())).await;
        match received {
            Ok(Ok(bytes)) => assert!(bytes.is_empty()),
            Ok(Err(_)) => {} // a reset is also a close
            Err(elapsed) => return Err(elapsed.into()),
        }
    }

    let pid = relay.child.id().ok_or("relay is running")?;
    std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()?;
    let mut child = relay.child;
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = relay.stderr.await?;
    assert!(
        status.success(),
        "relay exited with {status}; stderr: {stderr}"
    );
    assert!(stderr.contains("could not connect"), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn relay_terminates_tls() -> TestResult {
    let pki = endpoint_testkit::TestPki::new();
    let (server_pem, ca_pem) = (pki.arg("server.pem"), pki.arg("ca.pem"));
    let (_echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let server = format!("ssl:0:privateKey={server_pem}:interface=127.0.0.1");
    let client = format!("tcp:127.0.0.1:{echo_port}");
    let relay = start_relay(&[&server, &client]).await?;
    let relay_port = relay.port()?;

    let tls = format!("tls:localhost:{relay_port}:trustRoots={ca_pem}");
    round_trip(&tls, b"through TLS and back").await
}

/// Connects with `client`, sends `message` (flushed: a WebSocket batches until then), and
/// checks that the same bytes come back.
async fn round_trip(client: &str, message: &[u8]) -> TestResult {
    let client = endpoints::client_from_string(client)?;
    let mut connection = tokio::time::timeout(LIMIT, client.connect()).await??;
    connection.write_all(message).await?;
    connection.flush().await?;
    let mut back = vec![0u8; message.len()];
    tokio::time::timeout(LIMIT, connection.read_exact(&mut back)).await??;
    assert_eq!(back, message);
    Ok(())
}

#[tokio::test]
async fn relay_serves_websocket_clients_websockify_style() -> TestResult {
    let (_echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let client = format!("tcp:127.0.0.1:{echo_port}");
    let relay = start_relay(&["ws:0:interface=127.0.0.1:path=/ssh", &client]).await?;
    let relay_port = relay.port()?;
    let ws = format!("ws://127.0.0.1:{relay_port}/ssh");
    round_trip(&ws, b"bytes in websocket messages").await
}

#[tokio::test]
async fn relay_lets_a_tcp_program_reach_a_websocket_server() -> TestResult {
    let (_echo, ws_port) = echo_server("ws:0:interface=127.0.0.1:path=/echo").await?;
    let upstream = format!("ws://127.0.0.1:{ws_port}/echo");
    let relay = start_relay(&["tcp:0:interface=127.0.0.1", &upstream]).await?;
    let relay_address: SocketAddr = relay.address.parse()?;
    let back = tokio::time::timeout(
        LIMIT,
        echo_through(relay_address, b"plain tcp in, websocket out".to_vec()),
    )
    .await??;
    assert_eq!(back, b"plain tcp in, websocket out");
    Ok(())
}

#[tokio::test]
async fn relay_once_exits_after_its_one_connection() -> TestResult {
    let (_echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let client = format!("tcp:127.0.0.1:{echo_port}");
    let relay = start_relay(&["--once", "tcp:0:interface=127.0.0.1", &client]).await?;
    let relay_address: SocketAddr = relay.address.parse()?;
    let back =
        tokio::time::timeout(LIMIT, echo_through(relay_address, b"just once".to_vec())).await??;
    assert_eq!(back, b"just once");
    let mut child = relay.child;
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = relay.stderr.await?;
    assert!(status.success(), "exit {status}; stderr: {stderr}");
    Ok(())
}

/// `connect exec:...` exits with the program's status (and says so with `-v`), instead of
/// reporting the broken pipe of a program that stopped reading.
#[test]
fn connect_exec_exits_with_the_programs_status() -> TestResult {
    let run = |args: &[&str], input: &[u8]| -> TestResult<Output> {
        use std::io::Write;
        let mut child = endpoint()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        child.stdin.take().ok_or("stdin")?.write_all(input)?;
        Ok(child.wait_with_output()?)
    };
    let output = run(&["connect", "exec:sh:-c:exit 3"], b"x")?;
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(output.stderr.is_empty(), "{}", stderr_of(&output));

    let output = run(&["-v", "connect", "exec:sh:-c:cat; exit 0"], b"echoed")?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), "echoed");
    assert!(
        stderr_of(&output).contains("the program exited"),
        "{}",
        stderr_of(&output)
    );

    let output = run(&["connect", "exec:sh:-c:kill -TERM $$"], b"")?;
    assert_eq!(
        output.status.code(),
        Some(128 + 15),
        "{}",
        stderr_of(&output)
    );
    Ok(())
}

/// WebSocket has no half-close: `connect ws://...` with a short stdin keeps the connection
/// open while the server still answers, then closes it, instead of cutting the answer off.
#[tokio::test]
async fn connect_ws_reads_the_whole_answer_after_stdin_ends() -> TestResult {
    let mut listener = endpoints::server_from_string("ws:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("no port")?;
    let answer: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let expected = answer.clone();
    let server = tokio::spawn(async move {
        let mut connection = listener.accept().await?;
        let mut request = [0u8; 1];
        connection.read_exact(&mut request).await?;
        // Answer only after the request, in pieces, as a slow backend would.
        for piece in answer.chunks(20_000) {
            connection.write_all(piece).await?;
            connection.flush().await?;
        }
        let mut rest = Vec::new();
        connection.read_to_end(&mut rest).await?;
        TestResult::Ok(request)
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["connect", &format!("ws://127.0.0.1:{port}/")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("stdin")?;
    stdin.write_all(b"x").await?;
    drop(stdin);
    let output = tokio::time::timeout(LIMIT, child.wait_with_output()).await??;
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        output.stdout == expected,
        "{} bytes came back",
        output.stdout.len()
    );
    let request = tokio::time::timeout(LIMIT, server).await???;
    assert_eq!(&request, b"x");
    Ok(())
}

/// Header values are secret: `describe` prints `***`, and `--show-secrets` prints them.
#[test]
fn describe_masks_secrets_unless_asked() -> TestResult {
    let text = "ws:example.com:80:header=Authorization=Bearer s3cr3t";
    let masked = endpoint().args(["describe", "--client", text]).output()?;
    assert!(masked.status.success(), "{}", stderr_of(&masked));
    assert!(
        !stdout_of(&masked).contains("s3cr3t"),
        "{}",
        stdout_of(&masked)
    );
    assert!(
        stdout_of(&masked).contains("Authorization\\=***"),
        "{}",
        stdout_of(&masked)
    );
    let shown = endpoint()
        .args(["describe", "--client", "--show-secrets", text])
        .output()?;
    assert!(shown.status.success(), "{}", stderr_of(&shown));
    assert!(
        stdout_of(&shown).contains("Bearer s3cr3t"),
        "{}",
        stdout_of(&shown)
    );
    Ok(())
}

/// Text mode, websocat's everyday use (issue 23): `endpoint connect 'ws://...:messages=text'`
/// sends each line typed as one text message and prints each message received on its own
/// line; the last line, without a newline, goes when stdin ends.
#[tokio::test]
async fn connect_ws_in_text_mode_sends_lines_and_prints_messages() -> TestResult {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut listener = endpoints::server_from_string("ws:0:interface=127.0.0.1:messages=text")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("no port")?;
    // The server answers each line in capitals, and reports the lines it read.
    let server = tokio::spawn(async move {
        let connection = listener.accept().await?;
        let (reader, mut writer) = tokio::io::split(connection);
        let mut lines = BufReader::new(reader).lines();
        let mut read = Vec::new();
        while let Some(line) = lines.next_line().await? {
            // The answer may find the connection closing after the last line: no matter.
            let _ = writer
                .write_all(format!("{}\n", line.to_uppercase()).as_bytes())
                .await;
            let _ = writer.flush().await;
            read.push(line);
        }
        TestResult::Ok(read)
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["connect", &format!("ws://127.0.0.1:{port}/:messages=text")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("stdin")?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("stdout")?).lines();
    stdin.write_all("hello\nwörld\n".as_bytes()).await?;
    stdin.flush().await?;
    for expected in ["HELLO", "WÖRLD"] {
        let line = tokio::time::timeout(LIMIT, stdout.next_line()).await??;
        assert_eq!(line.as_deref(), Some(expected));
    }
    stdin.write_all(b"last").await?;
    drop(stdin);
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    assert!(status.success(), "{status}");
    let read = tokio::time::timeout(LIMIT, server).await???;
    assert_eq!(read, ["hello", "wörld", "last"]);
    Ok(())
}
