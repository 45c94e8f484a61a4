//! The `tcp` and `tcp6` server endpoints.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::task::{Context, Poll};

use endpoint_core::description::{declared_default, Args, Description};
use endpoint_core::{
    Accept, Address, BoxFuture, Connection, ConnectionInfo, Error, Listener, Result, ServerEndpoint,
};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;

use crate::socket_options::{write_flags, SocketOptions, TcpSocketSettings};
use crate::specs::{TCP6_SERVER_OPTIONS, TCP_SERVER_OPTIONS};

/// Which kind a TCP server was written as; it decides the default interface, the positional
/// order and the canonical text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpFamily {
    /// `tcp`: positionals port, interface, backlog; default interface `""` (all IPv4).
    Tcp,
    /// `tcp6`: positionals port, backlog, interface; default interface `::`.
    Tcp6,
}

/// Listens on a TCP port (`tcp:PORT:interface=ADDR:backlog=N`, `tcp6:PORT`).
///
/// The interface is not resolved while parsing (as in Twisted): an IP literal is used as is,
/// an IPv6 literal switches to IPv6, and a host name is resolved at `bind`. `SO_REUSEADDR` is
/// set; `IPV6_V6ONLY` is left to the system (dual-stack `::` on Linux).
///
/// # Examples
/// ```
/// use endpoint_tcp::TcpServerEndpoint;
/// let e: TcpServerEndpoint = "tcp:8080".parse().unwrap();
/// assert_eq!(e.to_string(), "tcp:8080:interface=:backlog=50");
/// let e: TcpServerEndpoint = r"tcp6:80:10:\:\:1".parse().unwrap();
/// assert_eq!(e.to_string(), r"tcp6:80:backlog=10:interface=\:\:1");
/// let e = TcpServerEndpoint::new(0).interface("127.0.0.1").backlog(128).reuseport(true);
/// assert_eq!(e.to_string(), "tcp:0:interface=127.0.0.1:backlog=128:reuseport=1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpServerEndpoint {
    family: TcpFamily,
    port: u16,
    interface: String,
    backlog: u32,
    reuseport: bool,
    nodelay: bool,
    socket: SocketOptions,
}

impl TcpServerEndpoint {
    /// `tcp:PORT` with Twisted's defaults (all IPv4 interfaces, backlog 50).
    pub fn new(port: u16) -> Self {
        TcpServerEndpoint {
            family: TcpFamily::Tcp,
            port,
            interface: declared_default(TCP_SERVER_OPTIONS, "interface"),
            backlog: declared_default(TCP_SERVER_OPTIONS, "backlog"),
            reuseport: declared_default(TCP_SERVER_OPTIONS, "reuseport"),
            nodelay: declared_default(TCP_SERVER_OPTIONS, "nodelay"),
            socket: SocketOptions::default(),
        }
    }

    /// `tcp6:PORT` with Twisted's defaults (`::`, backlog 50).
    pub fn new_v6(port: u16) -> Self {
        TcpServerEndpoint {
            family: TcpFamily::Tcp6,
            interface: declared_default(TCP6_SERVER_OPTIONS, "interface"),
            ..Self::new(port)
        }
    }

    /// Sets the interface (an IP literal or a host name; `""` means every IPv4 address).
    pub fn interface(mut self, interface: impl Into<String>) -> Self {
        self.interface = interface.into();
        self
    }

    /// Sets the listen backlog.
    pub fn backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }

    /// Sets `SO_REUSEPORT`.
    pub fn reuseport(mut self, reuseport: bool) -> Self {
        self.reuseport = reuseport;
        self
    }

    /// Sets `TCP_NODELAY` on accepted connections (default on: small writes, TLS records and
    /// WebSocket frames go out at once instead of waiting for Nagle's algorithm).
    pub fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// Sets the socket options (`keepalive=`, `rcvbuf=`, `fastOpen=`, ...); see
    /// [`SocketOptions`].
    pub fn socket_options(mut self, options: SocketOptions) -> Self {
        self.socket = options;
        self
    }

    /// Sets tcp's whole socket option group at once (`reuseport`, `nodelay` and the
    /// [`SocketOptions`]), as [`TcpSocketSettings::from_args`] read it.
    pub fn socket(self, group: TcpSocketSettings) -> Self {
        self.reuseport(group.reuseport)
            .nodelay(group.nodelay)
            .socket_options(group.options)
    }

    /// The socket options set on the listening socket (accepted sockets inherit them).
    pub fn options(&self) -> &SocketOptions {
        &self.socket
    }

    /// The port asked for (0 means any).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Builds the endpoint from a `tcp` or `tcp6` server description's arguments.
    pub(crate) fn from_args(mut args: Args, family: TcpFamily) -> Result<Self> {
        let (backlog_at, interface_at) = match family {
            TcpFamily::Tcp => (2, 1),
            TcpFamily::Tcp6 => (1, 2),
        };
        args.at_most_positionals(3, "port, interface, backlog")?;
        let port = args.get_param("port", 0)?;
        let interface = args.get_param("interface", interface_at)?;
        let backlog = args.get_param("backlog", backlog_at)?;
        let socket = TcpSocketSettings::from_args(&mut args)?;
        args.finish()?;
        let mut endpoint = match family {
            TcpFamily::Tcp => Self::new(port),
            TcpFamily::Tcp6 => Self::new_v6(port),
        };
        endpoint.interface = interface;
        Ok(endpoint.backlog(backlog).socket(socket))
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
        let mut candidates = found.by_ref().collect::<Vec<_>>();
        if self.family == TcpFamily::Tcp {
            candidates.sort_by_key(|a| a.is_ipv6());
        }
        candidates.into_iter().next().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("interface {:?} has no address", self.interface),
            )
        })
    }

    fn listen_socket(&self, address: SocketAddr) -> io::Result<TcpListener> {
        if let Some(handed) = endpoint_core::handover::take(address) {
            // A listener on this address is being replaced: keep its socket (and the
            // connections in its backlog); only the options may have changed.
            let socket = Socket::from(handed);
            if self.reuseport {
                socket.set_reuse_port(true)?;
            }
            self.socket
                .apply_to_bound_listener(&socket, address.is_ipv6())?;
            if NODELAY_INHERITED {
                socket.set_nodelay(self.nodelay)?;
            }
            // Listening again sets the new backlog.
            socket.listen(i32::try_from(self.backlog).unwrap_or(i32::MAX))?;
            socket.set_nonblocking(true)?;
            tracing::debug!(%address, "took over a handed-over listening socket");
            return TcpListener::from_std(socket.into());
        }
        let socket = Socket::new(
            Domain::for_address(address),
            Type::STREAM,
            Some(Protocol::TCP),
        )?;
        socket.set_reuse_address(true)?;
        if self.reuseport {
            socket.set_reuse_port(true)?;
        }
        self.socket.apply_to_listener(&socket, address.is_ipv6())?;
        if self.nodelay && NODELAY_INHERITED {
            // Accepted sockets inherit it: no system call per connection.
            socket.set_nodelay(true)?;
        }
        socket.bind(&address.into())?;
        socket.listen(i32::try_from(self.backlog).unwrap_or(i32::MAX))?;
        socket.set_nonblocking(true)?;
        TcpListener::from_std(socket.into())
    }
}

impl ServerEndpoint for TcpServerEndpoint {
    /// Binds and listens.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes closes the socket it made.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let listen = async {
                let address = self.address().await?;
                let listener = self.listen_socket(address)?;
                let local = listener.local_addr()?;
                Ok::<_, io::Error>(TcpAccept {
                    listener,
                    local,
                    nodelay: true,
                })
            };
            let mut accept = listen.await.map_err(|e| Error::io("listen on", self, e))?;
            accept.nodelay = self.nodelay && !NODELAY_INHERITED;
            tracing::debug!(endpoint = %self, local = %accept.local, "listening");
            Ok(Listener::new(accept, self))
        })
    }

    fn description(&self) -> Description {
        let text = match self.family {
            TcpFamily::Tcp => Description::new("tcp")
                .arg(self.port)
                .option("interface", &self.interface)
                .option("backlog", self.backlog),
            TcpFamily::Tcp6 => Description::new("tcp6")
                .arg(self.port)
                .option("backlog", self.backlog)
                .option("interface", &self.interface),
        };
        self.socket
            .write(write_flags(text, self.reuseport, self.nodelay))
    }
}

impl fmt::Display for TcpServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

/// Linux copies `TCP_NODELAY` from a listening socket to the sockets it accepts; elsewhere it
/// is set on each accepted socket.
const NODELAY_INHERITED: bool = cfg!(target_os = "linux");

/// The accepting half of a bound TCP socket.
struct TcpAccept {
    listener: TcpListener,
    local: SocketAddr,
    /// Set `TCP_NODELAY` on each accepted socket (where it is not inherited).
    nodelay: bool,
}

impl Accept for TcpAccept {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        self.listener.poll_accept(cx).map_ok(|(stream, peer)| {
            if self.nodelay {
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY");
                }
            }
            // Bound to one address, the local end is known; bound to a wildcard, ask.
            let local = if self.local.ip().is_unspecified() {
                stream.local_addr().unwrap_or(self.local)
            } else {
                self.local
            };
            let local = canonical(local);
            let peer = canonical(peer);
            Connection::new(
                stream,
                ConnectionInfo::new("tcp", local.into(), peer.into()),
            )
        })
    }

    fn local_address(&self) -> Address {
        Address::Inet(self.local)
    }

    fn listening_sockets(&self) -> Vec<(SocketAddr, std::os::fd::BorrowedFd<'_>)> {
        use std::os::fd::AsFd;
        vec![(self.local, self.listener.as_fd())]
    }
}

/// Shows an IPv4 client of a dual-stack socket as IPv4, not as `::ffff:a.b.c.d`.
fn canonical(address: SocketAddr) -> SocketAddr {
    SocketAddr::new(address.ip().to_canonical(), address.port())
}
