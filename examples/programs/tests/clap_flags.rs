//! The `clap_flags` example runs on its own (listens on `tcp:0`, echoes once to itself) and
//! refuses a bad `--listen` while reading its arguments.

use std::process::Command;

fn clap_flags(args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new(env!("CARGO_BIN_EXE_clap_flags"))
        .args(args)
        .output()
}

#[test]
fn with_no_arguments_it_echoes_once_and_exits() -> std::io::Result<()> {
    let output = clap_flags(&[])?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with("listening on 127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains(" echoed \"hello through a flag\"\n"),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn a_unix_listener_is_reached_by_its_path() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("echo.sock");
    let listen = format!("unix:{}", endpoints::quote(&path.to_string_lossy()));
    let output = clap_flags(&["--listen", &listen, "--timeout", "10s"])?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("echoed \"hello through a flag\""),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn a_bad_listen_flag_is_refused_with_a_caret() -> std::io::Result<()> {
    let output = clap_flags(&["--listen", "tpc:80"])?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "invalid value for '--listen <DESCRIPTION>': unknown server endpoint kind \"tpc\""
        ),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean \"tcp\"?"), "{stderr}");
    assert!(stderr.contains("\n  tpc:80\n  ^\n"), "{stderr}");
    Ok(())
}

#[test]
fn help_lists_the_kinds() -> std::io::Result<()> {
    let output = clap_flags(&["--help"])?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Kinds: "), "{stdout}");
    assert!(stdout.contains("tcp6"), "{stdout}");
    Ok(())
}
