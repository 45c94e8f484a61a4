//! WebSocket errors: [`WsProblem`], the typed evidence of a failed WebSocket handshake (an
//! [`Error::Handshake`] with layer `websocket`) or of a read over the size limit.

use endpoint_core::{printable, Error};

/// The layer name WebSocket errors carry: their messages start `websocket handshake with`.
pub(crate) const LAYER: &str = "websocket";

/// What went wrong in a WebSocket handshake or stream, with the evidence in fields.
///
/// This is the `problem` of a WebSocket [`Error::Handshake`] (layer `websocket`);
/// `error.find::<WsProblem>()` gets it. A message over the
/// limit fails a *read* of the stream instead: that `io::Error` (kind `InvalidData`) carries a
/// [`WsProblem::MessageTooLarge`], which [`endpoint_core::find_in_chain`] (or `get_ref()` and
/// `downcast_ref`) recovers.
///
/// # Examples
/// ```
/// use endpoint_ws::WsProblem;
/// let problem = WsProblem::UpgradeRefused {
///     status: 404,
///     reason: "Not Found".into(),
///     body: Some("no websocket at /x".into()),
/// };
/// assert_eq!(
///     problem.to_string(),
///     "server refused the upgrade: 404 Not Found (no websocket at /x)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WsProblem {
    /// The server answered the upgrade request with another status than 101 (a wrong path,
    /// an origin it does not allow, or not a WebSocket server at all).
    #[error(
        "server refused the upgrade: {}{}",
        status_line(*status, reason),
        in_parens(body)
    )]
    UpgradeRefused {
        /// The HTTP status code, e.g. 404.
        status: u16,
        /// The status's reason phrase, e.g. `Not Found` (empty for an unknown code).
        reason: String,
        /// The first line of the answer's body (at most 200 characters), when it has one.
        body: Option<String>,
    },
    /// This server refused a client's upgrade request and answered with `status`.
    #[error(
        "refused the upgrade with {}: {}",
        status_line(*status, reason),
        printable(detail)
    )]
    RequestRefused {
        /// The HTTP status code sent, e.g. 404.
        status: u16,
        /// The status's reason phrase, e.g. `Not Found`.
        reason: String,
        /// Why, as sent in the answer's body, e.g. `no websocket at /x (this server serves
        /// /chat)`.
        detail: String,
    },
    /// The server's 101 answer lacks a header the handshake needs.
    #[error("the server's answer has no \"{header}\" header")]
    MissingUpgradeHeader {
        /// The header and value expected, e.g. `Upgrade: websocket`.
        header: String,
    },
    /// The server's `Sec-WebSocket-Accept` does not match the key we sent.
    #[error("the server's Sec-WebSocket-Accept does not match our key")]
    BadAccept,
    /// We offered subprotocols and the server chose none (`subprotocols=` lists them).
    #[error(
        "the server chose no subprotocol; refused (offered: {})",
        offered.join(", ")
    )]
    NoSubprotocolChosen {
        /// The subprotocols we offered.
        offered: Vec<String>,
    },
    /// The server chose a subprotocol we did not offer (or chose one when we offered none).
    #[error(
        "the server chose a subprotocol we did not offer (offered: {})",
        list_or_none(offered)
    )]
    UnofferedSubprotocol {
        /// The subprotocols we offered; may be empty.
        offered: Vec<String>,
    },
    /// The upgrade request could not be built (an option holds a value HTTP does not allow);
    /// the HTTP library's error is the source.
    #[error("could not build the upgrade request")]
    InvalidRequest,
    /// The connection failed (closed, reset) during the handshake; the OS error, or the
    /// early end, is the source.
    #[error("the connection failed during the handshake")]
    ConnectionLost,
    /// A message (or a frame) from the peer is over the limit. The read fails and the
    /// stream sends a Close frame with code 1009.
    #[error(
        "websocket message of {size} bytes is over the limit of {limit} bytes \
         (maxMessageSize={max_message_size}, maxFrameSize={max_frame_size})"
    )]
    MessageTooLarge {
        /// The size of the message or frame, in bytes.
        size: usize,
        /// The limit it broke, in bytes.
        limit: usize,
        /// The stream's `maxMessageSize`.
        max_message_size: usize,
        /// The stream's `maxFrameSize`.
        max_frame_size: usize,
    },
    /// The WebSocket connections of this process that share a message budget
    /// (`messageBudget`) held more than it in messages still arriving, and this connection
    /// held the most: the read fails and the stream sends a Close frame with code 1009.
    #[error(
        "the websocket connections of this process hold over messageBudget={budget} bytes \
         of messages still arriving, and this one held the most ({held} bytes)"
    )]
    MessageBudgetSpent {
        /// What this connection held when it was picked, in bytes.
        held: usize,
        /// The budget its pool shares, in bytes.
        budget: usize,
    },
    /// A line written to a text-mode stream (`messages=text`) is not UTF-8, which a text
    /// message must be: the write fails and the line is dropped, never changed.
    #[error(
        "a line written to a text-mode websocket (messages=text) is not UTF-8: its bytes \
         are valid up to {valid_up_to} of {length}"
    )]
    NotUtf8 {
        /// The line's valid first bytes.
        valid_up_to: usize,
        /// The line's length in bytes, without its newline.
        length: usize,
    },
    /// A line written to a text-mode stream (`messages=text`) grew past the largest message,
    /// `maxMessageSize`, before its newline: the write fails and the line is dropped.
    #[error(
        "a line written to a text-mode websocket (messages=text) is over maxMessageSize={limit} \
         bytes, the largest message"
    )]
    LineTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Any other handshake failure, in words; the library's error is the source.
    #[error("{0}")]
    Protocol(String),
}

impl WsProblem {
    /// This problem as the workspace's error: [`Error::Handshake`] with layer `websocket`,
    /// whose message is `websocket handshake with "{endpoint}" failed: {problem}`.
    pub fn into_error(
        self,
        endpoint: Option<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::handshake(LAYER, endpoint, self, source)
    }
}

/// The status and reason phrase, the peer's text escaped ([`printable`]).
fn status_line(status: u16, reason: &str) -> String {
    if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {}", printable(reason))
    }
}

/// ` (TEXT)`, the peer's text escaped ([`printable`]).
fn in_parens(text: &Option<String>) -> String {
    match text {
        Some(t) => format!(" ({})", printable(t)),
        None => String::new(),
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        let refused = WsProblem::UpgradeRefused {
            status: 200,
            reason: "OK".into(),
            body: None,
        };
        assert_eq!(refused.to_string(), "server refused the upgrade: 200 OK");
        let unoffered = WsProblem::UnofferedSubprotocol { offered: vec![] };
        assert_eq!(
            unoffered.to_string(),
            "the server chose a subprotocol we did not offer (offered: none)"
        );
    }

    /// A hostile server's reason phrase and body, and a hostile client's path in our own
    /// refusal, are printed escaped (issue 19, item 10).
    #[test]
    fn peer_text_is_escaped_when_printed() {
        let refused = WsProblem::UpgradeRefused {
            status: 404,
            reason: "Not\x1b[2J Found".into(),
            body: Some("gone\r\nX-Forged: 1\x1b]0;t\x07".into()),
        };
        let shown = refused.to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.contains("\\u{1b}[2J"), "{shown}");
        let ours = WsProblem::RequestRefused {
            status: 404,
            reason: "Not Found".into(),
            detail: "no websocket at /\x1b[31mx".into(),
        };
        assert!(!ours.to_string().chars().any(char::is_control));
    }
}
