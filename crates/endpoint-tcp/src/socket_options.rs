//! Socket options given by string (`keepalive=`, `rcvbuf=`, `sndbuf=`, `v6only=`,
//! `userTimeout=`, `bindToDevice=`, `fastOpen=`): parsed once from a description, applied
//! with socket2 before bind or connect. Linux copies every one of them from a listening
//! socket to the sockets it accepts (`tests/tcp_socket_options.rs` checks each on an accepted
//! socket), so nothing is set per accept.

use std::fmt;
use std::io;
use std::time::Duration;

use endpoint_core::description::{
    declared_default, parse_integer, parse_seconds, Args, Description,
};
use endpoint_core::Result;
use socket2::{Socket, TcpKeepalive};

/// `SO_KEEPALIVE` and its timers (`keepalive=IDLE[,INTERVAL[,COUNT]]`, `keepalive=0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keepalive {
    /// `keepalive=0` (or `no`): `SO_KEEPALIVE` off, explicitly.
    Off,
    /// `SO_KEEPALIVE` on: the first probe after `idle` seconds without traffic
    /// (`TCP_KEEPIDLE`), then one every `interval` (`TCP_KEEPINTVL`), giving up after `count`
    /// unanswered probes (`TCP_KEEPCNT`); the system's values for the ones not given.
    On {
        /// Idle time before the first probe.
        idle: Duration,
        /// Time between probes.
        interval: Option<Duration>,
        /// Unanswered probes before the connection is dropped.
        count: Option<u32>,
    },
}

impl Keepalive {
    /// Keepalive on after `idle` seconds, the system's interval and count.
    pub fn after(idle: Duration) -> Self {
        Keepalive::On {
            idle,
            interval: None,
            count: None,
        }
    }

    /// Parses `IDLE[,INTERVAL[,COUNT]]` (whole seconds, seconds, probes; each at least 1), or
    /// `0`/`no` for off.
    ///
    /// # Errors
    /// A message saying what was expected, for [`Args::convert`].
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use endpoint_tcp::Keepalive;
    /// assert_eq!(Keepalive::parse("0"), Ok(Keepalive::Off));
    /// assert_eq!(Keepalive::parse("60"), Ok(Keepalive::after(Duration::from_secs(60))));
    /// assert_eq!(Keepalive::parse("60,10,5")?.to_string(), "60,10,5");
    /// assert!(Keepalive::parse("60,,5").is_err());
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "0" || text.eq_ignore_ascii_case("no") {
            return Ok(Keepalive::Off);
        }
        let expected = || {
            format!(
                "is not IDLE[,INTERVAL[,COUNT]]: \"{text}\" (whole seconds, seconds and a probe \
                 count, each at least 1, like 60 or 60,10,5; 0 turns keepalive off)"
            )
        };
        let mut numbers = Vec::new();
        for item in text.split(',') {
            match parse_integer(item) {
                Ok(n) if (1..=i32::MAX as u64).contains(&n) => numbers.push(n),
                _ => return Err(expected()),
            }
        }
        let seconds = Duration::from_secs;
        match numbers[..] {
            [idle] => Ok(Keepalive::after(seconds(idle))),
            [idle, interval] => Ok(Keepalive::On {
                idle: seconds(idle),
                interval: Some(seconds(interval)),
                count: None,
            }),
            // Fits: every item is at most i32::MAX.
            [idle, interval, count] => Ok(Keepalive::On {
                idle: seconds(idle),
                interval: Some(seconds(interval)),
                count: Some(count as u32),
            }),
            _ => Err(expected()),
        }
    }
}

impl fmt::Display for Keepalive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Keepalive::Off => f.write_str("0"),
            Keepalive::On {
                idle,
                interval,
                count,
            } => {
                write!(f, "{}", idle.as_secs())?;
                if let Some(interval) = interval {
                    write!(f, ",{}", interval.as_secs())?;
                }
                if let Some(count) = count {
                    write!(f, ",{count}")?;
                }
                Ok(())
            }
        }
    }
}

/// The socket options a `tcp`/`tcp6` description can set; `None` leaves the system's value.
///
/// A server sets them on its listening socket before it binds, and the sockets it accepts
/// inherit them; a client sets them before it connects.
///
/// | option | meaning |
/// |---|---|
/// | `keepalive=60`, `=60,10,5`, `=0` | [`Keepalive`]: idle seconds, interval, probe count; `0` (or `no`) off |
/// | `rcvbuf=N`, `sndbuf=N` | `SO_RCVBUF`/`SO_SNDBUF` in bytes (Linux reports twice the value); set before bind, so the window scale follows |
/// | `v6only=1` / `=0` | `IPV6_V6ONLY` (servers only; ignored on an IPv4 socket; Linux sets it anyway on a socket bound to one IPv6 address such as `::1`) |
/// | `userTimeout=30` | `TCP_USER_TIMEOUT` in seconds, fractions to the millisecond (`0.5`) |
/// | `bindToDevice=lo` | `SO_BINDTODEVICE`: only this network interface (may need `CAP_NET_RAW`) |
/// | `fastOpen=16` (server), `fastOpen=1` (client) | `TCP_FASTOPEN` queue length / `TCP_FASTOPEN_CONNECT` on |
///
/// `userTimeout`, `bindToDevice` and `fastOpen` are Linux's; elsewhere binding or connecting
/// with them fails with `Unsupported`.
///
/// # Examples
/// ```
/// use endpoint_tcp::{TcpServerEndpoint, TcpClientEndpoint};
/// let e: TcpServerEndpoint = "tcp:0:keepalive=60,10,5:rcvbuf=262144:fastOpen=16".parse()?;
/// assert_eq!(e.options().rcvbuf, Some(262144));
/// assert_eq!(e.to_string(), "tcp:0:interface=:backlog=50:keepalive=60,10,5:rcvbuf=262144:fastOpen=16");
/// let e: TcpClientEndpoint = "tcp:h:80:userTimeout=0.5:bindToDevice=lo:fastOpen=1".parse()?;
/// assert_eq!(e.to_string(), "tcp:h:80:timeout=30:userTimeout=0.5:bindToDevice=lo:fastOpen=1");
/// # Ok::<(), endpoint_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocketOptions {
    /// `keepalive=`.
    pub keepalive: Option<Keepalive>,
    /// `rcvbuf=`: `SO_RCVBUF` in bytes.
    #[doc(alias = "SO_RCVBUF")]
    pub rcvbuf: Option<usize>,
    /// `sndbuf=`: `SO_SNDBUF` in bytes.
    #[doc(alias = "SO_SNDBUF")]
    pub sndbuf: Option<usize>,
    /// `v6only=`: `IPV6_V6ONLY` (servers).
    #[doc(alias = "IPV6_V6ONLY")]
    pub v6only: Option<bool>,
    /// `userTimeout=`: `TCP_USER_TIMEOUT`.
    #[doc(alias = "TCP_USER_TIMEOUT")]
    #[doc(alias = "userTimeout")]
    pub user_timeout: Option<Duration>,
    /// `bindToDevice=`: `SO_BINDTODEVICE`.
    #[doc(alias = "SO_BINDTODEVICE")]
    #[doc(alias = "bindToDevice")]
    pub bind_to_device: Option<String>,
    /// `fastOpen=`: on a server the `TCP_FASTOPEN` queue length; on a client any non-zero
    /// value turns `TCP_FASTOPEN_CONNECT` on.
    #[doc(alias = "TCP_FASTOPEN")]
    #[doc(alias = "fastOpen")]
    pub fast_open: Option<u32>,
}

/// The longest interface name `SO_BINDTODEVICE` takes (`IFNAMSIZ` less its NUL).
const MAX_DEVICE_NAME: usize = 15;

fn parse_device(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > MAX_DEVICE_NAME || text.contains(['/', '\0']) {
        return Err(format!(
            "is not a network interface name: \"{text}\" (like eth0 or lo; 1 to {MAX_DEVICE_NAME} bytes)"
        ));
    }
    Ok(text.to_owned())
}

fn parse_buffer(text: &str) -> Result<usize, String> {
    match parse_integer(text) {
        Ok(n) if (1..=i32::MAX as u64).contains(&n) => Ok(n as usize),
        _ => Err(format!(
            "is not a buffer size: \"{text}\" (bytes, 1 to {}, like 262144)",
            i32::MAX
        )),
    }
}

fn parse_user_timeout(text: &str) -> Result<Duration, String> {
    let d = parse_seconds(text)?;
    if d.as_millis() > u128::from(u32::MAX) {
        return Err(format!(
            "is too long: \"{text}\" (at most {} seconds)",
            u32::MAX / 1000
        ));
    }
    Ok(d)
}

impl SocketOptions {
    /// Reads every socket option the kind declares from `args` (options it does not declare
    /// stay `None`), for kinds that build a TCP socket: `tcp`, `tcp6`, and layers or kinds
    /// that declare the same options.
    ///
    /// # Errors
    /// [`Error::Option`](endpoint_core::Error::Option) naming the option, where its value
    /// starts, and the form expected.
    pub fn from_args(args: &mut Args) -> Result<Self> {
        let mut options = SocketOptions::default();
        let declared = |args: &Args, name: &str| args.spec(name).is_some();
        if declared(args, "keepalive") {
            options.keepalive = args.get_optional_with("keepalive", Keepalive::parse)?;
        }
        if declared(args, "rcvbuf") {
            options.rcvbuf = args.get_optional_with("rcvbuf", parse_buffer)?;
        }
        if declared(args, "sndbuf") {
            options.sndbuf = args.get_optional_with("sndbuf", parse_buffer)?;
        }
        if declared(args, "v6only") {
            options.v6only = args.get_optional("v6only")?;
        }
        if declared(args, "userTimeout") {
            options.user_timeout = args.get_optional_with("userTimeout", parse_user_timeout)?;
        }
        if declared(args, "bindToDevice") {
            options.bind_to_device = args.get_optional_with("bindToDevice", parse_device)?;
        }
        if declared(args, "fastOpen") {
            options.fast_open = args.get_optional("fastOpen")?;
        }
        Ok(options)
    }

    /// Appends the options that are set to canonical text, in the order of their specs.
    pub fn write(&self, text: Description) -> Description {
        let text = text
            .option_some("keepalive", self.keepalive)
            .option_some("rcvbuf", self.rcvbuf)
            .option_some("sndbuf", self.sndbuf)
            .option_some("v6only", self.v6only.map(u8::from));
        let text = match self.user_timeout {
            Some(t) => text.seconds("userTimeout", t),
            None => text,
        };
        text.option_some("bindToDevice", self.bind_to_device.as_deref())
            .option_some("fastOpen", self.fast_open)
    }

    /// Sets the options on a server's socket before it binds. `ipv6` says whether the socket
    /// is IPv6 (`v6only` applies only then).
    ///
    /// # Errors
    /// The first option the system refuses, named in the message.
    pub fn apply_to_listener(&self, socket: &Socket, ipv6: bool) -> io::Result<()> {
        if let (Some(v6only), true) = (self.v6only, ipv6) {
            named("v6only", socket.set_only_v6(v6only))?;
        }
        self.apply_common(socket)?;
        if let Some(queue) = self.fast_open {
            named("fastOpen", set_fast_open(socket, queue))?;
        }
        Ok(())
    }

    /// Sets the options on a listening socket handed over from a listener it replaces
    /// (`endpoint_core::handover`): as [`apply_to_listener`](Self::apply_to_listener), but
    /// `v6only`, fixed at bind, can only stay what it is.
    ///
    /// # Errors
    /// A changed `v6only`, or the first option the system refuses.
    pub fn apply_to_bound_listener(&self, socket: &Socket, ipv6: bool) -> io::Result<()> {
        if let (Some(v6only), true) = (self.v6only, ipv6) {
            if socket.only_v6()? != v6only {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "v6only cannot change while the address stays bound",
                ));
            }
        }
        self.apply_common(socket)?;
        if let Some(queue) = self.fast_open {
            named("fastOpen", set_fast_open(socket, queue))?;
        }
        Ok(())
    }

    /// Sets the options on a client's socket before it connects (`fastOpen` as
    /// `TCP_FASTOPEN_CONNECT`; `v6only` does not apply).
    ///
    /// # Errors
    /// The first option the system refuses, named in the message.
    pub fn apply_to_client(&self, socket: &Socket) -> io::Result<()> {
        self.apply_common(socket)?;
        if let Some(on) = self.fast_open {
            named("fastOpen", set_fast_open_connect(socket, on != 0))?;
        }
        Ok(())
    }

    fn apply_common(&self, socket: &Socket) -> io::Result<()> {
        if let Some(size) = self.rcvbuf {
            named("rcvbuf", socket.set_recv_buffer_size(size))?;
        }
        if let Some(size) = self.sndbuf {
            named("sndbuf", socket.set_send_buffer_size(size))?;
        }
        if let Some(device) = &self.bind_to_device {
            named("bindToDevice", set_device(socket, device))?;
        }
        if let Some(keepalive) = self.keepalive {
            named("keepalive", set_keepalive(socket, keepalive))?;
        }
        if let Some(timeout) = self.user_timeout {
            named("userTimeout", set_user_timeout(socket, timeout))?;
        }
        Ok(())
    }
}

/// tcp's socket option group as a description gives it: `reuseport` (servers), `nodelay` and
/// the [`SocketOptions`]. Every kind with a TCP socket underneath (tcp and tcp6, `ssl:`,
/// `tls:`) declares the group ([`specs::SERVER_SOCKET_OPTIONS`](crate::specs::SERVER_SOCKET_OPTIONS)
/// or [`specs::CLIENT_SOCKET_OPTIONS`](crate::specs::CLIENT_SOCKET_OPTIONS)), reads it with
/// [`from_args`](TcpSocketSettings::from_args) and hands it to its tcp endpoint with
/// [`TcpServerEndpoint::socket`](crate::TcpServerEndpoint::socket) or
/// [`TcpClientEndpoint::socket`](crate::TcpClientEndpoint::socket).
///
/// # Examples
/// ```
/// use endpoint_tcp::TcpSocketSettings;
/// let defaults = TcpSocketSettings::default();
/// assert!(defaults.nodelay && !defaults.reuseport);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TcpSocketSettings {
    /// `reuseport=`: `SO_REUSEPORT` (servers; default off).
    pub reuseport: bool,
    /// `nodelay=`: `TCP_NODELAY` (default on).
    pub nodelay: bool,
    /// The options set with socket2 before bind or connect.
    pub options: SocketOptions,
}

impl Default for TcpSocketSettings {
    fn default() -> Self {
        TcpSocketSettings {
            reuseport: declared_default(crate::specs::SERVER_SOCKET_OPTIONS, "reuseport"),
            nodelay: declared_default(crate::specs::SERVER_SOCKET_OPTIONS, "nodelay"),
            options: SocketOptions::default(),
        }
    }
}

impl TcpSocketSettings {
    /// Reads tcp's socket option group from `args`: every option of the group the kind
    /// declares (the others keep their defaults), so a server kind that declares
    /// [`SERVER_SOCKET_OPTIONS`](crate::specs::SERVER_SOCKET_OPTIONS) and a client kind that
    /// declares [`CLIENT_SOCKET_OPTIONS`](crate::specs::CLIENT_SOCKET_OPTIONS) both read
    /// theirs with this one function.
    ///
    /// # Errors
    /// [`Error::Option`](endpoint_core::Error::Option) naming the option, where its value
    /// starts, and the form expected.
    pub fn from_args(args: &mut Args) -> Result<Self> {
        let mut group = TcpSocketSettings::default();
        if args.spec("reuseport").is_some() {
            group.reuseport = args.get("reuseport")?;
        }
        if args.spec("nodelay").is_some() {
            group.nodelay = args.get("nodelay")?;
        }
        group.options = SocketOptions::from_args(args)?;
        Ok(group)
    }

    /// True when every option holds its default (nothing to write, nothing to set).
    pub fn is_default(&self) -> bool {
        *self == TcpSocketSettings::default()
    }

    /// Appends the options that differ from their defaults to canonical text, in the order of
    /// their specs (`reuseport=1`, `nodelay=0`, then [`SocketOptions::write`]).
    pub fn write(&self, text: Description) -> Description {
        self.options
            .write(write_flags(text, self.reuseport, self.nodelay))
    }
}

/// Appends `reuseport=1` and `nodelay=0` when they differ from their defaults: the part of
/// canonical text a tcp server writes before its [`SocketOptions`].
pub(crate) fn write_flags(text: Description, reuseport: bool, nodelay: bool) -> Description {
    let text = if reuseport {
        text.flag("reuseport", true)
    } else {
        text
    };
    if nodelay {
        text
    } else {
        text.flag("nodelay", false)
    }
}

/// Keeps the OS error's kind and names the option in the message.
fn named(option: &str, result: io::Result<()>) -> io::Result<()> {
    result.map_err(|e| io::Error::new(e.kind(), format!("could not set {option}: {e}")))
}

fn set_keepalive(socket: &Socket, keepalive: Keepalive) -> io::Result<()> {
    match keepalive {
        Keepalive::Off => socket.set_keepalive(false),
        Keepalive::On {
            idle,
            interval,
            count,
        } => {
            let mut params = TcpKeepalive::new().with_time(idle);
            if let Some(interval) = interval {
                params = params.with_interval(interval);
            }
            if let Some(count) = count {
                params = params.with_retries(count);
            }
            socket.set_tcp_keepalive(&params)
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_user_timeout(socket: &Socket, timeout: Duration) -> io::Result<()> {
    socket.set_tcp_user_timeout(Some(timeout))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_device(socket: &Socket, device: &str) -> io::Result<()> {
    socket.bind_device(Some(device.as_bytes()))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_fast_open(socket: &Socket, queue: u32) -> io::Result<()> {
    let queue = libc::c_int::try_from(queue).unwrap_or(libc::c_int::MAX);
    set_int(socket, libc::TCP_FASTOPEN, queue)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_fast_open_connect(socket: &Socket, on: bool) -> io::Result<()> {
    set_int(socket, libc::TCP_FASTOPEN_CONNECT, libc::c_int::from(on))
}

/// `setsockopt(IPPROTO_TCP, option, value)`; socket2 0.5 has no TCP Fast Open setters.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_int(socket: &Socket, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: `value` is a valid c_int for the duration of the call and its size is passed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            option,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn unsupported() -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "this option exists on Linux only",
    ))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_user_timeout(_: &Socket, _: Duration) -> io::Result<()> {
    unsupported()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_device(_: &Socket, _: &str) -> io::Result<()> {
    unsupported()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_fast_open(_: &Socket, _: u32) -> io::Result<()> {
    unsupported()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_fast_open_connect(_: &Socket, _: bool) -> io::Result<()> {
    unsupported()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalive_forms() {
        assert_eq!(Keepalive::parse("no"), Ok(Keepalive::Off));
        assert_eq!(
            Keepalive::parse("60,10"),
            Ok(Keepalive::On {
                idle: Duration::from_secs(60),
                interval: Some(Duration::from_secs(10)),
                count: None
            })
        );
        for bad in ["", "yes", "-1", "1.5", "60,0", "60,10,5,1", ",", "60,"] {
            assert!(Keepalive::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn values_are_checked() {
        assert!(parse_buffer("0").is_err());
        assert!(parse_buffer("4096").is_ok());
        assert!(parse_device("a/b").is_err());
        assert!(parse_device("averyveryverylongname").is_err());
        assert_eq!(parse_user_timeout("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_user_timeout("99999999").is_err());
    }
}
