//! Secrets kept out of argv (issue 19, item 6): `passwordFile=` and `passwordEnv=` give the
//! proxy password without writing it in the description, against microsocks with
//! authentication; refused unless the program allowed secret sources.

mod support;

use endpoint_testkit::{require_tool, tcp_echo_server};
use endpoints::Registry;
use support::*;

/// The global registry with secret sources allowed, as the `endpoint` command sets it up.
fn allowing() -> Registry {
    let mut registry = Registry::global().clone();
    registry.allow_secret_sources();
    registry
}

#[tokio::test]
async fn the_password_comes_from_a_file_or_the_environment() -> TestResult {
    let Some(binary) = require_tool("microsocks") else {
        return Ok(());
    };
    let proxy = microsocks(&binary, Some(("alice", "s3cret-from-afar"))).await?;
    let target = tcp_echo_server().await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("proxy-password");
    std::fs::write(&file, "s3cret-from-afar\n")?;
    let variable = "ENDPOINTS_TEST_PROXY_PASSWORD_4711";
    std::env::set_var(variable, "s3cret-from-afar");
    let base = format!(
        "socks5+tcp:127.0.0.1:{}:proxy={}:user=alice",
        target.port(),
        proxy.description()
    );
    for source in [
        format!("passwordFile={}", file.display()),
        format!("socks5.passwordEnv={variable}"),
    ] {
        let text = format!("{base}:{source}");
        assert!(!text.contains("s3cret"), "{text}");
        let client = allowing().client(&text)?;
        let shown = client.to_string();
        assert!(shown.contains("socks5.password=***"), "{shown}");
        assert!(!format!("{shown} {client:?}").contains("s3cret"));
        // The value is the password itself: the same endpoint as written inline.
        let inline = allowing().client(&format!("{base}:password=s3cret-from-afar"))?;
        assert_eq!(client.description(), inline.description());
        let mut connection = client.connect().await?;
        round_trip(&mut connection, b"authenticated from afar").await?;
    }
    Ok(())
}

#[test]
fn secret_sources_are_refused_unless_allowed_and_errors_name_no_secret() -> TestResult {
    let base = r"socks5+tcp:127.0.0.1:1:proxy=tcp\:127.0.0.1\:1080:user=u";
    // A description from someone the program does not trust must not read its files.
    let error = Registry::global()
        .client(&format!("{base}:passwordFile=/etc/hostname"))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("which this program has not allowed"),
        "{error}"
    );
    let error = allowing()
        .client(&format!("{base}:passwordFile=/nonexistent/secret"))
        .unwrap_err();
    assert!(error.to_string().contains("could not read"), "{error}");
    assert!(allowing()
        .client(&format!(
            "{base}:passwordEnv=ENDPOINTS_TEST_UNSET_VARIABLE_4711"
        ))
        .is_err());
    // A value read from a file that a kind then refuses is not quoted in the error.
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("too-long");
    std::fs::write(&file, "x".repeat(300))?;
    let error = allowing()
        .client(&format!("{base}:passwordFile={}", file.display()))
        .unwrap_err();
    assert!(!error.to_string().contains(&"x".repeat(20)), "{error}");
    Ok(())
}
