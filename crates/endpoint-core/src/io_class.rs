//! One classifier for OS errors, shared by everything that decides whether to go on after
//! one: the accept loop, the relay, the retrying client.

use std::io;

/// What an OS error says about what to do next, by its errno (or, for an `io::Error` made
/// from a kind alone, by its kind).
///
/// | class | errno | why |
/// |---|---|---|
/// | [`PerConnection`](IoClass::PerConnection) | `ECONNABORTED`, `ECONNRESET`, `EPROTO`, `EPERM`, `EINTR`, `EAGAIN`/`EWOULDBLOCK` | one connection (or one call) failed: a peer that reset before `accept` returned, a protocol error on that connection, a firewall rule refusing it (`accept(2)`'s `EPERM`), a signal. The socket and the process are fine; the next one may work. |
/// | [`OutOfResources`](IoClass::OutOfResources) | `EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM` | the process or the system is out of descriptors, socket buffers or kernel memory. Nothing is wrong with the request; it goes away as other connections close, so wait (or take a path that needs less). |
/// | [`Transient`](IoClass::Transient) | `ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`, `ENETUNREACH`, `EADDRNOTAVAIL`, `ENOTCONN` | the far end cannot be reached now (not listening yet, restarting, a route that comes and goes); it may be later. |
/// | [`Fatal`](IoClass::Fatal) | anything else (`EACCES`, `EADDRINUSE`, `EINVAL`, `EBADF`, ...) | trying again the same way fails the same way. |
///
/// Callers react to the classes in their own way:
///
/// - the accept loop ([`Listener`](crate::Listener)) skips a `PerConnection` error, backs off
///   (10 ms, doubling up to a second) on `OutOfResources`, and ends on anything else;
/// - the relay (`endpoints::relay`), when it cannot get a pipe for zero-copy, moves that chunk
///   through a user-space buffer on `OutOfResources` and fails the pair on anything else;
/// - the retrying client (`endpoints::Retrying`, `is_transient`) tries again after any class
///   but `Fatal` (and after a timeout), within its policy's bounds.
///
/// ```
/// use endpoint_core::IoClass;
/// use std::io;
/// assert_eq!(IoClass::of(&io::Error::from_raw_os_error(libc::EMFILE)), IoClass::OutOfResources);
/// assert_eq!(IoClass::of(&io::ErrorKind::ConnectionRefused.into()), IoClass::Transient);
/// assert_eq!(IoClass::of(&io::ErrorKind::PermissionDenied.into()), IoClass::Fatal);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoClass {
    /// One connection or one call failed; the next may work.
    PerConnection,
    /// Out of descriptors, buffers or memory; wait, or use less.
    OutOfResources,
    /// The far end cannot be reached now; it may be later.
    Transient,
    /// Trying again the same way fails the same way.
    Fatal,
}

impl IoClass {
    /// The class of `error`: by its errno when it has one, else by its kind.
    pub fn of(error: &io::Error) -> IoClass {
        match error.raw_os_error() {
            Some(errno) => Self::of_errno(errno),
            None => Self::of_kind(error.kind()),
        }
    }

    /// The class of an errno, as the table above says.
    pub fn of_errno(errno: i32) -> IoClass {
        match errno {
            libc::ECONNABORTED | libc::ECONNRESET | libc::EPROTO | libc::EPERM | libc::EINTR => {
                IoClass::PerConnection
            }
            // EWOULDBLOCK is EAGAIN on Linux, a separate value on some systems.
            e if e == libc::EAGAIN || e == libc::EWOULDBLOCK => IoClass::PerConnection,
            libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM => IoClass::OutOfResources,
            libc::ECONNREFUSED
            | libc::ETIMEDOUT
            | libc::EHOSTUNREACH
            | libc::ENETUNREACH
            | libc::EADDRNOTAVAIL
            | libc::ENOTCONN => IoClass::Transient,
            _ => IoClass::Fatal,
        }
    }

    /// The class of an `io::Error` that carries no errno (made from a kind), by the kinds the
    /// table's errnos map to.
    fn of_kind(kind: io::ErrorKind) -> IoClass {
        use io::ErrorKind::*;
        match kind {
            ConnectionAborted | ConnectionReset | Interrupted | WouldBlock => {
                IoClass::PerConnection
            }
            OutOfMemory => IoClass::OutOfResources,
            ConnectionRefused | TimedOut | HostUnreachable | NetworkUnreachable
            | AddrNotAvailable | NotConnected => IoClass::Transient,
            _ => IoClass::Fatal,
        }
    }
}
