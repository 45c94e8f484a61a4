//! What goes wrong, and how it is reported.

use std::error::Error as _;
use std::io::ErrorKind;
use std::time::Duration;

use endpoint_core::{ClientEndpoint, Error, Registry};
use endpoint_testkit::TestResult;
use endpoint_unix::UnixClientEndpoint;

use endpoint_unix as _;

#[tokio::test]
async fn connecting_to_a_missing_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nobody.sock");
    let client = UnixClientEndpoint::new(&path);
    let err = client.connect().await.expect_err("nothing there");
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err}");
    let Error::Io {
        action, endpoint, ..
    } = &err
    else {
        panic!("expected an io error: {err:?}")
    };
    assert_eq!(*action, "connect to");
    assert_eq!(endpoint, &client.to_string());
    assert!(err.source().is_some());
    Ok(())
}

#[tokio::test]
async fn connecting_to_a_socket_nobody_listens_on() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&path)?);
    let err = UnixClientEndpoint::new(&path)
        .connect()
        .await
        .expect_err("refused");
    assert_eq!(err.io_kind(), Some(ErrorKind::ConnectionRefused), "{err}");
    Ok(())
}

#[tokio::test]
async fn a_missing_abstract_name_is_refused() -> TestResult {
    let name = format!("@endpoint-unix-test-{}-nobody", std::process::id());
    let err = UnixClientEndpoint::new(&name)
        .connect()
        .await
        .expect_err("refused");
    assert_eq!(err.io_kind(), Some(ErrorKind::ConnectionRefused), "{err}");
    Ok(())
}

#[tokio::test]
async fn zero_timeout_fails_at_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("zero.sock");
    let _listener =
        endpoint_core::ServerEndpoint::bind(&endpoint_unix::UnixServerEndpoint::new(&path)).await?;
    let client = UnixClientEndpoint::new(&path).timeout(Duration::ZERO);
    let err = client
        .connect()
        .await
        .expect_err("zero means fail, as in Twisted");
    assert!(err.is_timeout(), "{err}");
    assert_eq!(
        err.to_string(),
        format!("timed out after 0s trying to connect to \"{client}\"")
    );
    Ok(())
}

#[tokio::test]
async fn permission_denied() -> TestResult {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // root ignores file permissions; nothing to check.
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let closed = dir.path().join("closed");
    std::fs::create_dir(&closed)?;
    std::fs::set_permissions(&closed, std::os::unix::fs::PermissionsExt::from_mode(0o500))?;
    let server = endpoint_unix::UnixServerEndpoint::new(closed.join("x.sock")).lockfile(false);
    let err = endpoint_core::ServerEndpoint::bind(&server)
        .await
        .expect_err("read-only directory");
    assert_eq!(err.io_kind(), Some(ErrorKind::PermissionDenied), "{err}");
    Ok(())
}

fn option_error(
    result: endpoint_core::Result<impl std::fmt::Debug>,
) -> (String, String, Vec<String>) {
    match result {
        Err(Error::Option {
            option,
            reason,
            accepted,
            ..
        }) => (option, reason, accepted),
        other => panic!("expected an option error, got {other:?}"),
    }
}

#[test]
fn server_parse_errors() {
    let registry = Registry::global();
    let (option, reason, accepted) = option_error(registry.server("unix"));
    assert_eq!(option, "address");
    assert!(reason.contains("required"), "{reason}");
    assert_eq!(
        accepted,
        ["address", "mode", "backlog", "lockfile", "owner", "group"]
    );

    let (option, reason, _) = option_error(registry.server("unix:/x:mode=999"));
    assert_eq!(option, "mode");
    assert!(reason.contains("octal"), "{reason}");

    let (option, _, accepted) = option_error(registry.server("unix:/x:timeout=5"));
    assert_eq!(option, "timeout");
    assert_eq!(
        accepted,
        ["address", "mode", "backlog", "lockfile", "owner", "group"]
    );
    let message = registry
        .server("unix:/x:timeout=5")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("address, mode, backlog, lockfile"),
        "{message}"
    );

    assert_eq!(
        option_error(registry.server("unix:/x:wantPID=1")).0,
        "wantPID"
    );
    assert_eq!(
        option_error(registry.server("unix:/x:lockfile=true")).0,
        "lockfile"
    );
    assert_eq!(
        option_error(registry.server("unix:/x:backlog=lots")).0,
        "backlog"
    );
    assert_eq!(option_error(registry.server("unix:/x:1:2:3:4")).0, "4");
    let (option, reason, _) = option_error(registry.server("unix:/x:address=/y"));
    assert_eq!(option, "address");
    assert!(reason.contains("twice"), "{reason}");
}

#[test]
fn client_parse_errors() {
    let registry = Registry::global();
    let (option, _, accepted) = option_error(registry.client("unix"));
    assert_eq!(option, "path");
    assert_eq!(accepted, ["path", "timeout", "lockfile", "checkPID"]);
    // Two positionals are ignored, as in Twisted, so the path is missing.
    assert_eq!(option_error(registry.client("unix:/a:/b")).0, "path");
    assert_eq!(option_error(registry.client("unix:/a:mode=660")).0, "mode");
    assert_eq!(
        option_error(registry.client("unix:/a:timeout=-1")).0,
        "timeout"
    );
    assert_eq!(
        option_error(registry.client("unix:/a:checkPID=yes")).0,
        "checkPID"
    );
}

#[test]
fn kinds_are_registered_with_their_options() {
    let registry = Registry::global();
    let server = registry
        .find("unix", endpoint_core::Side::Server, false)
        .expect("unix server");
    let client = registry
        .find("unix", endpoint_core::Side::Client, false)
        .expect("unix client");
    assert_eq!(server.option("mode").and_then(|o| o.default), None);
    assert_eq!(server.option("lockfile").and_then(|o| o.default), Some("1"));
    assert_eq!(client.option("lockfile").and_then(|o| o.default), Some("0"));
    assert_eq!(client.option("timeout").and_then(|o| o.default), Some("30"));
    assert_eq!(server.usage(), "unix:ADDRESS");
    assert_eq!(client.usage(), "unix:PATH");
}
