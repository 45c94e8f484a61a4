//! `endpoint completions SHELL`, `endpoint man` and `endpoint --version`: the scripts load in
//! their shell and complete, the pages render without a warning, the version says what was
//! built.

mod support;

use std::process::Command;

use endpoint_testkit::require_tool;
use support::{endpoint, TestResult};

/// The stdout of `endpoint ARGS`, which must succeed.
fn run(args: &[&str]) -> TestResult<String> {
    let output = endpoint().args(args).output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "endpoint {args:?}: {stderr}");
    assert!(stderr.is_empty(), "endpoint {args:?} warned: {stderr}");
    Ok(String::from_utf8(output.stdout)?)
}

/// What bash's completion function offers for `words` (the cursor on the last word), with
/// the script `endpoint completions bash` prints loaded by `source`, as a user loads it.
fn bash_completes(bash: &std::path::Path, words: &[&str]) -> TestResult<Vec<String>> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        r#"source <("$ENDPOINT" completions bash) || exit 10
complete -p endpoint >/dev/null || exit 11
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
_endpoint endpoint "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let output = Command::new(bash)
        .arg("-c")
        .arg(script)
        .env("ENDPOINT", env!("CARGO_BIN_EXE_endpoint"))
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bash: {:?} {stderr}",
        output.status
    );
    assert!(stderr.is_empty(), "bash said: {stderr}");
    Ok(String::from_utf8(output.stdout)?
        .lines()
        .map(str::to_owned)
        .collect())
}

#[test]
fn the_bash_script_loads_and_completes_subcommands_and_kinds() -> TestResult {
    let Some(bash) = require_tool("bash") else {
        return Ok(());
    };
    assert_eq!(bash_completes(&bash, &["endpoint", "con"])?, ["connect"]);
    assert_eq!(
        bash_completes(&bash, &["endpoint", "completions", "z"])?,
        ["zsh"]
    );
    // Description arguments complete to the kinds linked in, on the argument's side.
    assert_eq!(
        bash_completes(&bash, &["endpoint", "connect", "soc"])?,
        ["socks5+"]
    );
    assert_eq!(
        bash_completes(&bash, &["endpoint", "listen", "hap"])?,
        ["haproxy+"]
    );
    // haproxy+ is a layer on both sides (it sends PROXY headers on the client side), and
    // tcp6 is a server kind only (the script may fall back to file names).
    assert_eq!(
        bash_completes(&bash, &["endpoint", "connect", "hap"])?,
        ["haproxy+"]
    );
    let client = bash_completes(&bash, &["endpoint", "connect", "tcp6"])?;
    assert!(!client.contains(&"tcp6".to_owned()), "{client:?}");
    Ok(())
}

#[test]
fn every_shell_gets_a_script_naming_the_command() -> TestResult {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run(&["completions", shell])?;
        assert!(script.contains("endpoint"), "{shell}: {script}");
        assert!(script.contains("connect"), "{shell}: {script}");
        // Where the shell is installed, the script must at least parse in it.
        let check = match shell {
            "zsh" => Some("-n"),
            "fish" => Some("--no-execute"),
            _ => None,
        };
        if let (Some(flag), Some(path)) = (check, find(shell)) {
            let dir = tempfile::tempdir()?;
            let file = dir.path().join("script");
            std::fs::write(&file, &script)?;
            let output = Command::new(path).arg(flag).arg(&file).output()?;
            assert!(
                output.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let refused = endpoint().args(["completions", "tcsh"]).output()?;
    assert_eq!(refused.status.code(), Some(2));
    Ok(())
}

/// `name` on PATH, without requiring it (zsh and fish are optional checks).
fn find(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Renders roff `page` with groff, every warning on (`-ww`), and returns the text.
fn render(groff: &std::path::Path, page: &str) -> TestResult<String> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("endpoint.1");
    std::fs::write(&file, page)?;
    let output = Command::new(groff)
        .args(["-man", "-Tutf8", "-ww", "-rLL=100n"])
        .arg(&file)
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "groff: {stderr}");
    assert!(stderr.is_empty(), "groff warned: {stderr}");
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_man_pages_render_without_warnings() -> TestResult {
    let Some(groff) = require_tool("groff") else {
        return Ok(());
    };
    let page = run(&["man"])?;
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "not roff: {page}");
    let text = render(&groff, &page)?;
    assert!(text.contains("endpoint-connect(1)"), "{text}");
    // Each page the main one refers to exists.
    for sub in [
        "describe",
        "kinds",
        "listen",
        "connect",
        "relay",
        "tls",
        "completions",
        "man",
    ] {
        let text = render(&groff, &run(&["man", sub])?)?;
        assert!(text.contains(&format!("endpoint-{sub}")), "{sub}: {text}");
    }
    let unknown = endpoint().args(["man", "nope"]).output()?;
    assert_eq!(unknown.status.code(), Some(2));
    Ok(())
}

#[test]
fn man_reads_the_page() -> TestResult {
    let Some(man) = require_tool("man") else {
        return Ok(());
    };
    let page = run(&["man"])?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("endpoint.1");
    std::fs::write(&file, page)?;
    let output = Command::new(man)
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "man: {stderr}");
    assert!(stderr.is_empty(), "man warned: {stderr}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("SUBCOMMANDS"), "{text}");
    Ok(())
}

#[test]
fn the_version_says_what_was_built() -> TestResult {
    let long = run(&["--version"])?;
    let mut lines = long.lines();
    assert_eq!(
        lines.next(),
        Some(concat!("endpoint ", env!("CARGO_PKG_VERSION")))
    );
    let rest: Vec<&str> = lines.collect();
    let line = |prefix: &str| {
        rest.iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in {long}"))
            .split(", ")
            .collect::<Vec<_>>()
    };
    // The CLI's Cargo.toml turns on exec, quic and dns beside the facade's defaults.
    let features = line("features: ");
    for feature in [
        "tcp", "unix", "tls", "ws", "haproxy", "proxy", "exec", "quic", "dns",
    ] {
        assert!(features.contains(&feature), "{long}");
    }
    assert!(line("kinds: ").contains(&"exec"), "{long}");
    assert!(line("kinds: ").contains(&"quic"), "{long}");
    assert!(line("kinds: ").contains(&"srv"), "{long}");
    assert!(line("layers: ").contains(&"socks5+"), "{long}");
    assert!(line("URL forms: ").contains(&"ws://"), "{long}");
    // -V stays one line.
    assert_eq!(
        run(&["-V"])?,
        concat!("endpoint ", env!("CARGO_PKG_VERSION"), "\n")
    );
    Ok(())
}
