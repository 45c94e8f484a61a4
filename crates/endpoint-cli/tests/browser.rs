//! A real browser as a WebSocket peer: headless Chromium talks to our `ws:` server, to an
//! `endpoint relay ws:... tcp:...` relay (websockify style), and to a `wss:` server it trusts
//! by the certificate's SPKI hash.
//!
//! How the tests work, and why:
//! - **The page** is served by a small HTTP/1.1 server inside the test (a tokio `TcpListener`
//!   on 127.0.0.1, port 0). Its script fetches the text and binary payloads from that server
//!   (`/text`, `/payload`: one source of truth, in Rust), then for each `ws=URL` in its query
//!   opens a `WebSocket`, sends the text as a text message, waits for its echo, sends the
//!   bytes as a binary message, waits for their echo, and closes.
//! - **Results come back** as a JSON report the page POSTs to `/report` on the same server
//!   (same origin, so no CORS). A real HTTP report rather than `--dump-dom` with
//!   `--virtual-time-budget`: virtual time does not wait for real sockets. The test waits for
//!   the report (a generous [`BROWSER_LIMIT`], only a safety net: Chromium can take seconds
//!   to start on a busy machine), then asserts the bytes the browser got back *and* the bytes
//!   our side received.
//! - **Text messages**: our `ws` layer carries a byte stream. It reads a text message as its
//!   UTF-8 bytes and sends everything back as binary messages, in chunks of its own choosing.
//!   So the page compares bytes, not messages: it accumulates echoed bytes until it has as
//!   many as it sent, and reports the types of the messages they came in (the tests assert
//!   they were all binary).
//! - **Text mode** (`messages=text`) is the other way to carry bytes: lines in text
//!   messages. With `mode=lines` in its query the page sends lines as text messages (and one
//!   as a binary message), and reports every message it gets back with its type; the test
//!   asserts that each line came back as exactly one text message.
//! - **`wss:`** trusts the test certificate by its SPKI hash (Chromium's
//!   `--ignore-certificate-errors-spki-list`, computed here from the server certificate), not
//!   by turning checks off: the same page also opens a second `wss:` server whose certificate
//!   (same names, another CA) is not in the list, and that connection must fail. (A pin of
//!   the test CA's key was not honoured when tried: the server sends only its leaf.)
//! - **Chromium** is Debian's `chromium` (`.ci/run` installs it), run headless as CI does
//!   (as root: `--no-sandbox`), with a fresh profile and the background services that would
//!   try to reach Google turned off. It runs in its own process group, which a guard kills
//!   and reaps on every path, so no test leaves a browser behind. Only one Chromium runs at a
//!   time (a lock), to keep a 2-core machine responsive. Without Chromium the tests print a
//!   notice and pass, except under CI (`CI` set), where they fail.
//! - Everything listens on 127.0.0.1 port 0; nothing sleeps to synchronise.
//! - The file lives in the CLI's tests because the relay case runs the real `endpoint`
//!   binary; the `ws:` and `wss:` servers are built through the library (`endpoints`).

mod support;

use std::collections::VecDeque;
use std::io;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use endpoints::ws::WsInfo;
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::ChildStderr;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use support::{start_relay, TestResult, LIMIT};

/// The browser (Debian's launcher script, which `exec`s the real binary).
const CHROMIUM: &str = "chromium";

/// Safety net for one browser run, from launch to report. The page gives each step 30 s
/// (`STEP_LIMIT_MS`), so a stuck step is reported by the page, saying what it waited for.
const BROWSER_LIMIT: Duration = Duration::from_secs(90);

/// Sent as a text message: multi-byte UTF-8, and a character outside the BMP.
const TEXT: &str = "text from a browser: ünïcødé ☃ 🦀";

/// Sent as one binary message: every byte value (so not UTF-8), and more than one of our
/// messages' worth (64 KiB), so the echo arrives in several binary messages.
fn payload() -> Vec<u8> {
    (0..70_000u32).map(|i| (i * 7 % 256) as u8).collect()
}

/// Only one Chromium at a time from this file.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The page: runs every `ws=URL` of its query in order (offering the `protocol=` values as
/// subprotocols), then POSTs its report to `/report`.
const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>endpoints: a browser as a WebSocket peer</title>
<script>
"use strict";
const STEP_LIMIT_MS = 30000;
const LINES = ["first line", ""];
const BINARY_LINE = "a line in a binary message";

async function runCase(url, protocols, text, binary) {
  const result = { url };
  const ws = new WebSocket(url, protocols);
  ws.binaryType = "arraybuffer";
  let chunks = [], length = 0, types = [], closed = null, failed = false;
  let wake = () => {};
  ws.onopen = () => wake();
  ws.onerror = () => { failed = true; wake(); };
  ws.onclose = (e) => {
    closed = { code: e.code, reason: e.reason, wasClean: e.wasClean };
    wake();
  };
  ws.onmessage = (e) => {
    const isText = typeof e.data === "string";
    const bytes = isText ? new TextEncoder().encode(e.data) : new Uint8Array(e.data);
    types.push(isText ? "text" : "binary");
    chunks.push(bytes);
    length += bytes.length;
    wake();
  };
  // Resolves when ready() holds; rejects if the socket closes first (an error event is
  // always followed by a close event, which carries the code), or after STEP_LIMIT_MS: a
  // safety net that makes a stuck step say what it was waiting for.
  const until = (ready, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      wake = () => {};
      reject(new Error(what + ": still waiting after " + STEP_LIMIT_MS + " ms, " + length + " bytes echoed"));
    }, STEP_LIMIT_MS);
    const check = () => {
      if (ready()) {
        clearTimeout(timer);
        resolve();
      } else if (closed) {
        clearTimeout(timer);
        const why = (failed ? "websocket error, " : "") + "closed with code " + closed.code;
        reject(new Error(what + ": " + why));
      } else wake = check;
    };
    check();
  });
  // The first n echoed bytes, and the types of the messages that brought them.
  const take = (n) => {
    const all = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    chunks = [all.subarray(n)];
    length -= n;
    const seen = types;
    types = [];
    return { bytes: Array.from(all.subarray(0, n)), types: seen };
  };
  try {
    await until(() => ws.readyState === WebSocket.OPEN, "opening");
    result.protocol = ws.protocol;
    result.extensions = ws.extensions;
    const textBytes = new TextEncoder().encode(text);
    ws.send(text);
    await until(() => length >= textBytes.length, "waiting for the text echo");
    const t = take(textBytes.length);
    result.textEcho = t.bytes;
    result.textEchoTypes = t.types;
    ws.send(binary);
    await until(() => length >= binary.length, "waiting for the binary echo");
    const b = take(binary.length);
    result.binaryEcho = b.bytes;
    result.binaryEchoTypes = b.types;
    ws.close(1000, "done");
    await until(() => closed !== null, "closing");
  } catch (e) {
    result.error = String(e);
  }
  result.close = closed;
  return result;
}

// Text mode: sends each of `lines` as a text message and `binaryLine` as a binary one, and
// reports every message that comes back, with its type, until as many came back.
async function runLines(url, lines, binaryLine) {
  const result = { url, messages: [] };
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  let closed = null, failed = false, wake = () => {};
  ws.onopen = () => wake();
  ws.onerror = () => { failed = true; wake(); };
  ws.onclose = (e) => {
    closed = { code: e.code, reason: e.reason, wasClean: e.wasClean };
    wake();
  };
  ws.onmessage = (e) => {
    const isText = typeof e.data === "string";
    const data = isText ? e.data : new TextDecoder().decode(e.data);
    result.messages.push({ type: isText ? "text" : "binary", data });
    wake();
  };
  const until = (ready, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      wake = () => {};
      reject(new Error(what + ": still waiting after " + STEP_LIMIT_MS + " ms"));
    }, STEP_LIMIT_MS);
    const check = () => {
      if (ready()) {
        clearTimeout(timer);
        resolve();
      } else if (closed) {
        clearTimeout(timer);
        reject(new Error(what + ": " + (failed ? "websocket error, " : "") + "closed with code " + closed.code));
      } else wake = check;
    };
    check();
  });
  try {
    await until(() => ws.readyState === WebSocket.OPEN, "opening");
    for (const line of lines) ws.send(line);
    ws.send(new TextEncoder().encode(binaryLine));
    await until(() => result.messages.length >= lines.length + 1, "waiting for the lines");
    ws.close(1000, "done");
    await until(() => closed !== null, "closing");
  } catch (e) {
    result.error = String(e);
  }
  result.close = closed;
  return result;
}

async function main() {
  const params = new URLSearchParams(location.search);
  const report = { userAgent: navigator.userAgent, results: [] };
  try {
    const text = await (await fetch("/text")).text();
    const binary = new Uint8Array(await (await fetch("/payload")).arrayBuffer());
    for (const url of params.getAll("ws")) {
      if (params.get("mode") === "lines") {
        report.results.push(await runLines(url, LINES.concat([text]), BINARY_LINE));
      } else {
        report.results.push(await runCase(url, params.getAll("protocol"), text, binary));
      }
    }
  } catch (e) {
    report.error = String(e);
  }
  await fetch("/report", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(report),
  });
}

main();
</script>
"#;

/// What the page reports.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Report {
    user_agent: String,
    error: Option<String>,
    results: Vec<CaseResult>,
}

/// One `ws=URL` of the page.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CaseResult {
    url: String,
    error: Option<String>,
    protocol: String,
    extensions: String,
    text_echo: Vec<u8>,
    text_echo_types: Vec<String>,
    binary_echo: Vec<u8>,
    binary_echo_types: Vec<String>,
    /// Text mode: the messages that came back.
    messages: Vec<PageMessage>,
    close: Option<Close>,
}

/// A message the page received in text mode.
#[derive(Debug, PartialEq, Deserialize)]
struct PageMessage {
    #[serde(rename = "type")]
    kind: String,
    data: String,
}

/// The browser's `CloseEvent`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Close {
    code: u16,
    was_clean: bool,
}

impl std::fmt::Debug for CaseResult {
    // Lengths only: the echoes are 70 KB.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseResult")
            .field("url", &self.url)
            .field("error", &self.error)
            .field("protocol", &self.protocol)
            .field("extensions", &self.extensions)
            .field("text_echo.len", &self.text_echo.len())
            .field("text_echo_types", &self.text_echo_types)
            .field("binary_echo.len", &self.binary_echo.len())
            .field("binary_echo_types", &self.binary_echo_types)
            .field("messages", &self.messages)
            .field("close", &self.close)
            .finish()
    }
}

impl CaseResult {
    /// Asserts the round trip worked: both echoes byte for byte, in binary messages only
    /// (several for the 70 KB), and a clean close with code 1000.
    fn assert_echoed(&self) {
        assert!(self.error.is_none(), "{self:?}");
        assert!(
            self.text_echo == TEXT.as_bytes(),
            "text echo differs: {self:?}"
        );
        assert!(
            self.binary_echo == payload(),
            "binary echo differs: {self:?}"
        );
        assert!(
            self.text_echo_types.iter().all(|t| t == "binary"),
            "{self:?}"
        );
        assert!(
            self.binary_echo_types.len() > 1
                && self.binary_echo_types.iter().all(|t| t == "binary"),
            "{self:?}"
        );
        // No permessage-deflate: we do not negotiate extensions.
        assert_eq!(self.extensions, "", "{self:?}");
        let close = self.close.as_ref().expect("closed");
        assert!(close.was_clean && close.code == 1000, "{self:?}");
    }
}

/// Is Chromium here? Under CI it must be; elsewhere its absence skips the test.
fn have_chromium() -> bool {
    let ok = std::process::Command::new(CHROMIUM)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    // Under CI (.ci/run installs Debian's chromium package) a missing one fails the test.
    endpoint_testkit::require("chromium", ok)
}

/// The in-test HTTP server: serves [`PAGE`], `/text` and `/payload`, and passes each body
/// POSTed to `/report` on to the test.
struct PageServer {
    port: u16,
    reports: mpsc::UnboundedReceiver<Vec<u8>>,
    task: JoinHandle<()>,
}

impl PageServer {
    async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let (tx, reports) = mpsc::unbounded_channel();
        let payload: Arc<[u8]> = payload().into();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // One task per connection: a speculative connection that never sends a
                // request must not hold up the next one.
                tokio::spawn(answer(stream, payload.clone(), tx.clone()));
            }
        });
        Ok(PageServer {
            port,
            reports,
            task,
        })
    }

    /// The page's address, with `query` (`ws=...&protocol=...`).
    fn url(&self, query: &str) -> String {
        format!("http://127.0.0.1:{}/?{query}", self.port)
    }

    /// The page's origin, as the browser sends it in `Origin`.
    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Answers one HTTP/1.1 request and closes the connection.
async fn answer(stream: TcpStream, payload: Arc<[u8]>, reports: mpsc::UnboundedSender<Vec<u8>>) {
    let mut stream = BufReader::new(stream);
    let mut request_line = String::new();
    if stream.read_line(&mut request_line).await.is_err() {
        return;
    }
    let mut content_length = 0;
    loop {
        let mut line = String::new();
        match stream.read_line(&mut line).await {
            Ok(1..) if line != "\r\n" => {}
            _ => break,
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; content_length];
    if stream.read_exact(&mut body).await.is_err() {
        return;
    }
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, content): (&str, &str, &[u8]) = match (method, path) {
        ("GET", "/") => ("200 OK", "text/html; charset=utf-8", PAGE.as_bytes()),
        ("GET", "/text") => ("200 OK", "text/plain; charset=utf-8", TEXT.as_bytes()),
        ("GET", "/payload") => ("200 OK", "application/octet-stream", &payload),
        ("POST", "/report") => {
            let _ = reports.send(body);
            ("204 No Content", "text/plain", b"")
        }
        _ => ("404 Not Found", "text/plain", b"not found"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        content.len()
    );
    let stream = stream.get_mut();
    if stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(content).await.is_ok() {
        let _ = stream.shutdown().await;
    }
}

/// A running headless Chromium. Dropping it kills its whole process group (browser,
/// zygotes, renderers, network service) and reaps the browser.
struct Chromium {
    child: std::process::Child,
    /// The last lines of its stderr, for failure messages.
    log: Arc<Mutex<VecDeque<String>>>,
    /// Ends when every process holding its stderr has exited.
    exited: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Chromium {
    /// Starts Chromium on `url` with a fresh profile and `extra` flags.
    fn start(url: &str, extra: &[String]) -> io::Result<Self> {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir()?;
        let mut child = std::process::Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .args(extra)
            .arg(url)
            // Its singleton socket, crash reports and caches go to the temporary directory
            // too (not /tmp or ~/.config), so they go when it does: a killed browser cleans
            // up nothing.
            .env("TMPDIR", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_CACHE_HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let stderr = child.stderr.take().map(ChildStderr::from_std).transpose();
        let stderr = match stderr {
            Ok(stderr) => stderr,
            Err(e) => {
                // The guard kills and reaps what was started.
                drop(Chromium {
                    child,
                    log: Arc::default(),
                    exited: tokio::spawn(async {}),
                    _dir: dir,
                });
                return Err(e);
            }
        };
        let log: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let exited = tokio::spawn({
            let log = log.clone();
            async move {
                let Some(stderr) = stderr else { return };
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    if log.len() == 40 {
                        log.pop_front();
                    }
                    log.push_back(line);
                }
            }
        });
        Ok(Chromium {
            child,
            log,
            exited,
            _dir: dir,
        })
    }

    /// The end of Chromium's stderr.
    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        Vec::from(log.clone()).join("\n")
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // The browser leads its own process group (`process_group(0)`), and it is not reaped
        // until the `wait` below, so the group id cannot have been reused.
        let group = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.child.wait();
        self.exited.abort();
    }
}

/// Loads the page with `query` in Chromium (started with `extra` flags), waits for the
/// page's report, and stops the browser.
async fn browse(page: &mut PageServer, query: &str, extra: &[String]) -> TestResult<Report> {
    let _one_at_a_time = BROWSER.lock().await;
    let started = std::time::Instant::now();
    let mut chromium = Chromium::start(&page.url(query), extra)?;
    let report = tokio::select! {
        Some(report) = page.reports.recv() => report,
        _ = &mut chromium.exited => {
            return Err(format!(
                "chromium exited before the page reported; its stderr ends:\n{}",
                chromium.log_tail()
            )
            .into())
        }
        () = tokio::time::sleep(BROWSER_LIMIT) => {
            return Err(format!(
                "no report from the page within {BROWSER_LIMIT:?}; chromium's stderr ends:\n{}",
                chromium.log_tail()
            )
            .into())
        }
    };
    drop(chromium);
    println!("chromium ran for {:?}", started.elapsed());
    let report: Report = serde_json::from_slice(&report)?;
    assert!(report.error.is_none(), "{report:?}");
    assert!(
        report.user_agent.contains("HeadlessChrome"),
        "{}",
        report.user_agent
    );
    Ok(report)
}

/// What our side of one connection saw.
struct Seen {
    /// The upgrade request (WebSocket servers only).
    info: Option<WsInfo>,
    /// Every byte read.
    received: Vec<u8>,
    /// How the echo ended: `Ok` after end of stream and a clean shutdown.
    ended: io::Result<()>,
}

/// Echoes until end of stream (the browser's Close), recording what arrived, then shuts down.
async fn echo_and_record<S>(mut stream: S, info: Option<WsInfo>) -> Seen
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut received = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let ended = async {
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
            stream.write_all(&buf[..n]).await?;
            // A WebSocket batches writes until flushed.
            stream.flush().await?;
        }
        stream.shutdown().await
    }
    .await;
    Seen {
        info,
        received,
        ended,
    }
}

/// Starts an echo server on `description` (through the library) that reports what each
/// connection saw; returns the port handle and its port.
async fn ws_echo_server(
    description: &str,
) -> TestResult<(endpoints::ListeningPort, u16, mpsc::UnboundedReceiver<Seen>)> {
    let listener = endpoints::server_from_string(description)?.bind().await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let (tx, seen) = mpsc::unbounded_channel();
    let handle = listener.listen(move |connection| {
        let tx = tx.clone();
        async move {
            let info = connection.info().get::<WsInfo>().cloned();
            let _ = tx.send(echo_and_record(connection, info).await);
        }
    });
    Ok((handle, port, seen))
}

/// What our server must have received: the text's UTF-8 bytes, then the binary payload.
fn expected_received() -> Vec<u8> {
    let mut all = TEXT.as_bytes().to_vec();
    all.extend_from_slice(&payload());
    all
}

/// The next connection our side finished, checked: it received exactly what the page sent
/// (the text's UTF-8 bytes, then the binary bytes), then end of stream, and shut down cleanly.
async fn next_seen(seen: &mut mpsc::UnboundedReceiver<Seen>) -> TestResult<Seen> {
    let seen = tokio::time::timeout(LIMIT, seen.recv())
        .await?
        .ok_or("the server saw no connection")?;
    assert!(
        seen.received == expected_received(),
        "received {} bytes, expected {}",
        seen.received.len(),
        expected_received().len()
    );
    if let Err(e) = &seen.ended {
        return Err(format!("the echo ended with an error: {e}").into());
    }
    Ok(seen)
}

/// Chromium opens a WebSocket to a `ws:` server built from a description, offering a
/// subprotocol, from a page whose origin the server allows (`origins=`). Asserted: the text
/// and binary messages come back byte for byte (as binary messages), the subprotocol is
/// negotiated, no extension is, the close is clean (1000); our server received exactly the
/// text's UTF-8 bytes followed by the binary bytes, and saw Chromium's `User-Agent` and
/// the page's `Origin`.
#[tokio::test]
async fn chromium_echoes_through_a_ws_server() -> TestResult {
    if !have_chromium() {
        return Ok(());
    }
    let mut page = PageServer::start().await?;
    let server = format!(
        "ws:0:interface=127.0.0.1:path=/echo:subprotocols=echo.v2,echo.v1:origins={}",
        endpoints::quote(&page.origin())
    );
    let (_server, port, mut seen) = ws_echo_server(&server).await?;

    let query = format!("ws=ws://127.0.0.1:{port}/echo&protocol=echo.v1");
    let report = browse(&mut page, &query, &[]).await?;
    let [result] = &report.results[..] else {
        return Err(format!("one result expected: {report:?}").into());
    };
    result.assert_echoed();
    assert_eq!(result.protocol, "echo.v1");

    let seen = next_seen(&mut seen).await?;
    let info = seen.info.ok_or("a WsInfo")?;
    assert_eq!(info.path, "/echo");
    assert_eq!(info.subprotocol.as_deref(), Some("echo.v1"));
    assert_eq!(info.header("origin"), Some(page.origin().as_str()));
    assert!(
        info.header("user-agent")
            .is_some_and(|ua| ua.contains("HeadlessChrome")),
        "{info:?}"
    );
    Ok(())
}

/// Chromium talks WebSocket to the `endpoint relay ws:... tcp:...` binary (websockify
/// style), which relays to a plain TCP echo server in the test. Asserted: both echoes come
/// back byte for byte and the close is clean; the TCP server received exactly the text's
/// UTF-8 bytes followed by the binary bytes, and saw end of stream (the browser's Close
/// reaches it as a half-close).
#[tokio::test]
async fn chromium_echoes_through_the_relay_to_tcp() -> TestResult {
    if !have_chromium() {
        return Ok(());
    }
    let mut page = PageServer::start().await?;
    let tcp = TcpListener::bind("127.0.0.1:0").await?;
    let tcp_port = tcp.local_addr()?.port();
    let (tx, mut tcp_seen) = mpsc::unbounded_channel();
    let tcp_task = tokio::spawn(async move {
        while let Ok((stream, _)) = tcp.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = tx.send(echo_and_record(stream, None).await);
            });
        }
    });
    let client = format!("tcp:127.0.0.1:{tcp_port}");
    let relay = start_relay(&["ws:0:interface=127.0.0.1:path=/relay", &client]).await?;
    let relay_port = relay.port()?;

    let query = format!("ws=ws://127.0.0.1:{relay_port}/relay");
    let report = browse(&mut page, &query, &[]).await?;
    let [result] = &report.results[..] else {
        return Err(format!("one result expected: {report:?}").into());
    };
    result.assert_echoed();
    assert_eq!(result.protocol, "");

    next_seen(&mut tcp_seen).await?;
    tcp_task.abort();
    Ok(())
}

/// Text mode through the relay, the websocat way: Chromium sends lines as text messages (and
/// one as a binary message) to `endpoint relay 'ws:...:messages=text' tcp:...`, whose TCP
/// side is a byte echo server. Asserted: the TCP server received each message as a line
/// (`first line\n\nTEXT\na line in a binary message\n`), and each line came back to the
/// browser as exactly one *text* message, the empty one included; the close is clean.
#[tokio::test]
async fn chromium_sends_and_gets_lines_through_a_text_mode_relay() -> TestResult {
    if !have_chromium() {
        return Ok(());
    }
    let mut page = PageServer::start().await?;
    let tcp = TcpListener::bind("127.0.0.1:0").await?;
    let tcp_port = tcp.local_addr()?.port();
    let (tx, mut tcp_seen) = mpsc::unbounded_channel();
    let tcp_task = tokio::spawn(async move {
        while let Ok((stream, _)) = tcp.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = tx.send(echo_and_record(stream, None).await);
            });
        }
    });
    let client = format!("tcp:127.0.0.1:{tcp_port}");
    let relay = start_relay(&[
        "ws:0:interface=127.0.0.1:path=/lines:messages=text",
        &client,
    ])
    .await?;
    let relay_port = relay.port()?;

    let query = format!("mode=lines&ws=ws://127.0.0.1:{relay_port}/lines");
    let report = browse(&mut page, &query, &[]).await?;
    let [result] = &report.results[..] else {
        return Err(format!("one result expected: {report:?}").into());
    };
    assert!(result.error.is_none(), "{result:?}");
    let text = |data: &str| PageMessage {
        kind: "text".into(),
        data: data.into(),
    };
    let lines = ["first line", "", TEXT, "a line in a binary message"];
    let back: Vec<PageMessage> = lines.iter().map(|l| text(l)).collect();
    assert_eq!(result.messages, back, "{result:?}");
    let close = result.close.as_ref().ok_or("closed")?;
    assert!(close.was_clean && close.code == 1000, "{result:?}");

    let seen = tokio::time::timeout(LIMIT, tcp_seen.recv())
        .await?
        .ok_or("the TCP server saw no connection")?;
    let expected: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(String::from_utf8_lossy(&seen.received), expected);
    tcp_task.abort();
    Ok(())
}

/// The base64 SHA-256 of the certificate's DER SubjectPublicKeyInfo: what
/// `--ignore-certificate-errors-spki-list` takes.
fn spki_hash(cert_pem: &Path) -> TestResult<String> {
    let pem = std::fs::read(cert_pem)?;
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem)?;
    let cert = pem.parse_x509()?;
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.public_key().raw);
    Ok(base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
}

/// Chromium opens `wss:` to two servers on 127.0.0.1, both with certificates for
/// `localhost`/`127.0.0.1` from CAs it does not know; it is told to trust the first by its
/// SPKI hash only. Asserted: the first round trip works byte for byte (and our server
/// received exactly what was sent); the second fails to open (code 1006) and its server
/// never gets a WebSocket: certificate checks stay on.
#[tokio::test]
async fn chromium_trusts_a_wss_server_by_its_spki_hash() -> TestResult {
    if !have_chromium() {
        return Ok(());
    }
    let mut page = PageServer::start().await?;
    let pki = endpoint_testkit::TestPki::new();
    let trusted = format!(
        "wss:0:privateKey={}:interface=127.0.0.1:path=/secure",
        pki.arg("server.pem")
    );
    let (_trusted, trusted_port, mut trusted_seen) = ws_echo_server(&trusted).await?;
    // The same names, another CA, another key: nothing but the pin tells them apart.
    let other = endpoint_testkit::Authority::new("Untrusted CA").issue(
        "localhost",
        &["localhost", "127.0.0.1"],
        endpoint_testkit::Usage::Server,
    );
    std::fs::write(pki.path("untrusted.pem"), other.combined())?;
    let untrusted = format!(
        "wss:0:privateKey={}:interface=127.0.0.1:path=/secure",
        pki.arg("untrusted.pem")
    );
    let (_untrusted, untrusted_port, mut untrusted_seen) = ws_echo_server(&untrusted).await?;

    let pin = spki_hash(&pki.path("server-cert.pem"))?;
    let query = format!(
        "ws=wss://127.0.0.1:{trusted_port}/secure&ws=wss://127.0.0.1:{untrusted_port}/secure"
    );
    let flags = [format!("--ignore-certificate-errors-spki-list={pin}")];
    let report = browse(&mut page, &query, &flags).await?;
    let [trusted_result, untrusted_result] = &report.results[..] else {
        return Err(format!("two results expected: {report:?}").into());
    };
    trusted_result.assert_echoed();
    next_seen(&mut trusted_seen).await?;

    assert!(
        untrusted_result
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("Error: opening")),
        "{untrusted_result:?}"
    );
    assert_eq!(
        untrusted_result.close.as_ref().map(|c| c.code),
        Some(1006),
        "{untrusted_result:?}"
    );
    // The browser gave up during the TLS handshake, so no WebSocket was ever accepted.
    assert!(untrusted_seen.try_recv().is_err());
    Ok(())
}
