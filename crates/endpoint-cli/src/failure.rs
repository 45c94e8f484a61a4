//! Why a command failed, and how that is shown and turned into an exit status.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::process::ExitCode;

use endpoints::Error;

/// Exit status for a description that does not parse, or another mistake on the command line
/// (as clap uses for bad arguments).
const BAD_DESCRIPTION: u8 = 2;
/// Exit status for anything that failed at run time.
const RUNTIME: u8 = 1;

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// An error from the endpoints library: a bad description, or listen/connect failing.
    Endpoint(Error),
    /// An `exec:` program exited unsuccessfully; its status is the command's.
    Exited(std::process::ExitStatus),
    /// A bad description, with a line that says more (`describe`: which side was tried).
    Noted {
        /// The library's error.
        error: Error,
        /// Printed after the error and its caret.
        note: String,
    },
    /// The command line is wrong in a way clap cannot see (an unknown kind name for `kinds`,
    /// a side `describe` must be told): exit status 2, as for clap's own errors.
    Usage(String),
    /// Something failed at run time that is not one endpoint's error (a relay of
    /// `serve` that could not bind, named): exit status 1.
    Runtime(Box<dyn StdError + Send + Sync>),
    /// Copying bytes failed (a reset connection, a closed stdout).
    Copy {
        /// What was being copied, e.g. `stdin to the connection`.
        what: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

impl Failure {
    /// A failure while copying `what`.
    pub fn copy(what: &'static str, source: io::Error) -> Self {
        Failure::Copy { what, source }
    }

    /// `Ok` for a program that exited with 0, else [`Failure::Exited`].
    ///
    /// # Errors
    /// [`Failure::Exited`] for a non-zero status or a death by signal.
    pub fn from_exit(status: std::process::ExitStatus) -> Result<(), Failure> {
        if status.success() {
            Ok(())
        } else {
            Err(Failure::Exited(status))
        }
    }

    /// True when the user's description is at fault (parse error, unknown kind or option).
    pub fn is_bad_description(&self) -> bool {
        matches!(
            self,
            Failure::Endpoint(
                Error::Parse { .. } | Error::UnknownKind { .. } | Error::Option { .. }
            ) | Failure::Noted { .. }
        )
    }

    /// Prints the failure to stderr and returns the exit status.
    ///
    /// A bad description prints the message and a caret under the bad byte, and gives 2;
    /// anything else prints the message with its whole source chain, and gives 1.
    pub fn report(&self) -> ExitCode {
        if let Failure::Exited(status) = self {
            // The program's status, as a shell gives it: the code, or 128 + the signal.
            use std::os::unix::process::ExitStatusExt;
            let code = status
                .code()
                .or_else(|| status.signal().map(|s| 128 + s))
                .unwrap_or(i32::from(RUNTIME));
            return ExitCode::from(u8::try_from(code).unwrap_or(RUNTIME));
        }
        if let Failure::Usage(message) = self {
            eprintln!("endpoint: {message}");
            return ExitCode::from(BAD_DESCRIPTION);
        }
        if self.is_bad_description() {
            eprintln!("endpoint: {self}");
            if let Failure::Endpoint(error) | Failure::Noted { error, .. } = self {
                if let Some(caret) = error.caret() {
                    eprintln!("{caret}");
                }
            }
            if let Failure::Noted { note, .. } = self {
                eprintln!("endpoint: note: {note}");
            }
            ExitCode::from(BAD_DESCRIPTION)
        } else {
            // A peer's text may be anywhere in the chain (a third-party error quoting it).
            eprintln!("endpoint: {}", endpoints::core::printable(&chain(self)));
            ExitCode::from(RUNTIME)
        }
    }
}

/// The error and every `source()` under it, joined with `: `.
pub fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Endpoint(error) | Failure::Noted { error, .. } => error.fmt(f),
            Failure::Copy { what, .. } => write!(f, "could not copy {what}"),
            Failure::Exited(status) => write!(f, "the program {status}"),
            Failure::Usage(message) => f.write_str(message),
            Failure::Runtime(error) => error.fmt(f),
        }
    }
}

impl StdError for Failure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Failure::Endpoint(error) | Failure::Noted { error, .. } => error.source(),
            Failure::Copy { source, .. } => Some(source),
            Failure::Runtime(error) => error.source(),
            Failure::Exited(_) | Failure::Usage(_) => None,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Endpoint(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_joins_every_source() {
        let failure = Failure::copy("stdin to the connection", io::Error::other("broken"));
        assert_eq!(
            chain(&failure),
            "could not copy stdin to the connection: broken"
        );
        assert!(!failure.is_bad_description());
    }

    #[test]
    fn unknown_kind_is_a_bad_description() {
        let error = endpoints::server_from_string("tpc:8080").unwrap_err();
        assert!(Failure::from(error).is_bad_description());
    }
}
