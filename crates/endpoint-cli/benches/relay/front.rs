//! What the load generator speaks to a relay's front: plain TCP, TLS (tokio-rustls, trusting
//! the test CA), or WebSocket (tokio-tungstenite: binary messages of at most 64 KiB, one per
//! write). Each is a byte stream, so every load runs unchanged over every front.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

/// A connection to a relay, whatever its front.
pub trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

/// The protocol of the relay's listening side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Front {
    Plain,
    Tls,
    Ws,
    /// QUIC (`quic:`): each connection a new QUIC connection with one stream.
    Quic,
}

impl Front {
    pub fn name(self) -> &'static str {
        match self {
            Front::Plain => "plain",
            Front::Tls => "tls",
            Front::Ws => "ws",
            Front::Quic => "quic",
        }
    }

    pub fn parse(text: &str) -> Option<Front> {
        match text {
            "plain" | "tcp" => Some(Front::Plain),
            "tls" | "ssl" => Some(Front::Tls),
            "ws" => Some(Front::Ws),
            "quic" => Some(Front::Quic),
            _ => None,
        }
    }
}

/// How to reach a relay: its front and the client state that needs (the TLS trust).
#[derive(Clone)]
pub struct Connector {
    pub front: Front,
    tls: Option<tokio_rustls::TlsConnector>,
    quic: Option<crate::bare_quic::QuicClient>,
}

impl Connector {
    /// `ca_pem`: the CA a TLS front's certificate chains to.
    pub fn new(front: Front, ca_pem: &std::path::Path) -> Self {
        let tls = (front == Front::Tls).then(|| {
            use rustls_pki_types::pem::PemObject;
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_pki_types::CertificateDer::pem_file_iter(ca_pem).expect("ca.pem") {
                roots.add(cert.expect("a certificate")).expect("a root");
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            tokio_rustls::TlsConnector::from(Arc::new(config))
        });
        let quic = (front == Front::Quic).then(|| crate::bare_quic::QuicClient::new(ca_pem));
        Connector { front, tls, quic }
    }

    /// The QUIC client (the `quic` front only).
    pub fn quic(&self) -> Option<&crate::bare_quic::QuicClient> {
        self.quic.as_ref()
    }

    /// Connects and completes the front's handshake (TLS, or the WebSocket upgrade).
    pub async fn connect(&self, address: &str) -> io::Result<Box<dyn Conn>> {
        if let Some(quic) = &self.quic {
            return quic.connect(address).await;
        }
        let tcp = TcpStream::connect(address).await?;
        tcp.set_nodelay(true)?;
        Ok(match self.front {
            Front::Plain => Box::new(tcp),
            Front::Tls => {
                let name = rustls_pki_types::ServerName::try_from("localhost").expect("a name");
                let tls = self.tls.as_ref().expect("a TLS connector");
                Box::new(tls.connect(name, tcp).await?)
            }
            Front::Quic => unreachable!("QUIC connects above"),
            Front::Ws => {
                let (ws, _) = tokio_tungstenite::client_async_with_config(
                    format!("ws://{address}/"),
                    tcp,
                    Some(ws_config()),
                )
                .await
                .map_err(io::Error::other)?;
                Box::new(WsBytes::new(ws))
            }
        })
    }
}

/// The client's (and the bare relay's) tungstenite settings: our server's message limits,
/// tungstenite's own buffer sizes.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(1 << 20))
        .max_frame_size(Some(256 << 10))
}

/// The most one write sends as one message.
const MESSAGE: usize = 64 << 10;

/// A tokio-tungstenite WebSocket as a byte stream: each write one binary message (at most 64
/// KiB), a flush flushes, reads yield payloads back to back, shutdown sends Close.
pub struct WsBytes<S> {
    ws: WebSocketStream<S>,
    unread: Bytes,
    eof: bool,
}

impl<S> WsBytes<S> {
    pub fn new(ws: WebSocketStream<S>) -> Self {
        WsBytes {
            ws,
            unread: Bytes::new(),
            eof: false,
        }
    }
}

fn to_io(e: tokio_tungstenite::tungstenite::Error) -> io::Error {
    match e {
        tokio_tungstenite::tungstenite::Error::Io(e) => e,
        other => io::Error::other(other),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsBytes<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.unread.is_empty() && !this.eof {
            match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(data))) => this.unread = data,
                Some(Ok(Message::Text(text))) => this.unread = text.into(),
                Some(Ok(Message::Close(_))) | None => this.eof = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    this.eof = true;
                    return Poll::Ready(Err(to_io(e)));
                }
            }
        }
        let n = this.unread.len().min(buf.remaining());
        buf.put_slice(&this.unread[..n]);
        let _ = this.unread.split_to(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsBytes<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(Pin::new(&mut this.ws).poll_ready(cx)).map_err(to_io)?;
        let n = buf.len().min(MESSAGE);
        Pin::new(&mut this.ws)
            .start_send(Message::Binary(Bytes::copy_from_slice(&buf[..n])))
            .map_err(to_io)?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().ws)
            .poll_flush(cx)
            .map_err(to_io)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match ready!(Pin::new(&mut self.get_mut().ws).poll_close(cx)) {
            Ok(())
            | Err(
                tokio_tungstenite::tungstenite::Error::ConnectionClosed
                | tokio_tungstenite::tungstenite::Error::AlreadyClosed,
            ) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(to_io(e))),
        }
    }
}
