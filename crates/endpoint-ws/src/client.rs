//! The `ws` layer on the client side.

use std::fmt;
use std::sync::Arc;

use tokio_tungstenite::tungstenite::error::{ProtocolError, SubProtocolError};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::http::Request;
use tokio_tungstenite::tungstenite::Error as WsError;
use tracing::debug;

use endpoint_core::description::Description;
use endpoint_core::{Authority, BoxFuture, ClientEndpoint, Connection, Error, Result, Side};

use crate::budget::Pool;
use crate::error::WsProblem;
use crate::fast_lane::ResponseEnd;
use crate::info::WsInfo;
use crate::server::config;
use crate::settings::{
    format_headers, format_list, message_budget_text, Messages, WsClientSettings,
};
use crate::stream::WsStream;
use crate::transport::Transport;

/// `ws+CLIENT`: connects with the inner endpoint, then performs the WebSocket handshake and
/// carries the connection's bytes in binary messages, or lines in text messages with
/// `messages=text` (see [`WsStream`]).
///
/// # Errors
/// `connect` fails with [`Error::Handshake`] (layer `websocket`) when the handshake fails; its [`WsProblem`]
/// says what went wrong: the server's status and reason (`server refused the upgrade: 404
/// Not Found`), a missing upgrade header, a refused subprotocol; with [`Error::Timeout`]
/// when it takes longer than `handshakeTimeout`; and with the inner endpoint's errors.
///
/// # Examples
/// ```
/// use endpoint_core::Registry;
/// use endpoint_ws as _;
/// let client = Registry::global().client("ws+tcp:example.com:8080:path=/chat?room=1").unwrap();
/// assert_eq!(
///     client.to_string(),
///     r"ws+tcp:example.com:8080:timeout=30:ws.path=/chat?room\=1:ws.maxMessageSize=1048576:ws.maxFrameSize=262144:ws.handshakeTimeout=10:ws.pingInterval=0"
/// );
/// ```
#[derive(Debug)]
pub struct WsClientEndpoint {
    inner: Arc<dyn ClientEndpoint>,
    options: WsClientSettings,
    /// The `Host` header when the options name none.
    default_host: String,
    /// The message budget its connections share (none when it is off).
    pool: Option<Arc<Pool>>,
}

impl WsClientEndpoint {
    /// Upgrades connections made by `inner` with `options`.
    pub fn new(inner: Arc<dyn ClientEndpoint>, options: WsClientSettings) -> Self {
        let default_host = default_host(&*inner);
        WsClientEndpoint {
            inner,
            pool: Pool::for_budget(options.message_budget),
            options,
            default_host,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &WsClientSettings {
        &self.options
    }

    /// The settings (the old name of [`settings`](Self::settings)).
    #[deprecated(since = "0.1.0", note = "renamed settings")]
    pub fn options(&self) -> &WsClientSettings {
        &self.options
    }

    /// The `Host` header this endpoint sends.
    pub fn host(&self) -> &str {
        self.options.host.as_deref().unwrap_or(&self.default_host)
    }

    /// The endpoint underneath.
    pub fn inner(&self) -> &Arc<dyn ClientEndpoint> {
        &self.inner
    }

    fn request(&self) -> Result<Request<()>> {
        let o = &self.options;
        // Only the path and query of the URI go on the wire; the host is the header's.
        let mut request = Request::builder()
            .method("GET")
            .uri(format!("ws://localhost{}", o.path))
            .header("Host", self.host())
            .header("Connection", "Upgrade")
            .header("Upgrade", "websocket")
            .header("Sec-WebSocket-Version", "13")
            .header("Sec-WebSocket-Key", generate_key());
        if !o.subprotocols.is_empty() {
            request = request.header("Sec-WebSocket-Protocol", o.subprotocols.join(", "));
        }
        if let Some(origin) = &o.origin {
            request = request.header("Origin", origin);
        }
        for (name, value) in &o.headers {
            request = request.header(name, value);
        }
        request.body(()).map_err(|e| {
            WsProblem::InvalidRequest.into_error(Some(self.to_string()), Some(Box::new(e)))
        })
    }
}

impl ClientEndpoint for WsClientEndpoint {
    /// Connects with the inner endpoint, then performs the upgrade within
    /// `handshakeTimeout`.
    ///
    /// # Cancel safety
    /// Dropping the future closes the inner connection, mid-handshake or not.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            let request = self.request()?;
            let (io, mut info) = self.inner.connect().await?.into_parts();
            let o = &self.options;
            // Whole binary frames are taken past tungstenite once the upgrade response has
            // gone by (see `fast_lane.rs`).
            let response = ResponseEnd::new(o.max_frame_size.min(o.max_message_size));
            let (io, control) =
                Transport::wrap(io, self.pool.as_ref(), false, None, Some(response));
            let handshake = tokio_tungstenite::client_async_with_config(
                request,
                io,
                Some(config(o.max_message_size, o.max_frame_size)),
            );
            let (ws, response) = tokio::time::timeout(o.handshake_timeout, handshake)
                .await
                .map_err(|_| Error::Timeout {
                    action: "complete the websocket handshake with",
                    endpoint: self.to_string(),
                    after: o.handshake_timeout,
                })?
                .map_err(|e| self.handshake_error(e))?;
            // The answer's head was read through the transport: it is no message. (Frames
            // that came in the same read are forgotten too: at most one read's worth.)
            control.message_delivered();
            let (path, query) = WsInfo::split_target(&o.path);
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let subprotocol = headers
                .iter()
                .find(|(n, _)| n == "sec-websocket-protocol")
                .map(|(_, v)| v.trim().to_owned());
            debug!(endpoint = %self, ?subprotocol, "websocket connected");
            info.insert(WsInfo {
                side: Side::Client,
                path,
                query,
                subprotocol,
                headers,
            });
            info.stack.push("ws");
            let stream = WsStream::wrap(ws)
                .control(control)
                .ping_interval(o.ping_interval)
                .close_timeout(o.handshake_timeout)
                .messages(o.messages);
            Ok(Connection::buffered(stream, info))
        })
    }

    /// What the inner endpoint reaches: a WebSocket does not change where the bytes go.
    fn authority(&self) -> Option<Authority> {
        self.inner.authority()
    }

    fn description(&self) -> Description {
        let o = &self.options;
        let headers = (!o.headers.is_empty()).then(|| format_headers(&o.headers));
        Description::layer("ws", self.inner.description())
            .option("path", &o.path)
            .option_some("host", o.host.as_ref())
            .option_some("subprotocols", format_list(&o.subprotocols))
            .option_some("origin", o.origin.as_ref())
            .option_text_some("headers", headers)
            .option("maxMessageSize", o.max_message_size)
            .option("maxFrameSize", o.max_frame_size)
            .seconds("handshakeTimeout", o.handshake_timeout)
            .seconds("pingInterval", o.ping_interval)
            .option_some("messageBudget", message_budget_text(o.message_budget))
            .option_some(
                "messages",
                (o.messages != Messages::Binary).then_some(o.messages),
            )
    }
}

impl WsClientEndpoint {
    /// The handshake's failure as a [`WsProblem`]. The source is the innermost error that
    /// says more than the problem (tungstenite's own wrapper repeats its inner error's text).
    fn handshake_error(&self, e: WsError) -> Error {
        type Source = Option<Box<dyn std::error::Error + Send + Sync>>;
        let offered = || self.options.subprotocols.clone();
        let missing = |header: &str| WsProblem::MissingUpgradeHeader {
            header: header.into(),
        };
        let (problem, source): (WsProblem, Source) = match e {
            WsError::Http(response) => {
                let status = response.status();
                let body = response.body().as_ref().and_then(|body| {
                    let text = String::from_utf8_lossy(body);
                    let line = text.lines().next().unwrap_or("").trim();
                    (!line.is_empty()).then(|| line.chars().take(200).collect())
                });
                let problem = WsProblem::UpgradeRefused {
                    status: status.as_u16(),
                    reason: status.canonical_reason().unwrap_or("").into(),
                    body,
                };
                // The status and body are all the response says; nothing to chain.
                (problem, None)
            }
            WsError::Protocol(p) => {
                let problem = match &p {
                    ProtocolError::MissingUpgradeWebSocketHeader => missing("Upgrade: websocket"),
                    ProtocolError::MissingConnectionUpgradeHeader => missing("Connection: Upgrade"),
                    ProtocolError::SecWebSocketAcceptKeyMismatch => WsProblem::BadAccept,
                    // The server closed the connection before its answer was complete.
                    ProtocolError::HandshakeIncomplete => WsProblem::ConnectionLost,
                    ProtocolError::SecWebSocketSubProtocolError(sub) => match sub {
                        SubProtocolError::NoSubProtocol => {
                            WsProblem::NoSubprotocolChosen { offered: offered() }
                        }
                        SubProtocolError::InvalidSubProtocol
                        | SubProtocolError::ServerSentSubProtocolNoneRequested => {
                            WsProblem::UnofferedSubprotocol { offered: offered() }
                        }
                    },
                    _ => WsProblem::Protocol(
                        "the server's answer breaks the websocket handshake".into(),
                    ),
                };
                (problem, Some(Box::new(p)))
            }
            WsError::Io(io) => (WsProblem::ConnectionLost, Some(Box::new(io))),
            WsError::HttpFormat(http) => (WsProblem::InvalidRequest, Some(Box::new(http))),
            WsError::Url(url) => (WsProblem::InvalidRequest, Some(Box::new(url))),
            WsError::Capacity(capacity) => (
                WsProblem::Protocol("the server's answer is over a size limit".into()),
                Some(Box::new(capacity)),
            ),
            other => (
                WsProblem::Protocol("the websocket handshake failed".into()),
                Some(Box::new(other)),
            ),
        };
        problem.into_error(Some(self.to_string()), source)
    }
}

impl WsClientSettings {
    /// Upgrades every connection `inner` makes (the tower-style `Layer::layer`).
    pub fn layer(self, inner: Arc<dyn ClientEndpoint>) -> WsClientEndpoint {
        WsClientEndpoint::new(inner, self)
    }
}

impl fmt::Display for WsClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

/// The `Host` header for what `inner` reaches: its authority, with the port left out when it
/// is 80 or 443 (the default ports of `ws://` and `wss://`), else `localhost` (a unix socket,
/// a process).
pub(crate) fn default_host(inner: &dyn ClientEndpoint) -> String {
    match inner.authority() {
        Some(a) if matches!(a.port(), 80 | 443) => match a.ip() {
            Some(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
            _ => a.host().to_owned(),
        },
        Some(a) => a.to_string(),
        None => "localhost".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use endpoint_core::{Authority, BoxFuture, ClientEndpoint, Connection, Result};

    use super::default_host;

    /// Reaches whatever authority it is given, and never connects.
    #[derive(Debug)]
    struct Reaches(Option<Authority>);

    impl std::fmt::Display for Reaches {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("reaches")
        }
    }

    impl ClientEndpoint for Reaches {
        fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
            Box::pin(async { Err(endpoint_core::Error::other("not for connecting")) })
        }

        fn authority(&self) -> Option<Authority> {
            self.0.clone()
        }

        fn description(&self) -> endpoint_core::description::Description {
            endpoint_core::description::Description::new("reaches")
        }
    }

    fn host(authority: Option<Authority>) -> String {
        default_host(&*Arc::new(Reaches(authority)))
    }

    #[test]
    fn host_header_from_the_inner_authority() {
        assert_eq!(host(Some(Authority::new("example.com", 80))), "example.com");
        assert_eq!(
            host(Some(Authority::new("example.com", 8080))),
            "example.com:8080"
        );
        assert_eq!(host(Some(Authority::new("::1", 8080))), "[::1]:8080");
        assert_eq!(host(Some(Authority::new("::1", 443))), "[::1]");
        assert_eq!(host(Some(Authority::new("a.example", 443))), "a.example");
        assert_eq!(host(None), "localhost");
    }
}
