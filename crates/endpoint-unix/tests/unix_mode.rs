//! A `mode=` is applied exactly, whatever the umask; without one the socket file gets what
//! the umask gives (as `bind(2)` does), not Twisted's world-connectable 666.

use std::os::unix::fs::PermissionsExt;

use endpoint_core::{Registry, ServerEndpoint};
use endpoint_testkit::TestResult;
use endpoint_unix::UnixServerEndpoint;

use endpoint_unix as _;

fn restrictive_umask() {
    // SAFETY: umask only swaps the process's file-creation mask. This test binary sets it
    // once, to the same value, from every test.
    unsafe { libc::umask(0o077) };
}

fn mode_of(path: &std::path::Path) -> TestResult<u32> {
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o7777)
}

#[tokio::test]
async fn mode_600_and_660_exactly() -> TestResult {
    restrictive_umask();
    let dir = tempfile::tempdir()?;
    for (mode, expected) in [("600", 0o600), ("660", 0o660), ("0666", 0o666)] {
        let path = dir.path().join(format!("m{mode}.sock"));
        let text = endpoint_core::description::quote(&path.to_string_lossy());
        let server = Registry::global().server(&format!("unix:{text}:mode={mode}"))?;
        let _listener = server.bind().await?;
        assert_eq!(mode_of(&path)?, expected, "mode={mode}");
    }
    Ok(())
}

#[tokio::test]
async fn without_mode_the_umask_decides() -> TestResult {
    restrictive_umask();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("default.sock");
    let _listener = UnixServerEndpoint::new(&path).bind().await?;
    // 0o777 minus the umask's 0o077: only the owner may connect.
    assert_eq!(mode_of(&path)?, 0o700);
    let described = dir.path().join("described.sock");
    let text = format!(
        "unix:{}",
        endpoint_core::description::quote(&described.to_string_lossy())
    );
    let _listener = Registry::global().server(&text)?.bind().await?;
    assert_eq!(mode_of(&described)?, 0o700);
    Ok(())
}

#[tokio::test]
async fn builder_mode() -> TestResult {
    restrictive_umask();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("built.sock");
    let _listener = UnixServerEndpoint::new(&path).mode(0o640).bind().await?;
    assert_eq!(mode_of(&path)?, 0o640);
    Ok(())
}
