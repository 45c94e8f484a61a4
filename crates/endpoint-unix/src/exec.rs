//! The `exec` client kind: a subprocess's stdin and stdout as the connection.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::task::{Context, Poll};

use endpoint_core::description::{Args, Description, FromOption};
use endpoint_core::{
    Address, BoxFuture, ClientEndpoint, Connection, ConnectionInfo, Error, Result,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::sync::{oneshot, watch};
use tracing::{debug, Instrument};

/// Where the child's standard error goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StderrMode {
    /// `stderr=inherit` (the default): to this process's stderr.
    #[default]
    Inherit,
    /// `stderr=null`: discarded.
    Null,
}

impl StderrMode {
    fn name(self) -> &'static str {
        match self {
            StderrMode::Inherit => "inherit",
            StderrMode::Null => "null",
        }
    }
}

impl FromOption for StderrMode {
    fn from_option(text: &str) -> std::result::Result<Self, String> {
        match text {
            "inherit" => Ok(StderrMode::Inherit),
            "null" => Ok(StderrMode::Null),
            other => Err(format!("is not inherit or null: \"{other}\"")),
        }
    }
}

/// The process behind an `exec` connection, stored in its
/// [`ConnectionInfo`](endpoint_core::ConnectionInfo): `connection.info().get::<ChildProcess>()`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ChildProcess {
    /// The child's process id.
    pub pid: u32,
    /// Its exit status, once it has exited and been reaped.
    status: watch::Receiver<Option<ExitStatus>>,
}

impl ChildProcess {
    /// The exit status, if the child has exited (it is reaped as soon as it does).
    pub fn status(&self) -> Option<ExitStatus> {
        *self.status.borrow()
    }

    /// Waits until the child has exited and returns its status (after the connection is
    /// dropped, a child still running is killed, so this then returns soon). `None` if the
    /// status could not be read.
    pub async fn exited(&self) -> Option<ExitStatus> {
        let mut status = self.status.clone();
        let seen = status.wait_for(Option::is_some).await.ok()?;
        *seen
    }
}

/// Two handles on the same process are equal.
impl PartialEq for ChildProcess {
    fn eq(&self, other: &Self) -> bool {
        self.pid == other.pid
    }
}

impl Eq for ChildProcess {}

/// Connects to a new subprocess: the connection's reads are the child's stdout, its writes the
/// child's stdin (like Twisted's `ProcessEndpoint` and socat's `EXEC`).
///
/// `exec:PROGRAM:ARG:ARG...`: every positional is one element of the argument vector, written
/// with the grammar's escapes (`\:` for a colon, `\=` for an equals sign, `\\` for a
/// backslash); no shell is involved. `PROGRAM` is looked up in `PATH` unless it contains a `/`.
/// Keywords: `stderr=inherit|null` (default `inherit`: the child's errors show with ours) and
/// `cwd=DIR` (default: ours).
///
/// Shutting the connection's write half down closes the child's stdin, so a filter such as
/// `cat` finishes and its output ends. The child is always reaped: a background task waits
/// for it. Dropping the connection first kills it (`SIGKILL`) and then reaps it.
///
/// Description form: `exec:PROGRAM:ARG...:stderr=inherit` (plus `cwd=` when given).
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use endpoint_unix::ExecClientEndpoint;
/// use tokio::io::AsyncReadExt;
///
/// let endpoint: ExecClientEndpoint = r"exec:/bin/sh:-c:echo hi \: there".parse()?;
/// assert_eq!(endpoint.to_string(), r"exec:/bin/sh:-c:echo hi \: there:stderr=inherit");
/// let mut connection = endpoint_core::ClientEndpoint::connect(&endpoint).await?;
/// let mut output = String::new();
/// connection.read_to_string(&mut output).await?;
/// assert_eq!(output, "hi : there\n");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "ProcessEndpoint")]
pub struct ExecClientEndpoint {
    argv: Vec<String>,
    stderr: StderrMode,
    cwd: Option<PathBuf>,
}

impl ExecClientEndpoint {
    /// Runs `program` with `args`, stderr inherited, in our working directory.
    pub fn new<I, S>(program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut argv = vec![program.into()];
        argv.extend(args.into_iter().map(Into::into));
        ExecClientEndpoint {
            argv,
            stderr: StderrMode::Inherit,
            cwd: None,
        }
    }

    /// Sets where the child's stderr goes.
    pub fn stderr(mut self, mode: StderrMode) -> Self {
        self.stderr = mode;
        self
    }

    /// Runs the child in `dir`.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// The program and its arguments.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// Builds the endpoint from an `exec` description's arguments (what the registry calls).
    ///
    /// # Errors
    /// [`Error::Option`] when no program is given, for a bad `stderr=` value or an unknown
    /// option.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        let program = args.param("program", 0)?;
        let program = args.required("program", program)?;
        if program.text.is_empty() {
            return Err(args.invalid(
                "program",
                program.position,
                "is empty; write exec:PROGRAM:ARG...".into(),
            ));
        }
        let mut argv = vec![program.text];
        argv.extend(args.positionals().iter().skip(1).map(|v| v.text.clone()));
        let stderr = args.get("stderr")?;
        let cwd: Option<PathBuf> = args.get_optional("cwd")?;
        args.finish()?;
        Ok(ExecClientEndpoint { argv, stderr, cwd })
    }

    async fn spawn(&self) -> Result<Connection> {
        let fail = |e| Error::io("start", self, e);
        let mut command = Command::new(&self.argv[0]);
        command
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match self.stderr {
                StderrMode::Inherit => Stdio::inherit(),
                StderrMode::Null => Stdio::null(),
            })
            // A backstop: if the reaper task never runs (the runtime shuts down), dropping the
            // child still kills it and tokio's orphan queue reaps it.
            .kill_on_drop(true);
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        let mut child = command.spawn().map_err(fail)?;
        let pid = child.id().unwrap_or_default();
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(stdin), Some(stdout)) => (stdin, stdout),
            _ => return Err(fail(io::Error::other("the child's pipes are missing"))),
        };
        let (kill, killed) = oneshot::channel::<()>();
        let (exited, status) = watch::channel(None);
        let span = tracing::debug_span!("exec", endpoint = %self, pid);
        tokio::spawn(
            async move {
                let status = tokio::select! {
                    status = child.wait() => status,
                    _ = killed => {
                        let _ = child.start_kill();
                        child.wait().await
                    }
                };
                match status {
                    Ok(status) => {
                        debug!(%status, "child exited");
                        exited.send_replace(Some(status));
                    }
                    Err(error) => debug!(%error, "could not wait for the child"),
                }
            }
            .instrument(span),
        );
        let peer = Address::Other(format!("exec:{}", self.argv[0]));
        let mut info = ConnectionInfo::new("exec", Address::Other("pipes".into()), peer);
        info.insert(ChildProcess { pid, status });
        debug!(endpoint = %self, pid, "started");
        Ok(Connection::new(
            ChildStream {
                stdin: Some(stdin),
                stdout,
                _kill: kill,
            },
            info,
        ))
    }
}

impl fmt::Display for ExecClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ClientEndpoint for ExecClientEndpoint {
    /// Starts the child.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be started (no such program, not executable, bad `cwd`).
    ///
    /// # Cancel safety
    /// The child is started in one step when first polled; once started it belongs to the
    /// returned connection.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(self.spawn())
    }

    fn description(&self) -> Description {
        let mut text = Description::new("exec");
        for arg in &self.argv {
            text = text.arg(arg);
        }
        text.option("stderr", self.stderr.name()).option_some(
            "cwd",
            self.cwd.as_ref().map(|d| d.to_string_lossy().into_owned()),
        )
    }
}

/// A child's stdout (read) and stdin (write). Dropping it tells the reaper task to kill the
/// child if it still runs.
struct ChildStream {
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    _kill: oneshot::Sender<()>,
}

impl AsyncRead for ChildStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdout).poll_read(cx, buf)
    }
}

impl AsyncWrite for ChildStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_write(cx, buf),
            None => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the child's stdin was shut down",
            ))),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Closes the child's stdin.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(stdin) = this.stdin.as_mut() {
            std::task::ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        this.stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl fmt::Debug for ChildStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStream")
            .field("stdin_open", &self.stdin.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ExecClientEndpoint> {
        text.parse()
    }

    #[test]
    fn forms() -> Result<()> {
        assert_eq!(parse("exec:cat")?, ExecClientEndpoint::new("cat", [""; 0]));
        assert_eq!(
            parse(r"exec:/bin/sh:-c:echo a\:b:stderr=null")?,
            ExecClientEndpoint::new("/bin/sh", ["-c", "echo a:b"]).stderr(StderrMode::Null)
        );
        assert_eq!(
            parse(r"exec:env:A\=1:cwd=/tmp")?,
            ExecClientEndpoint::new("env", ["A=1"]).cwd("/tmp")
        );
        assert_eq!(parse("exec:program=cat")?.argv(), ["cat"]);
        for text in [
            "exec:cat",
            r"exec:a\\b:\=:x y:cwd=/a\:b",
            "exec:sh:-c::stderr=null",
        ] {
            let e = parse(text)?;
            assert_eq!(parse(&e.to_string())?, e, "{text}");
        }
        Ok(())
    }

    #[test]
    fn errors() {
        for (text, option) in [
            ("exec", "program"),
            ("exec:", "program"),
            ("exec:cat:stderr=stdout", "stderr"),
            ("exec:cat:timeout=1", "timeout"),
        ] {
            match parse(text) {
                Err(Error::Option { option: o, .. }) => assert_eq!(o, option, "{text}"),
                other => panic!("{text}: expected an option error, got {other:?}"),
            }
        }
    }
}
