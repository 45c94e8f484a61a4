//! Descriptions in configuration files: strings in, endpoints out, and a bad string fails at
//! load time with the parse error.
#![cfg(feature = "serde")]

use endpoint_testkit::TestResult;
use endpoints::{ClientDescription, ServerDescription};

#[derive(Debug, serde::Deserialize, serde::Serialize)]
struct Config {
    listen: ServerDescription,
    upstream: ClientDescription,
}

#[test]
fn a_config_file_holds_descriptions() -> TestResult {
    let config: Config =
        serde_json::from_str(r#"{"listen": "tcp:8080", "upstream": "unix:/run/app.sock"}"#)?;
    assert_eq!(config.listen.to_string(), "tcp:8080:interface=:backlog=50");
    assert_eq!(
        config.upstream.to_string(),
        "unix:/run/app.sock:timeout=30:lockfile=0"
    );
    // Written back, each is its canonical description.
    let written = serde_json::to_string(&config)?;
    assert_eq!(
        written,
        r#"{"listen":"tcp:8080:interface=:backlog=50","upstream":"unix:/run/app.sock:timeout=30:lockfile=0"}"#
    );
    Ok(())
}

#[test]
fn a_bad_description_fails_at_load_time() {
    let error = serde_json::from_str::<Config>(r#"{"listen": "tpc:8080", "upstream": "tcp:h:1"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("unknown server endpoint kind \"tpc\""),
        "{error}"
    );
    assert!(error.contains("did you mean \"tcp\""), "{error}");
}

#[test]
fn descriptions_are_typed_command_line_arguments_too() -> TestResult {
    // FromStr is what clap's value parser uses.
    let listen: ServerDescription = "tcp6:0:interface=\\:\\:1".parse()?;
    assert_eq!(listen.to_string(), "tcp6:0:backlog=50:interface=\\:\\:1");
    Ok(())
}
