//! The tcp socket options through `ssl:` and `tls:`, which build their TCP themselves:
//! checked with getsockopt on the TCP socket under the TLS stream.
mod support;

use std::os::fd::{AsRawFd, RawFd};

use endpoint_core::{Connection, Error, IoStream, Registry};
use endpoint_testkit::TestResult;
use support::{echo, port_of, ssl_listener, Pki};
use tokio::net::TcpStream;

use endpoint_tcp as _;
use endpoint_tls as _;

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

/// The descriptor of the TCP socket under a TLS connection of either side.
fn tcp_fd(connection: &Connection) -> Option<RawFd> {
    type Server = tokio_rustls::server::TlsStream<Box<dyn IoStream>>;
    type Client = tokio_rustls::client::TlsStream<Box<dyn IoStream>>;
    let inner: &dyn IoStream = match connection.downcast_ref::<Server>() {
        Some(s) => &**s.get_ref().0,
        None => &**connection.downcast_ref::<Client>()?.get_ref().0,
    };
    inner
        .as_any()
        .downcast_ref::<TcpStream>()
        .map(AsRawFd::as_raw_fd)
}

/// (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_USER_TIMEOUT in ms) of the TCP socket under `connection`.
fn keepalive_and_timeout(connection: &Connection) -> TestResult<(i32, i32, i32)> {
    let fd = tcp_fd(connection).ok_or("no TCP socket under the TLS stream")?;
    Ok((
        int_option(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE)?,
        int_option(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE)?,
        int_option(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT)?,
    ))
}

#[tokio::test]
async fn ssl_server_and_client_set_their_socket_options() -> TestResult {
    let pki = Pki::new();
    let mut listener = ssl_listener(&pki, "server.pem", ":keepalive=45:userTimeout=20").await?;
    assert!(listener
        .description()
        .contains(":keepalive=45:userTimeout=20"));
    let client = Registry::global().client(&format!(
        "ssl:127.0.0.1:{}:hostname=localhost:caCertsDir={}:keepalive=40,4,2:userTimeout=1.5",
        port_of(&listener),
        pki.arg("cas")
    ))?;
    let (accepted, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(keepalive_and_timeout(&accepted)?, (1, 45, 20_000));
    assert_eq!(keepalive_and_timeout(&connected)?, (1, 40, 1_500));
    Ok(())
}

#[tokio::test]
async fn tls_client_sets_its_socket_options() -> TestResult {
    let pki = Pki::new();
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    let client = Registry::global().client(&format!(
        "tls:localhost:{}:trustRoots={}:keepalive=33:userTimeout=3",
        port_of(&listener),
        pki.arg("cas")
    ))?;
    let (_accepted, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(keepalive_and_timeout(&connected)?, (1, 33, 3_000));
    Ok(())
}

#[test]
fn socket_options_round_trip_and_need_the_built_in_tcp() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    for server in [
        format!(
            "ssl:0:privateKey={}:keepalive=60,10,5:rcvbuf=4096:fastOpen=8",
            pki.arg("server.pem")
        ),
        format!("tls:{}:port=0:v6only=1:bindToDevice=lo", pki.arg("sni")),
    ] {
        let text = r.server(&server)?.to_string();
        assert_eq!(r.server(&text)?.to_string(), text, "{server}");
        assert!(
            text.contains("keepalive=60,10,5") || text.contains("v6only=1"),
            "{text}"
        );
    }
    let text = r.client("ssl:h:443:sndbuf=8192:fastOpen=1")?.to_string();
    assert_eq!(r.client(&text)?.to_string(), text);
    assert!(text.contains(":sndbuf=8192:fastOpen=1"), "{text}");
    match r.client("tls:h:443:endpoint=tcp\\:h\\:443:keepalive=60") {
        Err(Error::Option { option, reason, .. }) => {
            assert_eq!(option, "endpoint");
            assert!(reason.contains("inner description"), "{reason}");
        }
        other => panic!("expected an option error, got {other:?}"),
    }
    Ok(())
}
