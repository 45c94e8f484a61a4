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
