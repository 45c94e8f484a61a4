//! Command-line habits: `RUST_LOG` over `-v`/`-q`, durations with units, `kinds NAME`,
//! `describe` finding the side, a closed stdout, and help that lists the kinds.

mod support;

use std::process::Output;

use support::{endpoint, start, TestResult};

fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A description whose parser warns (Twisted ignores a client key without its certificate).
const WARNS: &str = "ssl:example.com:443:privateKey=/no/such/key.pem";
const WARNING: &str = "privateKey= without certKey= is ignored";

/// Runs `endpoint ARGS` with `RUST_LOG` set to `rust_log` (or removed).
fn run_with_log(rust_log: Option<&str>, args: &[&str]) -> std::io::Result<Output> {
    let mut command = endpoint();
    match rust_log {
        Some(value) => command.env("RUST_LOG", value),
        None => command.env_remove("RUST_LOG"),
    };
    command.args(args).output()
}

#[test]
fn warnings_show_by_default_and_quiet_hides_them() -> TestResult {
    let output = run_with_log(None, &["describe", "--client", WARNS])?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains(WARNING),
        "{}",
        stderr_of(&output)
    );

    for quiet in ["-q", "--quiet"] {
        let output = run_with_log(None, &[quiet, "describe", "--client", WARNS])?;
        assert!(output.status.success(), "{}", stderr_of(&output));
        assert_eq!(stderr_of(&output), "", "{quiet}");
        assert!(stdout_of(&output).starts_with("ssl:example.com:443"));
    }
    Ok(())
}

#[test]
fn rust_log_overrides_verbose_and_quiet() -> TestResult {
    // Errors only, though -v asks for more.
    let output = run_with_log(Some("error"), &["-v", "describe", "--client", WARNS])?;
    assert!(output.status.success());
    assert!(
        !stderr_of(&output).contains(WARNING),
        "{}",
        stderr_of(&output)
    );
    // Warnings from the tls crate, though -q asks for errors only.
    let output = run_with_log(
        Some("endpoint_tls=warn"),
        &["-q", "describe", "--client", WARNS],
    )?;
    assert!(output.status.success());
    assert!(
        stderr_of(&output).contains(WARNING),
        "{}",
        stderr_of(&output)
    );
    // An empty RUST_LOG counts as unset.
    let output = run_with_log(Some(""), &["-q", "describe", "--client", WARNS])?;
    assert_eq!(stderr_of(&output), "");
    Ok(())
}

#[test]
fn a_rust_log_that_does_not_parse_is_reported_and_the_flags_decide() -> TestResult {
    let output = run_with_log(Some("endpoint=loud"), &["describe", "--client", WARNS])?;
    assert!(output.status.success());
    let stderr = stderr_of(&output);
    assert!(stderr.contains("RUST_LOG is not understood"), "{stderr}");
    assert!(stderr.contains(WARNING), "{stderr}");
    Ok(())
}

#[test]
fn verbose_and_quiet_conflict() -> TestResult {
    let output = endpoint().args(["-v", "-q", "kinds"]).output()?;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("cannot be used with"));
    Ok(())
}

#[tokio::test]
async fn quiet_listen_prints_no_status_line() -> TestResult {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("quiet.sock");
    let description = format!("unix:{}", endpoints::quote(&path.to_string_lossy()));
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["-q", "listen", &description])
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    // The socket file appears once it listens; with no status line, that is the signal.
    let mut stream = tokio::time::timeout(support::LIMIT, async {
        loop {
            match tokio::net::UnixStream::connect(&path).await {
                Ok(stream) => return stream,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        }
    })
    .await?;
    stream.write_all(b"quietly").await?;
    stream.shutdown().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    let output = tokio::time::timeout(support::LIMIT, child.wait_with_output()).await??;
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), "quietly");
    assert_eq!(stderr_of(&output), "");
    Ok(())
}

#[tokio::test]
async fn grace_takes_units() -> TestResult {
    for grace in ["250ms", "5s", "1m", "1.5", "2"] {
        let relay = start(
            &[
                "-v",
                "relay",
                "--grace",
                grace,
                "tcp:0:interface=127.0.0.1",
                "tcp:127.0.0.1:9",
            ],
            "relaying ",
        )
        .await?;
        drop(relay);
    }
    let output = endpoint()
        .args(["relay", "--grace", "5 s", "tcp:0", "tcp:127.0.0.1:9"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("--grace <DURATION>"), "{stderr}");
    assert!(stderr.contains("is not a duration: \"5 s\""), "{stderr}");
    assert!(stderr.contains("like 5s, 250ms, 1m or 2h"), "{stderr}");
    Ok(())
}
