//! `endpoint describe` of the proxy layers: the proxy is a nested object, credentials are
//! `***` unless `--show-secrets` is given.

mod support;

use serde_json::{json, Value};
use support::{endpoint, TestResult};

const TEXT: &str =
    r"tls+socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=alice:password=hunter2";

#[test]
fn describe_json_nests_the_proxy_and_masks_credentials() -> TestResult {
    let output = endpoint()
        .args(["describe", "--client", "--json", TEXT])
        .output()?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout)?;
    assert!(
        !text.contains("hunter2") && !text.contains("alice"),
        "{text}"
    );
    let described: Value = serde_json::from_str(&text)?;
    assert_eq!(described["kind"], "tcp");
    assert_eq!(described["host"], "example.com");
    let layers = described["layers"].as_array().ok_or("no layers")?;
    let socks5 = layers
        .iter()
        .find(|l| l["kind"] == "socks5")
        .ok_or("no socks5 layer")?;
    assert_eq!(socks5["user"], "***");
    assert_eq!(socks5["password"], "***");
    assert_eq!(socks5["resolve"], "remote");
    assert_eq!(socks5["handshakeTimeout"], 10);
    assert_eq!(socks5["proxy"]["kind"], "tcp");
    assert_eq!(socks5["proxy"]["host"], "127.0.0.1");
    assert_eq!(socks5["proxy"]["port"], 1080);
    let tls = layers
        .iter()
        .find(|l| l["kind"] == "tls")
        .ok_or("no tls layer")?;
    assert_eq!(tls["hostname"], json!("example.com"));

    let shown = endpoint()
        .args(["describe", "--client", "--json", "--show-secrets", TEXT])
        .output()?;
    assert!(String::from_utf8(shown.stdout)?.contains("hunter2"));
    Ok(())
}

#[test]
fn kinds_lists_the_proxy_layers() -> TestResult {
    let output = endpoint().args(["kinds"]).output()?;
    let text = String::from_utf8(output.stdout)?;
    assert!(
        text.contains("socks5") && text.contains("httpconnect"),
        "{text}"
    );
    Ok(())
}

/// A password given as `passwordFile=` or `passwordEnv=` never stands in argv (`ps` shows
/// argv to every local user), is masked in output, and is whole with `--show-secrets`.
#[test]
fn secrets_come_from_a_file_or_the_environment_not_argv() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("password");
    std::fs::write(&file, "hunter2-from-file\n")?;
    let base = r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=alice";
    for (source, secret) in [
        (
            format!("passwordFile={}", file.display()),
            "hunter2-from-file",
        ),
        (
            "passwordEnv=ENDPOINT_TEST_PASSWORD".to_owned(),
            "hunter2-from-env",
        ),
    ] {
        let text = format!("{base}:{source}");
        let run = |extra: &[&str]| {
            endpoint()
                .args(["describe", "--client"])
                .args(extra)
                .arg(&text)
                .env("ENDPOINT_TEST_PASSWORD", "hunter2-from-env")
                .output()
        };
        let masked = run(&[])?;
        assert!(
            masked.status.success(),
            "{}",
            String::from_utf8_lossy(&masked.stderr)
        );
        let masked = String::from_utf8(masked.stdout)?;
        assert!(masked.contains("socks5.password=***"), "{masked}");
        assert!(!masked.contains(secret), "{masked}");
        let whole = String::from_utf8(run(&["--show-secrets"])?.stdout)?;
        assert!(
            whole.contains(&format!("socks5.password={secret}")),
            "{whole}"
        );
    }
    let kinds = String::from_utf8(endpoint().args(["kinds", "socks5"]).output()?.stdout)?;
    assert!(kinds.contains("passwordFile=PATH"), "{kinds}");
    Ok(())
}

/// The note `describe` prints when neither side takes a description quotes it masked.
#[test]
fn the_other_side_note_does_not_quote_a_secret() -> TestResult {
    let output = endpoint()
        .args(["describe", r"tpc:h:1:password=hunter2-in-a-note"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr)?;
    assert!(stderr.contains("either"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    Ok(())
}
