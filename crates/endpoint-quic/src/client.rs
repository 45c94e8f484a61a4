//! The `quic` client: a stream per connect, over one QUIC connection per endpoint.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description};
use endpoint_core::{
    Authority, BoxFuture, ClientEndpoint, Connection, ConnectionInfo, EgressPolicy, Error, Result,
};
use endpoint_tls::TlsClientSettings;
use tokio::sync::{watch, Mutex};

use crate::error::{connect_failed, RecordingVerifier};
use crate::info;
use crate::specs::QUIC_CLIENT_OPTIONS;
use crate::stream::{OpenStream, QuicStream};
use crate::transport;

/// Connects over QUIC (`quic:HOST:PORT`); each `connect` opens a new bidirectional stream.
///
/// The first `connect` resolves the host, makes the QUIC connection (TLS 1.3 handshake,
/// verifying the server against `trustRoots=` or the platform's roots, for `hostname=` or
/// the host) and keeps it; later connects open streams on it while it lives, and make a new
/// one when it has closed. Concurrent connects share one handshake.
///
/// **Idle connections.** While a stream is open the client sends a keep-alive PING every
/// third of `idleTimeout` (at most every 10 s), so a quiet stream stays up and a peer that
/// vanished is noticed within `idleTimeout`: reads and writes then fail with `TimedOut`.
/// When the last stream closes, the connection is kept `idleTimeout` longer for the next
/// connect, then closed.
///
/// **What the server sees.** QUIC announces a stream with its first frame: the server
/// accepts the stream when this side first writes (or finishes) it, not at `connect`.
///
/// 0-RTT is off: every new connection completes its handshake before a stream opens, so
/// nothing sent can be replayed. The endpoint's UDP socket (one per address family, on an
/// ephemeral port) lives as long as the endpoint and its clones.
///
/// # Examples
/// ```
/// use endpoint_quic::QuicClientEndpoint;
/// let e: QuicClientEndpoint = "quic:example.com:4433".parse().unwrap();
/// assert_eq!(e.to_string(), "quic:example.com:4433:alpn=endpoints:idleTimeout=30:timeout=30:maxUdpPayload=1452");
/// let e: QuicClientEndpoint = "quic:[::1]:443:hostname=api:alpn=h3:idleTimeout=5".parse().unwrap();
/// assert_eq!(e.to_string(), r"quic:\:\:1:443:hostname=api:alpn=h3:idleTimeout=5:timeout=30:maxUdpPayload=1452");
/// ```
#[derive(Clone)]
pub struct QuicClientEndpoint {
    host: String,
    port: u16,
    /// Written `hostname=`, kept for the canonical text.
    hostname: Option<String>,
    settings: TlsClientSettings,
    idle_timeout: Duration,
    timeout: Duration,
    egress: Option<Arc<EgressPolicy>>,
    packets: transport::Packets,
    shared: Arc<Shared>,
}

/// What the clones of one endpoint share: the sockets and the live connection.
struct Shared {
    config: quinn::ClientConfig,
    verifier: Option<Arc<RecordingVerifier>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    v4: Option<quinn::Endpoint>,
    v6: Option<quinn::Endpoint>,
    live: Option<Live>,
}

/// The connection streams are opened on, and its count of open streams.
#[derive(Clone)]
struct Live {
    connection: quinn::Connection,
    open: Arc<watch::Sender<usize>>,
    /// The address the system routes to the peer from (quinn reports the local IP of a
    /// connection only where the platform tells it), and the UDP socket's port.
    local_ip: IpAddr,
    local_port: u16,
}

impl QuicClientEndpoint {
    /// Connects to `host:port`, verifying `host` against the platform's roots, offering
    /// ALPN `endpoints`.
    ///
    /// # Errors
    /// [`Error::Handshake`] (layer `tls`) when the host is not a DNS name or IP address to verify, or the
    /// settings cannot be loaded.
    pub fn new(host: impl Into<String>, port: u16) -> Result<Self> {
        let host = host.into();
        let name = endpoint_tls::ascii_host(&host).map_err(|reason| {
            endpoint_tls::TlsProblem::Setup(format!("host {reason}")).into_error(None, None)
        })?;
        let mut settings = TlsClientSettings::new(name);
        settings.alpn = declared_default(QUIC_CLIENT_OPTIONS, "alpn");
        Self::assemble(
            (host, port, None),
            settings,
            declared_default(QUIC_CLIENT_OPTIONS, "idleTimeout"),
            declared_default(QUIC_CLIENT_OPTIONS, "timeout"),
            None,
            transport::Packets::defaults(),
        )
    }

    /// Builds the endpoint from the host, the port and the `hostname=` written (one tuple),
    /// and the settings parsed or defaulted.
    fn assemble(
        (host, port, hostname): (String, u16, Option<String>),
        settings: TlsClientSettings,
        idle_timeout: Duration,
        timeout: Duration,
        egress: Option<Arc<EgressPolicy>>,
        packets: transport::Packets,
    ) -> Result<Self> {
        let tls = settings.rustls_config()?;
        let mut rustls = tls.config;
        let verifier = tls.verifier.map(RecordingVerifier::new);
        if let Some(v) = &verifier {
            rustls.dangerous().set_certificate_verifier(v.clone());
        }
        let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(rustls)
            .map_err(|e| transport::setup_error("the TLS settings cannot run QUIC", e))?;
        let mut config = quinn::ClientConfig::new(Arc::new(crypto));
        config.transport_config(transport::config(
            idle_timeout,
            None,
            true,
            transport::Windows::defaults(),
            packets,
        )?);
        Ok(QuicClientEndpoint {
            host,
            port,
            hostname,
            settings,
            idle_timeout,
            timeout,
            egress,
            packets,
            shared: Arc::new(Shared {
                config,
                verifier,
                state: Mutex::new(State::default()),
            }),
        })
    }

    /// Builds the endpoint from a `quic` client description's arguments.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        let authority = args.host_and_port()?;
        let hostname = args.get_host_optional("hostname")?;
        let verify = match &hostname {
            Some(name) => endpoint_tls::ascii_host(name)
                .map_err(|reason| args.invalid("hostname", args.position_of("hostname"), reason))?,
            None => endpoint_tls::ascii_host(authority.host())
                .map_err(|reason| args.invalid("host", args.position_of("host"), reason))?,
        };
        let mut settings = TlsClientSettings::new(verify);
        let trust_roots: Option<String> = args.get_optional("trustRoots")?;
        let certificate: Option<String> = args.get_optional("certificate")?;
        let private_key: Option<String> = args.get_optional("privateKey")?;
        settings.trust_roots = trust_roots.as_ref().map(PathBuf::from);
        settings.certificate = certificate.as_ref().map(PathBuf::from);
        settings.private_key = private_key.as_ref().map(PathBuf::from);
        settings.alpn = args.get_with("alpn", endpoint_tls::parse_alpn)?;
        let idle_timeout = args.get("idleTimeout")?;
        let timeout = args.get("timeout")?;
        let egress = args.registry().egress().cloned().map(Arc::new);
        let packets = transport::Packets::from_args(&mut args)?;
        args.finish()?;
        if private_key.is_some() && certificate.is_none() {
            let reason = "needs certificate= (the key of which certificate?)".to_owned();
            return Err(args.invalid("privateKey", args.position_of("privateKey"), reason));
        }
        let files = [
            ("trustRoots", trust_roots),
            ("certificate", certificate),
            ("privateKey", private_key),
        ];
        Self::assemble(
            (authority.host().to_owned(), authority.port(), hostname),
            settings,
            idle_timeout,
            timeout,
            egress,
            packets,
        )
        .map_err(|e| transport::blame_option(&args, &files, e))
    }

    /// The host to connect to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The name verified in the server's certificate.
    pub fn hostname(&self) -> &str {
        &self.settings.hostname
    }

    /// Connects only to addresses `policy` allows. (A registry with an egress policy sets
    /// this on every quic client it builds.)
    pub fn egress(mut self, policy: EgressPolicy) -> Self {
        self.egress = Some(Arc::new(policy));
        self
    }

    /// The first address of the host that the egress policy allows.
    async fn address(&self) -> Result<SocketAddr> {
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        let found: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, self.port)],
            Err(_) => tokio::net::lookup_host((bare, self.port))
                .await
                .map_err(|e| Error::io("resolve", self, e))?
                .collect(),
        };
        let mut refused = None;
        for address in &found {
            match self.egress.as_deref().map(|p| p.check(address.ip())) {
                Some(Err(refusal)) => {
                    tracing::debug!(endpoint = %self, %refusal, "skipping a guarded address");
                    refused.get_or_insert(refusal);
                }
                _ => return Ok(*address),
            }
        }
        let error = match refused {
            Some(refusal) => io::Error::new(io::ErrorKind::PermissionDenied, refusal),
            None => io::Error::new(
                io::ErrorKind::NotFound,
                format!("host {:?} has no addresses", self.host),
            ),
        };
        Err(Error::io("connect to", self, error))
    }

    /// The live connection, or a new one (made while holding the lock, so concurrent
    /// connects share its handshake).
    async fn connection(&self) -> Result<Live> {
        let mut state = self.shared.state.lock().await;
        if let Some(live) = &state.live {
            if live.connection.close_reason().is_none() {
                return Ok(live.clone());
            }
        }
        state.live = None;
        if self.shared.verifier.is_none() {
            return Err(endpoint_tls::no_platform_roots());
        }
        let address = self.address().await?;
        let socket = if address.is_ipv6() {
            &mut state.v6
        } else {
            &mut state.v4
        };
        let endpoint = match socket {
            Some(endpoint) => endpoint.clone(),
            None => {
                let config = self.packets.endpoint_config()?;
                let endpoint = std::net::UdpSocket::bind(SocketAddr::new(any_ip(address), 0))
                    .and_then(|socket| {
                        quinn::Endpoint::new(config, None, socket, Arc::new(quinn::TokioRuntime))
                    })
                    .map_err(|e| Error::io("open a UDP socket for", self, e))?;
                socket.insert(endpoint).clone()
            }
        };
        let connecting = endpoint
            .connect_with(self.shared.config.clone(), address, self.hostname())
            .map_err(|e| {
                Error::io(
                    "connect to",
                    self,
                    io::Error::new(io::ErrorKind::InvalidInput, e),
                )
            })?;
        let connection = connecting.await.map_err(|e| {
            connect_failed(
                e,
                self,
                self.shared.verifier.as_deref(),
                self.hostname(),
                &self.settings.alpn,
            )
        })?;
        tracing::debug!(endpoint = %self, peer = %address, id = connection.stable_id(), "quic connection up");
        let (open, _) = watch::channel(0);
        let open = Arc::new(open);
        tokio::spawn(close_when_unused(
            connection.clone(),
            open.subscribe(),
            self.idle_timeout,
        ));
        let live = Live {
            connection,
            open,
            local_ip: route_source(address).unwrap_or(any_ip(address)),
            local_port: endpoint.local_addr().map_or(0, |a| a.port()),
        };
        state.live = Some(live.clone());
        Ok(live)
    }

    async fn attempt(&self) -> Result<Connection> {
        // A connection may close between the check and the stream: then try a new one once.
        let mut retried = false;
        loop {
            let Live {
                connection,
                open,
                local_ip,
                local_port,
            } = self.connection().await?;
            let guard = OpenStream::new(&open);
            match connection.open_bi().await {
                Ok((send, recv)) => {
                    let stream_id = u64::from(send.id());
                    let local_ip = connection.local_ip().unwrap_or(local_ip);
                    let local = SocketAddr::new(local_ip, local_port);
                    let mut info = ConnectionInfo::new(
                        "quic",
                        local.into(),
                        connection.remote_address().into(),
                    );
                    info::insert(&mut info, &connection, stream_id, Some(self.hostname()));
                    let stream = QuicStream::new(send, recv, Some(guard));
                    return Ok(Connection::new(stream, info));
                }
                Err(e) if !retried => {
                    let error = endpoint_core::printable(&e.to_string()).into_owned();
                    tracing::debug!(endpoint = %self, %error, "connection closed; reconnecting");
                    retried = true;
                }
                Err(e) => return Err(Error::io("open a stream to", self, io::Error::from(e))),
            }
        }
    }
}

/// The unspecified address of `peer`'s family.
fn any_ip(peer: SocketAddr) -> IpAddr {
    if peer.is_ipv6() {
        Ipv6Addr::UNSPECIFIED.into()
    } else {
        Ipv4Addr::UNSPECIFIED.into()
    }
}

/// The source address the system would use to reach `peer`: a connected UDP socket learns
/// it without sending anything.
fn route_source(peer: SocketAddr) -> Option<IpAddr> {
    let probe = std::net::UdpSocket::bind(SocketAddr::new(any_ip(peer), 0)).ok()?;
    probe.connect(peer).ok()?;
    Some(probe.local_addr().ok()?.ip())
}

/// Closes `connection` once it has had no open stream for `idle`; ends when it closes.
async fn close_when_unused(
    connection: quinn::Connection,
    mut open: watch::Receiver<usize>,
    idle: Duration,
) {
    if idle.is_zero() {
        return;
    }
    let watch = async {
        loop {
            if open.wait_for(|n| *n == 0).await.is_err() {
                return;
            }
            let reopened = tokio::time::timeout(idle, open.wait_for(|n| *n > 0)).await;
            if reopened.is_err() {
                tracing::debug!(
                    id = connection.stable_id(),
                    "closing an unused quic connection"
                );
                connection.close(0u32.into(), b"idle");
                return;
            }
        }
    };
    tokio::select! {
        () = watch => {}
        _ = connection.closed() => {}
    }
}

impl ClientEndpoint for QuicClientEndpoint {
    /// Opens a new bidirectional stream, on the live QUIC connection or a new one, within
    /// `timeout`.
    ///
    /// # Cancel safety
    /// Dropping the future abandons the attempt; a handshake it started is dropped too (the
    /// next connect starts again), and a stream it opened is closed.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(endpoint_core::with_timeout(
            self.timeout,
            "connect to",
            self,
            self.attempt(),
        ))
    }

    fn authority(&self) -> Option<Authority> {
        Some(Authority::new(self.host.as_str(), self.port))
    }

    fn description(&self) -> Description {
        let s = &self.settings;
        Description::new("quic")
            .arg(&self.host)
            .arg(self.port)
            .option_some("hostname", self.hostname.as_ref())
            .option_some("trustRoots", s.trust_roots.as_ref().map(|p| p.display()))
            .option_some("certificate", s.certificate.as_ref().map(|p| p.display()))
            .option_some("privateKey", s.private_key.as_ref().map(|p| p.display()))
            .option("alpn", s.alpn.join(","))
            .seconds("idleTimeout", self.idle_timeout)
            .seconds("timeout", self.timeout)
            .option("maxUdpPayload", self.packets.max)
    }
}

impl fmt::Display for QuicClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl fmt::Debug for QuicClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuicClientEndpoint")
            .field("description", &self.to_string())
            .finish_non_exhaustive()
    }
}

impl PartialEq for QuicClientEndpoint {
    /// Equal when their description values are (secrets and inner endpoints included).
    fn eq(&self, other: &Self) -> bool {
        self.description() == other.description()
    }
}
