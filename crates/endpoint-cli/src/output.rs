//! Writing a command's result to stdout, where a reader that stopped early is not a failure.

use std::io::{self, Write};

use crate::failure::Failure;

/// Writes `text` to stdout and flushes it.
///
/// A closed pipe (`endpoint kinds | head -1`) means the reader has what it wanted: the text
/// is dropped and the command succeeds, as `cat` and `grep` behave when SIGPIPE is ignored
/// (Rust programs ignore it, so `print!` would panic instead).
///
/// # Errors
/// Any other write error (a full disk, a bad descriptor).
pub fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        written => written.map_err(|error| Failure::copy("the output to stdout", error)),
    }
}
