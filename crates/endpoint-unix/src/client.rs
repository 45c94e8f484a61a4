//! The `unix` client kind: connect to a socket file or an abstract name.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description};
use endpoint_core::{
    Address, BoxFuture, ClientEndpoint, Connection, ConnectionInfo, Error, Result, UnixAddress,
};
use tokio::net::UnixStream;
use tracing::debug;

use crate::lockfile::{holder, lock_path, Holder};
use crate::path;
use crate::specs::UNIX_CLIENT_OPTIONS;
use endpoint_core::PeerCredentials;

/// Connects to a unix-domain stream socket: a socket file, or a name in Linux's abstract
/// namespace (Twisted's `UNIXClientEndpoint`).
///
/// Parsed from `unix:PATH` or `unix:path=PATH`, with `timeout=` (seconds, fractional allowed,
/// default 30) and `lockfile=` (default 0; Twisted's `checkPID=` means the same). With the lock
/// check on, connecting first makes sure a live process holds `<path>.lock`, so a socket file
/// left behind by a dead server is refused. `Display` prints the canonical description.
///
/// As in Twisted, exactly one positional argument is the path and wins over `path=`; two or
/// more positionals are ignored, so the path must then come from `path=`.
///
/// # Examples
/// Every form the kind accepts:
/// ```
/// use endpoint_unix::UnixClientEndpoint;
/// for (text, canonical) in [
///     ("unix:/run/app.sock", "unix:/run/app.sock:timeout=30:lockfile=0"),
///     ("unix:path=/run/app.sock", "unix:/run/app.sock:timeout=30:lockfile=0"),
///     ("unix:/run/app.sock:timeout=1.5:lockfile=1", "unix:/run/app.sock:timeout=1.5:lockfile=1"),
///     ("unix:/run/app.sock:checkPID=1", "unix:/run/app.sock:timeout=30:lockfile=1"),
///     ("unix:a:b:path=/run/app.sock", "unix:/run/app.sock:timeout=30:lockfile=0"),
///     ("unix:@app", "unix:@app:timeout=30:lockfile=0"),
/// ] {
///     let endpoint: UnixClientEndpoint = text.parse()?;
///     assert_eq!(endpoint.to_string(), canonical);
///     assert_eq!(canonical.parse::<UnixClientEndpoint>()?, endpoint);
/// }
/// # Ok::<(), endpoint_core::Error>(())
/// ```
///
/// Built in a program:
/// ```
/// use std::time::Duration;
/// use endpoint_unix::UnixClientEndpoint;
/// let endpoint = UnixClientEndpoint::new("/run/app.sock")
///     .timeout(Duration::from_secs(5))
///     .lockfile(true);
/// assert_eq!(endpoint.to_string(), "unix:/run/app.sock:timeout=5:lockfile=1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "UNIXClientEndpoint")]
pub struct UnixClientEndpoint {
    address: UnixAddress,
    timeout: Duration,
    lockfile: bool,
}

impl UnixClientEndpoint {
    /// An endpoint connecting to `path` with a 30 second timeout and no lock check.
    ///
    /// `@name` (or a leading NUL) is a name in Linux's abstract namespace; write `./@name` for a
    /// file whose name starts with `@`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        UnixClientEndpoint {
            address: path::parse(path.as_ref().as_os_str()),
            timeout: declared_default(UNIX_CLIENT_OPTIONS, "timeout"),
            lockfile: declared_default(UNIX_CLIENT_OPTIONS, "lockfile"),
        }
    }

    /// Sets how long a connection attempt may take. Zero fails every attempt at once, as in
    /// Twisted.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Turns the check of the server's `<path>.lock` on or off. Abstract names ignore it
    /// (servers take no lock for them).
    #[doc(alias = "checkPID")]
    pub fn lockfile(mut self, lockfile: bool) -> Self {
        self.lockfile = lockfile;
        self
    }

    /// The address to connect to.
    pub fn address(&self) -> &UnixAddress {
        &self.address
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.timeout
    }

    /// True if connecting first checks the server's lock file.
    #[doc(alias = "checkPID")]
    pub fn checks_lockfile(&self) -> bool {
        self.lockfile
    }

    /// Builds the endpoint from a `unix` client description's arguments (what the registry
    /// calls; Twisted's `_parseClientUNIX`).
    ///
    /// # Errors
    /// [`Error::Option`] for a missing path, a bad value, or an option the kind does not take.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        let keyword = args.keyword("path");
        let path = match args.positionals() {
            [only] => Some(only.clone()),
            _ => keyword,
        };
        let path = args.required("path", path)?;
        if path.text.is_empty() {
            let reason = "is empty; write a socket file path, or @name for an abstract one".into();
            return Err(args.invalid("path", path.position, reason));
        }
        let timeout = args.get("timeout")?;
        let lockfile: bool = args.get("lockfile")?;
        let check_pid: Option<bool> = args.get_optional("checkPID")?;
        args.finish()?;
        Ok(UnixClientEndpoint {
            address: path::parse(OsStr::new(&path.text)),
            timeout,
            lockfile: lockfile || check_pid == Some(true),
        })
    }

    /// Fails unless a live process holds the server's lock file.
    fn check_lock(&self) -> io::Result<()> {
        let Some(file) = path::file(&self.address) else {
            return Ok(());
        };
        let lock = lock_path(file);
        match holder(&lock)? {
            Holder::Live(_) => Ok(()),
            Holder::Missing => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the server's lock file {} is missing", lock.display()),
            )),
            Holder::Stale(pid) => Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                format!(
                    "the server's lock file {} is stale: process {pid} is not running",
                    lock.display()
                ),
            )),
        }
    }

    async fn connect_now(&self) -> Result<Connection> {
        if self.lockfile {
            self.check_lock()
                .map_err(|e| Error::io("connect to", self, e))?;
        }
        let connecting = async {
            UnixStream::connect(path::os_path(&self.address))
                .await
                .map_err(|e| Error::io("connect to", self, e))
        };
        let stream =
            endpoint_core::with_timeout(self.timeout, "connect to", self, connecting).await?;
        let local = match stream.local_addr() {
            Ok(a) => path::from_tokio(&a),
            Err(_) => UnixAddress::Unnamed,
        };
        let mut info = ConnectionInfo::new(
            "unix",
            Address::Unix(local),
            Address::Unix(self.address.clone()),
        );
        match PeerCredentials::of(&stream) {
            Ok(credentials) => info.insert(credentials),
            Err(e) => debug!(error = %e, "no peer credentials"),
        }
        debug!(endpoint = %self, "connected");
        Ok(Connection::new(stream, info))
    }
}

impl fmt::Display for UnixClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ClientEndpoint for UnixClientEndpoint {
    /// Connects, after checking the server's lock file if asked to.
    ///
    /// # Errors
    /// [`Error::Io`] with the OS reason (`NotFound` for a missing socket file,
    /// `ConnectionRefused` when nothing listens there) or, with the lock check on, `NotFound`
    /// for a missing lock file and `ConnectionRefused` for a stale one;
    /// [`Error::Timeout`] when the timeout passes.
    ///
    /// # Cancel safety
    /// Dropping the future closes the socket it was connecting.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(self.connect_now())
    }

    fn description(&self) -> Description {
        Description::new("unix")
            .arg(path::display(&self.address))
            .seconds("timeout", self.timeout)
            .flag("lockfile", self.lockfile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<UnixClientEndpoint> {
        text.parse()
    }

    #[test]
    fn defaults() -> Result<()> {
        let e = parse("unix:path=/var/foo/bar")?;
        assert_eq!(e, UnixClientEndpoint::new("/var/foo/bar"));
        assert_eq!(e.connect_timeout(), Duration::from_secs(30));
        assert!(!e.checks_lockfile());
        assert_eq!(e.to_string(), "unix:/var/foo/bar:timeout=30:lockfile=0");
        Ok(())
    }

    #[test]
    fn one_positional_overrides_path() -> Result<()> {
        let e = parse("unix:/p:path=/q")?;
        assert_eq!(e.address(), &UnixAddress::Path("/p".into()));
        Ok(())
    }

    #[test]
    fn two_positionals_are_ignored() -> Result<()> {
        assert!(matches!(
            parse("unix:/p:/q"),
            Err(Error::Option { ref option, .. }) if option == "path"
        ));
        let e = parse("unix:/p:/q:path=/r")?;
        assert_eq!(e.address(), &UnixAddress::Path("/r".into()));
        Ok(())
    }

    #[test]
    fn lockfile_and_check_pid() -> Result<()> {
        assert!(parse("unix:/p:lockfile=1")?.checks_lockfile());
        assert!(parse("unix:/p:checkPID=1")?.checks_lockfile());
        assert!(!parse("unix:/p:checkPID=0")?.checks_lockfile());
        assert!(parse("unix:/p:lockfile=0:checkPID=1")?.checks_lockfile());
        assert!(parse("unix:/p:lockfile=1:checkPID=0")?.checks_lockfile());
        assert!(parse("unix:/p:checkPID=yes").is_err());
        Ok(())
    }

    #[test]
    fn timeouts() -> Result<()> {
        assert_eq!(
            parse("unix:/p:timeout=1.5")?.connect_timeout(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            parse("unix:/p:timeout=0")?.connect_timeout(),
            Duration::ZERO
        );
        assert!(parse("unix:/p:timeout=-1").is_err());
        assert!(parse("unix:/p:timeout=soon").is_err());
        Ok(())
    }

    #[test]
    fn errors() {
        for (text, option) in [
            ("unix", "path"),
            ("unix:/p:mode=660", "mode"),
            ("unix:/p:backlog=5", "backlog"),
            ("unix:/p:lockfile=true", "lockfile"),
        ] {
            match parse(text) {
                Err(Error::Option { option: got, .. }) => assert_eq!(got, option, "{text}"),
                other => panic!("{text}: expected an option error, got {other:?}"),
            }
        }
    }

    #[test]
    fn canonical_round_trips() -> Result<()> {
        for text in [
            "unix:/p",
            "unix:@name:timeout=0.25",
            r"unix:/a\:b:checkPID=1",
            "unix:./@x:lockfile=1",
        ] {
            let e = parse(text)?;
            assert_eq!(parse(&e.to_string())?, e, "{text}");
        }
        Ok(())
    }
}
