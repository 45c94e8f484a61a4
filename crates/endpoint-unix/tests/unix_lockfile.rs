//! PID lock files: Twisted's format and rules, without Twisted's leak.

use std::error::Error;
use std::io::ErrorKind;
use std::os::unix::fs::{symlink, FileTypeExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use endpoint_core::{ClientEndpoint, ServerEndpoint};
use endpoint_testkit::TestResult;
use endpoint_unix::{UnixClientEndpoint, UnixServerEndpoint};

const LIMIT: Duration = Duration::from_secs(10);

fn lock_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    name.into()
}

/// The pid of a process that has exited and been reaped.
fn dead_pid() -> TestResult<u32> {
    let mut child = std::process::Command::new("true").spawn()?;
    let pid = child.id();
    child.wait()?;
    Ok(pid)
}

/// Leaves a socket file behind, as a server that crashed would.
fn leftover_socket(path: &Path) -> TestResult {
    drop(std::os::unix::net::UnixListener::bind(path)?);
    assert!(std::fs::symlink_metadata(path)?.file_type().is_socket());
    Ok(())
}

#[tokio::test]
async fn the_lock_names_our_pid() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("a.sock");
    let _listener = UnixServerEndpoint::new(&path).bind().await?;
    let target = std::fs::read_link(lock_of(&path))?;
    assert_eq!(target, Path::new(&std::process::id().to_string()));
    Ok(())
}

#[tokio::test]
async fn a_second_listen_fails_while_the_first_runs() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("b.sock");
    let server = UnixServerEndpoint::new(&path);
    let first = server.bind().await?;

    let err = server.bind().await.expect_err("the path is locked");
    assert_eq!(err.io_kind(), Some(ErrorKind::AddrInUse));
    let reason = err.source().map(ToString::to_string).unwrap_or_default();
    assert!(reason.contains(&std::process::id().to_string()), "{reason}");
    assert!(reason.contains("b.sock.lock"), "{reason}");
    assert!(reason.contains("live process"), "{reason}");
    assert!(
        err.to_string().starts_with("could not listen on \"unix:"),
        "{err}"
    );

    // The failed attempt touched nothing of the first.
    assert!(path.exists());
    let target = std::fs::read_link(lock_of(&path))?;
    assert_eq!(target, Path::new(&std::process::id().to_string()));
    drop(first);
    Ok(())
}

#[tokio::test]
async fn a_stale_lock_and_socket_are_taken_over() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("c.sock");
    leftover_socket(&path)?;
    symlink(dead_pid()?.to_string(), lock_of(&path))?;

    let mut listener = UnixServerEndpoint::new(&path).bind().await?;
    let target = std::fs::read_link(lock_of(&path))?;
    assert_eq!(target, Path::new(&std::process::id().to_string()));
    let client = UnixClientEndpoint::new(&path).lockfile(true);
    tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    Ok(())
}

#[tokio::test]
async fn without_a_lock_a_leftover_socket_is_kept() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("d.sock");
    leftover_socket(&path)?;
    for lockfile in [true, false] {
        let err = UnixServerEndpoint::new(&path)
            .lockfile(lockfile)
            .bind()
            .await
            .expect_err("in use");
        assert_eq!(
            err.io_kind(),
            Some(ErrorKind::AddrInUse),
            "lockfile={lockfile}: {err}"
        );
        assert!(std::fs::symlink_metadata(&path)?.file_type().is_socket());
        // The lock taken for the attempt is released when bind fails.
        assert!(
            lock_of(&path).symlink_metadata().is_err(),
            "lock leaked (lockfile={lockfile})"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_regular_file_is_never_deleted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("e.sock");
    std::fs::write(&path, "precious")?;

    // No lock: bind fails, the file stays, and the lock taken for the attempt is released.
    let err = UnixServerEndpoint::new(&path)
        .bind()
        .await
        .expect_err("a file is there");
    assert_eq!(err.io_kind(), Some(ErrorKind::AddrInUse), "{err}");
    assert_eq!(std::fs::read_to_string(&path)?, "precious");
    assert!(
        lock_of(&path).symlink_metadata().is_err(),
        "lock leaked after a failed bind"
    );

    // Even with a stale lock, a regular file is not a socket and is not removed.
    symlink(dead_pid()?.to_string(), lock_of(&path))?;
    let err = UnixServerEndpoint::new(&path)
        .bind()
        .await
        .expect_err("a file is there");
    assert_eq!(err.io_kind(), Some(ErrorKind::AddrInUse), "{err}");
    assert_eq!(std::fs::read_to_string(&path)?, "precious");
    assert!(
        lock_of(&path).symlink_metadata().is_err(),
        "lock leaked after a failed bind"
    );
    Ok(())
}

#[tokio::test]
async fn without_lockfile_no_lock_is_made() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f.sock");
    let _listener = UnixServerEndpoint::new(&path)
        .lockfile(false)
        .bind()
        .await?;
    assert!(lock_of(&path).symlink_metadata().is_err());
    Ok(())
}

#[tokio::test]
async fn a_missing_directory_takes_no_lock() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("missing").join("g.sock");
    let err = UnixServerEndpoint::new(&path)
        .bind()
        .await
        .expect_err("no directory");
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err}");
    Ok(())
}

#[tokio::test]
async fn client_lock_check() -> TestResult {
    let dir = tempfile::tempdir()?;

    // A server without a lock: a checking client refuses to connect, a plain one connects.
    let unlocked = dir.path().join("h.sock");
    let mut listener = UnixServerEndpoint::new(&unlocked)
        .lockfile(false)
        .bind()
        .await?;
    let err = UnixClientEndpoint::new(&unlocked)
        .lockfile(true)
        .connect()
        .await
        .expect_err("no lock");
    assert_eq!(err.io_kind(), Some(ErrorKind::NotFound), "{err}");
    let reason = err.source().map(ToString::to_string).unwrap_or_default();
    assert!(
        reason.contains("h.sock.lock") && reason.contains("missing"),
        "{reason}"
    );
    let plain = UnixClientEndpoint::new(&unlocked);
    tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), plain.connect())
    })
    .await??;

    // A stale lock is refused too.
    symlink(dead_pid()?.to_string(), lock_of(&unlocked))?;
    let text = endpoint_core::description::quote(&unlocked.to_string_lossy());
    let err = format!("unix:{text}:checkPID=1")
        .parse::<UnixClientEndpoint>()?
        .connect()
        .await
        .expect_err("stale lock");
    assert_eq!(err.io_kind(), Some(ErrorKind::ConnectionRefused), "{err}");

    // A server holding its lock: the check passes.
    let locked = dir.path().join("i.sock");
    let mut listener = UnixServerEndpoint::new(&locked).bind().await?;
    let checking = UnixClientEndpoint::new(&locked).lockfile(true);
    tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), checking.connect())
    })
    .await??;
    Ok(())
}
