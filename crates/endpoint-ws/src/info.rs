//! What the WebSocket handshake learned, stored in the connection's info.

use endpoint_core::Side;

/// What a WebSocket upgrade learned: the request target, the chosen subprotocol, and the
/// other side's headers.
///
/// The `ws` layer stores one in every connection it makes or accepts (and pushes `"ws"` onto
/// [`ConnectionInfo::stack`](endpoint_core::ConnectionInfo::stack)); read it with
/// `connection.info().get::<WsInfo>()`.
///
/// # Examples
/// ```
/// use endpoint_core::Side;
/// use endpoint_ws::WsInfo;
/// let mut info = WsInfo::new(Side::Server, "/chat");
/// info.query = Some("room=1".into());
/// info.headers = vec![("user-agent".into(), "test".into())];
/// assert_eq!(info.header("User-Agent"), Some("test"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WsInfo {
    /// Which side of the upgrade this connection is.
    pub side: Side,
    /// The request path (without the query), as sent on the request line.
    pub path: String,
    /// The query after `?`, if the request target had one.
    pub query: Option<String>,
    /// The subprotocol both sides agreed on, if any.
    pub subprotocol: Option<String>,
    /// The other side's headers, names in lower case, in the order received: the request's
    /// headers on the server, the response's headers on the client.
    pub headers: Vec<(String, String)>,
}

impl WsInfo {
    /// An upgrade on `side` for `path`, with no query, subprotocol or headers (set the
    /// fields to add them).
    pub fn new(side: Side, path: impl Into<String>) -> Self {
        WsInfo {
            side,
            path: path.into(),
            query: None,
            subprotocol: None,
            headers: Vec::new(),
        }
    }

    /// The first value of header `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Splits a request target into path and query.
    pub(crate) fn split_target(target: &str) -> (String, Option<String>) {
        match target.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (target.to_owned(), None),
        }
    }
}
