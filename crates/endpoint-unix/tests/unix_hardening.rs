//! What an attacker tried and got (issue 19), for the `unix` kind: a symlink swapped in after
//! `bind` must not redirect `mode=`/`owner=`/`group=`; abstract names refuse options that
//! cannot apply to them; a planted stale lock must not let a second server delete a live
//! server's socket.

use std::error::Error as _;
use std::io::ErrorKind;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::quote;
use endpoint_core::{ClientEndpoint, Connection, Error, Registry, ServerEndpoint};
use endpoint_unix::{Principal, UnixClientEndpoint, UnixServerEndpoint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const LIMIT: Duration = Duration::from_secs(10);

/// How many binds the symlink racer gets to attack.
const BINDS: usize = 300;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn lock_of(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    name.into()
}

/// The pid of a process that has exited and been reaped.
fn dead_pid() -> Result<u32> {
    let mut child = std::process::Command::new("true").spawn()?;
    let pid = child.id();
    child.wait()?;
    Ok(pid)
}

/// Stops and joins the racer thread however the test ends.
struct Racer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl Racer {
    /// Watches `path` and, the moment a socket file appears there, renames a symbolic link
    /// to `target` over it (one atomic step, as fast as an attacker can be).
    fn start(path: &Path, target: &Path) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (path, target, flag) = (path.to_owned(), target.to_owned(), stop.clone());
        let spare = path.with_extension("spare");
        let thread = std::thread::spawn(move || {
            let mut swaps = 0;
            while !flag.load(Ordering::Relaxed) {
                if std::fs::symlink_metadata(&spare).is_err() && symlink(&target, &spare).is_err() {
                    continue;
                }
                let is_socket = std::fs::symlink_metadata(&path)
                    .map(|m| m.file_type().is_socket())
                    .unwrap_or(false);
                if is_socket && std::fs::rename(&spare, &path).is_ok() {
                    swaps += 1;
                }
            }
            swaps
        });
        Racer {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Racer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Item 1: a local user who can write the socket's directory swaps a symbolic link to a
/// mode-600 file in between `bind` and `chmod`/`chown`. The file must never change: not its
/// mode (`mode=666`), and, when the test runs as root, not its owner or group
/// (`owner=`/`group=` naming another user, `nobody`'s ids).
#[tokio::test]
async fn a_symlink_swapped_in_after_bind_is_never_chmodded_or_chowned() -> Result {
    let dir = tempfile::tempdir()?;
    let target = dir.path().join("precious");
    std::fs::write(&target, "root's secret")?;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))?;
    let before = std::fs::metadata(&target)?;
    let path = dir.path().join("raced.sock");

    let mut text = format!(
        "unix:{}:mode=666:lockfile=0",
        quote(&path.to_string_lossy())
    );
    if is_root() {
        // Another user and group than the file's (root's), by number so the test does not
        // depend on the names the system gives them.
        text.push_str(":owner=65534:group=65534");
    }
    let server = Registry::global().server(&text)?;

    let racer = Racer::start(&path, &target);
    let mut bound = 0;
    for attempt in 0..BINDS {
        // The racer's link from the last round would make this bind fail: clear it.
        let _ = std::fs::remove_file(&path);
        if let Ok(listener) = server.bind().await {
            bound += 1;
            drop(listener);
        }
        let now = std::fs::metadata(&target)?;
        assert_eq!(
            (now.mode() & 0o7777, now.uid(), now.gid()),
            (before.mode() & 0o7777, before.uid(), before.gid()),
            "the link's target changed at attempt {attempt} ({bound} binds so far)"
        );
    }
    let swaps = racer.finish();
    assert!(swaps > 0, "the racer never swapped a link in");
    assert_eq!(std::fs::read_to_string(&target)?, "root's secret");
    Ok(())
}

/// Item 1, the plain case still works: with `mode=` (and `owner=`/`group=` as ourselves) the
/// socket file lands at the path with exactly that mode and owner, nothing is left beside
/// it, and it goes on stop.
#[tokio::test]
async fn mode_and_owner_land_on_the_socket_and_nothing_is_left_beside_it() -> Result {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("placed.sock");
    // SAFETY: geteuid and getegid have no preconditions and cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let server = UnixServerEndpoint::new(&path)
        .mode(0o640)
        .owner(Principal::Id(uid))
        .group(Principal::Id(gid));
    let mut listener = server.bind().await?;
    let meta = std::fs::symlink_metadata(&path)?;
    assert_eq!(
        (meta.mode() & 0o7777, meta.uid(), meta.gid()),
        (0o640, uid, gid)
    );
    assert_eq!(
        listener.local_address(),
        &endpoint_core::Address::Unix(endpoint_core::UnixAddress::Path(path.clone()))
    );
    let mut names: Vec<_> = std::fs::read_dir(dir.path())?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    assert_eq!(names, ["placed.sock", "placed.sock.lock"]);

    let client = UnixClientEndpoint::new(&path);
    let (mut accepted, mut connected) = tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    connected.write_all(b"x").await?;
    let mut byte = [0; 1];
    accepted.read_exact(&mut byte).await?;
    assert_eq!(&byte, b"x");

    drop(listener);
    assert!(
        std::fs::symlink_metadata(&path).is_err(),
        "socket file left"
    );
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 0, "something left");
    Ok(())
}

/// Item 2: an abstract name has no file, so `mode=`, `owner=` and `group=` would apply
/// nothing; they are refused as option errors naming the option.
#[test]
fn abstract_names_refuse_mode_owner_and_group() {
    for (text, option) in [
        ("unix:@app:mode=600", "mode"),
        ("unix:@app:660", "mode"),
        ("unix:\0app:mode=600", "mode"),
        ("unix:@app:owner=root", "owner"),
        ("unix:@app:group=0", "group"),
    ] {
        match Registry::global().server(text) {
            Err(Error::Option {
                option: o, reason, ..
            }) => {
                assert_eq!(o, option, "{text:?}");
                assert!(
                    reason.contains("abstract") && reason.contains("no file permissions"),
                    "{text:?}: {reason}"
                );
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    // A file whose name starts with @ is a file: it takes them.
    assert!(Registry::global().server("unix:./@app:mode=600").is_ok());
}

/// Item 2, built in a program: the endpoint cannot refuse at construction, so `bind` does,
/// and nothing listens.
#[tokio::test]
async fn a_built_abstract_endpoint_with_a_mode_does_not_bind() -> Result {
    let name = format!("@endpoint-unix-test-{}-moded", std::process::id());
    for server in [
        UnixServerEndpoint::new(&name).mode(0o600),
        UnixServerEndpoint::new(&name).owner(Principal::Id(0)),
        UnixServerEndpoint::new(&name).group(Principal::Id(0)),
    ] {
        let error = server.bind().await.err().ok_or("bound")?;
        assert_eq!(error.io_kind(), Some(ErrorKind::InvalidInput), "{error}");
        let reason = error.source().map(ToString::to_string).unwrap_or_default();
        assert!(reason.contains("no file permissions"), "{reason}");
    }
    let refused = UnixClientEndpoint::new(&name).connect().await;
    assert!(refused.is_err(), "something listens on {name}");
    Ok(())
}

async fn echo_handler(mut connection: Connection) {
    let mut buf = [0; 64];
    while let Ok(n @ 1..) = connection.read(&mut buf).await {
        if connection.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Item 3: a live server whose lock file was replaced by one naming a dead process (planted,
/// or written from another PID namespace on a shared volume). A second server on the same
/// path must not take the live socket for a stale one: it fails with "address in use"
/// naming the path, and the first server's socket stays and still accepts connections.
#[tokio::test]
async fn a_live_server_behind_a_stale_lock_keeps_its_socket() -> Result {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("live.sock");
    let server = UnixServerEndpoint::new(&path);
    let port = server.bind().await?.listen(echo_handler);
    let identity = std::fs::symlink_metadata(&path)?;

    std::fs::remove_file(lock_of(&path))?;
    symlink(dead_pid()?.to_string(), lock_of(&path))?;

    let error = server.bind().await.err().ok_or("a second server bound")?;
    assert_eq!(error.io_kind(), Some(ErrorKind::AddrInUse), "{error}");
    let reason = error.source().map(ToString::to_string).unwrap_or_default();
    assert!(reason.contains(&*path.to_string_lossy()), "{reason}");

    let now = std::fs::symlink_metadata(&path)?;
    assert_eq!((now.dev(), now.ino()), (identity.dev(), identity.ino()));
    let mut connection =
        tokio::time::timeout(LIMIT, UnixClientEndpoint::new(&path).connect()).await??;
    connection.write_all(b"still here").await?;
    let mut back = [0; 10];
    tokio::time::timeout(LIMIT, connection.read_exact(&mut back)).await??;
    assert_eq!(&back, b"still here");
    tokio::time::timeout(LIMIT, port.stop_listening()).await?;
    Ok(())
}

/// Item 1, the edges of binding in a private directory: something already at the path fails
/// the bind with "address in use" (it is never replaced), and nothing is left beside it.
#[tokio::test]
async fn with_a_mode_an_occupied_path_is_never_replaced() -> Result {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("taken.sock");
    std::fs::write(&path, "precious")?;
    for lockfile in [false, true] {
        let error = UnixServerEndpoint::new(&path)
            .mode(0o600)
            .lockfile(lockfile)
            .bind()
            .await
            .err()
            .ok_or("bound over a regular file")?;
        assert_eq!(error.io_kind(), Some(ErrorKind::AddrInUse), "{error}");
        assert_eq!(std::fs::read_to_string(&path)?, "precious");
        let names: Vec<_> = std::fs::read_dir(dir.path())?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()?;
        assert_eq!(names, ["taken.sock"], "lockfile={lockfile}");
    }
    Ok(())
}

/// Item 1: a path that just fits a socket address still binds with a mode, though the
/// private directory's path would be too long (Linux reaches it through our descriptor).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn with_a_mode_a_path_near_the_length_limit_binds() -> Result {
    let dir = tempfile::tempdir()?;
    // sun_path holds 107 bytes and a NUL; leave room for "/a.sock" only.
    let room = 107 - "/a.sock".len() - dir.path().as_os_str().len() - 1;
    let deep = dir.path().join("d".repeat(room));
    std::fs::create_dir(&deep)?;
    let path = deep.join("a.sock");
    assert_eq!(path.as_os_str().len(), 107);
    let mut listener = UnixServerEndpoint::new(&path).mode(0o600).bind().await?;
    let meta = std::fs::symlink_metadata(&path)?;
    assert_eq!(meta.mode() & 0o7777, 0o600);
    let client = UnixClientEndpoint::new(&path);
    tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    drop(listener);
    assert_eq!(std::fs::read_dir(&deep)?.count(), 0, "something left");
    Ok(())
}
