//! The `stdio` server kind: standard input and output as one connection (inetd style).

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{ready, Context, Poll};

use endpoint_core::description::{Args, Description};
use endpoint_core::{
    Accept, Address, BoxFuture, Connection, ConnectionInfo, Error, Listener, Result, ServerEndpoint,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, Stdin, Stdout};

/// True once a `stdio` listener holds (or has handed out) standard input and output.
static CLAIMED: AtomicBool = AtomicBool::new(false);

/// Serves exactly one connection: this process's standard input and output, as inetd, systemd
/// (`StandardInput=socket`) or a pipeline gives them (Twisted's `StandardIOEndpoint`).
///
/// The listener's first accept yields that connection at once; later accepts never complete.
/// A process has one stdin and stdout, so only one `stdio` listener can exist: a second
/// [`bind`](ServerEndpoint::bind) fails while the first listener lives, and for good once the
/// connection was handed out.
///
/// As in Twisted, the kind takes no arguments and ignores any it is given, so `stdio`,
/// `stdio:`, `STDIO:` and `stdio:anything:foo=bar` are the same endpoint. Canonical: `stdio`.
///
/// # Examples
/// ```
/// use endpoint_unix::StdioServerEndpoint;
/// for text in ["stdio", "stdio:", "STDIO:", "stdio:anything:foo=bar"] {
///     let endpoint: StdioServerEndpoint = text.parse()?;
///     assert_eq!(endpoint.to_string(), "stdio");
/// }
/// # Ok::<(), endpoint_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[doc(alias = "StandardIOEndpoint")]
pub struct StdioServerEndpoint;

impl StdioServerEndpoint {
    /// The endpoint.
    pub fn new() -> Self {
        StdioServerEndpoint
    }

    /// Builds the endpoint from a `stdio` description's arguments, ignoring all of them (as
    /// Twisted's `_StandardIOParser` does).
    ///
    /// # Errors
    /// None today; the signature matches the other kinds.
    pub(crate) fn from_args(args: Args) -> Result<Self> {
        drop(args);
        Ok(StdioServerEndpoint)
    }
}

impl fmt::Display for StdioServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ServerEndpoint for StdioServerEndpoint {
    /// Claims standard input and output for a listener that yields them once.
    ///
    /// # Errors
    /// [`Error::Io`] (`AddrInUse`) when another `stdio` listener holds them or already handed
    /// them out.
    ///
    /// # Cancel safety
    /// The work happens in one step when first polled.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            if CLAIMED.swap(true, Ordering::AcqRel) {
                return Err(Error::io(
                    "listen on",
                    self,
                    io::Error::new(
                        io::ErrorKind::AddrInUse,
                        "standard input and output are already used by another stdio listener",
                    ),
                ));
            }
            Ok(Listener::new(StdioAccept { handed_out: false }, self))
        })
    }

    fn description(&self) -> Description {
        Description::new("stdio")
    }
}

struct StdioAccept {
    handed_out: bool,
}

impl Accept for StdioAccept {
    fn poll_accept(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        if self.handed_out {
            // One connection only; nothing ever wakes this again.
            return Poll::Pending;
        }
        self.handed_out = true;
        let info = ConnectionInfo::new("stdio", address(), address());
        Poll::Ready(Ok(Connection::new(StdioStream::new(), info)))
    }

    fn local_address(&self) -> Address {
        address()
    }
}

impl Drop for StdioAccept {
    fn drop(&mut self) {
        if !self.handed_out {
            CLAIMED.store(false, Ordering::Release);
        }
    }
}

fn address() -> Address {
    Address::Other("stdio".into())
}

/// Standard input and output as one stream: reads come from stdin, writes go to stdout.
///
/// Shutting the stream down flushes stdout and then closes it for real (descriptor 1 is
/// pointed at `/dev/null`), so the process at the other end of the pipe sees end-of-file.
#[derive(Debug)]
pub struct StdioStream {
    stdin: Stdin,
    stdout: Stdout,
    closed: bool,
}

impl StdioStream {
    /// This process's stdin and stdout. Must be used inside a tokio runtime.
    pub fn new() -> Self {
        StdioStream {
            stdin: tokio::io::stdin(),
            stdout: tokio::io::stdout(),
            closed: false,
        }
    }
}

impl Default for StdioStream {
    fn default() -> Self {
        Self::new()
    }
}

impl AsyncRead for StdioStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_read(cx, buf)
    }
}

impl AsyncWrite for StdioStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "stdout was shut down",
            )));
        }
        Pin::new(&mut this.stdout).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stdout).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(Ok(()));
        }
        ready!(Pin::new(&mut this.stdout).poll_flush(cx))?;
        this.closed = true;
        close_stdout()?;
        Poll::Ready(Ok(()))
    }
}

/// Closes the pipe or socket behind descriptor 1 while keeping the descriptor valid (pointing
/// at `/dev/null`), so later writes by anyone cannot land in an unrelated file.
fn close_stdout() -> io::Result<()> {
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    use std::os::fd::AsRawFd;
    // SAFETY: dup2 onto descriptor 1 atomically replaces it; `null` stays owned by us and is
    // closed when dropped.
    if unsafe { libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
