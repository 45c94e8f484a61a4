//! The `unix` server kind: listen on a socket file or an abstract name.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::task::{ready, Context, Poll};

use endpoint_core::description::{declared_default, Args, Description, Mode};
use endpoint_core::{
    Accept, Address, BoxFuture, Connection, ConnectionInfo, Error, Listener, Result,
    ServerEndpoint, UnixAddress,
};
use socket2::{Domain, SockAddr, Socket, Type};
use tokio::net::UnixListener;
use tracing::{debug, warn};

use crate::lockfile::{lock_path, LockFile};
use crate::owner::Principal;
use crate::path;
use crate::private_dir::PrivateDir;
use crate::specs::UNIX_SERVER_OPTIONS;
use endpoint_core::PeerCredentials;

/// Listens on a unix-domain stream socket: a socket file, or a name in Linux's abstract
/// namespace (Twisted's `UNIXServerEndpoint`).
///
/// For a socket file with `mode=`, [`bind`](ServerEndpoint::bind) sets the file's mode exactly (the umask
/// does not apply) and, with the lock file on, guards the path with `<path>.lock` in Twisted's
/// format. Stopping or dropping the listener removes the socket file and releases the lock.
/// Abstract names have no file: no lock, nothing to remove, and no permissions, so `mode=`,
/// `owner=` and `group=` are refused for them.
///
/// With `mode=`, `owner=` or `group=` the socket is bound in a fresh private directory beside
/// the path, given its mode and owner there, and renamed into place: it appears at the path
/// only with its final permissions, and no `chmod`/`chown` can follow a symbolic link someone
/// swapped in after `bind` (SECURITY.md).
///
/// Parsed from `unix:ADDRESS[:MODE[:BACKLOG[:LOCKFILE]]]` or the keywords `address=`, `mode=`
/// (octal; without it the file gets what the umask gives, as `bind(2)` does — Twisted sets
/// `666`), `backlog=` (default 50) and `lockfile=` (default 1), and our `owner=` and `group=`
/// (a name or a numeric id each; the socket file is `chown`ed after binding, before the mode
/// is set and before it appears at the path; an unknown name fails the bind). `Display`
/// prints the canonical description, every
/// default explicit (`mode=`, `owner=` and `group=` only when given).
///
/// # Examples
/// Every form the kind accepts:
/// ```
/// use endpoint_unix::UnixServerEndpoint;
/// for (text, canonical) in [
///     ("unix:/run/app.sock", "unix:/run/app.sock:backlog=50:lockfile=1"),
///     ("unix:/run/app.sock:660", "unix:/run/app.sock:mode=660:backlog=50:lockfile=1"),
///     ("unix:/run/app.sock:660:10:0", "unix:/run/app.sock:mode=660:backlog=10:lockfile=0"),
///     ("unix:address=/run/app.sock:mode=0660", "unix:/run/app.sock:mode=660:backlog=50:lockfile=1"),
///     ("unix:@app", "unix:@app:backlog=50:lockfile=1"),
///     ("unix:./@app", "unix:./@app:backlog=50:lockfile=1"),
///     (r"unix:/tmp/a\:b", r"unix:/tmp/a\:b:backlog=50:lockfile=1"),
///     ("unix:/run/app.sock:mode=660:owner=www-data:group=1000",
///      "unix:/run/app.sock:mode=660:backlog=50:lockfile=1:owner=www-data:group=1000"),
/// ] {
///     let endpoint: UnixServerEndpoint = text.parse()?;
///     assert_eq!(endpoint.to_string(), canonical);
///     assert_eq!(canonical.parse::<UnixServerEndpoint>()?, endpoint);
/// }
/// # Ok::<(), endpoint_core::Error>(())
/// ```
///
/// Built in a program:
/// ```
/// use endpoint_unix::UnixServerEndpoint;
/// let endpoint = UnixServerEndpoint::new("/run/app.sock").mode(0o660).backlog(128).lockfile(false);
/// assert_eq!(endpoint.to_string(), "unix:/run/app.sock:mode=660:backlog=128:lockfile=0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "UNIXServerEndpoint")]
pub struct UnixServerEndpoint {
    address: UnixAddress,
    /// `None`: what the umask gives.
    mode: Option<u32>,
    backlog: u32,
    lockfile: bool,
    owner: Option<Principal>,
    group: Option<Principal>,
}

impl UnixServerEndpoint {
    /// An endpoint listening at `path` with the defaults descriptions get: the mode the umask
    /// gives, backlog 50, lock file on.
    ///
    /// `@name` (or a leading NUL) is a name in Linux's abstract namespace; write `./@name` for a
    /// file whose name starts with `@`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        UnixServerEndpoint {
            address: path::parse(path.as_ref().as_os_str()),
            mode: None,
            backlog: declared_default(UNIX_SERVER_OPTIONS, "backlog"),
            lockfile: declared_default(UNIX_SERVER_OPTIONS, "lockfile"),
            owner: None,
            group: None,
        }
    }

    /// Sets the socket file's permissions (e.g. `0o660`), applied exactly after binding,
    /// before the file appears at its path. An abstract name has no file: binding it with a
    /// mode fails.
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Sets the user that owns the socket file (`owner=`), changed with `chown` after
    /// binding; a name is looked up at bind. Changing it to another user needs privilege
    /// (`CAP_CHOWN`). An abstract name has no file: binding it with an owner fails.
    pub fn owner(mut self, owner: Principal) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Sets the socket file's group (`group=`), changed with `chown` after binding; a name is
    /// looked up at bind. Without privilege it must be one of our own groups. An abstract
    /// name has no file: binding it with a group fails.
    pub fn group(mut self, group: Principal) -> Self {
        self.group = Some(group);
        self
    }

    /// Sets how many connections the kernel queues before they are accepted.
    pub fn backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }

    /// Turns the `<path>.lock` PID lock file on or off. Abstract names ignore it.
    #[doc(alias = "wantPID")]
    pub fn lockfile(mut self, lockfile: bool) -> Self {
        self.lockfile = lockfile;
        self
    }

    /// The address to listen on.
    pub fn address(&self) -> &UnixAddress {
        &self.address
    }

    /// The socket file's mode, when set (`None`: what the umask gives).
    pub fn file_mode(&self) -> Option<u32> {
        self.mode
    }

    /// The listen backlog.
    pub fn listen_backlog(&self) -> u32 {
        self.backlog
    }

    /// True if binding takes the `<path>.lock` lock file.
    pub fn uses_lockfile(&self) -> bool {
        self.lockfile
    }

    /// Builds the endpoint from a `unix` server description's arguments (what the registry
    /// calls; Twisted's `_parseUNIX`).
    ///
    /// # Errors
    /// [`Error::Option`] for a missing address, a bad value, an argument given twice, too many
    /// positionals, an option the kind does not take, or `mode=`, `owner=` or `group=` for an
    /// abstract name (which has no file to set them on).
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        args.at_most_positionals(4, "address, mode, backlog, lockfile")?;
        let address: String = args.get_param("address", 0)?;
        if address.is_empty() {
            let reason = "is empty; write a socket file path, or @name for an abstract one".into();
            return Err(args.invalid("address", args.position_of("address"), reason));
        }
        let mode: Option<Mode> = args.get_param_optional("mode", 1)?;
        let backlog = args.get_param("backlog", 2)?;
        let lockfile = args.get_param("lockfile", 3)?;
        let owner = args.get_optional_with("owner", Principal::parse)?;
        let group = args.get_optional_with("group", Principal::parse)?;
        args.finish()?;
        let address = path::parse(OsStr::new(&address));
        if path::file(&address).is_none() {
            let given = [
                ("mode", mode.is_some()),
                ("owner", owner.is_some()),
                ("group", group.is_some()),
            ];
            if let Some((option, _)) = given.into_iter().find(|(_, given)| *given) {
                let at = args.position_of(option);
                return Err(args.invalid(option, at, ABSTRACT_HAS_NO_FILE.into()));
            }
        }
        Ok(UnixServerEndpoint {
            address,
            mode: mode.map(|Mode(m)| m),
            backlog,
            lockfile,
            owner,
            group,
        })
    }

    fn listen_now(&self) -> Result<Listener> {
        let fail = |e| Error::io("listen on", self, e);
        let file = path::file(&self.address);
        if file.is_none() && self.sets_file_attributes() {
            // Built in a program (a description is refused at parse): nothing could apply.
            return Err(fail(io::Error::new(
                io::ErrorKind::InvalidInput,
                ABSTRACT_HAS_NO_FILE,
            )));
        }

        // Declared first, so it is released last: after the socket file is gone.
        let lock = match file {
            Some(file) if self.lockfile => {
                let acquired = LockFile::acquire(lock_path(file)).map_err(fail)?;
                if let Some(pid) = acquired.stale {
                    remove_stale_socket(file, pid).map_err(fail)?;
                }
                Some(acquired.lock)
            }
            _ => None,
        };

        let socket = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(fail)?;
        let backlog = i32::try_from(self.backlog).unwrap_or(i32::MAX);
        let socket_file = match file {
            Some(file) if self.sets_file_attributes() => {
                Some(self.bind_privately(&socket, file, backlog).map_err(fail)?)
            }
            Some(file) => {
                // Nothing to change after bind, so nothing that could follow a link.
                socket
                    .bind(&SockAddr::unix(file).map_err(fail)?)
                    .map_err(fail)?;
                let created = SocketFile::created(file).map_err(fail)?;
                socket.listen(backlog).map_err(fail)?;
                Some(created)
            }
            None => {
                let address = path::sock_addr(&self.address).map_err(fail)?;
                socket.bind(&address).map_err(fail)?;
                socket.listen(backlog).map_err(fail)?;
                None
            }
        };
        socket.set_nonblocking(true).map_err(fail)?;
        let listener = UnixListener::from_std(socket.into()).map_err(fail)?;
        // A socket file was bound under a private name first: report the path it has now.
        let local = match (file, listener.local_addr()) {
            (Some(_), _) | (None, Err(_)) => self.address.clone(),
            (None, Ok(a)) => path::from_tokio(&a),
        };
        debug!(endpoint = %self, local = %local, "listening");
        let accept = UnixAccept {
            listener,
            local: Address::Unix(local),
            socket_file,
            lock,
        };
        Ok(Listener::new(accept, self))
    }

    /// True if the description sets something on the socket file (`mode=`, `owner=`,
    /// `group=`).
    fn sets_file_attributes(&self) -> bool {
        self.mode.is_some() || self.owner.is_some() || self.group.is_some()
    }

    /// Binds in a private directory beside `file`, sets the owner and mode there, listens,
    /// then renames the socket to `file` (never replacing anything): no path operation after
    /// `bind` can follow a link someone swapped in (see `private_dir`).
    fn bind_privately(&self, socket: &Socket, file: &Path, backlog: i32) -> io::Result<SocketFile> {
        let private = PrivateDir::beside(file)?;
        socket.bind(&private.bind_address()?)?;
        let (dev, ino) = private.socket_identity()?;
        self.change_owner(&private)?;
        if let Some(mode) = self.mode {
            private.chmod(mode).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("could not set the socket file's mode: {e}"),
                )
            })?;
        }
        socket.listen(backlog)?;
        private.place(file)?;
        Ok(SocketFile {
            path: file.to_owned(),
            dev,
            ino,
        })
    }
}

/// Why an abstract name takes no `mode=`, `owner=` or `group=`.
const ABSTRACT_HAS_NO_FILE: &str = "cannot apply to an abstract name: abstract sockets have no \
    file permissions or owner, so anyone on the host (in this network namespace) may connect; \
    use a socket file, or check each connection's peer credentials";

impl UnixServerEndpoint {
    /// `chown`s the socket file (in its private directory) to `owner=` and `group=`, when
    /// given.
    fn change_owner(&self, private: &PrivateDir) -> io::Result<()> {
        if self.owner.is_none() && self.group.is_none() {
            return Ok(());
        }
        let named = |what: &str, e: io::Error| {
            io::Error::new(
                e.kind(),
                format!("could not set the socket file's {what}: {e}"),
            )
        };
        let uid = self.owner.as_ref().map(Principal::uid).transpose();
        let uid = uid.map_err(|e| named("owner", e))?;
        let gid = self.group.as_ref().map(Principal::gid).transpose();
        let gid = gid.map_err(|e| named("group", e))?;
        private
            .chown(uid, gid)
            .map_err(|e| named("owner and group", e))
    }
}

/// After taking over a stale lock: the previous owner never cleaned up, so its socket file
/// goes too, but only if it really is a socket (never a regular file) and only if nobody
/// listens on it: a lock can name a dead process while a server lives (a lock planted by
/// someone, or written from another PID namespace on a shared volume). Only a refused
/// connection proves the socket dead.
///
/// # Errors
/// `AddrInUse`, naming the path, when a server accepts connections on it.
fn remove_stale_socket(file: &Path, pid: i32) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(file) {
        Ok(meta) if meta.file_type().is_socket() => {}
        // Not a socket, or nothing there: leave it; bind reports what is wrong.
        _ => return Ok(()),
    }
    match probe(file) {
        Probe::Refused => match std::fs::remove_file(file) {
            Ok(()) => debug!(path = %file.display(), pid, "removed a stale socket file"),
            Err(e) => {
                warn!(path = %file.display(), error = %e, "could not remove a stale socket file")
            }
        },
        Probe::Live => {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!(
                    "a server is listening on {} although its lock file named process {pid}, \
                     which is gone; the socket is left alone",
                    file.display()
                ),
            ))
        }
        // We cannot tell (no permission to connect, say): leave it; bind reports it in use.
        Probe::Unknown(e) => {
            debug!(path = %file.display(), error = %e, "left a socket file we could not probe")
        }
    }
    Ok(())
}

/// What a connection attempt says about a socket file.
enum Probe {
    /// Refused: nobody listens.
    Refused,
    /// Accepted or queued (a full backlog too): a server lives.
    Live,
    /// Anything else.
    Unknown(io::Error),
}

/// Tries to connect to `file` without waiting (a live server with a full backlog answers
/// "would block" rather than making us wait).
fn probe(file: &Path) -> Probe {
    let attempt = || -> io::Result<()> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        socket.connect(&SockAddr::unix(file)?)
    };
    match attempt() {
        Ok(()) => Probe::Live,
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => Probe::Refused,
        Err(e)
            if e.kind() == io::ErrorKind::WouldBlock
                || e.raw_os_error() == Some(libc::EINPROGRESS) =>
        {
            Probe::Live
        }
        Err(e) => Probe::Unknown(e),
    }
}

impl fmt::Display for UnixServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ServerEndpoint for UnixServerEndpoint {
    /// Binds and listens.
    ///
    /// With the lock file on, takes `<path>.lock` first (taking over a stale one and removing
    /// the dead owner's socket file if nothing accepts connections on it), binds, sets the
    /// owner and mode (in a private directory, then renames the socket into place), and
    /// listens.
    ///
    /// # Errors
    /// [`Error::Io`] with the OS reason: `AddrInUse` when a live process holds the lock, a
    /// server accepts connections on the path (even though its lock names a dead process),
    /// or something (a leftover socket file, a regular file) is already at the path;
    /// `PermissionDenied`, `NotFound`; `InvalidInput` for a mode, owner or group on an
    /// abstract name. Nothing is left behind: no socket file, no lock.
    ///
    /// # Cancel safety
    /// The work happens in one step when first polled; dropping the future before that does
    /// nothing.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move { self.listen_now() })
    }

    fn description(&self) -> Description {
        Description::new("unix")
            .arg(path::display(&self.address))
            .option_some("mode", self.mode.map(|m| format!("{m:o}")))
            .option("backlog", self.backlog)
            .flag("lockfile", self.lockfile)
            .option_some("owner", self.owner.as_ref())
            .option_some("group", self.group.as_ref())
    }
}

/// A socket file this listener created; removed on drop if it is still the same file.
#[derive(Debug)]
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    fn created(path: &Path) -> io::Result<Self> {
        let meta = std::fs::symlink_metadata(path)?;
        Ok(SocketFile {
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => {
                match std::fs::remove_file(&self.path) {
                    Ok(()) => debug!(path = %self.path.display(), "removed socket file"),
                    Err(e) => warn!(path = %self.path.display(), error = %e,
                        "could not remove socket file"),
                }
            }
            Ok(_) => debug!(path = %self.path.display(), "socket file was replaced; left alone"),
            Err(_) => {}
        }
    }
}

/// The bound socket behind a `unix` [`Listener`]. Fields drop in order: the socket closes,
/// then its file goes, then the lock is released.
struct UnixAccept {
    listener: UnixListener,
    local: Address,
    socket_file: Option<SocketFile>,
    lock: Option<LockFile>,
}

impl Accept for UnixAccept {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        let (stream, peer) = ready!(self.listener.poll_accept(cx))?;
        let mut info = ConnectionInfo::new(
            "unix",
            self.local.clone(),
            Address::Unix(path::from_tokio(&peer)),
        );
        match PeerCredentials::of(&stream) {
            Ok(credentials) => info.insert(credentials),
            Err(e) => debug!(error = %e, "no peer credentials"),
        }
        Poll::Ready(Ok(Connection::new(stream, info)))
    }

    fn local_address(&self) -> Address {
        self.local.clone()
    }
}

impl fmt::Debug for UnixAccept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixAccept")
            .field("local", &self.local)
            .field("socket_file", &self.socket_file)
            .field("lock", &self.lock)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<UnixServerEndpoint> {
        text.parse()
    }

    #[test]
    fn defaults_are_twisteds_but_the_mode() -> Result<()> {
        let e = parse("unix:/var/run/finger")?;
        assert_eq!(e, UnixServerEndpoint::new("/var/run/finger"));
        // The mode is the umask's (Twisted: 666), so the canonical text has none.
        assert_eq!(
            (e.file_mode(), e.listen_backlog(), e.uses_lockfile()),
            (None, 50, true)
        );
        assert_eq!(e.to_string(), "unix:/var/run/finger:backlog=50:lockfile=1");
        Ok(())
    }

    #[test]
    fn positionals_in_order() -> Result<()> {
        let e = parse("unix:/a:600:7:0")?;
        assert_eq!(
            e,
            UnixServerEndpoint::new("/a")
                .mode(0o600)
                .backlog(7)
                .lockfile(false)
        );
        let e = parse("unix:/tmp/x.sock:660")?;
        assert_eq!(e.file_mode(), Some(0o660));
        Ok(())
    }

    #[test]
    fn keywords() -> Result<()> {
        let e = parse("unix:address=/a:mode=0660:backlog=1:lockfile=0")?;
        assert_eq!(
            e,
            UnixServerEndpoint::new("/a")
                .mode(0o660)
                .backlog(1)
                .lockfile(false)
        );
        let e = parse(r"unix:foo\:bar\=baz\:qux\\")?;
        assert_eq!(e.address(), &UnixAddress::Path(r"foo:bar=baz:qux\".into()));
        Ok(())
    }

    #[test]
    fn abstract_names() -> Result<()> {
        let e = parse("unix:@abstract")?;
        assert_eq!(e.address(), &UnixAddress::Abstract(b"abstract".to_vec()));
        let nul = parse("unix:\0abstract")?;
        assert_eq!(nul, e);
        assert_eq!(nul.to_string(), "unix:@abstract:backlog=50:lockfile=1");
        let file = parse("unix:./@abstract")?;
        assert_eq!(file.address(), &UnixAddress::Path("./@abstract".into()));
        Ok(())
    }

    #[test]
    fn canonical_round_trips() -> Result<()> {
        for text in [
            "unix:/a",
            "unix:/tmp/a b.sock",
            "unix:/x:mode=7777:backlog=0:lockfile=0",
            r"unix:/a\:b\\c\=d:mode=1",
            "unix:@name:lockfile=0",
            "unix:./@name",
            "UNIX:/a",
        ] {
            let e = parse(text)?;
            assert_eq!(parse(&e.to_string())?, e, "{text}");
        }
        Ok(())
    }

    fn option_error(text: &str) -> (String, String) {
        match parse(text) {
            Err(Error::Option { option, reason, .. }) => (option, reason),
            other => panic!("{text}: expected an option error, got {other:?}"),
        }
    }

    #[test]
    fn errors() {
        assert_eq!(option_error("unix").0, "address");
        assert_eq!(option_error("unix:/x:mode=999").0, "mode");
        assert_eq!(option_error("unix:/x:mode=-1").0, "mode");
        assert_eq!(option_error("unix:/x:lockfile=true").0, "lockfile");
        assert_eq!(option_error("unix:/x:backlog=-1").0, "backlog");
        assert_eq!(option_error("unix:/x:timeout=5").0, "timeout");
        assert_eq!(option_error("unix:/x:wantPID=1").0, "wantPID");
        let (option, reason) = option_error("unix:/x:660:mode=600");
        assert_eq!(option, "mode");
        assert!(reason.contains("twice"), "{reason}");
        assert_eq!(option_error("unix:/x:660:50:1:extra").0, "extra");
    }

    #[test]
    fn unknown_option_lists_accepted() {
        let Err(Error::Option { accepted, .. }) = parse("unix:/x:timeout=5") else {
            panic!("expected an option error");
        };
        assert_eq!(
            accepted,
            ["address", "mode", "backlog", "lockfile", "owner", "group"]
        );
    }

    #[test]
    fn other_kinds_are_refused() {
        assert!(matches!(parse("tcp:80"), Err(Error::UnknownKind { .. })));
        assert!(parse("").is_err());
    }
}
