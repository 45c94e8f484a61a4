//! What went wrong in a proxy handshake: the stage, the problem, the proxy.

use std::fmt;
use std::io;

use endpoint_core::{printable, Authority};

/// The step of a proxy handshake that failed or stalled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// SOCKS5: choosing an authentication method.
    Greeting,
    /// SOCKS5 username/password (RFC 1929); HTTP: the proxy asked for credentials (407).
    Auth,
    /// SOCKS5 `CONNECT` or HTTP `CONNECT`: asking the proxy for the target.
    ConnectRequest,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Greeting => "greeting",
            Stage::Auth => "auth",
            Stage::ConnectRequest => "connect request",
        })
    }
}

/// What a proxy answered, or failed to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyProblem {
    /// SOCKS5: the proxy accepts none of the authentication methods offered (`0xFF`).
    NoAcceptableMethod {
        /// The methods offered, in words.
        offered: Vec<&'static str>,
    },
    /// The proxy rejected the user name and password (SOCKS5 auth status, HTTP 407 with
    /// credentials sent).
    BadCredentials,
    /// The proxy wants credentials and the description gives none (HTTP 407 without
    /// `user=`).
    CredentialsRequired,
    /// A SOCKS5 reply other than success (RFC 1928 §6).
    Reply {
        /// The `REP` field.
        code: u8,
    },
    /// An HTTP status other than 2xx.
    Status {
        /// The status code.
        code: u16,
        /// The reason phrase the proxy sent.
        reason: String,
    },
    /// The proxy closed the connection before its answer was complete.
    Closed,
    /// The answer is not the protocol (wrong version, a header too long, ...).
    Malformed(String),
    /// The connection to the proxy failed mid-handshake (the OS error is the source).
    ConnectionLost,
}

impl ProxyProblem {
    /// The `io::ErrorKind` this problem is reported with, so `Error::io_kind()` tells a
    /// refused target (`ConnectionRefused`) from bad credentials (`PermissionDenied`).
    pub fn io_kind(&self) -> io::ErrorKind {
        match self {
            ProxyProblem::NoAcceptableMethod { .. }
            | ProxyProblem::BadCredentials
            | ProxyProblem::CredentialsRequired => io::ErrorKind::PermissionDenied,
            ProxyProblem::Reply { code } => match code {
                2 => io::ErrorKind::PermissionDenied,
                3 => io::ErrorKind::NetworkUnreachable,
                4 => io::ErrorKind::HostUnreachable,
                5 => io::ErrorKind::ConnectionRefused,
                6 => io::ErrorKind::TimedOut,
                7 | 8 => io::ErrorKind::Unsupported,
                _ => io::ErrorKind::Other,
            },
            ProxyProblem::Status { code, .. } => match code {
                401 | 403 | 407 => io::ErrorKind::PermissionDenied,
                502 | 503 => io::ErrorKind::ConnectionRefused,
                504 => io::ErrorKind::TimedOut,
                _ => io::ErrorKind::Other,
            },
            ProxyProblem::Closed => io::ErrorKind::UnexpectedEof,
            ProxyProblem::Malformed(_) => io::ErrorKind::InvalidData,
            ProxyProblem::ConnectionLost => io::ErrorKind::BrokenPipe,
        }
    }
}

/// The meaning of a SOCKS5 `REP` code (RFC 1928 §6).
pub(crate) fn reply_meaning(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by the proxy's rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused by the target",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

impl fmt::Display for ProxyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyProblem::NoAcceptableMethod { offered } => write!(
                f,
                "the proxy accepts none of the authentication methods offered ({})",
                offered.join(", ")
            ),
            ProxyProblem::BadCredentials => {
                f.write_str("the proxy rejected the user name and password")
            }
            ProxyProblem::CredentialsRequired => {
                f.write_str("the proxy requires credentials (write user= and password=)")
            }
            ProxyProblem::Reply { code } => write!(f, "{} (reply {code})", reply_meaning(*code)),
            ProxyProblem::Status { code, reason } => {
                let meaning = match code {
                    403 => "the proxy refused the target",
                    502 => "the proxy could not reach the target",
                    503 => "the proxy could not reach the target",
                    504 => "the proxy timed out reaching the target",
                    _ => "the proxy refused",
                };
                write!(f, "{meaning} ({code} {})", printable(reason))
            }
            ProxyProblem::Closed => f.write_str("the proxy closed the connection"),
            ProxyProblem::Malformed(what) => write!(f, "the proxy's answer is malformed: {what}"),
            ProxyProblem::ConnectionLost => f.write_str("the connection to the proxy failed"),
        }
    }
}

/// A proxy handshake failure: which proxy, which stage, for which target, and what went
/// wrong. It is the source of the [`Error::Io`](endpoint_core::Error::Io) a proxy layer's
/// `connect` returns, whose `io_kind()` is [`ProxyProblem::io_kind`]; find it with
/// `std::error::Error::source` and `downcast_ref::<ProxyError>()`.
#[derive(Debug)]
#[non_exhaustive]
pub struct ProxyError {
    /// `socks5` or `httpconnect`.
    pub protocol: &'static str,
    /// The proxy's description, secrets masked.
    pub proxy: String,
    /// The target asked for.
    pub target: Authority,
    /// Where the handshake failed.
    pub stage: Stage,
    /// What went wrong.
    pub problem: ProxyProblem,
    /// The OS error, for [`ProxyProblem::ConnectionLost`].
    pub source: Option<io::Error>,
}

impl ProxyError {
    /// The proxy failure behind an error from a proxy layer's `connect`, if that is what it
    /// is: the same as `error.find::<ProxyError>()`
    /// ([`Error::find`](endpoint_core::Error::find)), which looks through
    /// [`Error::Io`](endpoint_core::Error::Io)'s `io::Error` to this.
    ///
    /// # Examples
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use endpoint_proxy::{ProxyError, ProxyProblem, Stage};
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// // A SOCKS5 proxy whose target refuses: reply 5.
    /// let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let port = proxy.local_addr()?.port();
    /// tokio::spawn(async move {
    ///     let (mut s, _) = proxy.accept().await?;
    ///     let mut buf = [0; 3 + 10];
    ///     s.read_exact(&mut buf[..3]).await?;
    ///     s.write_all(&[5, 0]).await?;
    ///     s.read_exact(&mut buf[3..]).await?;
    ///     s.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    ///     Ok::<_, std::io::Error>(())
    /// });
    ///
    /// let text = format!(r"socks5+tcp:192.0.2.7:25:proxy=tcp\:127.0.0.1\:{port}");
    /// let error = endpoints::client_from_string(&text)?.connect().await.unwrap_err();
    /// assert_eq!(error.io_kind(), Some(std::io::ErrorKind::ConnectionRefused));
    /// let cause = ProxyError::find(&error).unwrap();
    /// assert_eq!((cause.stage, &cause.problem), (Stage::ConnectRequest, &ProxyProblem::Reply { code: 5 }));
    /// assert_eq!(
    ///     cause.to_string(),
    ///     format!("connect request with socks5 proxy \"tcp:127.0.0.1:{port}:timeout=30\" for 192.0.2.7:25 failed: connection refused by the target (reply 5)")
    /// );
    /// # Ok(()) }
    /// ```
    pub fn find(error: &endpoint_core::Error) -> Option<&ProxyError> {
        error.find::<ProxyError>()
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} with {} proxy \"{}\" for {} failed: {}",
            self.stage, self.protocol, self.proxy, self.target, self.problem
        )
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// A handshake step's failure, before it is given the proxy's name.
#[derive(Debug)]
pub(crate) enum Failure {
    Problem(ProxyProblem),
    Io(io::Error),
}

impl From<ProxyProblem> for Failure {
    fn from(problem: ProxyProblem) -> Self {
        Failure::Problem(problem)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Failure::Problem(ProxyProblem::Closed)
        } else {
            Failure::Io(e)
        }
    }
}
