//! Command-line habits: `RUST_LOG` over `-v`/`-q`, durations with units, `kinds NAME`,
//! `describe` finding the side, a closed stdout, and help that lists the kinds.

mod support;

use std::process::Output;

use support::{endpoint, start_relay, TestResult};

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
        let relay = start_relay(&[
            "--grace",
            grace,
            "tcp:0:interface=127.0.0.1",
            "tcp:127.0.0.1:9",
        ])
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

#[test]
fn kinds_name_shows_only_that_kind() -> TestResult {
    let output = endpoint().args(["kinds", "tcp"]).output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(text.starts_with("tcp (server base): "), "{text}");
    assert!(text.contains("tcp (client base): "), "{text}");
    assert!(!text.contains("tcp6"), "{text}");
    // No other kind's entry (the server options' help may name unix peers).
    assert!(!text.contains("unix ("), "{text}");
    assert!(!text.contains("URL forms"), "{text}");

    // Several names, a layer only, a shorthand, a URL form.
    let output = endpoint().args(["kinds", "unix", "tls+"]).output()?;
    let text = stdout_of(&output);
    assert!(text.contains("unix (server base)"), "{text}");
    assert!(text.contains("tls (server layer)"), "{text}");
    assert!(!text.contains("tls (client base)"), "{text}");
    let output = endpoint().args(["kinds", "wss"]).output()?;
    let text = stdout_of(&output);
    assert!(text.contains("wss (client)  = ws+tls"), "{text}");
    assert!(text.contains("wss://"), "{text}");
    let output = endpoint().args(["kinds", "ws://"]).output()?;
    let text = stdout_of(&output);
    assert!(text.starts_with("URL forms:\n  ws://"), "{text}");
    Ok(())
}

#[test]
fn kinds_with_an_unknown_name_suggests_one() -> TestResult {
    let output = endpoint().args(["kinds", "tcp", "tpc"]).output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.starts_with("endpoint: "), "{stderr}");
    assert!(
        stderr.contains("\"tpc\"; did you mean \"tcp\"?"),
        "{stderr}"
    );
    assert!(stderr.contains("tls+"), "{stderr}");
    assert!(output.stdout.is_empty());
    Ok(())
}

#[test]
fn kinds_json_name_filters_every_list() -> TestResult {
    let output = endpoint().args(["kinds", "--json", "ws"]).output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let kinds = json["kinds"].as_array().ok_or("kinds is an array")?;
    assert_eq!(kinds.len(), 2, "{json}");
    assert!(kinds
        .iter()
        .all(|k| k["name"] == "ws" && k["layer"] == true));
    let shorthands = json["shorthands"].as_array().ok_or("an array")?;
    assert!(shorthands.iter().all(|s| s["name"] == "ws"), "{json}");
    assert_eq!(shorthands.len(), 2, "{json}");
    let urls = json["urlForms"].as_array().ok_or("an array")?;
    assert_eq!(urls.len(), 1, "{json}");
    assert_eq!(urls[0]["scheme"], "ws");
    Ok(())
}

/// `describe DESC` with no side: one side only is shown with a note naming it; the JSON
/// carries the side.
#[test]
fn describe_finds_the_only_side_that_takes_the_text() -> TestResult {
    let output = endpoint()
        .env_remove("RUST_LOG")
        .args(["describe", "tls:example.com:443"])
        .output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).starts_with("tls:example.com:443:timeout=30\n"));
    assert_eq!(
        stderr_of(&output),
        "endpoint: note: read as a client description (it is not a valid server one)\n"
    );

    let output = endpoint()
        .args(["describe", "--json", "tls:example.com:443"])
        .output()?;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(json["side"], "client");

    let output = endpoint()
        .args(["describe", "--json", "tcp:8080"])
        .output()?;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(json["side"], "server");

    // -q: no note.
    let output = endpoint()
        .env_remove("RUST_LOG")
        .args(["-q", "describe", "tcp:8080"])
        .output()?;
    assert_eq!(stderr_of(&output), "");
    Ok(())
}

#[test]
fn describe_shows_both_sides_or_asks_for_one() -> TestResult {
    let output = endpoint()
        .env_remove("RUST_LOG")
        .args(["describe", "unix:/tmp/both.sock"])
        .output()?;
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(
        text.starts_with("server:\nunix:/tmp/both.sock:backlog=50:lockfile=1\n"),
        "{text}"
    );
    assert!(text.contains("\n\nclient:\nunix:/tmp/both.sock:"), "{text}");
    assert!(stderr_of(&output).contains("valid as both a server and a client description"));

    let output = endpoint()
        .args(["describe", "--json", "unix:/tmp/both.sock"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(
        stderr_of(&output)
            .contains("is both a server and a client description; say --server or --client"),
        "{}",
        stderr_of(&output)
    );
    let output = endpoint()
        .args(["describe", "--json", "--client", "unix:/tmp/both.sock"])
        .output()?;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(json["side"], "client");
    Ok(())
}

#[test]
fn describe_with_neither_side_shows_the_closer_error() -> TestResult {
    // A misspelt server option, not the client's missing port.
    let output = endpoint().args(["describe", "tcp:80:bakclog=3"]).output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("did you mean \"backlog\""), "{stderr}");
    assert!(
        stderr.contains("\n  tcp:80:bakclog=3\n         ^\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not a valid client description either (--client shows why)"),
        "{stderr}"
    );
    // The client's bad timeout, not the server's non-numeric port.
    let output = endpoint()
        .args(["describe", "tcp:example.com:443:timeout=x"])
        .output()?;
    let stderr = stderr_of(&output);
    assert!(stderr.contains("option \"timeout\" of tcp"), "{stderr}");
    Ok(())
}

/// A reader that stops early (`| head -c1`) ends the output quietly: no panic, status 0.
#[test]
fn a_closed_stdout_is_not_a_panic() -> TestResult {
    for args in [
        &["kinds"][..],
        &["kinds", "--json"],
        &["describe", "--client", "tcp:example.com:443"],
    ] {
        let mut child = endpoint()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        // Close the read end before the child writes.
        drop(child.stdout.take());
        let output = child.wait_with_output()?;
        let stderr = stderr_of(&output);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
    Ok(())
}

/// `--help` of the commands that take descriptions lists the kinds of that side; the
/// descriptions are parsed by clap with the library's value parsers.
#[test]
fn help_lists_the_kinds_of_each_side() -> TestResult {
    let output = endpoint().args(["listen", "--help"]).output()?;
    assert!(output.status.success());
    let help = stdout_of(&output);
    assert!(help.contains("Kinds: "), "{help}");
    assert!(help.contains("tcp6"), "{help}");
    assert!(
        help.contains("Layers (LAYER+DESCRIPTION): haproxy+"),
        "{help}"
    );

    let output = endpoint().args(["connect", "--help"]).output()?;
    let help = stdout_of(&output);
    assert!(
        help.contains("Kinds: dns, exec, quic, srv, ssl, tcp, tls, unix, ws, wss"),
        "{help}"
    );

    let output = endpoint().args(["relay", "--help"]).output()?;
    let help = stdout_of(&output);
    assert_eq!(help.matches("Kinds: ").count(), 2, "{help}");
    Ok(())
}

#[test]
fn a_bad_positional_description_is_a_clap_error_with_a_caret() -> TestResult {
    let output = endpoint()
        .args(["relay", "tcp:0", "tls:example.com"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("error: invalid value for '<CLIENT>': option \"port\" of tls"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  tls:example.com\n                 ^\n"),
        "{stderr}"
    );
    assert!(stderr.contains("Usage: endpoint relay"), "{stderr}");
    Ok(())
}
