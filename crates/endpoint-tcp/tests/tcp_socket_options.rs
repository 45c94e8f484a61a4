//! Socket options given by string, checked with getsockopt on the real listening, accepted
//! and connected sockets.

mod support;

use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::time::Duration;

use endpoint_core::{ClientEndpoint, Connection, Error, ServerEndpoint};
use endpoint_tcp::{TcpClientEndpoint, TcpServerEndpoint};
use endpoint_testkit::TestResult;
use socket2::{SockRef, Socket};
use tokio::net::TcpStream;

use support::SAFETY;

/// What Linux reports for a buffer size asked for with `SO_RCVBUF`/`SO_SNDBUF`: twice the
/// value, capped at twice the `max` sysctl.
fn reported_buffer(asked: usize, sysctl: &str) -> TestResult<usize> {
    let max: usize = std::fs::read_to_string(sysctl)?.trim().parse()?;
    Ok(2 * asked.min(max))
}

fn int_option(fd: RawFd, level: libc::c_int, option: libc::c_int) -> std::io::Result<i32> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            level,
            option,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(value)
    }
}

/// The listening socket bound to `local`, found among this process's descriptors (the
/// listener does not hand out its own).
fn listening_socket(local: SocketAddr) -> TestResult<ManuallyDrop<Socket>> {
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let Ok(fd) = entry?.file_name().to_string_lossy().parse::<RawFd>() else {
            continue;
        };
        // SAFETY: the socket is never dropped (ManuallyDrop), so the descriptor is only
        // borrowed; a descriptor that is not a socket fails the calls below.
        let socket = ManuallyDrop::new(unsafe { Socket::from_raw_fd(fd) });
        let bound = socket.local_addr().ok().and_then(|a| a.as_socket());
        if bound == Some(local) && socket.is_listener().unwrap_or(false) {
            return Ok(socket);
        }
    }
    Err(format!("no listening socket bound to {local}").into())
}

async fn pair(server: &str) -> TestResult<(endpoint_core::Listener, Connection, Connection)> {
    let mut listener = server.parse::<TcpServerEndpoint>()?.bind().await?;
    let local = listener.local_address().as_inet().ok_or("tcp")?;
    let client = TcpClientEndpoint::new(local.ip().to_string(), local.port());
    let (accepted, connected) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    Ok((listener, accepted, connected))
}

fn stream(connection: Connection) -> TestResult<TcpStream> {
    connection
        .try_into_inner::<TcpStream>()
        .map_err(|_| "not a TcpStream".into())
}

#[tokio::test]
async fn server_options_reach_the_listening_and_the_accepted_socket() -> TestResult {
    let (listener, accepted, _connected) = pair(
        "tcp:0:interface=127.0.0.1:keepalive=60,10,5:rcvbuf=262144:sndbuf=131072\
         :userTimeout=30:bindToDevice=lo:fastOpen=16",
    )
    .await?;
    let accepted = stream(accepted)?;
    let socket = SockRef::from(&accepted);
    assert!(socket.keepalive()?);
    assert_eq!(socket.keepalive_time()?, Duration::from_secs(60));
    assert_eq!(socket.keepalive_interval()?, Duration::from_secs(10));
    assert_eq!(socket.keepalive_retries()?, 5);
    assert_eq!(
        socket.recv_buffer_size()?,
        reported_buffer(262_144, "/proc/sys/net/core/rmem_max")?
    );
    assert_eq!(
        socket.send_buffer_size()?,
        reported_buffer(131_072, "/proc/sys/net/core/wmem_max")?
    );
    assert_eq!(socket.tcp_user_timeout()?, Some(Duration::from_secs(30)));
    assert_eq!(socket.device()?.as_deref(), Some(&b"lo"[..]));
    assert!(socket.nodelay()?, "TCP_NODELAY stays on by default");

    let local = listener.local_address().as_inet().ok_or("tcp")?;
    let listening = listening_socket(local)?;
    let fast_open = int_option(listening.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_FASTOPEN)?;
    assert_eq!(fast_open, 16);
    assert_eq!(listening.device()?.as_deref(), Some(&b"lo"[..]));
    Ok(())
}

#[tokio::test]
async fn client_options_reach_the_connected_socket() -> TestResult {
    let mut listener = "tcp:0:interface=127.0.0.1"
        .parse::<TcpServerEndpoint>()?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("port")?;
    let client: TcpClientEndpoint = format!(
        "tcp:127.0.0.1:{port}:keepalive=30,5,3:rcvbuf=65536:sndbuf=65536:userTimeout=1.5\
         :bindToDevice=lo:fastOpen=1"
    )
    .parse()?;
    let (_accepted, connected) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    let connected = stream(connected)?;
    let socket = SockRef::from(&connected);
    assert!(socket.keepalive()?);
    assert_eq!(socket.keepalive_time()?, Duration::from_secs(30));
    assert_eq!(socket.keepalive_interval()?, Duration::from_secs(5));
    assert_eq!(socket.keepalive_retries()?, 3);
    assert_eq!(
        socket.recv_buffer_size()?,
        reported_buffer(65_536, "/proc/sys/net/core/rmem_max")?
    );
    assert_eq!(
        socket.send_buffer_size()?,
        reported_buffer(65_536, "/proc/sys/net/core/wmem_max")?
    );
    assert_eq!(
        socket.tcp_user_timeout()?,
        Some(Duration::from_millis(1500))
    );
    assert_eq!(socket.device()?.as_deref(), Some(&b"lo"[..]));
    let fast_open = int_option(
        connected.as_raw_fd(),
        libc::IPPROTO_TCP,
        libc::TCP_FASTOPEN_CONNECT,
    )?;
    assert_eq!(fast_open, 1);
    Ok(())
}

#[tokio::test]
async fn v6only_is_set_either_way_on_tcp6() -> TestResult {
    for (flag, expected) in [("1", true), ("0", false)] {
        let (listener, accepted, _connected) = pair(&format!("tcp6:0:v6only={flag}")).await?;
        let local = listener.local_address().as_inet().ok_or("tcp")?;
        assert_eq!(listening_socket(local)?.only_v6()?, expected);
        assert_eq!(SockRef::from(&stream(accepted)?).only_v6()?, expected);
    }
    Ok(())
}

#[tokio::test]
async fn v6only_0_on_tcp6_takes_ipv4_too() -> TestResult {
    let mut listener = "tcp6:0:v6only=0"
        .parse::<TcpServerEndpoint>()?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("port")?;
    let client = TcpClientEndpoint::new("127.0.0.1", port);
    let (accepted, _connected) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    assert_eq!(
        accepted.peer_address().as_inet().map(|a| a.ip()),
        Some("127.0.0.1".parse()?)
    );
    Ok(())
}

#[tokio::test]
async fn keepalive_0_turns_it_off() -> TestResult {
    let (_listener, accepted, _connected) = pair("tcp:0:interface=127.0.0.1:keepalive=0").await?;
    assert!(!SockRef::from(&stream(accepted)?).keepalive()?);
    Ok(())
}

#[test]
fn bad_values_name_the_option_the_position_and_the_form() {
    for (text, option, at, needle) in [
        (
            "tcp:0:keepalive=60,x",
            "keepalive",
            16,
            "IDLE[,INTERVAL[,COUNT]]",
        ),
        ("tcp:0:rcvbuf=big", "rcvbuf", 13, "buffer size"),
        ("tcp:0:sndbuf=0", "sndbuf", 13, "buffer size"),
        ("tcp6:0:v6only=yes", "v6only", 14, "0 or 1"),
        ("tcp:0:userTimeout=soon", "userTimeout", 18, "seconds"),
        ("tcp:0:bindToDevice=", "bindToDevice", 19, "interface name"),
        ("tcp:0:fastOpen=-1", "fastOpen", 15, "number"),
    ] {
        match text.parse::<TcpServerEndpoint>() {
            Err(Error::Option {
                option: o,
                position,
                reason,
                ..
            }) => {
                assert_eq!((o.as_str(), position), (option, at), "{text}");
                assert!(reason.contains(needle), "{text}: {reason}");
            }
            other => panic!("{text}: expected an option error, got {other:?}"),
        }
    }
    match "tcp:h:80:v6only=1".parse::<TcpClientEndpoint>() {
        Err(Error::Option { option, .. }) => assert_eq!(option, "v6only"),
        other => panic!("clients take no v6only, got {other:?}"),
    }
}

#[test]
fn options_round_trip_through_canonical_text() -> TestResult {
    for text in [
        "tcp:0:interface=:backlog=50:keepalive=60,10,5:rcvbuf=1:sndbuf=2:v6only=0\
         :userTimeout=0.25:bindToDevice=lo:fastOpen=16",
        "tcp6:0:backlog=50:interface=\\:\\::keepalive=0:v6only=1",
    ] {
        let endpoint: TcpServerEndpoint = text.parse()?;
        assert_eq!(endpoint.to_string(), text);
    }
    let text = "tcp:h:80:timeout=30:keepalive=7:userTimeout=3:fastOpen=0";
    assert_eq!(text.parse::<TcpClientEndpoint>()?.to_string(), text);
    Ok(())
}

#[tokio::test]
async fn an_unknown_device_fails_the_bind_and_names_the_option() -> TestResult {
    let endpoint: TcpServerEndpoint =
        "tcp:0:interface=127.0.0.1:bindToDevice=nosuchdev0".parse()?;
    let error = endpoint
        .bind()
        .await
        .err()
        .ok_or("bound to a missing device")?;
    let chain = format!(
        "{error}: {}",
        std::error::Error::source(&error)
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    assert!(chain.contains("bindToDevice"), "{chain}");
    Ok(())
}
