//! Socket activation with real inherited descriptors: the test binds a TCP and a unix
//! listener, passes them to an `endpoint` child as descriptors 3 and 4 with `LISTEN_FDS`,
//! `LISTEN_FDNAMES` and `LISTEN_PID` set as systemd sets them, and talks to the child through
//! them.

mod support;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::process::Output;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use support::{start_command, TestResult, LIMIT};

/// A TCP and a unix listener, duplicated to descriptors >= 100 so that placing them at 3
/// and 4 in the child cannot overwrite one with the other.
struct Passed {
    tcp: std::net::TcpListener,
    _unix: UnixListener,
    unix_path: std::path::PathBuf,
    high: [OwnedFd; 2],
    _dir: tempfile::TempDir,
}

fn high_dup(fd: RawFd) -> TestResult<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor (or -1) that we then own.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 100) };
    if new < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    // SAFETY: `new` is a fresh descriptor owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn passed() -> TestResult<Passed> {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0")?;
    let dir = tempfile::tempdir()?;
    let unix_path = dir.path().join("admin.sock");
    let unix = UnixListener::bind(&unix_path)?;
    let high = [high_dup(tcp.as_raw_fd())?, high_dup(unix.as_raw_fd())?];
    Ok(Passed {
        tcp,
        _unix: unix,
        unix_path,
        high,
        _dir: dir,
    })
}

/// How `LISTEN_PID` is set in the child.
enum Pid {
    /// The child's own pid, as systemd does (through `sh -c 'LISTEN_PID=$$ exec ...'`).
    Own,
    /// A fixed value.
    Fixed(&'static str),
}

/// `endpoint ARGS` with the two listeners at descriptors 3 and 4 and systemd's variables.
fn activated(passed: &Passed, pid: Pid, args: &[&str]) -> Command {
    let binary = env!("CARGO_BIN_EXE_endpoint");
    let mut command = match pid {
        Pid::Own => {
            let mut c = Command::new("/bin/sh");
            // `exec` keeps the shell's pid, so $$ is the endpoint process's pid.
            c.args(["-c", r#"LISTEN_PID=$$ exec "$0" "$@""#, binary]);
            c.env_remove("LISTEN_PID");
            c
        }
        Pid::Fixed(value) => {
            let mut c = Command::new(binary);
            c.env("LISTEN_PID", value);
            c
        }
    };
    command
        .args(args)
        .env("LISTEN_FDS", "2")
        .env("LISTEN_FDNAMES", "web:admin");
    let sources = [passed.high[0].as_raw_fd(), passed.high[1].as_raw_fd()];
    // SAFETY: between fork and exec the closure only calls dup2, which is async-signal-safe.
    // dup2 onto 3 and 4 also clears FD_CLOEXEC there, so the descriptors survive exec. The
    // sources are >= 100, so neither copy overwrites the other's source.
    unsafe {
        command.pre_exec(move || {
            for (target, source) in [3, 4].into_iter().zip(sources) {
                if libc::dup2(source, target) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    command
}

/// Sends `to_child` through `stream`, half-closes, and reads everything the child sends back.
async fn exchange<S>(stream: S, to_child: &[u8]) -> TestResult<Vec<u8>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let send = async {
        writer.write_all(to_child).await?;
        writer.shutdown().await
    };
    let receive = async {
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await.map(|_| back)
    };
    let ((), back) = tokio::try_join!(send, receive)?;
    Ok(back)
}

/// Runs `endpoint listen DESC` activated with `passed`; the peer connects with `connect`.
async fn listen_over<S, F, Fut>(
    passed: &Passed,
    description: &str,
    connect: F,
) -> TestResult<String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = std::io::Result<S>>,
{
    let running = start_command(
        activated(passed, Pid::Own, &["listen", description]),
        "listening on ",
    )
    .await?;
    let mut child = running.child;
    let mut stdin = child.stdin.take().ok_or("stdin")?;
    let mut stdout = child.stdout.take().ok_or("stdout")?;
    let work = async {
        let stream = connect().await?;
        let child_side = async {
            stdin.write_all(b"from the child").await?;
            drop(stdin);
            let mut got = Vec::new();
            stdout.read_to_end(&mut got).await?;
            TestResult::Ok(got)
        };
        let (back, got) = tokio::try_join!(exchange(stream, b"to the child"), child_side)?;
        TestResult::Ok((back, got))
    };
    let (back, got) = tokio::time::timeout(LIMIT, work).await??;
    assert_eq!(back, b"from the child");
    assert_eq!(got, b"to the child");
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = running.stderr.await?;
    assert!(status.success(), "exit {status}; stderr: {stderr}");
    Ok(running.address)
}

#[tokio::test]
async fn adopts_a_tcp_listener_by_index() -> TestResult {
    let passed = passed()?;
    let address = passed.tcp.local_addr()?;
    let announced = listen_over(&passed, "systemd:domain=INET:index=0", || {
        tokio::net::TcpStream::connect(address)
    })
    .await?;
    assert_eq!(announced, address.to_string());
    Ok(())
}

#[tokio::test]
async fn adopts_a_unix_listener_by_name_and_leaves_its_file() -> TestResult {
    let passed = passed()?;
    let path = passed.unix_path.clone();
    let announced = listen_over(&passed, "systemd:domain=UNIX:name=admin", || {
        tokio::net::UnixStream::connect(path.clone())
    })
    .await?;
    assert_eq!(announced, passed.unix_path.display().to_string());
    // The socket file belongs to whoever passed it: still there, still listening.
    assert!(passed.unix_path.exists());
    let _still = std::os::unix::net::UnixStream::connect(&passed.unix_path)?;
    Ok(())
}

async fn fails(passed: &Passed, pid: Pid, description: &str) -> TestResult<(i32, String)> {
    let output: Output = tokio::time::timeout(
        LIMIT,
        activated(passed, pid, &["listen", description])
            .stdin(std::process::Stdio::null())
            .output(),
    )
    .await??;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    Ok((output.status.code().unwrap_or(-1), stderr))
}

#[tokio::test]
async fn errors_say_which_variable_or_descriptor_is_wrong() -> TestResult {
    let passed = passed()?;
    for (pid, description, needle) in [
        (
            Pid::Fixed("1"),
            "systemd:domain=INET:index=0",
            "LISTEN_PID=1 is not this process",
        ),
        (
            Pid::Own,
            "systemd:domain=INET:index=2",
            "index 2 is out of range: LISTEN_FDS=2 passes descriptors 3-4",
        ),
        (
            Pid::Own,
            "systemd:domain=INET:name=nope",
            "no descriptor is named \"nope\" in LISTEN_FDNAMES=web:admin",
        ),
        (
            Pid::Own,
            "systemd:domain=INET6:index=0",
            "descriptor 3 (LISTEN_FDS index 0) has address family INET, not INET6",
        ),
        (
            Pid::Own,
            "systemd:domain=INET:name=admin",
            "descriptor 4 (LISTEN_FDS index 1) has address family UNIX, not INET",
        ),
    ] {
        let (code, stderr) = fails(&passed, pid, description).await?;
        assert_eq!(code, 1, "{description}: {stderr}");
        assert!(stderr.contains(needle), "{description}: {stderr}");
        assert!(
            stderr.contains(&format!("could not listen on \"{description}\"")),
            "{stderr}"
        );
    }
    // A bad description is the user's: exit 2, and no environment is read.
    let (code, stderr) = fails(&passed, Pid::Own, "systemd:domain=inet:index=0").await?;
    assert_eq!(code, 2, "{stderr}");
    Ok(())
}

#[tokio::test]
async fn a_descriptor_that_is_not_listening_is_refused() -> TestResult {
    let mut passed = passed()?;
    // Put a connected (not listening) socket at descriptor 4.
    let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    passed.high[1] = high_dup(a.as_raw_fd())?;
    let (code, stderr) = fails(&passed, Pid::Own, "systemd:domain=UNIX:index=1").await?;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("descriptor 4 (LISTEN_FDS index 1) is not listening"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn without_the_variables_the_error_names_them() -> TestResult {
    let output = tokio::time::timeout(
        LIMIT,
        Command::new(env!("CARGO_BIN_EXE_endpoint"))
            .args(["listen", "systemd:domain=INET:index=0"])
            .env_remove("LISTEN_PID")
            .env_remove("LISTEN_FDS")
            .stdin(std::process::Stdio::null())
            .output(),
    )
    .await??;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("LISTEN_PID is not set"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn relay_exits_1_when_its_listener_dies_on_its_own() -> TestResult {
    let passed = passed()?;
    let running = start_command(
        activated(
            &passed,
            Pid::Own,
            &[
                "-v",
                "relay",
                "systemd:domain=INET:index=0",
                "tcp:127.0.0.1:1",
            ],
        ),
        "relaying ",
    )
    .await?;
    // Shutting the shared listening socket down makes the child's accept fail with EINVAL,
    // an error that ends a listener.
    // SAFETY: shutdown on a socket we own.
    assert_eq!(
        unsafe { libc::shutdown(passed.tcp.as_raw_fd(), libc::SHUT_RDWR) },
        0
    );
    let mut child = running.child;
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = running.stderr.await?;
    assert_eq!(status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("ended on its own"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn name_star_adopts_every_passed_socket_as_one_listener() -> TestResult {
    let passed = passed()?;
    let address = passed.tcp.local_addr()?;
    let path = passed.unix_path.clone();
    // Each run adopts both descriptors; one is reached over TCP, the other over unix.
    let announced = listen_over(&passed, "systemd:name=*", || {
        tokio::net::TcpStream::connect(address)
    })
    .await?;
    assert_eq!(
        announced,
        address.to_string(),
        "the first descriptor's address first"
    );
    let announced = listen_over(&passed, "systemd:name=*", || {
        tokio::net::UnixStream::connect(path.clone())
    })
    .await?;
    assert_eq!(announced, address.to_string());
    // Adopted socket files belong to whoever passed them.
    assert!(passed.unix_path.exists());
    Ok(())
}

#[tokio::test]
async fn name_star_with_a_domain_adopts_only_that_family() -> TestResult {
    let passed = passed()?;
    let path = passed.unix_path.clone();
    let announced = listen_over(&passed, "systemd:domain=UNIX:name=*", || {
        tokio::net::UnixStream::connect(path.clone())
    })
    .await?;
    assert_eq!(announced, passed.unix_path.display().to_string());
    let (code, stderr) = fails(&passed, Pid::Own, "systemd:domain=INET6:name=*").await?;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("LISTEN_FDS=2 passes no listening socket of family INET6"),
        "{stderr}"
    );
    Ok(())
}
