//! The `systemd` server kind: adopt a listening socket passed by socket activation.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::task::{ready, Context, Poll};

use endpoint_core::description::{Args, Description, FromOption};
use endpoint_core::{
    Accept, Address, BoxFuture, Connection, ConnectionInfo, Error, Listener, Result, ServerEndpoint,
};
use tokio::net::{TcpListener, UnixListener};
use tracing::debug;

use crate::path;
use endpoint_core::PeerCredentials;

/// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
const FIRST_FD: RawFd = 3;

/// The address family an adopted socket must have: Twisted's `domain=` (the name of a
/// `socket.AF_*` constant without its prefix, case-sensitive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    /// `INET`: IPv4.
    Inet,
    /// `INET6`: IPv6.
    Inet6,
    /// `UNIX`: unix-domain.
    Unix,
}

impl Domain {
    /// The name in descriptions (`INET`, `INET6`, `UNIX`).
    pub fn name(self) -> &'static str {
        match self {
            Domain::Inet => "INET",
            Domain::Inet6 => "INET6",
            Domain::Unix => "UNIX",
        }
    }
}

impl FromOption for Domain {
    fn from_option(text: &str) -> std::result::Result<Self, String> {
        match text {
            "INET" => Ok(Domain::Inet),
            "INET6" => Ok(Domain::Inet6),
            "UNIX" => Ok(Domain::Unix),
            other => Err(format!(
                "is not an address family: \"{other}\" (use INET, INET6 or UNIX, in capitals)"
            )),
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which passed descriptor to adopt.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Selector {
    /// The n-th descriptor (0 is descriptor 3).
    Index(u32),
    /// The descriptor whose `LISTEN_FDNAMES` entry is this name (systemd's
    /// `FileDescriptorName=`).
    Name(String),
    /// Every passed descriptor (`name=*`), of the description's `domain=` if it names one:
    /// [`bind`](ServerEndpoint::bind) merges them into one listener
    /// ([`Listener::merge`]), [`bind_each`](SystemdServerEndpoint::bind_each) gives one
    /// listener per descriptor.
    All,
}

/// Adopts a listening socket that systemd (or any socket-activation manager) passed to this
/// process: Twisted's `AdoptedStreamServerEndpoint` behind `systemd:`.
///
/// `name=*` (ours) adopts every passed descriptor instead, of any family unless `domain=`
/// names one (descriptors of other families are then left alone): `bind` merges them into
/// one listener ([`Listener::merge`]; each connection's
/// [`ListenerSource`](endpoint_core::ListenerSource) says which descriptor it came in on,
/// as `systemd:domain=FAMILY:index=N`), and [`bind_each`](Self::bind_each) gives one
/// listener per descriptor.
///
/// Parsing reads no environment. [`bind`](ServerEndpoint::bind) reads `LISTEN_PID` (which must
/// be this process), `LISTEN_FDS` (how many descriptors, from 3) and, for `name=`,
/// `LISTEN_FDNAMES` (colon-separated names); duplicates the chosen descriptor; checks that it
/// is a listening stream socket of the named family; and makes it non-blocking.
///
/// The variables are **not** removed from the environment (Twisted deletes `LISTEN_PID` and
/// `LISTEN_FDS` at import): several descriptions may adopt different descriptors, at any time.
/// Child processes therefore inherit them, but the `LISTEN_PID` check makes children ignore
/// them.
///
/// The listener owns a *duplicate*; the passed descriptor stays open, so the endpoint can bind
/// again after [`stop_listening`](endpoint_core::ListeningPort::stop_listening) (a restarted
/// service). Since the socket then stays open, and systemd holds it too, connections arriving
/// while nothing accepts wait in the kernel's queue instead of being refused. An adopted unix
/// socket file belongs to systemd and is never removed.
///
/// # Examples
/// Every form the kind accepts (Twisted's positional order is domain, index, name):
/// ```
/// use endpoint_unix::SystemdServerEndpoint;
/// for (text, canonical) in [
///     ("systemd:domain=INET:index=0", "systemd:domain=INET:index=0"),
///     ("systemd:INET:0", "systemd:domain=INET:index=0"),
///     ("systemd:domain=INET6:index=2", "systemd:domain=INET6:index=2"),
///     ("systemd:domain=UNIX:name=web", "systemd:domain=UNIX:name=web"),
///     ("systemd:name=*", "systemd:name=*"),
///     ("systemd:domain=INET6:name=*", "systemd:domain=INET6:name=*"),
/// ] {
///     let endpoint: SystemdServerEndpoint = text.parse()?;
///     assert_eq!(endpoint.to_string(), canonical);
///     assert_eq!(canonical.parse::<SystemdServerEndpoint>()?, endpoint);
/// }
/// for bad in ["systemd:domain=INET", "systemd:index=0", "systemd:index=*", "systemd:domain=inet:index=0", "systemd:domain=INET:index=0:name=web",
///             "systemd:domain=INET:index=", "systemd:domain=INET:index=-1", "systemd:INET::web"] {
///     assert!(bad.parse::<SystemdServerEndpoint>().is_err(), "{bad}");
/// }
/// # Ok::<(), endpoint_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "AdoptedStreamServerEndpoint")]
#[doc(alias = "LISTEN_FDS")]
pub struct SystemdServerEndpoint {
    /// `None` only with [`Selector::All`]: every family.
    domain: Option<Domain>,
    selector: Selector,
}

impl SystemdServerEndpoint {
    /// Adopts the `index`-th passed descriptor (descriptor `3 + index`).
    pub fn index(domain: Domain, index: u32) -> Self {
        SystemdServerEndpoint {
            domain: Some(domain),
            selector: Selector::Index(index),
        }
    }

    /// Adopts the descriptor named `name` in `LISTEN_FDNAMES`.
    pub fn named(domain: Domain, name: impl Into<String>) -> Self {
        SystemdServerEndpoint {
            domain: Some(domain),
            selector: Selector::Name(name.into()),
        }
    }

    /// Adopts every passed descriptor (`systemd:name=*`), or with a `domain` every one of
    /// that family (`systemd:domain=UNIX:name=*`).
    pub fn all(domain: Option<Domain>) -> Self {
        SystemdServerEndpoint {
            domain,
            selector: Selector::All,
        }
    }

    /// The address family the socket must have (`None`: any, only for [`Selector::All`]).
    pub fn domain(&self) -> Option<Domain> {
        self.domain
    }

    /// Which descriptor is adopted.
    pub fn selector(&self) -> &Selector {
        &self.selector
    }

    /// Builds the endpoint from a `systemd` description's arguments (what the registry calls;
    /// Twisted's `_SystemdParser`). Reads no environment.
    ///
    /// # Errors
    /// [`Error::Option`] for a missing or unknown domain, neither or both of `index` and
    /// `name`, an index that is not a non-negative number, or an unknown option.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        args.at_most_positionals(3, "domain, index, name")?;
        let domain: Option<Domain> = args.get_param_optional("domain", 0)?;
        // As in Twisted, an empty index (`index=`, or `systemd:INET::web`) counts as given.
        let index = args.param("index", 1)?;
        let name = args.param("name", 2)?;
        let all = index.is_none() && name.as_ref().is_some_and(|n| n.text == "*");
        if domain.is_none() && !all {
            return Err(args.invalid(
                "domain",
                args.input().len(),
                "is required but missing (only name=* may leave it out)".into(),
            ));
        }
        let selector = match (index, name) {
            (None, Some(_)) if all => Selector::All,
            (Some(index), None) => {
                Selector::Index(args.convert("index", &index, u32::from_option)?)
            }
            (None, Some(name)) => Selector::Name(name.text),
            (Some(index), Some(_)) => {
                return Err(args.invalid(
                    "index",
                    index.position,
                    "and name are both given; specify exactly one of descriptor index or name"
                        .into(),
                ))
            }
            (_, None) => {
                return Err(args.invalid(
                    "index",
                    args.input().len(),
                    "is missing: give index=N or name=NAME (exactly one of them)".into(),
                ))
            }
        };
        args.finish()?;
        Ok(SystemdServerEndpoint { domain, selector })
    }

    /// Finds, checks and duplicates the descriptors the selector names, each with its
    /// index and family.
    fn adopt(&self) -> Result<Vec<(u32, Domain, OwnedFd)>> {
        let fail = |message: String| Error::io("listen on", self, io::Error::other(message));
        let pid = env_var("LISTEN_PID").map_err(fail)?;
        let ours = std::process::id();
        match pid.parse::<u32>() {
            Ok(p) if p == ours => {}
            _ => {
                return Err(fail(format!(
                    "LISTEN_PID={pid} is not this process ({ours}); the sockets were passed to another process"
                )))
            }
        }
        let count_text = env_var("LISTEN_FDS").map_err(fail)?;
        let count: u32 = endpoint_core::description::parse_integer(&count_text)
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| fail(format!("LISTEN_FDS={count_text} is not a number")))?;
        let index = match &self.selector {
            Selector::All => {
                let mut adopted = Vec::new();
                for index in 0..count {
                    match self.adopt_one(index) {
                        Ok(found) => adopted.push(found),
                        // Another family than `domain=` asks for: not ours to take.
                        Err(Skip::OtherFamily(message)) => debug!(%message, "skipped"),
                        Err(Skip::Fatal(e)) => return Err(e),
                    }
                }
                if adopted.is_empty() {
                    let family = self
                        .domain
                        .map_or(String::new(), |d| format!(" of family {d}"));
                    return Err(fail(format!(
                        "LISTEN_FDS={count} passes no listening socket{family}"
                    )));
                }
                return Ok(adopted);
            }
            Selector::Index(i) if *i < count => *i,
            Selector::Index(i) => {
                return Err(fail(format!(
                    "index {i} is out of range: LISTEN_FDS={count} passes {}",
                    passed(count)
                )))
            }
            Selector::Name(name) => {
                let names = env_var("LISTEN_FDNAMES").map_err(fail)?;
                let list: Vec<&str> = names.split(':').collect();
                if list.len() != count as usize {
                    return Err(fail(format!(
                        "LISTEN_FDNAMES={names} names {} descriptors but LISTEN_FDS={count}",
                        list.len()
                    )));
                }
                match list.iter().position(|n| n == name) {
                    Some(i) => i as u32,
                    None => {
                        return Err(fail(format!(
                            "no descriptor is named \"{name}\" in LISTEN_FDNAMES={names}"
                        )))
                    }
                }
            }
        };
        match self.adopt_one(index) {
            Ok(found) => Ok(vec![found]),
            Err(Skip::OtherFamily(message)) => Err(fail(message)),
            Err(Skip::Fatal(e)) => Err(e),
        }
    }

    /// Duplicates descriptor `3 + index` and checks it: a listening stream socket of the
    /// domain asked for (any, when none is).
    fn adopt_one(&self, index: u32) -> std::result::Result<(u32, Domain, OwnedFd), Skip> {
        let fail = |message: String| Error::io("listen on", self, io::Error::other(message));
        let fd = FIRST_FD + index as RawFd;
        let describe = |what: &str| {
            Skip::Fatal(fail(format!(
                "descriptor {fd} (LISTEN_FDS index {index}) {what}"
            )))
        };
        // Duplicate first, so every check and every flag applies to a descriptor we own.
        // SAFETY: fcntl with F_DUPFD_CLOEXEC on any integer is safe; it fails with EBADF when
        // the descriptor is not open.
        let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, FIRST_FD) };
        if dup < 0 {
            return Err(describe(&format!(
                "cannot be used: {}",
                io::Error::last_os_error()
            )));
        }
        // SAFETY: `dup` is a fresh descriptor that nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(dup) };
        let ty = sockopt(&owned, libc::SO_TYPE)
            .map_err(|e| describe(&format!("is not a socket: {e}")))?;
        if ty != libc::SOCK_STREAM {
            return Err(describe("is not a stream socket"));
        }
        let family = sockopt(&owned, libc::SO_DOMAIN)
            .map_err(|e| describe(&format!("is not a socket: {e}")))?;
        let domain = match (self.domain, Domain::of(family)) {
            (Some(wanted), found) if found != Some(wanted) => {
                return Err(Skip::OtherFamily(format!(
                    "descriptor {fd} (LISTEN_FDS index {index}) has address family {}, not {wanted}",
                    family_name(family),
                )))
            }
            (_, Some(found)) => found,
            (_, None) => {
                return Err(describe(&format!(
                    "has address family {}, not INET, INET6 or UNIX",
                    family_name(family)
                )))
            }
        };
        let listening = sockopt(&owned, libc::SO_ACCEPTCONN)
            .map_err(|e| describe(&format!("is not a socket: {e}")))?;
        if listening == 0 {
            return Err(describe("is not listening"));
        }
        set_nonblocking(&owned)
            .map_err(|e| describe(&format!("cannot be made non-blocking: {e}")))?;
        Ok((index, domain, owned))
    }

    /// Adopts every descriptor the selector names, each as its own listener, described as
    /// `systemd:domain=FAMILY:index=N` (the index says which descriptor).
    ///
    /// # Errors
    /// As [`bind`](ServerEndpoint::bind).
    pub fn bind_each(&self) -> Result<Vec<Listener>> {
        self.adopt()?
            .into_iter()
            .map(|(index, domain, owned)| {
                let one = SystemdServerEndpoint::index(domain, index);
                one.listener(domain, owned)
            })
            .collect()
    }

    fn listen_now(&self) -> Result<Listener> {
        if self.selector == Selector::All {
            let listeners = self.bind_each()?;
            return Ok(Listener::merge(listeners).with_description(self));
        }
        let (_, domain, owned) = self.adopt()?.pop().ok_or_else(|| {
            Error::io("listen on", self, io::Error::other("no descriptor adopted"))
        })?;
        self.listener(domain, owned)
    }

    /// The listener over an adopted descriptor.
    fn listener(&self, domain: Domain, owned: OwnedFd) -> Result<Listener> {
        let fail = |e| Error::io("listen on", self, e);
        let accept = match domain {
            Domain::Inet | Domain::Inet6 => {
                let listener =
                    TcpListener::from_std(std::net::TcpListener::from(owned)).map_err(fail)?;
                let local = Address::Inet(listener.local_addr().map_err(fail)?);
                Adopted::Tcp { listener, local }
            }
            Domain::Unix => {
                let listener =
                    UnixListener::from_std(std::os::unix::net::UnixListener::from(owned))
                        .map_err(fail)?;
                let local = Address::Unix(path::from_tokio(&listener.local_addr().map_err(fail)?));
                Adopted::Unix { listener, local }
            }
        };
        debug!(endpoint = %self, local = %accept.local_address(), "adopted a listening socket");
        Ok(Listener::new(accept, self))
    }
}

/// Why a passed descriptor was not adopted.
enum Skip {
    /// It has another family than `domain=` names: an error for one descriptor, skipped
    /// when adopting all.
    OtherFamily(String),
    /// Anything else.
    Fatal(Error),
}

impl Domain {
    /// The domain of an `AF_*` value, if it is one of ours.
    fn of(family: libc::c_int) -> Option<Domain> {
        match family {
            libc::AF_INET => Some(Domain::Inet),
            libc::AF_INET6 => Some(Domain::Inet6),
            libc::AF_UNIX => Some(Domain::Unix),
            _ => None,
        }
    }
}

fn env_var(name: &str) -> std::result::Result<String, String> {
    std::env::var(name).map_err(|e| match e {
        std::env::VarError::NotPresent => {
            format!("{name} is not set: no sockets were passed to this process")
        }
        std::env::VarError::NotUnicode(_) => format!("{name} is not valid text"),
    })
}

fn passed(count: u32) -> String {
    match count {
        0 => "no descriptors".to_owned(),
        1 => "descriptor 3 only".to_owned(),
        n => format!("descriptors 3-{}", FIRST_FD + n as RawFd - 1),
    }
}

fn family_name(family: libc::c_int) -> String {
    match family {
        libc::AF_INET => "INET".into(),
        libc::AF_INET6 => "INET6".into(),
        libc::AF_UNIX => "UNIX".into(),
        other => format!("family {other}"),
    }
}

fn sockopt(fd: &OwnedFd, option: libc::c_int) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(value)
    }
}

fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    // SAFETY: F_GETFL/F_SETFL on an open descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl fmt::Display for SystemdServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ServerEndpoint for SystemdServerEndpoint {
    /// Adopts the passed socket (see the type's docs).
    ///
    /// # Errors
    /// [`Error::Io`] whose source names the variable or descriptor that is wrong:
    /// `LISTEN_PID` missing or another process's, `LISTEN_FDS` missing or not a number, an
    /// index out of range, a name not in `LISTEN_FDNAMES`, a descriptor that is not open, not
    /// a socket, not a stream socket, not listening, or of another family.
    ///
    /// # Cancel safety
    /// The work happens in one step when first polled.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move { self.listen_now() })
    }

    fn description(&self) -> Description {
        let text = Description::new("systemd").option_some("domain", self.domain);
        match &self.selector {
            Selector::Index(i) => text.option("index", i),
            Selector::Name(n) => text.option("name", n),
            Selector::All => text.option("name", "*"),
        }
    }
}

/// An adopted listening socket.
enum Adopted {
    Tcp {
        listener: TcpListener,
        local: Address,
    },
    Unix {
        listener: UnixListener,
        local: Address,
    },
}

impl Accept for Adopted {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        match self {
            Adopted::Tcp { listener, local } => {
                let (stream, peer) = ready!(listener.poll_accept(cx))?;
                let local = stream
                    .local_addr()
                    .map(Address::Inet)
                    .unwrap_or(local.clone());
                let info = ConnectionInfo::new("systemd", local, Address::Inet(peer));
                Poll::Ready(Ok(Connection::new(stream, info)))
            }
            Adopted::Unix { listener, local } => {
                let (stream, peer) = ready!(listener.poll_accept(cx))?;
                let mut info = ConnectionInfo::new(
                    "systemd",
                    local.clone(),
                    Address::Unix(path::from_tokio(&peer)),
                );
                match PeerCredentials::of(&stream) {
                    Ok(credentials) => info.insert(credentials),
                    Err(e) => debug!(error = %e, "no peer credentials"),
                }
                Poll::Ready(Ok(Connection::new(stream, info)))
            }
        }
    }

    fn local_address(&self) -> Address {
        match self {
            Adopted::Tcp { local, .. } | Adopted::Unix { local, .. } => local.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SystemdServerEndpoint> {
        text.parse()
    }

    fn option_error(text: &str) -> (String, String) {
        match parse(text) {
            Err(Error::Option { option, reason, .. }) => (option, reason),
            other => panic!("{text}: expected an option error, got {other:?}"),
        }
    }

    #[test]
    fn forms() -> Result<()> {
        assert_eq!(
            parse("systemd:domain=INET:index=0")?,
            SystemdServerEndpoint::index(Domain::Inet, 0)
        );
        assert_eq!(
            parse("systemd:INET6:1")?,
            SystemdServerEndpoint::index(Domain::Inet6, 1)
        );
        assert_eq!(
            parse("systemd:UNIX:name=admin")?,
            SystemdServerEndpoint::named(Domain::Unix, "admin")
        );
        assert_eq!(
            parse("SYSTEMD:domain=INET:name=a\\:b")?.to_string(),
            "systemd:domain=INET:name=a\\:b"
        );
        Ok(())
    }

    #[test]
    fn errors_name_the_option() {
        assert_eq!(option_error("systemd").0, "domain");
        assert_eq!(option_error("systemd:domain=inet:index=0").0, "domain");
        assert_eq!(option_error("systemd:domain=AF_INET:index=0").0, "domain");
        let (option, reason) = option_error("systemd:domain=INET");
        assert_eq!(option, "index");
        assert!(reason.contains("exactly one"), "{reason}");
        let (_, reason) = option_error("systemd:domain=INET:index=0:name=x");
        assert!(reason.contains("exactly one"), "{reason}");
        // An empty index counts as given (Twisted S156), and then is not a number.
        let (option, reason) = option_error("systemd:domain=INET:index=");
        assert_eq!(option, "index");
        assert!(reason.contains("empty"), "{reason}");
        let (_, reason) = option_error("systemd:domain=INET:index=:name=x");
        assert!(reason.contains("exactly one"), "{reason}");
        assert_eq!(option_error("systemd:domain=INET:index=-1").0, "index");
        assert_eq!(option_error("systemd:domain=INET:index=0:foo=bar").0, "foo");
        assert_eq!(option_error("systemd:INET:0:web:extra").0, "extra");
    }

    #[test]
    fn parsing_reads_no_environment() -> Result<()> {
        // A name that no environment lists still parses; bind is where it fails.
        parse("systemd:domain=INET:name=nope")?;
        Ok(())
    }
}
