//! The settings of the `ws` layer on each side, their defaults, and their parsing.

use std::time::Duration;

use endpoint_core::description::{
    declared_default, Args, FromOption, OptionText, Piece, Secret, MASK,
};
use endpoint_core::Result;

use crate::specs::{WS_CLIENT_LAYER_OPTIONS, WS_SERVER_LAYER_OPTIONS};

/// The longest WebSocket frame header: 2 bytes, 8 of length, 4 of mask.
pub(crate) const MAX_FRAME_HEADER: usize = 14;

/// Bytes copied per `memcpy` call: below glibc's `rep movsb` threshold (2112 bytes and up
/// on the CPUs it matters for); see "Why this is fast" in `stream.rs`.
pub(crate) const COPY_PIECE: usize = 2048;

/// The largest binary message one write sends: 64 KiB.
pub const MAX_WRITE_MESSAGE: usize = 64 << 10;

/// How a `ws` connection's bytes map to WebSocket messages: `messages=binary` (the default)
/// or `messages=text`.
///
/// # Examples
/// ```
/// use endpoint_ws::{Messages, WsClientSettings};
/// let settings = WsClientSettings::default().messages(Messages::Text);
/// assert_eq!(settings.messages.to_string(), "text");
/// assert_eq!("binary".parse::<Messages>(), Ok(Messages::Binary));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Messages {
    /// `binary`: a byte stream. Writes become binary messages (of at most 64 KiB, cut
    /// wherever the writes fall); reads yield the payloads of binary and text messages back
    /// to back.
    #[default]
    Binary,
    /// `text`: a conversation in lines, as websocat's. Each line written, up to its `\n`
    /// (which is not sent), becomes one text message: it must be UTF-8 (a line that is not
    /// is an [`io::ErrorKind::InvalidData`](std::io::ErrorKind::InvalidData) error, never
    /// changed) and at most `maxMessageSize` bytes. A line becomes a message when its
    /// newline is written and goes out with the next flush; a flush never sends a partial
    /// line (relays flush whenever a read would wait), and a last line without a newline is
    /// sent at shutdown. Each
    /// message received, text or binary, is read as its payload followed by `\n`.
    Text,
}

impl std::fmt::Display for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Messages::Binary => "binary",
            Messages::Text => "text",
        })
    }
}

impl std::str::FromStr for Messages {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "binary" => Ok(Messages::Binary),
            "text" => Ok(Messages::Text),
            _ => Err(format!("must be \"binary\" or \"text\", not \"{text}\"")),
        }
    }
}

impl FromOption for Messages {
    fn from_option(text: &str) -> Result<Self, String> {
        text.parse()
    }
}

/// Settings of a WebSocket server (`ws+SERVER`, `ws:PORT`, `wss:PORT`); put the layer over
/// any server endpoint with [`layer`](WsServerSettings::layer).
///
/// Every field has the default shown in its docs; build one with `Default` and the
/// consuming setters.
///
/// # Examples
/// ```
/// use endpoint_ws::WsServerSettings;
/// let settings = WsServerSettings::default().path("/chat").subprotocols(["v2.chat", "chat"]);
/// assert_eq!(settings.path, "/chat");
/// assert_eq!(settings.max_message_size, 1 << 20);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WsServerSettings {
    /// `path`: the request path to accept (`/` by default); `*` accepts any path. Requests
    /// for another path get `404 Not Found`. The query is not compared.
    pub path: String,
    /// `subprotocols`: the subprotocols this server speaks. Empty (the default): none is
    /// negotiated and any offer is ignored. Otherwise the server picks the first protocol of
    /// the *client's* offer that is in this list, and answers `400 Bad Request` when the
    /// client offers none of them (or offers nothing at all).
    pub subprotocols: Vec<String>,
    /// `origins`: allowed `Origin` header values (compared ASCII case-insensitively). Empty
    /// (the default): any origin, or none. Otherwise a request whose `Origin` is missing or
    /// not listed gets `403 Forbidden`.
    pub origins: Vec<String>,
    /// `maxMessageSize`: the largest incoming message, in bytes (default 1 MiB).
    #[doc(alias = "maxMessageSize")]
    pub max_message_size: usize,
    /// `maxFrameSize`: the largest incoming frame payload, in bytes (default 256 KiB).
    #[doc(alias = "maxFrameSize")]
    pub max_frame_size: usize,
    /// `handshakeTimeout`: how long the upgrade may take, and how long a shutdown waits for
    /// the peer's Close frame (default 10 s).
    #[doc(alias = "handshakeTimeout")]
    pub handshake_timeout: Duration,
    /// `pingInterval`: send a ping after this long, and end the connection when no frame
    /// at all arrived for two intervals. Zero (the default) turns keepalive off.
    #[doc(alias = "pingInterval")]
    pub ping_interval: Duration,
    /// `messages`: binary messages carrying a byte stream (the default) or text messages
    /// carrying lines; see [`Messages`].
    pub messages: Messages,
    /// `messageBudget`: the bytes all WebSocket connections of this process with the same
    /// budget may hold together in messages still arriving (default 64 MiB; 0: no shared
    /// bound). When a read takes them over it, the connections holding the most are closed
    /// with 1009 until they are back within it. See [`message_budget`](Self::message_budget).
    #[doc(alias = "messageBudget")]
    pub message_budget: usize,
}

impl Default for WsServerSettings {
    fn default() -> Self {
        WsServerSettings {
            path: declared_default(WS_SERVER_LAYER_OPTIONS, "path"),
            subprotocols: declared_default(WS_SERVER_LAYER_OPTIONS, "subprotocols"),
            origins: declared_default(WS_SERVER_LAYER_OPTIONS, "origins"),
            max_message_size: declared_default(WS_SERVER_LAYER_OPTIONS, "maxMessageSize"),
            max_frame_size: declared_default(WS_SERVER_LAYER_OPTIONS, "maxFrameSize"),
            handshake_timeout: declared_default(WS_SERVER_LAYER_OPTIONS, "handshakeTimeout"),
            ping_interval: declared_default(WS_SERVER_LAYER_OPTIONS, "pingInterval"),
            message_budget: declared_default(WS_SERVER_LAYER_OPTIONS, "messageBudget"),
            messages: declared_default(WS_SERVER_LAYER_OPTIONS, "messages"),
        }
    }
}

impl WsServerSettings {
    /// Sets `path`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets `subprotocols`.
    pub fn subprotocols<S: Into<String>>(mut self, list: impl IntoIterator<Item = S>) -> Self {
        self.subprotocols = list.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `origins`.
    pub fn origins<S: Into<String>>(mut self, list: impl IntoIterator<Item = S>) -> Self {
        self.origins = list.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `maxMessageSize`.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets `maxFrameSize`.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// Sets `handshakeTimeout`.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Sets `pingInterval` (zero: off).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Sets `messages` (binary or text).
    pub fn messages(mut self, messages: Messages) -> Self {
        self.messages = messages;
        self
    }

    /// Sets `messageBudget` (zero: no shared bound).
    ///
    /// The budget is shared by the connections of every WebSocket endpoint in the process,
    /// servers and clients, whose budget has this same value: endpoints left at the default
    /// share 64 MiB between them all, and an endpoint with a budget of its own shares it
    /// only with endpoints given the same value. Counted are the bytes each connection has
    /// read since its last whole message: an unfinished fragmented message, a frame still
    /// arriving, what the read buffer holds.
    pub fn message_budget(mut self, bytes: usize) -> Self {
        self.message_budget = bytes;
        self
    }

    /// Reads the server settings from a layer's arguments (the parser then finishes them).
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        let path = args.get_with("path", |t| {
            if t == "*" || t.starts_with('/') && !t.contains(['?', '#']) && valid_target(t) {
                Ok(t.to_owned())
            } else {
                Err(format!(
                    "must be \"*\" or a path starting with \"/\", without query: \"{t}\""
                ))
            }
        })?;
        let subprotocols = args.get_with("subprotocols", token_list)?;
        let origins = args.get_with("origins", |t| Ok(list(t)))?;
        let common = Common::from_args(args)?;
        Ok(WsServerSettings {
            path,
            subprotocols,
            origins,
            max_message_size: common.max_message_size,
            max_frame_size: common.max_frame_size,
            handshake_timeout: common.handshake_timeout,
            ping_interval: common.ping_interval,
            message_budget: common.message_budget,
            messages: common.messages,
        })
    }
}

/// Settings of a WebSocket client (`ws+CLIENT`, `ws:HOST:PORT`, `wss:HOST:PORT`); put the
/// layer over any client endpoint with [`layer`](WsClientSettings::layer).
///
/// # Examples
/// ```
/// use endpoint_ws::WsClientSettings;
/// let settings = WsClientSettings::default()
///     .path("/chat?room=1")
///     .header("Authorization", "Bearer abc");
/// assert_eq!(settings.headers[0].0, "Authorization");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WsClientSettings {
    /// `path`: the request target, path and optional query (`/` by default).
    pub path: String,
    /// `host`: the `Host` header. `None` (the default): the inner endpoint's host, with its
    /// port unless it is the scheme's default (80, or 443 under TLS), else `localhost`.
    pub host: Option<String>,
    /// `subprotocols`: the subprotocols to offer, in order of preference. When any is
    /// offered, the server must choose one of them.
    pub subprotocols: Vec<String>,
    /// `origin`: the `Origin` header to send; none by default.
    pub origin: Option<String>,
    /// `headers`: extra request headers, written `Name=value,Name=value` in descriptions.
    /// A comma starts a new header only where it is followed by `Name=`, so values may hold
    /// commas (`Accept=a, b`).
    pub headers: Vec<(String, String)>,
    /// `maxMessageSize`: the largest incoming message, in bytes (default 1 MiB).
    #[doc(alias = "maxMessageSize")]
    pub max_message_size: usize,
    /// `maxFrameSize`: the largest incoming frame payload, in bytes (default 256 KiB).
    #[doc(alias = "maxFrameSize")]
    pub max_frame_size: usize,
    /// `handshakeTimeout`: how long the upgrade may take, and how long a shutdown waits for
    /// the peer's Close frame (default 10 s).
    #[doc(alias = "handshakeTimeout")]
    pub handshake_timeout: Duration,
    /// `pingInterval`: as on the server; zero (the default) is off.
    #[doc(alias = "pingInterval")]
    pub ping_interval: Duration,
    /// `messages`: binary messages carrying a byte stream (the default) or text messages
    /// carrying lines; see [`Messages`].
    pub messages: Messages,
    /// `messageBudget`: as on the server, and shared with the servers of the process that
    /// have the same budget (default 64 MiB; 0: no shared bound).
    #[doc(alias = "messageBudget")]
    pub message_budget: usize,
}

impl Default for WsClientSettings {
    fn default() -> Self {
        WsClientSettings {
            path: declared_default(WS_CLIENT_LAYER_OPTIONS, "path"),
            host: None,
            subprotocols: declared_default(WS_CLIENT_LAYER_OPTIONS, "subprotocols"),
            origin: None,
            headers: Vec::new(),
            max_message_size: declared_default(WS_CLIENT_LAYER_OPTIONS, "maxMessageSize"),
            max_frame_size: declared_default(WS_CLIENT_LAYER_OPTIONS, "maxFrameSize"),
            handshake_timeout: declared_default(WS_CLIENT_LAYER_OPTIONS, "handshakeTimeout"),
            ping_interval: declared_default(WS_CLIENT_LAYER_OPTIONS, "pingInterval"),
            message_budget: declared_default(WS_CLIENT_LAYER_OPTIONS, "messageBudget"),
            messages: declared_default(WS_CLIENT_LAYER_OPTIONS, "messages"),
        }
    }
}

impl WsClientSettings {
    /// Sets `path` (path and optional query).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets the `Host` header.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets `subprotocols`.
    pub fn subprotocols<S: Into<String>>(mut self, list: impl IntoIterator<Item = S>) -> Self {
        self.subprotocols = list.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the `Origin` header.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Adds an extra request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets `maxMessageSize`.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets `maxFrameSize`.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// Sets `handshakeTimeout`.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Sets `pingInterval` (zero: off).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Sets `messages` (binary or text).
    pub fn messages(mut self, messages: Messages) -> Self {
        self.messages = messages;
        self
    }

    /// Sets `messageBudget` (zero: no shared bound).
    ///
    /// The budget is shared by the connections of every WebSocket endpoint in the process,
    /// servers and clients, whose budget has this same value: endpoints left at the default
    /// share 64 MiB between them all, and an endpoint with a budget of its own shares it
    /// only with endpoints given the same value. Counted are the bytes each connection has
    /// read since its last whole message: an unfinished fragmented message, a frame still
    /// arriving, what the read buffer holds.
    pub fn message_budget(mut self, bytes: usize) -> Self {
        self.message_budget = bytes;
        self
    }

    /// Reads the client settings from a layer's arguments (the parser then finishes them).
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        let path = args.get_with("path", |t| {
            if t.starts_with('/') && !t.contains('#') && valid_target(t) {
                Ok(t.to_owned())
            } else {
                Err(format!(
                    "must be a path starting with \"/\" (a query may follow): \"{t}\""
                ))
            }
        })?;
        let header = |t: &str| header_value(t).map(str::to_owned);
        let host = args.get_optional_with("host", host_header)?;
        let subprotocols = args.get_with("subprotocols", token_list)?;
        let origin = args.get_optional_with("origin", header)?;
        let mut headers = args.get_with("headers", parse_headers)?;
        if let Some(mut one) = args.get_optional_with("header", parse_headers)? {
            headers.append(&mut one);
        }
        let common = Common::from_args(args)?;
        Ok(WsClientSettings {
            path,
            host,
            subprotocols,
            origin,
            headers,
            max_message_size: common.max_message_size,
            max_frame_size: common.max_frame_size,
            handshake_timeout: common.handshake_timeout,
            ping_interval: common.ping_interval,
            message_budget: common.message_budget,
            messages: common.messages,
        })
    }
}

/// The options both sides share.
struct Common {
    max_message_size: usize,
    max_frame_size: usize,
    handshake_timeout: Duration,
    ping_interval: Duration,
    message_budget: usize,
    messages: Messages,
}

impl Common {
    fn from_args(args: &mut Args) -> Result<Self> {
        let at_least_one = |t: &str| match usize::from_option(t)? {
            0 => Err("must be at least 1 byte".to_owned()),
            n => Ok(n),
        };
        let max_message_size = args.get_with("maxMessageSize", at_least_one)?;
        let max_frame_size = args.get_with("maxFrameSize", at_least_one)?;
        let handshake_timeout =
            args.get_with("handshakeTimeout", |t| match Duration::from_option(t)? {
                d if d.is_zero() => Err("must be more than 0 seconds".to_owned()),
                d => Ok(d),
            })?;
        let ping_interval = args.get("pingInterval")?;
        let message_budget = args.get("messageBudget")?;
        let messages = args.get("messages")?;
        Ok(Common {
            max_message_size,
            max_frame_size,
            handshake_timeout,
            ping_interval,
            message_budget,
            messages,
        })
    }
}

/// A comma-separated list, items trimmed, empty items dropped.
pub(crate) fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn token_list(text: &str) -> Result<Vec<String>, String> {
    let items = list(text);
    match items.iter().find(|s| !is_token(s)) {
        Some(bad) => Err(format!("holds \"{bad}\", which is not an HTTP token")),
        None => Ok(items),
    }
}

/// An HTTP token (RFC 9110): header names and subprotocol names.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn header_value(text: &str) -> Result<&str, String> {
    if text.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        Err("holds a control character, which a header cannot carry".into())
    } else {
        Ok(text)
    }
}

/// A `host=` value, the `Host` header: a host that
/// [`parse_host`](endpoint_core::description::parse_host) accepts, with an optional `:PORT`.
/// An IPv6 literal is written back in brackets, as the header needs it.
fn host_header(text: &str) -> Result<String, String> {
    use endpoint_core::description::parse_host;
    let bracket = |host: String| {
        if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        }
    };
    let whole = match parse_host(text) {
        Ok(host) => return Ok(bracket(host)),
        Err(e) => e,
    };
    let with_port = text
        .rsplit_once(':')
        .filter(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    let Some((host, port)) = with_port else {
        return Err(whole.reason().to_owned());
    };
    if port.parse::<u16>().is_err() {
        return Err(format!(
            "is {text:?}, whose port {port:?} (from byte {}) is not a port (0 to 65535)",
            host.len() + 1
        ));
    }
    if !host.starts_with('[') && host.contains(':') {
        return Err(format!(
            "is {text:?}: an IPv6 address followed by a port needs brackets ([ADDRESS]:PORT)"
        ));
    }
    let host = parse_host(host).map_err(|e| e.reason().to_owned())?;
    Ok(format!("{}:{port}", bracket(host)))
}

/// A request target that can go on an HTTP request line: visible ASCII only.
fn valid_target(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_graphic())
}

/// `messageBudget` as description text: `None` for the default, which descriptions leave
/// out.
pub(crate) fn message_budget_text(budget: usize) -> Option<usize> {
    let default: usize = declared_default(WS_SERVER_LAYER_OPTIONS, "messageBudget");
    (budget != default).then_some(budget)
}

/// Writes a list back as description text; `None` for an empty list.
pub(crate) fn format_list(items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| items.join(","))
}

/// Parses `Name=value,Name=value`; a comma starts a new header only when `Name=` follows.
pub(crate) fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for piece in text.split(',') {
        let starts_header = piece
            .split_once('=')
            .is_some_and(|(name, _)| is_token(name.trim()));
        if !starts_header {
            if let Some((_, value)) = headers.last_mut() {
                value.push(',');
                value.push_str(piece);
                continue;
            }
            if piece.trim().is_empty() {
                continue;
            }
            return Err(format!("expects Name=value pairs, not \"{piece}\""));
        }
        if let Some((name, value)) = piece.split_once('=') {
            headers.push((name.trim().to_owned(), value.to_owned()));
        }
    }
    for (name, value) in &mut headers {
        *value = value.trim().to_owned();
        header_value(value)?;
        if is_reserved(name) {
            return Err(format!(
                "sets \"{name}\", which the handshake writes itself (use the host, origin or \
                 subprotocols option where there is one)"
            ));
        }
    }
    Ok(headers)
}

/// Headers the handshake owns.
fn is_reserved(name: &str) -> bool {
    [
        "host",
        "connection",
        "upgrade",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
        "origin",
    ]
    .iter()
    .any(|r| r.eq_ignore_ascii_case(name))
}

/// Headers as the option value [`parse_headers`] reads back: `Name=value,...` with each
/// value a [`Secret`] (an `Authorization` or `Cookie` value is a credential; the names stay
/// visible when the description is printed masked).
pub(crate) fn format_headers(headers: &[(String, String)]) -> OptionText {
    let mut pieces = Vec::with_capacity(headers.len() * 2);
    for (i, (name, value)) in headers.iter().enumerate() {
        let separator = if i == 0 { "" } else { "," };
        pieces.push(Piece::Plain(format!("{separator}{name}=")));
        pieces.push(Piece::Secret(Secret::new(value.as_str())));
    }
    OptionText::from_pieces(pieces)
}

/// Header values are secret: `Debug` shows `***` for them, like `Display`.
impl std::fmt::Debug for WsClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, _)| (n.as_str(), MASK))
            .collect();
        f.debug_struct("WsClientSettings")
            .field("path", &self.path)
            .field("host", &self.host)
            .field("subprotocols", &self.subprotocols)
            .field("origin", &self.origin)
            .field("headers", &headers)
            .field("max_message_size", &self.max_message_size)
            .field("max_frame_size", &self.max_frame_size)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("ping_interval", &self.ping_interval)
            .field("message_budget", &self.message_budget)
            .field("messages", &self.messages)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_only_where_a_name_follows() {
        let h = parse_headers("X-Token=abc,Accept=a, b,X-Empty=").unwrap();
        assert_eq!(
            h,
            vec![
                ("X-Token".into(), "abc".into()),
                ("Accept".into(), "a, b".into()),
                ("X-Empty".into(), "".into()),
            ]
        );
        let round_trip = format_headers(&h).render(true);
        assert_eq!(parse_headers(&round_trip).unwrap(), h);
        // Masked, the values are hidden and the names kept.
        assert_eq!(
            format_headers(&h).render(false),
            "X-Token=***,Accept=***,X-Empty=***"
        );
        assert!(parse_headers("").unwrap().is_empty());
    }

    #[test]
    fn headers_reject_bad_names_and_reserved_ones() {
        assert!(parse_headers("no equals").is_err());
        assert!(parse_headers("Bad Name=1").is_err());
        assert!(parse_headers("Host=x").unwrap_err().contains("handshake"));
        assert!(parse_headers("X=a\nb").is_err());
    }

    #[test]
    fn tokens() {
        assert!(is_token("v2.chat"));
        assert!(!is_token("a b"));
        assert_eq!(token_list(" a, b ,,").unwrap(), vec!["a", "b"]);
        assert!(token_list("a,b c").is_err());
    }
}
