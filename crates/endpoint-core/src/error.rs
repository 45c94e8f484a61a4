//! The one error type of the workspace.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::side::Side;

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
    /// A layer's setup or handshake problem: a TLS certificate that fails verification, a
    /// WebSocket upgrade the server refused, a plugin protocol's refusal. `problem` is the
    /// layer's own typed evidence (`endpoint_tls::TlsProblem`, `endpoint_ws::WsProblem`, or
    /// a plugin's type); react to it with [`Error::find`] instead of reading the message.
    ///
    /// The message is `"{layer} handshake with \"{endpoint}\" failed: {problem}"`, or
    /// `"{layer}: {problem}"` without an endpoint. The problem is part of the message, so the
    /// `source()` chain goes on at `source`, the underlying error, and never repeats it.
    #[error("{}{problem}", context(layer, endpoint))]
    Handshake {
        /// The layer that failed, as its messages name it: `tls`, `websocket`, a plugin's.
        layer: &'static str,
        /// Whose handshake failed: the client endpoint's description, or on a server the
        /// peer's address. `None` for problems found while loading files and settings (the
        /// problem names the file).
        endpoint: Option<String>,
        /// What went wrong, with its evidence: a value of the layer's own problem type.
        problem: Box<dyn std::error::Error + Send + Sync>,
        /// The underlying error (the OS error, the library's), if any. Its text is never
        /// repeated in this error's message.
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

    /// A layer's setup or handshake failure ([`Error::Handshake`]): `layer` names it in the
    /// message (`tls`, `websocket`), `problem` is its typed evidence, `source` the underlying
    /// error.
    pub fn handshake(
        layer: &'static str,
        endpoint: Option<String>,
        problem: impl std::error::Error + Send + Sync + 'static,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Handshake {
            layer,
            endpoint,
            problem: Box::new(problem),
            source,
        }
    }

    /// The first `T` in this error's evidence and `source()` chain: what went wrong, typed,
    /// whichever layer or plugin said it (see [`find_in_chain`]).
    ///
    /// ```
    /// use endpoint_core::Error;
    ///
    /// #[derive(Debug, PartialEq, thiserror::Error)]
    /// #[error("the peer's token is stale")]
    /// struct StaleToken;
    ///
    /// let error = Error::handshake("auth", Some("auth+tcp:h:1".into()), StaleToken, None);
    /// assert_eq!(error.to_string(), "auth handshake with \"auth+tcp:h:1\" failed: the peer's token is stale");
    /// assert_eq!(error.find::<StaleToken>(), Some(&StaleToken));
    /// assert!(error.find::<std::io::Error>().is_none());
    /// ```
    pub fn find<T: std::error::Error + 'static>(&self) -> Option<&T> {
        find_in_chain(self)
    }

    /// A free-form error for plugins.
    pub fn other(message: impl Into<String>) -> Self {
        Error::Other {
            message: message.into(),
            source: None,
        }
    }
}

/// The first `T` in an error's evidence and `source()` chain, for any `&dyn Error`.
///
/// Each link is downcast to `T`. Two kinds of link are also looked into, because their
/// evidence is not in the plain chain: an [`Error::Handshake`]'s `problem`, and the error an
/// `io::Error` wraps (`io::Error::source` skips it; `get_ref` does not). So a WebSocket
/// `MessageTooLarge` inside a failed read, a proxy's refusal inside an [`Error::Io`], and a
/// TLS problem behind any wrapper are all found the same way.
pub fn find_in_chain<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(error);
    while let Some(link) = next {
        if let Some(found) = link.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(Error::Handshake { problem, .. }) = link.downcast_ref::<Error>() {
            let problem: &(dyn std::error::Error + 'static) = &**problem;
            if let Some(found) = find_in_chain(problem) {
                return Some(found);
            }
        }
        if let Some(inner) = link
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            let inner: &(dyn std::error::Error + 'static) = inner;
            if let Some(found) = find_in_chain(inner) {
                return Some(found);
            }
        }
        next = link.source();
    }
    None
}
