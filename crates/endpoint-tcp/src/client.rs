//! The `tcp` client endpoint.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description};
use endpoint_core::{
    Authority, BoxFuture, ClientEndpoint, Connection, ConnectionInfo, EgressPolicy, Error, Result,
};

use crate::happy_eyeballs::{race, sort_rfc8305};
use crate::socket_options::{SocketOptions, TcpSocketSettings};
use crate::specs::TCP_CLIENT_OPTIONS;

/// Turns a host name into addresses; replaceable so programs can plug in their own resolver
/// (and tests can make a name resolve to chosen loopback addresses).
pub trait Resolve: Send + Sync + 'static {
    /// Every address of `host`, in the resolver's order.
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;
}

/// The system resolver (`getaddrinfo`, run off the async threads by tokio).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        })
    }
}

/// Connects over TCP (`tcp:HOST:PORT:timeout=S:bindAddress=ADDR`).
///
/// A host name is resolved to every IPv6 and IPv4 address and the addresses are raced as
/// RFC 8305 says: families interleaved, a new attempt every 250 ms or as soon as one fails,
/// the first to connect wins and the others are closed. `timeout` bounds the whole attempt,
/// resolution included (Twisted bounds each address separately).
///
/// # Examples
/// ```
/// use endpoint_tcp::TcpClientEndpoint;
/// let e: TcpClientEndpoint = "tcp:example.com:443".parse().unwrap();
/// assert_eq!(e.to_string(), "tcp:example.com:443:timeout=30");
/// let e: TcpClientEndpoint = "tcp:[::1]:80:timeout=1.5:bindAddress=\\:\\:1".parse().unwrap();
/// assert_eq!(e.to_string(), r"tcp:\:\:1:80:timeout=1.5:bindAddress=\:\:1");
/// let e: TcpClientEndpoint = "tcp:host=h:80".parse().unwrap(); // one positional: the port
/// assert_eq!(e.to_string(), "tcp:h:80:timeout=30");
/// ```
#[derive(Clone)]
pub struct TcpClientEndpoint {
    host: String,
    port: u16,
    timeout: Duration,
    bind_address: Option<SocketAddr>,
    attempt_delay: Duration,
    nodelay: bool,
    socket: SocketOptions,
    resolver: Arc<dyn Resolve>,
    egress: Option<Arc<EgressPolicy>>,
}

impl TcpClientEndpoint {
    /// Connects to `host:port` with a 30 s deadline.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        TcpClientEndpoint {
            host: host.into(),
            port,
            timeout: declared_default(TCP_CLIENT_OPTIONS, "timeout"),
            bind_address: None,
            attempt_delay: Duration::from_millis(250),
            nodelay: declared_default(TCP_CLIENT_OPTIONS, "nodelay"),
            socket: SocketOptions::default(),
            resolver: Arc::new(SystemResolver),
            egress: None,
        }
    }

    /// Sets the deadline for the whole attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects from this local address (port 0: any port).
    pub fn bind_address(mut self, address: SocketAddr) -> Self {
        self.bind_address = Some(address);
        self
    }

    /// Sets the delay between starting attempts at successive addresses (default 250 ms).
    pub fn attempt_delay(mut self, delay: Duration) -> Self {
        self.attempt_delay = delay;
        self
    }

    /// Sets `TCP_NODELAY` on the connection (default on: small writes, TLS records and
    /// WebSocket frames go out at once instead of waiting for Nagle's algorithm).
    pub fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// Sets the socket options (`keepalive=`, `rcvbuf=`, `userTimeout=`, ...), applied to
    /// every socket before it connects; see [`SocketOptions`] (`v6only` does not apply to
    /// clients).
    pub fn socket_options(mut self, options: SocketOptions) -> Self {
        self.socket = options;
        self
    }

    /// Sets tcp's client socket option group at once (`nodelay` and the [`SocketOptions`]), as
    /// [`TcpSocketSettings::from_args`] read it (`reuseport` does not apply to clients).
    pub fn socket(self, group: TcpSocketSettings) -> Self {
        self.nodelay(group.nodelay).socket_options(group.options)
    }

    /// The socket options set before connecting.
    pub fn options(&self) -> &SocketOptions {
        &self.socket
    }

    /// Resolves names with `resolver` instead of the system's.
    pub fn resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Connects only to addresses `policy` allows: every resolved address is checked, the
    /// refused ones are skipped, and when none is left the attempt fails naming the address
    /// and the rule. (A registry with an egress policy sets this on every tcp client it
    /// builds.)
    pub fn egress(mut self, policy: EgressPolicy) -> Self {
        self.egress = Some(Arc::new(policy));
        self
    }

    /// The host to connect to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Builds the endpoint from a `tcp` client description's arguments.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        let authority = args.host_and_port()?;
        let mut endpoint = TcpClientEndpoint::new(authority.host(), authority.port());
        endpoint.timeout = args.get("timeout")?;
        endpoint.bind_address = args
            .get_optional_with("bindAddress", parse_bind_address)?
            .flatten();
        let socket = TcpSocketSettings::from_args(&mut args)?;
        endpoint.nodelay = socket.nodelay;
        endpoint.socket = socket.options;
        endpoint.egress = args.registry().egress().cloned().map(Arc::new);
        args.finish()?;
        Ok(endpoint)
    }

    async fn attempt(&self) -> Result<Connection> {
        let literal = self.host.parse::<IpAddr>().ok();
        let addresses = match literal {
            Some(ip) => vec![SocketAddr::new(ip, self.port)],
            None => self
                .resolver
                .resolve(&self.host, self.port)
                .await
                .map_err(|e| Error::io("resolve", self, e))?,
        };
        let mut addresses = sort_rfc8305(addresses);
        if let Some(policy) = &self.egress {
            let mut refused = None;
            addresses.retain(|a| match policy.check(a.ip()) {
                Ok(()) => true,
                Err(refusal) => {
                    tracing::debug!(endpoint = %self, %refusal, "skipping a guarded address");
                    refused.get_or_insert(refusal);
                    false
                }
            });
            if let (true, Some(refusal)) = (addresses.is_empty(), refused) {
                return Err(Error::io(
                    "connect to",
                    self,
                    io::Error::new(io::ErrorKind::PermissionDenied, refusal),
                ));
            }
        }
        if let Some(bind) = self.bind_address {
            addresses.retain(|a| a.is_ipv6() == bind.is_ipv6());
        }
        if addresses.is_empty() {
            let family = match self.bind_address {
                Some(b) if b.is_ipv6() => " of the bindAddress's family (IPv6)",
                Some(_) => " of the bindAddress's family (IPv4)",
                None => "",
            };
            let reason = format!("host {:?} has no addresses{family}", self.host);
            return Err(Error::io(
                "connect to",
                self,
                io::Error::new(io::ErrorKind::NotFound, reason),
            ));
        }
        let (stream, peer) = race(
            addresses,
            self.bind_address,
            &self.socket,
            self.attempt_delay,
        )
        .await
        .map_err(|e| Error::io("connect to", self, e))?;
        let local = stream
            .local_addr()
            .map_err(|e| Error::io("connect to", self, e))?;
        tracing::debug!(endpoint = %self, %local, %peer, "connected");
        if self.nodelay {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        }
        Ok(Connection::new(
            stream,
            ConnectionInfo::new("tcp", local.into(), peer.into()),
        ))
    }
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// Parses a `bindAddress` value: an IP literal (port 0) or `IP:PORT` (`[v6]:PORT`); empty
/// means no bind address (`None`), as in Twisted, where `bindAddress=` binds to `("", 0)`.
///
/// # Errors
/// A message saying what was expected, for [`Args::convert`].
///
/// # Examples
/// ```
/// use endpoint_tcp::parse_bind_address;
/// assert_eq!(parse_bind_address("::1").unwrap(), Some("[::1]:0".parse().unwrap()));
/// assert_eq!(parse_bind_address("").unwrap(), None);
/// assert!(parse_bind_address("localhost").is_err());
/// ```
pub fn parse_bind_address(text: &str) -> Result<Option<SocketAddr>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(ip) = strip_brackets(text).parse::<IpAddr>() {
        return Ok(Some(SocketAddr::new(ip, 0)));
    }
    text.parse::<SocketAddr>().map(Some).map_err(|_| {
        format!("is not an IP address or IP:PORT: \"{text}\" (host names are not resolved here)")
    })
}

impl ClientEndpoint for TcpClientEndpoint {
    /// Connects within `timeout`.
    ///
    /// # Cancel safety
    /// Dropping the future closes every socket the race opened.
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
        let bind = self.bind_address.map(|a| {
            if a.port() == 0 {
                a.ip().to_string()
            } else {
                a.to_string()
            }
        });
        let text = Description::new("tcp")
            .arg(&self.host)
            .arg(self.port)
            .seconds("timeout", self.timeout)
            .option_some("bindAddress", bind)
            .option_some("nodelay", (!self.nodelay).then_some(0));
        self.socket.write(text)
    }
}

impl fmt::Display for TcpClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl fmt::Debug for TcpClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpClientEndpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .field("bind_address", &self.bind_address)
            .field("attempt_delay", &self.attempt_delay)
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

impl PartialEq for TcpClientEndpoint {
    /// Endpoints are equal when their descriptions are (the resolver is not compared).
    fn eq(&self, other: &Self) -> bool {
        (
            &self.host,
            self.port,
            self.timeout,
            self.bind_address,
            self.attempt_delay,
            self.nodelay,
            &self.socket,
        ) == (
            &other.host,
            other.port,
            other.timeout,
            other.bind_address,
            other.attempt_delay,
            other.nodelay,
            &other.socket,
        )
    }
}
