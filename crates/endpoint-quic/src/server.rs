//! The `quic` server: one listener connection per bidirectional stream a peer opens.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description};
use endpoint_core::{
    Accept, Address, BoxFuture, Connection, ConnectionInfo, Error, Listener, Result, ServerEndpoint,
};
use endpoint_tls::TlsServerSettings;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::admission::{Admission, Limits, Slot, Verdict};
use crate::info;
use crate::specs::QUIC_SERVER_OPTIONS;
use crate::stream::QuicStream;
use crate::transport::{self, Packets, Windows};

/// How many accepted streams wait for the application before their connections stop
/// accepting more (the peers are then held back by QUIC's stream limit).
const QUEUE: usize = 64;

/// Connection attempts quinn queues for the accept loop; more are dropped unanswered. The
/// loop judges each at once, so this fills only when the process cannot keep up.
const MAX_INCOMING: usize = 1024;
/// Bytes quinn buffers for one attempt (packets after its first) until it is judged, and for
/// all of them together; a judged attempt's bytes are freed or become its connection's.
const INCOMING_BUFFER: u64 = 64 << 10;
const INCOMING_BUFFER_TOTAL: u64 = 8 << 20;

/// Listens for QUIC on a UDP port
/// (`quic:PORT:certificate=cert.pem:privateKey=key.pem:alpn=endpoints`).
///
/// The listener yields one [`Connection`] per bidirectional stream a peer opens, from every
/// QUIC connection, each with the QUIC connection's [`QuicInfo`](crate::QuicInfo) (ALPN, the client's
/// certificates under `clientCA=`, `stable_id`). A stream is accepted when the peer first
/// sends on it. Handshakes run beside the accept loop: a slow or failed one never delays
/// other peers. A peer may keep `maxStreams` streams open at once; `idleTimeout` closes a
/// connection that has been silent that long. 0-RTT is refused: every stream's first bytes
/// arrive after a complete handshake, so they cannot be replayed.
///
/// **What a peer can make the server hold.** A QUIC connection counts against
/// `maxConnections=` from its first packet until it ends, whatever number of streams it
/// carries (so the server runs at most `maxConnections × maxStreams` streams); at the cap new
/// attempts are refused. `handshakeTimeout` (10 s) drops a handshake that has not completed,
/// even with `idleTimeout=0`. At most `maxHandshakes` (256 for QUIC) handshakes run at once,
/// and `maxHandshakesPerSource` (16 for QUIC) from one source; past them attempts are refused
/// (both are the server options every kind takes, applied here by the transport). With
/// `retry=auto` an attempt must first prove its address with a Retry round trip once half of
/// `maxHandshakes` are in progress (`always`: every attempt; `never`: none), so a flood from
/// spoofed addresses costs no state. A peer may send `streamReceiveWindow` (1 MiB) on a
/// stream and `receiveWindow` (4 MiB) on its connection ahead of what the application reads.
/// Datagrams are off. `maxUdpPayload=` (1452) bounds the packet sizes MTU discovery reaches;
/// raise it on links known to carry more (loopback 65527, jumbo frames 8972): fewer, larger
/// packets cost less CPU per byte (see the crate's "Packet sizes").
///
/// The files are read while parsing, as the TLS kinds do (a bad file is an error naming the
/// option), and again at each `bind`, so a renewed certificate is used.
///
/// Dropping the listener (or stopping its port) refuses new QUIC connections and stops
/// accepting streams; streams already accepted keep running, and the UDP socket is released
/// when the last of them has ended.
///
/// # Examples
/// ```
/// # fn main() -> Result<(), endpoint_core::Error> {
/// use endpoint_quic::QuicServerEndpoint;
/// # let pki = endpoint_testkit::TestPki::new();
/// # let (cert, key) = (pki.path("server-cert.pem"), pki.path("server-key.pem"));
/// let text = format!("quic:4433:certificate={}:privateKey={}", cert.display(), key.display());
/// let e: QuicServerEndpoint = text.parse()?;
/// assert_eq!(
///     e.to_string(),
///     format!(
///         "quic:4433:interface=:certificate={}:privateKey={}:alpn=endpoints:idleTimeout=30:maxStreams=100:\
///          handshakeTimeout=10:retry=auto:receiveWindow=4194304:streamReceiveWindow=1048576:maxUdpPayload=1452",
///         cert.display(),
///         key.display()
///     )
/// );
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuicServerEndpoint {
    port: u16,
    interface: String,
    settings: TlsServerSettings,
    idle_timeout: Duration,
    max_streams: u32,
    limits: Limits,
    windows: Windows,
    packets: Packets,
}

impl QuicServerEndpoint {
    /// `quic:PORT` serving `certificate` (which may also hold the key), ALPN `endpoints`.
    ///
    /// # Errors
    /// [`Error::Handshake`] (layer `tls`) naming a file that is missing or unusable.
    pub fn new(port: u16, certificate: impl Into<PathBuf>) -> Result<Self> {
        let mut settings = TlsServerSettings::new(certificate);
        settings.alpn = declared_default(QUIC_SERVER_OPTIONS, "alpn");
        settings.rustls_config()?;
        Ok(QuicServerEndpoint {
            port,
            interface: declared_default(QUIC_SERVER_OPTIONS, "interface"),
            settings,
            idle_timeout: declared_default(QUIC_SERVER_OPTIONS, "idleTimeout"),
            max_streams: declared_default(QUIC_SERVER_OPTIONS, "maxStreams"),
            limits: Limits::defaults(),
            windows: Windows::defaults(),
            packets: Packets::defaults(),
        })
    }

    /// Sets the interface (an IP literal or a host name; `""` means every IPv4 address).
    pub fn interface(mut self, interface: impl Into<String>) -> Self {
        self.interface = interface.into();
        self
    }

    /// The port asked for (0 means any).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Builds the endpoint from a `quic` server description's arguments.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        args.at_most_positionals(1, "port")?;
        let port = args.get_param("port", 0)?;
        let interface = args.get("interface")?;
        let certificate: Option<String> = args.get_optional("certificate")?;
        let private_key: Option<String> = args.get_optional("privateKey")?;
        let client_ca: Option<String> = args.get_optional("clientCA")?;
        let alpn = args.get_with("alpn", endpoint_tls::parse_alpn)?;
        let idle_timeout = args.get("idleTimeout")?;
        let max_streams = args.get("maxStreams")?;
        let limits = Limits::from_args(&mut args)?;
        let windows = Windows::from_args(&mut args)?;
        let packets = Packets::from_args(&mut args)?;
        args.finish()?;
        let Some(certificate) = certificate else {
            let reason = "is required: QUIC always runs TLS (write certificate=cert.pem)".into();
            return Err(args.invalid("certificate", args.input().len(), reason));
        };
        let mut settings = TlsServerSettings::new(&certificate);
        settings.private_key = private_key.as_ref().map(PathBuf::from);
        settings.client_ca = client_ca.as_ref().map(PathBuf::from);
        settings.alpn = alpn;
        let files = [
            ("certificate", Some(certificate)),
            ("privateKey", private_key),
            ("clientCA", client_ca),
        ];
        settings
            .rustls_config()
            .map_err(|e| transport::blame_option(&args, &files, e))?;
        Ok(QuicServerEndpoint {
            port,
            interface,
            settings,
            idle_timeout,
            max_streams,
            limits,
            windows,
            packets,
        })
    }

    async fn address(&self) -> io::Result<SocketAddr> {
        if self.interface.is_empty() {
            return Ok((Ipv4Addr::UNSPECIFIED, self.port).into());
        }
        let literal = self.interface.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return Ok((ip, self.port).into());
        }
        let mut found = tokio::net::lookup_host((self.interface.as_str(), self.port)).await?;
        found.next().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("interface {:?} has no address", self.interface),
            )
        })
    }

    fn server_config(&self) -> Result<quinn::ServerConfig> {
        let rustls = self.settings.rustls_config()?;
        let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(rustls)
            .map_err(|e| transport::setup_error("the TLS settings cannot run QUIC", e))?;
        let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
        config
            .transport_config(transport::config(
                self.idle_timeout,
                Some(self.max_streams),
                false,
                self.windows,
                self.packets,
            )?)
            .max_incoming(MAX_INCOMING)
            .incoming_buffer_size(INCOMING_BUFFER)
            .incoming_buffer_size_total(INCOMING_BUFFER_TOTAL);
        Ok(config)
    }
}

impl ServerEndpoint for QuicServerEndpoint {
    /// Reads the certificate files, binds the UDP socket and starts accepting QUIC
    /// connections.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes closes the socket it made.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let config = self.server_config()?;
            let endpoint_config = self.packets.endpoint_config()?;
            let address = self
                .address()
                .await
                .map_err(|e| Error::io("listen on", self, e))?;
            let endpoint = std::net::UdpSocket::bind(address)
                .and_then(|socket| {
                    quinn::Endpoint::new(
                        endpoint_config,
                        Some(config),
                        socket,
                        Arc::new(quinn::TokioRuntime),
                    )
                })
                .map_err(|e| Error::io("listen on", self, e))?;
            let local = endpoint
                .local_addr()
                .map_err(|e| Error::io("listen on", self, e))?;
            tracing::debug!(endpoint = %self, %local, "listening");
            let (sender, receiver) = mpsc::channel(QUEUE);
            let span = tracing::debug_span!("quic", endpoint = %self);
            let admission = Admission::new(self.limits);
            let server = Server {
                endpoint: endpoint.clone(),
                admission: Arc::clone(&admission),
                sender,
                local,
            };
            let task = tokio::spawn(server.accept_connections().instrument(span));
            let accept = QuicAccept {
                endpoint,
                receiver,
                local,
                admission,
                task,
            };
            Ok(Listener::new(accept, self))
        })
    }

    fn description(&self) -> Description {
        let s = &self.settings;
        let description = Description::new("quic")
            .arg(self.port)
            .option("interface", &self.interface)
            .option("certificate", s.certificate.display())
            .option_some("privateKey", s.private_key.as_ref().map(|p| p.display()))
            .option_some("clientCA", s.client_ca.as_ref().map(|p| p.display()))
            .option("alpn", s.alpn.join(","))
            .seconds("idleTimeout", self.idle_timeout)
            .option("maxStreams", self.max_streams);
        let description = self.windows.describe(self.limits.describe(description));
        self.packets.describe(description)
    }
}

/// The accept loop's state: the endpoint, the counts attempts are judged by, and the queue
/// of accepted streams.
struct Server {
    endpoint: quinn::Endpoint,
    admission: Arc<Admission>,
    sender: mpsc::Sender<Connection>,
    local: SocketAddr,
}

impl Server {
    /// Judges each connection attempt and serves the accepted ones, each in its own task;
    /// ends when the listener is dropped.
    async fn accept_connections(self) {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                incoming = self.endpoint.accept() => match incoming {
                    Some(incoming) => {
                        let peer = incoming.remote_address();
                        let Some((slot, connecting)) = self.admit(incoming) else { continue };
                        let span = tracing::debug_span!("connection", %peer);
                        let serve = accept_streams(
                            slot,
                            connecting,
                            self.admission.limits().handshake_timeout,
                            self.sender.clone(),
                            self.local,
                        );
                        connections.spawn(serve.instrument(span));
                    }
                    None => return,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = self.sender.closed() => return,
            }
        }
    }

    /// Answers an attempt the admission refuses or wants validated; returns the accepted
    /// one's slot and connecting handshake.
    fn admit(&self, incoming: quinn::Incoming) -> Option<(Slot, quinn::Connecting)> {
        let peer = incoming.remote_address();
        // Before anything else: a refused address costs no count, no Retry, no handshake.
        if !self.admission.admits_address(peer) {
            incoming.refuse();
            return None;
        }
        let validated = incoming.remote_address_validated();
        match self.admission.judge(peer.ip(), validated) {
            Verdict::Accept(slot) => match incoming.accept() {
                Ok(connecting) => Some((slot, connecting)),
                Err(error) => {
                    tracing::debug!(%peer, %error, "quic attempt failed at once");
                    None
                }
            },
            Verdict::Retry => {
                tracing::trace!(%peer, "asking a quic attempt to validate its address");
                // Only an attempt that already carries a Retry token cannot be retried, and
                // such an attempt is validated, so never asked: refuse it should it happen.
                if let Err(error) = incoming.retry() {
                    error.into_incoming().refuse();
                }
                None
            }
            Verdict::Refuse(reason) => {
                tracing::debug!(%peer, reason, "refusing a quic attempt");
                incoming.refuse();
                None
            }
        }
    }
}

/// Completes one handshake within `limit`, then hands each stream the peer opens to the
/// listener; the slot counts the connection until it ends.
async fn accept_streams(
    mut slot: Slot,
    connecting: quinn::Connecting,
    limit: Duration,
    sender: mpsc::Sender<Connection>,
    local: SocketAddr,
) {
    // Dropping `connecting` on timeout closes the connection: quinn's idle timeout does not
    // bound a handshake when it is off (`idleTimeout=0`), this does.
    let connection = match tokio::time::timeout(limit, connecting).await {
        Ok(Ok(connection)) => connection,
        Ok(Err(error)) => {
            let error = endpoint_core::printable(&error.to_string()).into_owned();
            tracing::debug!(%error, "quic handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!(?limit, "quic handshake timed out");
            return;
        }
    };
    slot.established();
    tracing::debug!(id = connection.stable_id(), "quic connection up");
    let peer = canonical(connection.remote_address());
    let local = SocketAddr::new(connection.local_ip().unwrap_or(local.ip()), local.port());
    loop {
        let (send, recv) = match connection.accept_bi().await {
            Ok(stream) => stream,
            Err(error) => {
                // A peer's close reason is its own text.
                let error = endpoint_core::printable(&error.to_string()).into_owned();
                tracing::debug!(%error, "quic connection ended");
                return;
            }
        };
        let stream_id = u64::from(send.id());
        let mut info = ConnectionInfo::new("quic", canonical(local).into(), peer.into());
        info::insert(&mut info, &connection, stream_id, None);
        let stream = Connection::new(QuicStream::new(send, recv, None), info);
        if sender.send(stream).await.is_err() {
            return;
        }
    }
}

/// The accepting half of a bound QUIC endpoint.
struct QuicAccept {
    endpoint: quinn::Endpoint,
    receiver: mpsc::Receiver<Connection>,
    local: SocketAddr,
    admission: Arc<Admission>,
    task: tokio::task::JoinHandle<()>,
}

impl Accept for QuicAccept {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        self.receiver
            .poll_recv(cx)
            .map(|next| next.ok_or_else(|| io::Error::other("the QUIC endpoint stopped accepting")))
    }

    fn local_address(&self) -> Address {
        Address::Inet(self.local)
    }

    /// A QUIC connection, not a stream, counts against `maxConnections=`: from its first
    /// packet, through its handshake, until it ends (its streams are bounded by
    /// `maxStreams`).
    fn limit_connections(&mut self, max: usize) -> bool {
        self.admission.limit_connections(max);
        true
    }

    /// QUIC's handshakes happen here, not in the listener: `maxHandshakes=`,
    /// `maxHandshakesPerSource=` and `maxHandshakeTime=` bound them (with QUIC's own
    /// defaults, 256 and 16, for those not given).
    fn limit_handshakes(&mut self, limits: endpoint_core::HandshakeLimits) -> bool {
        self.admission.limit_handshakes(limits);
        true
    }

    fn live_connections(&self) -> Option<usize> {
        self.admission.live_connections()
    }

    /// `allow=`/`deny=` are judged on an attempt's first packet, before its handshake: a
    /// refused address gets CONNECTION_REFUSED and costs no handshake state.
    fn admit_by_address(&mut self, gate: &endpoint_core::Gate) -> bool {
        self.admission.admit_by_address(gate);
        true
    }
}

impl Drop for QuicAccept {
    fn drop(&mut self) {
        // Refuse new connections; accepted streams keep theirs (and the socket) alive.
        self.endpoint.set_server_config(None);
        self.task.abort();
    }
}

/// Shows an IPv4 peer of a dual-stack socket as IPv4, not as `::ffff:a.b.c.d`.
fn canonical(address: SocketAddr) -> SocketAddr {
    SocketAddr::new(address.ip().to_canonical(), address.port())
}

impl fmt::Display for QuicServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}
