//! Child processes that say when they are ready: start one, read its output line by line
//! until the line that says so, and hand back the child (killed when dropped) with that line.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::basics::{TestResult, SAFETY};

/// Which output of a child carries its ready line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A child that printed its ready line.
#[derive(Debug)]
pub struct ReadyChild {
    /// The child, killed when dropped. The watched output is taken from it; the other
    /// streams are as the command set them.
    pub child: Child,
    /// The ready line, without its line end.
    pub line: String,
    /// The lines the child printed on that output before the ready line.
    pub before: String,
    /// The rest of that output, collected until the child closes it.
    pub rest: JoinHandle<String>,
}

/// Starts `command` with `output` piped and reads that output line by line, for at most
/// [`SAFETY`], until `ready` accepts a line. The child is killed when the returned value (or
/// the error, or a panic) drops it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// use endpoint_testkit::{spawn_ready, Output};
///
/// let mut command = tokio::process::Command::new("sh");
/// command.args(["-c", "echo starting; echo listening on 4242; echo bye"]);
/// let ready = spawn_ready(command, Output::Stdout, |line| line.starts_with("listening")).await?;
/// assert_eq!(ready.line, "listening on 4242");
/// assert_eq!(ready.before, "starting\n");
/// assert_eq!(ready.rest.await?, "bye\n");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// When the command cannot start, exits (closes that output) before a ready line, or prints
/// none within [`SAFETY`]; the message quotes what it printed.
pub async fn spawn_ready(
    mut command: Command,
    output: Output,
    mut ready: impl FnMut(&str) -> bool,
) -> TestResult<ReadyChild> {
    match output {
        Output::Stdout => command.stdout(Stdio::piped()),
        Output::Stderr => command.stderr(Stdio::piped()),
    };
    let mut child = command.kill_on_drop(true).spawn()?;
    let stream: Box<dyn AsyncRead + Send + Unpin> = match output {
        Output::Stdout => Box::new(child.stdout.take().ok_or("stdout is piped")?),
        Output::Stderr => Box::new(child.stderr.take().ok_or("stderr is piped")?),
    };
    let mut lines = BufReader::new(stream);
    let mut before = String::new();
    let found = tokio::time::timeout(SAFETY, async {
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).await? == 0 {
                return Err(format!(
                    "the child closed its {output:?} before its ready line; it printed: {before:?}"
                )
                .into());
            }
            let trimmed = line.trim_end_matches(['\n', '\r']);
            if ready(trimmed) {
                return TestResult::Ok(trimmed.to_owned());
            }
            before.push_str(&line);
        }
    })
    .await;
    let line = match found {
        Ok(found) => found?,
        Err(_) => {
            return Err(format!(
                "no ready line on {output:?} within {SAFETY:?}; the child printed: {before:?}"
            )
            .into())
        }
    };
    let rest = tokio::spawn(async move {
        let mut rest = String::new();
        let _ = lines.read_to_string(&mut rest).await;
        rest
    });
    Ok(ReadyChild {
        child,
        line,
        before,
        rest,
    })
}

/// Starts `python3 SCRIPT ARGS...` (an interop peer: the `websockets` or `aioquic` echo
/// server of a crate's `tests/interop`) with its standard input piped, and waits for the
/// first line of its standard output, the port it listens on. Closing the child's standard
/// input asks such a server to stop.
///
/// ```no_run
/// # async fn f() -> endpoint_testkit::TestResult {
/// let (mut server, port) =
///     endpoint_testkit::python_server("tests/interop/echo_server.py".as_ref(), &[]).await?;
/// // ... talk to 127.0.0.1:port ...
/// drop(server.child.stdin.take());
/// server.child.wait().await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`spawn_ready`], and when the first line is not a port number.
pub async fn python_server(
    script: &std::path::Path,
    args: &[&std::ffi::OsStr],
) -> TestResult<(ReadyChild, u16)> {
    let mut command = Command::new("python3");
    command.arg(script).args(args).stdin(Stdio::piped());
    let ready = spawn_ready(command, Output::Stdout, |_| true).await?;
    let port = ready.line.trim().parse().map_err(|e| {
        format!(
            "the python server printed {:?}, not a port: {e}",
            ready.line
        )
    })?;
    Ok((ready, port))
}
