//! The one error type of the workspace.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::side::Side;
use crate::tls_problem::TlsProblem;
use crate::ws_problem::WsProblem;

/// A specialised `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when parsing a description, listening or connecting.
///
/// Each variant carries its evidence in fields (the input, the byte position, the kinds that
/// exist, the closest match), so programs can react to them without parsing messages. The
/// `Display` text is one lowercase sentence that names the input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The description is not well formed (a lone trailing backslash, no kind, a bad layer
    /// chain). Fix the string at `position`.
    #[error("{message} in \"{input}\" at byte {position}{}", hint(suggestion))]
    Parse {
        /// The whole description.
        input: String,
        /// Byte offset into `input` where the problem is.
        position: usize,
        /// What was expected.
        message: String,
        /// A corrected spelling, when one is likely.
        suggestion: Option<String>,
    },
    /// The kind (or a layer) is not registered on this side. `known` lists what exists.
    #[error(
        "unknown {side} endpoint kind \"{kind}\" in \"{input}\"{}{} (known: {})",
        hint(suggestion),
        other_side_note(*side, *other_side),
        known.join(", ")
    )]
    UnknownKind {
        /// The whole description.
        input: String,
        /// The kind as written.
        kind: String,
        /// Byte offset of the kind in `input`.
        position: usize,
        /// The side it was looked up on.
        side: Side,
        /// The kinds registered on that side.
        known: Vec<String>,
        /// The closest known kind, when one is close.
        suggestion: Option<String>,
        /// True when the kind exists on the other side only (`tcp6` as a client).
        other_side: bool,
    },
    /// An option is unknown, missing, duplicated, or has a value that does not parse.
    #[error(
        "option \"{option}\" of {kind} in \"{input}\" {reason}{} ({kind} takes: {})",
        hint(suggestion),
        accepted.join(", ")
    )]
    Option {
        /// The whole description.
        input: String,
        /// The kind (or layer) the option belongs to.
        kind: String,
        /// The option's keyword as written.
        option: String,
        /// Byte offset of the offending segment in `input`.
        position: usize,
        /// What is wrong, e.g. `is not a port number: "http"`.
        reason: String,
        /// The options the kind takes.
        accepted: Vec<String>,
        /// The closest accepted option, or a corrected value.
        suggestion: Option<String>,
    },
    /// An operating-system call failed; `source` holds the OS reason.
    #[error("could not {action} \"{endpoint}\"")]
    Io {
        /// What was being done: `listen on`, `connect to`, `accept on`.
        action: &'static str,
        /// The endpoint's description.
        endpoint: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// An operation did not finish in time.
    #[error("timed out after {} trying to {action} \"{endpoint}\"", seconds(after))]
    Timeout {
        /// What was being done.
        action: &'static str,
        /// The endpoint's description.
        endpoint: String,
        /// The limit that passed.
        after: Duration,
    },
    /// A TLS setup or handshake problem: a file that cannot be used, a certificate that
    /// fails verification, nothing in common with the peer. `problem` says which, with the
    /// evidence (the names expected and presented, the dates, the file); react to it with
    /// [`Error::tls_problem`].
    #[error("{}{problem}", context("tls", endpoint))]
    Tls {
        /// Whose handshake failed: the client endpoint's description, or on a server the
        /// peer's address. `None` for problems found while loading files and settings (the
        /// problem names the file).
        endpoint: Option<String>,
        /// What went wrong, with its evidence.
        problem: TlsProblem,
        /// The underlying error (the OS error, rustls' error), if any. Its text is never
        /// repeated in this error's message.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A WebSocket handshake problem: the server refused the upgrade (its status says why),
    /// its answer was not a proper upgrade, or no subprotocol matched. React to it with
    /// [`Error::ws_problem`].
    #[error("{}{problem}", context("websocket", endpoint))]
    WebSocket {
        /// Whose handshake failed: the client endpoint's description, or on a server the
        /// peer's address.
        endpoint: Option<String>,
        /// What went wrong, with its evidence.
        problem: WsProblem,
        /// The underlying error (the OS error, the HTTP library's), if any. Its text is
        /// never repeated in this error's message.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Anything else a plugin needs to report.
    #[error("{message}")]
    Other {
        /// What failed.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// A duration in seconds, as descriptions write them: `30s`, `0.5s`.
fn seconds(d: &Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

fn context(protocol: &str, endpoint: &Option<String>) -> String {
    match endpoint {
        Some(e) => format!("{protocol} handshake with \"{e}\" failed: "),
        None => format!("{protocol}: "),
    }
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean \"{s}\"?"),
        None => String::new(),
    }
}

fn other_side_note(side: Side, other: bool) -> String {
    if other {
        format!("; it exists only as a {} kind", side.other())
    } else {
        String::new()
    }
}

impl Error {
    /// Wraps an OS error with what was being done and to which endpoint.
    pub fn io(action: &'static str, endpoint: impl fmt::Display, source: io::Error) -> Self {
        Error::Io {
            action,
            endpoint: endpoint.to_string(),
            source,
        }
    }

    /// The kind of the underlying OS error, if this is an I/O error.
    ///
    /// Saves callers a downcast: `err.io_kind() == Some(io::ErrorKind::AddrInUse)`.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            Error::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    /// The raw OS error number, if this is an I/O error that carries one.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// True for [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// The byte position in the description, for parse, kind and option errors.
    pub fn position(&self) -> Option<usize> {
        match self {
            Error::Parse { position, .. }
            | Error::Option { position, .. }
            | Error::UnknownKind { position, .. } => Some(*position),
            _ => None,
        }
    }

    /// The description this error is about, for errors found while parsing.
    pub fn input(&self) -> Option<&str> {
        match self {
            Error::Parse { input, .. }
            | Error::UnknownKind { input, .. }
            | Error::Option { input, .. } => Some(input),
            _ => None,
        }
    }

    /// Two lines for a terminal: the input, then a caret under the bad byte.
    ///
    /// Returns `None` when the error has no position.
    pub fn caret(&self) -> Option<String> {
        let (input, position) = (self.input()?, self.position()?);
        let column = input
            .get(..position.min(input.len()))
            .map_or(position, |p| p.chars().count());
        Some(format!("  {input}\n  {}^", " ".repeat(column)))
    }

    /// What went wrong, for [`Error::Tls`]: match on it instead of reading the message.
    ///
    /// ```
    /// use endpoint_core::{Error, TlsProblem};
    /// let error = Error::Tls {
    ///     endpoint: Some("tls:example.com:443".into()),
    ///     problem: TlsProblem::UnknownIssuer,
    ///     source: None,
    /// };
    /// assert_eq!(error.tls_problem(), Some(&TlsProblem::UnknownIssuer));
    /// assert!(error.to_string().starts_with("tls handshake with \"tls:example.com:443\" failed: "));
    /// ```
    pub fn tls_problem(&self) -> Option<&TlsProblem> {
        match self {
            Error::Tls { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// What went wrong, for [`Error::WebSocket`]: match on it instead of reading the message.
    pub fn ws_problem(&self) -> Option<&WsProblem> {
        match self {
            Error::WebSocket { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// A free-form error for plugins.
    pub fn other(message: impl Into<String>) -> Self {
        Error::Other {
            message: message.into(),
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_print_seconds() {
        let timeout = |after| Error::Timeout {
            action: "connect to",
            endpoint: "tcp:h:1".into(),
            after,
        };
        let text = |d| timeout(d).to_string();
        assert_eq!(
            text(Duration::from_secs(30)),
            "timed out after 30s trying to connect to \"tcp:h:1\""
        );
        assert!(text(Duration::from_millis(500)).starts_with("timed out after 0.5s "));
        assert!(text(Duration::ZERO).starts_with("timed out after 0s "));
    }

    #[test]
    fn tls_and_websocket_messages_name_the_endpoint_when_known() {
        let tls = Error::Tls {
            endpoint: None,
            problem: TlsProblem::NoPlatformRoots,
            source: None,
        };
        assert!(
            tls.to_string().starts_with("tls: no platform trust roots"),
            "{tls}"
        );
        let ws = Error::WebSocket {
            endpoint: Some("ws+tcp:h:80".into()),
            problem: WsProblem::BadAccept,
            source: Some(Box::new(io::Error::other("not shown"))),
        };
        assert_eq!(
            ws.to_string(),
            "websocket handshake with \"ws+tcp:h:80\" failed: the server's \
             Sec-WebSocket-Accept does not match our key"
        );
        assert_eq!(ws.ws_problem(), Some(&WsProblem::BadAccept));
        assert_eq!(ws.tls_problem(), None);
    }
}
