//! The QUIC front: a quinn client for the load generator (each load connection a new QUIC
//! connection with one bidirectional stream, full handshake), and a bare quinn relay, the
//! floor `endpoint relay quic:... tcp:...` is measured against: a quinn server with the
//! transport settings the `quic` kind uses by default, each accepted stream relayed to TCP
//! with tokio's `copy_bidirectional_with_sizes` (64 KiB buffers, as `endpoint relay` reads).
//!
//! `RELAY_BENCH_QUIC` (say `:maxUdpPayload=65527`) is appended to the `quic:`
//! description `endpoint relay` listens on; the bare relay and the client read the same
//! options ([`Tuning`]), so every QUIC contender runs with the same settings.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::front::Conn;

/// The ALPN both sides offer (the `quic` kind's default).
const ALPN: &[u8] = b"endpoints";

/// The QUIC options `RELAY_BENCH_QUIC` sets, applied to the bare relay and the client as
/// the `quic` kind applies them.
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// `maxUdpPayload=` (quinn's MTU discovery bound 1452, endpoint limit 1472).
    pub max_udp_payload: Option<u16>,
    /// `maxStreams=` (the kind's default 100).
    pub max_streams: u32,
}

impl Tuning {
    /// Reads `RELAY_BENCH_QUIC`.
    pub fn from_env() -> Self {
        let text = std::env::var("RELAY_BENCH_QUIC").unwrap_or_default();
        let mut tuning = Tuning {
            max_udp_payload: None,
            max_streams: 100,
        };
        for option in text.split(':').filter(|o| !o.is_empty()) {
            let (name, value) = option
                .split_once('=')
                .expect("RELAY_BENCH_QUIC: name=value");
            let value: u16 = value.parse().expect("RELAY_BENCH_QUIC: a number");
            match name {
                "maxStreams" => tuning.max_streams = value.into(),
                "maxUdpPayload" => tuning.max_udp_payload = Some(value),
                other => panic!("RELAY_BENCH_QUIC: {other} is not known here"),
            }
        }
        tuning
    }

    /// The options as `quic:` text, for `endpoint relay`'s listening description.
    pub fn description() -> String {
        std::env::var("RELAY_BENCH_QUIC").unwrap_or_default()
    }

    fn endpoint_config(self) -> quinn::EndpointConfig {
        let mut config = quinn::EndpointConfig::default();
        if let Some(max) = self.max_udp_payload {
            config
                .max_udp_payload_size(max.max(1472))
                .expect("a UDP payload size");
        }
        config
    }
}

/// The transport settings of the `quic` kind's defaults: 4 MiB per connection, 1 MiB per
/// stream, datagrams off, a 30 s idle timeout; a server allows 100 bidirectional streams,
/// a client keeps its connections alive (every 10 s).
pub fn transport(server: bool, tuning: Tuning) -> Arc<quinn::TransportConfig> {
    let mut transport = quinn::TransportConfig::default();
    transport
        .datagram_receive_buffer_size(None)
        .receive_window(quinn::VarInt::from_u32(4 << 20))
        .stream_receive_window(quinn::VarInt::from_u32(1 << 20))
        .send_window(4 << 20)
        .max_idle_timeout(Some(
            quinn::IdleTimeout::try_from(Duration::from_secs(30)).expect("an idle timeout"),
        ))
        .max_concurrent_bidi_streams(if server { tuning.max_streams } else { 0 }.into())
        .max_concurrent_uni_streams(0u32.into());
    if let Some(max) = tuning.max_udp_payload {
        let mut discovery = quinn::MtuDiscoveryConfig::default();
        discovery.upper_bound(max);
        transport.mtu_discovery_config(Some(discovery));
        // A GSO batch (10 packets here) must fit one UDP send (64 KiB), as the kind does.
        transport.enable_segmentation_offload(usize::from(max) * 10 <= 65507);
    }
    if !server {
        transport.keep_alive_interval(Some(Duration::from_secs(10)));
    }
    Arc::new(transport)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The load generator's QUIC side: one client endpoint (one UDP socket) for every load.
#[derive(Clone)]
pub struct QuicClient {
    endpoint: quinn::Endpoint,
}

impl QuicClient {
    /// A client trusting `ca_pem`, verifying `localhost`, ALPN `endpoints`.
    pub fn new(ca_pem: &std::path::Path) -> Self {
        use rustls_pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pki_types::CertificateDer::pem_file_iter(ca_pem).expect("ca.pem") {
            roots.add(cert.expect("a certificate")).expect("a root");
        }
        let mut tls = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("TLS 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![ALPN.to_vec()];
        let crypto =
            quinn::crypto::rustls::QuicClientConfig::try_from(tls).expect("a QUIC TLS config");
        let tuning = Tuning::from_env();
        let mut config = quinn::ClientConfig::new(Arc::new(crypto));
        config.transport_config(transport(false, tuning));
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        let mut endpoint = quinn::Endpoint::new(
            tuning.endpoint_config(),
            None,
            socket,
            Arc::new(quinn::TokioRuntime),
        )
        .expect("a client endpoint");
        endpoint.set_default_client_config(config);
        QuicClient { endpoint }
    }

    /// A new QUIC connection (a full handshake).
    pub async fn connection(&self, address: &str) -> io::Result<quinn::Connection> {
        let address: SocketAddr = address.parse().map_err(io::Error::other)?;
        let connecting = self
            .endpoint
            .connect(address, "localhost")
            .map_err(io::Error::other)?;
        connecting.await.map_err(io::Error::other)
    }

    /// A new QUIC connection with one bidirectional stream: one load "connection".
    pub async fn connect(&self, address: &str) -> io::Result<Box<dyn Conn>> {
        let connection = self.connection(address).await?;
        let stream = QuicConn::open(&connection, true).await?;
        Ok(Box::new(stream))
    }
}

/// One bidirectional stream as a byte stream; the last handle of its connection closes the
/// connection when dropped (`owner`).
pub struct QuicConn {
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    owner: Option<quinn::Connection>,
}

impl QuicConn {
    /// Opens a stream on `connection`; `owns` closes the connection with the stream.
    pub async fn open(connection: &quinn::Connection, owns: bool) -> io::Result<QuicConn> {
        let (send, recv) = connection.open_bi().await.map_err(io::Error::other)?;
        Ok(QuicConn {
            send,
            recv,
            owner: owns.then(|| connection.clone()),
        })
    }
}

impl Drop for QuicConn {
    fn drop(&mut self) {
        if let Some(connection) = &self.owner {
            connection.close(0u32.into(), b"");
        }
    }
}

impl AsyncRead for QuicConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.recv).poll_read(cx, buf)
    }
}

impl AsyncWrite for QuicConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(Pin::new(&mut self.send), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(Pin::new(&mut self.send), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(Pin::new(&mut self.send), cx)
    }
}

/// Serves forever: a quinn server on `listen` (UDP), each stream a peer opens relayed to a
/// new TCP connection to `target`. Prints the bound address first.
pub async fn serve(listen: &str, target: String, pem: String) -> io::Result<()> {
    use rustls_pki_types::pem::PemObject;
    let certs = rustls_pki_types::CertificateDer::pem_file_iter(&pem)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(io::Error::other)?;
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(&pem).map_err(io::Error::other)?;
    let mut tls = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(io::Error::other)?;
    tls.alpn_protocols = vec![ALPN.to_vec()];
    tls.max_early_data_size = 0;
    let crypto =
        quinn::crypto::rustls::QuicServerConfig::try_from(tls).map_err(io::Error::other)?;
    let tuning = Tuning::from_env();
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    config.transport_config(transport(true, tuning));
    let socket = std::net::UdpSocket::bind(listen)?;
    let endpoint = quinn::Endpoint::new(
        tuning.endpoint_config(),
        Some(config),
        socket,
        Arc::new(quinn::TokioRuntime),
    )?;
    println!("{}", endpoint.local_addr()?);
    while let Some(incoming) = endpoint.accept().await {
        let target = target.clone();
        tokio::spawn(async move {
            let Ok(connection) = incoming.await else {
                return;
            };
            while let Ok((send, recv)) = connection.accept_bi().await {
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let _ = outbound.set_nodelay(true);
                    let mut stream = tokio::io::join(recv, send);
                    let _ = tokio::io::copy_bidirectional_with_sizes(
                        &mut stream,
                        &mut outbound,
                        64 << 10,
                        64 << 10,
                    )
                    .await;
                });
            }
        });
    }
    Ok(())
}
