//! The peers `endpoint relay` is measured against, each a few lines on a well-known base:
//! tokio's `copy_bidirectional`, and a realm-style splice relay (two pipes per connection,
//! kept for the connection's life). Each runs in a process of its own (this bench binary,
//! re-executed), so its CPU time and memory are its own.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use tokio::io::Interest;
use tokio::net::{TcpListener, TcpStream};

/// Serves forever: accepts on `listener`, connects to `target`, relays with `relay`.
pub async fn serve<F, Fut>(listener: TcpListener, target: String, relay: F) -> io::Result<()>
where
    F: Fn(TcpStream, TcpStream) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = io::Result<()>> + Send + 'static,
{
    accept_each(listener, move |inbound| {
        let target = target.clone();
        async move {
            if let Ok(outbound) = TcpStream::connect(&target).await {
                let _ = relay(inbound, outbound).await;
            }
        }
    })
    .await
}

/// Accepts forever, each connection handled on a task of its own. Out of descriptors, say,
/// it waits and tries again, as any real relay must.
async fn accept_each<F, Fut>(listener: TcpListener, handle: F) -> io::Result<()>
where
    F: Fn(TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((inbound, _)) => {
                tokio::spawn(handle(inbound));
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
        }
    }
}

/// tokio's relay: two 8 KiB buffers per connection, user-space copies.
pub async fn tokio_copy(mut a: TcpStream, mut b: TcpStream) -> io::Result<()> {
    tokio::io::copy_bidirectional(&mut a, &mut b)
        .await
        .map(|_| ())
}

/// A realm-style splice relay: one pipe per direction for the connection's whole life.
pub async fn splice_pair(a: TcpStream, b: TcpStream) -> io::Result<()> {
    let result = tokio::try_join!(one_way(&a, &b), one_way(&b, &a));
    result.map(|_| ())
}

async fn one_way(from: &TcpStream, to: &TcpStream) -> io::Result<()> {
    let (read_end, write_end) = pipe()?;
    loop {
        let n = loop {
            from.readable().await?;
            match from.try_io(Interest::READABLE, || {
                splice(from.as_raw_fd(), write_end.as_raw_fd(), 1 << 16)
            }) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            return socket2::SockRef::from(to).shutdown(std::net::Shutdown::Write);
        }
        let mut left = n;
        while left > 0 {
            to.writable().await?;
            match to.try_io(Interest::WRITABLE, || {
                splice(read_end.as_raw_fd(), to.as_raw_fd(), left)
            }) {
                Ok(m) => left -= m,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both are open and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn splice(from: RawFd, to: RawFd, len: usize) -> io::Result<usize> {
    // SAFETY: open descriptors, null offsets (sockets and pipes have no offsets).
    let n = unsafe {
        libc::splice(
            from,
            std::ptr::null_mut(),
            to,
            std::ptr::null_mut(),
            len,
            libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// A bare tokio-tungstenite relay, WebSocket in front and TCP behind: the floor a WebSocket
/// relay on tungstenite can reach. Each message's payload is written to TCP as it comes; each
/// TCP read (up to 64 KiB, the size our `ws` layer sends) goes out as one binary message,
/// flushed at once. Tungstenite's own buffer sizes (128 KiB read, 128 KiB write batch).
pub async fn serve_ws(listener: TcpListener, target: String) -> io::Result<()> {
    accept_each(listener, move |inbound| {
        let target = target.clone();
        async move {
            let _ = inbound.set_nodelay(true);
            let config = crate::front::ws_config();
            let Ok(ws) = tokio_tungstenite::accept_async_with_config(inbound, Some(config)).await
            else {
                return;
            };
            if let Ok(outbound) = TcpStream::connect(&target).await {
                let _ = outbound.set_nodelay(true);
                ws_pair(ws, outbound).await;
            }
        }
    })
    .await
}

pub async fn ws_pair(ws: tokio_tungstenite::WebSocketStream<TcpStream>, tcp: TcpStream) {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::{Bytes, Message};
    let (mut sink, mut stream) = ws.split();
    let (mut from_tcp, mut to_tcp) = tcp.into_split();
    let inward = async move {
        while let Some(Ok(message)) = stream.next().await {
            match message {
                Message::Binary(data) if to_tcp.write_all(&data).await.is_err() => break,
                Message::Close(_) => break,
                _ => {}
            }
        }
        let _ = to_tcp.shutdown().await;
    };
    let outward = async move {
        let mut buffer = vec![0u8; 64 << 10];
        loop {
            match from_tcp.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let message = Message::Binary(Bytes::copy_from_slice(&buffer[..n]));
                    if sink.send(message).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = sink.close().await;
    };
    tokio::join!(inward, outward);
}

/// A bare tokio-rustls terminator in front of TCP: the handshake, then tokio's
/// `copy_bidirectional` (the floor for TLS termination on rustls with `ring`).
pub async fn serve_tls(listener: TcpListener, target: String, pem: String) -> io::Result<()> {
    use rustls_pki_types::pem::PemObject;
    let certs = rustls_pki_types::CertificateDer::pem_file_iter(&pem)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(io::Error::other)?;
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(&pem).map_err(io::Error::other)?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(io::Error::other)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    accept_each(listener, move |inbound| {
        let (target, acceptor) = (target.clone(), acceptor.clone());
        async move {
            let _ = inbound.set_nodelay(true);
            let Ok(mut tls) = acceptor.accept(inbound).await else {
                return;
            };
            if let Ok(mut outbound) = TcpStream::connect(&target).await {
                let _ = outbound.set_nodelay(true);
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut outbound).await;
            }
        }
    })
    .await
}

/// A bare relay from TCP to a tokio-tungstenite client: the floor for `tcp:` → `ws+tcp:`
/// (the same pair loop as [`serve_ws`], the WebSocket on the other side).
pub async fn serve_to_ws(listener: TcpListener, target: String) -> io::Result<()> {
    accept_each(listener, move |inbound| {
        let target = target.clone();
        async move {
            let _ = inbound.set_nodelay(true);
            let Ok(outbound) = TcpStream::connect(&target).await else {
                return;
            };
            let _ = outbound.set_nodelay(true);
            let url = format!("ws://{target}/");
            let config = crate::front::ws_config();
            if let Ok((ws, _)) =
                tokio_tungstenite::client_async_with_config(url, outbound, Some(config)).await
            {
                ws_pair(ws, inbound).await;
            }
        }
    })
    .await
}
