//! `proxy=env` end to end: `endpoint connect` run with a chosen environment (never this
//! process's, which parallel tests share) reaches an echo server through microsocks and
//! tinyproxy as `ALL_PROXY`/`HTTPS_PROXY` name them, and directly when `NO_PROXY` lists the
//! target.

mod support;

use std::process::{Output, Stdio};

use endpoint_testkit::{free_port, microsocks, require_tool, tcp_echo_server, tinyproxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use support::{TestResult, LIMIT};

const PASSWORD: &str = "s3cret-pw";

/// Every variable that could name a proxy, removed before the test sets its own.
const PROXY_VARIABLES: &[&str] = &[
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "RUST_LOG",
];

/// `endpoint -vv connect DESC` with exactly the proxy variables `env`: writes "hello\n",
/// waits for the echo (or the end of stdout), and only then closes stdin. (microsocks closes
/// both directions when a client half-closes, so closing at once would race the echo.)
async fn connect(description: &str, env: &[(&str, String)]) -> TestResult<Output> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_endpoint"));
    command.args(["-vv", "connect", description]);
    for name in PROXY_VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("stdin is piped")?;
    let mut stdout = child.stdout.take().ok_or("stdout is piped")?;
    let stderr = child.stderr.take().ok_or("stderr is piped")?;
    let stderr = tokio::spawn(async move {
        let mut text = Vec::new();
        let mut stderr = stderr;
        let _ = stderr.read_to_end(&mut text).await;
        text
    });
    // A failed connect may close stdin before this write: that is the child's outcome.
    let _ = stdin.write_all(b"hello\n").await;
    let mut echoed = Vec::new();
    let mut buf = [0u8; 64];
    while echoed.len() < 6 {
        match tokio::time::timeout(LIMIT, stdout.read(&mut buf)).await?? {
            0 => break,
            n => echoed.extend_from_slice(&buf[..n]),
        }
    }
    drop(stdin);
    stdout.read_to_end(&mut echoed).await?;
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    Ok(Output {
        status,
        stdout: echoed,
        stderr: stderr.await?,
    })
}

/// Checks the run echoed, went through a proxy or not as `proxied` says, and printed no
/// password.
fn echoed(output: &Output, proxied: bool) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "hello\n",
        "{stderr}"
    );
    assert_eq!(stderr.contains("proxy handshake done"), proxied, "{stderr}");
    assert_eq!(stderr.contains("connecting directly"), !proxied, "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
}

#[tokio::test]
async fn proxy_env_follows_the_environment() -> TestResult {
    let (Some(microsocks_bin), Some(tinyproxy_bin)) =
        (require_tool("microsocks"), require_tool("tinyproxy"))
    else {
        return Ok(());
    };
    let echo = tcp_echo_server().await?;
    let credentials = Some(("alice", PASSWORD));
    let socks = microsocks(&microsocks_bin, credentials).await?;
    let http = tinyproxy(&tinyproxy_bin, &[echo.port()], credentials).await?;
    let closed = free_port().await;
    let socks5 = format!("socks5+tcp:127.0.0.1:{}:proxy=env", echo.port());
    let httpconnect = format!("httpconnect+tcp:127.0.0.1:{}:proxy=env", echo.port());
    let socks_url = format!("socks5h://alice:{PASSWORD}@127.0.0.1:{}", socks.port);
    let http_url = format!("http://alice:{PASSWORD}@127.0.0.1:{}", http.port);

    // ALL_PROXY, a socks5h:// URL with credentials: through microsocks.
    echoed(
        &connect(&socks5, &[("ALL_PROXY", socks_url.clone())]).await?,
        true,
    );
    // HTTPS_PROXY (the target is not on port 80), an http:// URL: through tinyproxy, and
    // it wins over ALL_PROXY, which names a closed port.
    let env = [
        ("HTTPS_PROXY", http_url.clone()),
        ("ALL_PROXY", format!("socks5h://127.0.0.1:{closed}")),
    ];
    echoed(&connect(&httpconnect, &env).await?, true);
    // The environment's scheme decides the protocol, whichever layer was written.
    echoed(&connect(&socks5, &[("https_proxy", http_url)]).await?, true);

    // A proxy on a closed port: the connect fails, so the environment is what is used...
    let dead = [("all_proxy", format!("socks5h://127.0.0.1:{closed}"))];
    let failed = connect(&socks5, &dead).await?;
    assert_eq!(failed.status.code(), Some(1));
    // ...unless NO_PROXY lists the target: then it connects directly.
    for no_proxy in [
        "127.0.0.1",
        "localhost,127.0.0.0/8",
        "*",
        " example.com , 127.0.0.1",
    ] {
        let mut env = dead.to_vec();
        env.push(("NO_PROXY", no_proxy.to_owned()));
        echoed(&connect(&socks5, &env).await?, false);
    }
    // No proxy variable at all: directly.
    echoed(&connect(&socks5, &[]).await?, false);

    // A value that is not a proxy URL fails naming the variable, never the password.
    let bad = [("ALL_PROXY", format!("ftp://alice:{PASSWORD}@127.0.0.1:21"))];
    let failed = connect(&socks5, &bad).await?;
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ALL_PROXY"), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    // A wrong password from the environment is refused, and not printed either.
    let wrong = [("ALL_PROXY", socks_url.replace(PASSWORD, "wrong-pw"))];
    let failed = connect(&socks5, &wrong).await?;
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("wrong-pw"), "{stderr}");
    Ok(())
}
