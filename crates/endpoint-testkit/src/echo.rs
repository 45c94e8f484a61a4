//! Echo servers on real sockets: loopback TCP, a Unix socket in a temporary directory, and
//! TLS over loopback TCP. Each echoes every connection until its end of stream, then shuts
//! its write side; dropping the [`EchoServer`] stops it and every connection it holds.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::task::{JoinHandle, JoinSet};

use crate::TestPki;

/// A running echo server; dropping it stops the server and closes its connections.
#[derive(Debug)]
pub struct EchoServer {
    address: Option<SocketAddr>,
    path: Option<PathBuf>,
    task: JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
}

impl EchoServer {
    /// The address it listens on (TCP and TLS servers).
    ///
    /// # Panics
    /// On a Unix-socket server, which has a [`path`](Self::path) instead.
    pub fn address(&self) -> SocketAddr {
        self.address.expect("a TCP echo server has an address")
    }

    /// The port it listens on (TCP and TLS servers).
    ///
    /// # Panics
    /// As [`address`](Self::address).
    pub fn port(&self) -> u16 {
        self.address().port()
    }

    /// The socket file it listens on (Unix-socket servers).
    ///
    /// # Panics
    /// On a TCP or TLS server.
    pub fn path(&self) -> &Path {
        self.path.as_deref().expect("a unix echo server has a path")
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        // The accept task owns the connections' JoinSet, which aborts them when dropped.
        self.task.abort();
    }
}

/// Echoes until end of stream, then shuts the write side down.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(stream: S) {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n @ 1..) = reader.read(&mut buf).await {
        if writer.write_all(&buf[..n]).await.is_err() || writer.flush().await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}

/// A TCP echo server on 127.0.0.1, on a port the kernel chose.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let server = endpoint_testkit::tcp_echo_server().await?;
/// let mut stream = tokio::net::TcpStream::connect(server.address()).await?;
/// stream.write_all(b"hello").await?;
/// let mut back = [0u8; 5];
/// stream.read_exact(&mut back).await?;
/// assert_eq!(&back, b"hello");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// When the socket cannot be bound.
pub async fn tcp_echo_server() -> io::Result<EchoServer> {
    tcp_echo_server_on(IpAddr::V4(Ipv4Addr::LOCALHOST)).await
}

/// A TCP echo server on `ip` (`::1` for IPv6), on a port the kernel chose.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// let server = endpoint_testkit::tcp_echo_server_on("127.0.0.1".parse()?).await?;
/// assert!(server.address().ip().is_loopback());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// When the socket cannot be bound.
pub async fn tcp_echo_server_on(ip: IpAddr) -> io::Result<EchoServer> {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((stream, _)) = listener.accept().await {
            connections.spawn(echo(stream));
        }
    });
    Ok(EchoServer {
        address: Some(address),
        path: None,
        task,
        _dir: None,
    })
}

/// A Unix-socket echo server on `echo.sock` in a new temporary directory (removed when the
/// server is dropped).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let server = endpoint_testkit::unix_echo_server().await?;
/// let mut stream = tokio::net::UnixStream::connect(server.path()).await?;
/// stream.write_all(b"hi").await?;
/// let mut back = [0u8; 2];
/// stream.read_exact(&mut back).await?;
/// assert_eq!(&back, b"hi");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// When the directory cannot be made or the socket cannot be bound.
pub async fn unix_echo_server() -> io::Result<EchoServer> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("echo.sock");
    let listener = UnixListener::bind(&path)?;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((stream, _)) = listener.accept().await {
            connections.spawn(echo(stream));
        }
    });
    Ok(EchoServer {
        address: None,
        path: Some(path),
        task,
        _dir: Some(dir),
    })
}

/// A TLS echo server on 127.0.0.1 presenting `pki`'s `server.pem` (for `localhost`,
/// `127.0.0.1` and `::1`, signed by its `ca.pem`). A handshake that fails ends that
/// connection only.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// let pki = endpoint_testkit::TestPki::new();
/// let server = endpoint_testkit::tls_echo_server(&pki).await?;
/// assert_ne!(server.port(), 0);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// When the certificate cannot be read or the socket cannot be bound.
pub async fn tls_echo_server(pki: &TestPki) -> io::Result<EchoServer> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let invalid =
        |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let certs = CertificateDer::pem_file_iter(pki.path("server-cert.pem"))
        .map_err(|e| invalid(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(&e))?;
    let key = PrivateKeyDer::from_pem_file(pki.path("server-key.pem")).map_err(|e| invalid(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(&e))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            connections.spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    echo(tls).await;
                }
            });
        }
    });
    Ok(EchoServer {
        address: Some(address),
        path: None,
        task,
        _dir: None,
    })
}
