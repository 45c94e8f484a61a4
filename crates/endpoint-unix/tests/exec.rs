//! The `exec` client: a subprocess's stdout and stdin as the connection (`exec` feature).
#![cfg(feature = "exec")]

use std::time::Duration;

use endpoint_core::Registry;
use endpoint_testkit::TestResult;
use endpoint_unix::ChildProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn echo_through_cat() -> TestResult {
    let endpoint = Registry::global().client("exec:cat")?;
    assert_eq!(endpoint.to_string(), "exec:cat:stderr=inherit");
    let connection = endpoint.connect().await?;
    assert_eq!(connection.peer_address().to_string(), "exec:cat");
    assert_eq!(connection.info().stack, ["exec"]);
    let (mut reader, mut writer) = tokio::io::split(connection);
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let sent = payload.clone();
    let send = async move {
        writer.write_all(&sent).await?;
        // Closes cat's stdin, so cat ends and its output ends.
        writer.shutdown().await
    };
    let receive = async move {
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await.map(|_| back)
    };
    let ((), back) =
        tokio::time::timeout(LIMIT, async { tokio::try_join!(send, receive) }).await??;
    assert!(
        back == payload,
        "cat gave back {} bytes, changed",
        back.len()
    );
    Ok(())
}

#[tokio::test]
async fn shell_command_output_then_end_of_file() -> TestResult {
    let mut connection = Registry::global()
        .client(r"exec:/bin/sh:-c:echo hello; echo oops >&2:stderr=null")?
        .connect()
        .await?;
    let mut output = String::new();
    tokio::time::timeout(LIMIT, connection.read_to_string(&mut output)).await??;
    assert_eq!(output, "hello\n");
    Ok(())
}

#[tokio::test]
async fn arguments_keep_their_escaped_characters() -> TestResult {
    let mut connection = Registry::global()
        .client(r"exec:printf:%s|%s|%s:a\:b:c\=d:e\\f")?
        .connect()
        .await?;
    let mut output = String::new();
    tokio::time::timeout(LIMIT, connection.read_to_string(&mut output)).await??;
    assert_eq!(output, r"a:b|c=d|e\f");
    Ok(())
}

#[tokio::test]
async fn cwd_sets_the_working_directory() -> TestResult {
    let dir = tempfile::tempdir()?;
    let quoted = endpoint_core::description::quote(&dir.path().to_string_lossy());
    let mut connection = Registry::global()
        .client(&format!("exec:pwd:cwd={quoted}"))?
        .connect()
        .await?;
    let mut output = String::new();
    tokio::time::timeout(LIMIT, connection.read_to_string(&mut output)).await??;
    assert_eq!(
        output.trim_end(),
        dir.path().canonicalize()?.to_string_lossy()
    );
    Ok(())
}

/// True while `pid` exists, zombie or not (`kill(pid, 0)` fails with ESRCH once reaped).
fn exists(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

async fn until_gone(pid: u32) -> TestResult {
    tokio::time::timeout(LIMIT, async {
        while exists(pid) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn dropping_the_connection_kills_and_reaps_the_child() -> TestResult {
    let connection = Registry::global()
        .client("exec:sleep:1000")?
        .connect()
        .await?;
    let pid = connection
        .info()
        .get::<ChildProcess>()
        .ok_or("child pid")?
        .pid;
    assert!(exists(pid));
    drop(connection);
    // Gone means killed *and* reaped: a zombie would still answer kill(pid, 0).
    until_gone(pid).await
}

#[tokio::test]
async fn a_child_that_exits_is_reaped_while_the_connection_lives() -> TestResult {
    let mut connection = Registry::global().client("exec:true")?.connect().await?;
    let pid = connection
        .info()
        .get::<ChildProcess>()
        .ok_or("child pid")?
        .pid;
    let mut rest = Vec::new();
    tokio::time::timeout(LIMIT, connection.read_to_end(&mut rest)).await??;
    until_gone(pid).await?;
    drop(connection);
    Ok(())
}

#[tokio::test]
async fn a_missing_program_fails_at_connect() -> TestResult {
    let endpoint = Registry::global().client("exec:/nonexistent/program")?;
    let error = endpoint.connect().await.unwrap_err();
    assert_eq!(error.io_kind(), Some(std::io::ErrorKind::NotFound));
    assert!(
        error.to_string().contains("exec:/nonexistent/program"),
        "{error}"
    );
    Ok(())
}
