//! The tcp socket options through `ssl:` and `tls:`, which build their TCP themselves:
//! checked with getsockopt on the TCP socket under the TLS stream.
mod support;

use std::os::fd::{AsRawFd, RawFd};

use endpoint_core::{Connection, Error, IoStream, OptionValue, Registry, Side};
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

/// The value `describe` gives option `name` of the base kind of `description`.
fn described(side: Side, description: &str, name: &str) -> Result<OptionValue, Error> {
    let described = Registry::global().describe(side, description)?;
    Ok(described
        .options
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{description}: describe shows no {name}")))
}

/// `ssl:` and `tls:` declare tcp's whole socket option group (one table, one reader), so each
/// option works there and is described as `tls+tcp` describes it; the text round-trips.
#[test]
fn ssl_and_tls_take_every_tcp_socket_option_like_tls_over_tcp() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let server_options = [
        "reuseport=1",
        "nodelay=0",
        "keepalive=60,10,5",
        "rcvbuf=4096",
        "sndbuf=8192",
        "v6only=1",
        "userTimeout=1.5",
        "bindToDevice=lo",
        "fastOpen=8",
    ];
    let key = pki.arg("server.pem");
    for option in server_options {
        let name = option.split('=').next().unwrap_or_default();
        let layered = format!("tls+tcp:443:certificate={key}:{option}");
        let expected = described(Side::Server, &layered, name)?;
        for server in [
            format!("ssl:443:privateKey={key}:{option}"),
            format!("tls:{}:port=443:{option}", pki.arg("sni")),
        ] {
            let text = r.server(&server)?.to_string();
            assert!(text.contains(option), "{server} -> {text}");
            assert_eq!(r.server(&text)?.to_string(), text, "{server}");
            assert_eq!(
                described(Side::Server, &server, name)?,
                expected,
                "{server}"
            );
        }
    }
    let client_options = [
        "nodelay=0",
        "keepalive=60,10,5",
        "rcvbuf=4096",
        "sndbuf=8192",
        "userTimeout=1.5",
        "bindToDevice=lo",
        "fastOpen=1",
    ];
    for option in client_options {
        let name = option.split('=').next().unwrap_or_default();
        let expected = described(Side::Client, &format!("tls+tcp:h:443:{option}"), name)?;
        for client in [format!("ssl:h:443:{option}"), format!("tls:h:443:{option}")] {
            let text = r.client(&client)?.to_string();
            assert!(text.contains(option), "{client} -> {text}");
            assert_eq!(r.client(&text)?.to_string(), text, "{client}");
            assert_eq!(
                described(Side::Client, &client, name)?,
                expected,
                "{client}"
            );
        }
    }
    // With an explicit inner endpoint, nodelay belongs in the inner description too.
    assert!(r
        .client("tls:h:443:endpoint=tcp\\:h\\:443:nodelay=0")
        .is_err());
    Ok(())
}
