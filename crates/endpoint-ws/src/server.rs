//! The `ws` layer on the server side: endpoint, and the per-connection upgrade.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;
use tracing::debug;

use endpoint_core::description::Description;
use endpoint_core::{
    BoxFuture, Connection, IoStream, Listener, Result, ServerEndpoint, Side, Upgrade,
};

use crate::budget::Pool;
use crate::error::WsProblem;
use crate::fast_lane::Lane;
use crate::info::WsInfo;
use crate::settings::{format_list, message_budget_text, Messages, WsServerSettings};
use crate::stream::WsStream;
use crate::transport::{Control, Transport};

/// The most a request head may take (request line and headers).
const MAX_REQUEST: usize = 16 << 10;
/// The most headers a request may have.
const MAX_HEADERS: usize = 64;

/// `ws+SERVER`: listens with the inner endpoint and upgrades every accepted connection to
/// WebSocket, carrying its bytes in binary messages, or lines in text messages with
/// `messages=text` (see [`WsStream`]).
///
/// Upgrades run in the [`Listener`]'s handshake tasks under `handshakeTimeout`, so a slow,
/// malformed or refused upgrade never delays other clients. A refused upgrade gets a proper
/// HTTP answer (404 for another path, 403 for an origin not allowed, 400 when no subprotocol
/// matches, 426 for a request that is not a WebSocket upgrade) and is dropped.
///
/// # Examples
/// ```
/// use endpoint_core::Registry;
/// use endpoint_ws as _;
/// let server = Registry::global().server("ws+tcp:8080:path=/chat").unwrap();
/// assert_eq!(
///     server.to_string(),
///     "ws+tcp:8080:interface=:backlog=50:ws.path=/chat:ws.maxMessageSize=1048576:\
///      ws.maxFrameSize=262144:ws.handshakeTimeout=10:ws.pingInterval=0"
/// );
/// ```
#[derive(Debug)]
pub struct WsServerEndpoint {
    inner: Arc<dyn ServerEndpoint>,
    upgrade: WsUpgrade,
}

impl WsServerEndpoint {
    /// Upgrades connections accepted by `inner` with `options`.
    pub fn new(inner: Arc<dyn ServerEndpoint>, options: WsServerSettings) -> Self {
        WsServerEndpoint {
            inner,
            upgrade: WsUpgrade::new(options),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &WsServerSettings {
        &self.upgrade.options
    }

    /// The settings (the old name of [`settings`](Self::settings)).
    #[deprecated(since = "0.1.0", note = "renamed settings")]
    pub fn options(&self) -> &WsServerSettings {
        &self.upgrade.options
    }

    /// The endpoint underneath.
    pub fn inner(&self) -> &Arc<dyn ServerEndpoint> {
        &self.inner
    }
}

impl ServerEndpoint for WsServerEndpoint {
    /// Binds the inner endpoint; every accepted connection is then upgraded in its own task.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes closes anything the inner bind made.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let listener = self.inner.bind().await?;
            Ok(listener
                .with_upgrade(Arc::new(self.upgrade.clone()))
                .with_description(self))
        })
    }

    fn description(&self) -> Description {
        let o = &self.upgrade.options;
        Description::layer("ws", self.inner.description())
            .option("path", &o.path)
            .option_some("subprotocols", format_list(&o.subprotocols))
            .option_some("origins", format_list(&o.origins))
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

impl WsServerSettings {
    /// Upgrades every connection `inner` accepts (the tower-style `Layer::layer`).
    pub fn layer(self, inner: Arc<dyn ServerEndpoint>) -> WsServerEndpoint {
        WsServerEndpoint::new(inner, self)
    }
}

impl fmt::Display for WsServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

/// The server side of the WebSocket handshake, run per connection by the [`Listener`].
///
/// Public so that programs with their own accept loop can upgrade connections the same way:
/// `Listener::with_upgrade(Arc::new(WsUpgrade::new(options)))`.
#[derive(Clone, Debug)]
pub struct WsUpgrade {
    options: Arc<WsServerSettings>,
    /// The message budget its connections share (none when it is off).
    pool: Option<Arc<Pool>>,
}

impl WsUpgrade {
    /// An upgrade with these options.
    pub fn new(options: WsServerSettings) -> Self {
        WsUpgrade {
            pool: Pool::for_budget(options.message_budget),
            options: Arc::new(options),
        }
    }
}

impl Upgrade for WsUpgrade {
    fn name(&self) -> &'static str {
        "ws"
    }

    fn timeout(&self) -> Duration {
        self.options.handshake_timeout
    }

    fn upgrade(&self, connection: Connection) -> BoxFuture<'static, Result<Connection>> {
        let options = self.options.clone();
        let pool = self.pool.clone();
        Box::pin(async move {
            let (io, mut info) = connection.into_parts();
            let peer = info.peer.to_string();
            let accepted = accept(io, &options, pool.as_ref()).await;
            let (ws, control, ws_info) = accepted.map_err(|e| match e {
                Refusal::Io(e) => {
                    WsProblem::ConnectionLost.into_error(Some(peer), Some(Box::new(e)))
                }
                Refusal::Http { status, detail } => {
                    // Every status here is one of this file's "NNN Reason" constants.
                    let (code, reason) = status.split_once(' ').unwrap_or((status, ""));
                    let problem = WsProblem::RequestRefused {
                        status: code.parse().unwrap_or_default(),
                        reason: reason.into(),
                        detail,
                    };
                    problem.into_error(Some(peer), None)
                }
            })?;
            debug!(path = %endpoint_core::printable(&ws_info.path), subprotocol = ?ws_info.subprotocol, "websocket upgraded");
            info.insert(ws_info);
            info.stack.push("ws");
            let stream = WsStream::wrap(ws)
                .control(control)
                .ping_interval(options.ping_interval)
                .close_timeout(options.handshake_timeout)
                .messages(options.messages);
            Ok(Connection::buffered(stream, info))
        })
    }
}

/// Why an upgrade did not happen.
enum Refusal {
    Io(std::io::Error),
    /// We answered with this status line; `detail` says why.
    Http {
        status: &'static str,
        detail: String,
    },
}

impl From<std::io::Error> for Refusal {
    fn from(e: std::io::Error) -> Self {
        Refusal::Io(e)
    }
}

/// A parsed request head.
struct Head {
    method: String,
    version: u8,
    target: String,
    headers: Vec<(String, String)>,
    /// Bytes read after the head (early frames).
    tail: Vec<u8>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when the comma-separated header `name` holds `token`.
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// The WebSocket a server upgrade made, with its transport's control.
type Accepted = (WebSocketStream<Box<dyn IoStream>>, Arc<Control>, WsInfo);

/// Reads the request head, checks it against `options`, answers, and upgrades; the
/// connection's reads count against `pool`.
async fn accept(
    mut io: Box<dyn IoStream>,
    options: &WsServerSettings,
    pool: Option<&Arc<Pool>>,
) -> std::result::Result<Accepted, Refusal> {
    let head = match read_head(&mut io).await {
        Ok(head) => head,
        Err(Refusal::Http { status, detail }) => {
            respond(&mut io, status, &detail, &[]).await;
            return Err(Refusal::Http { status, detail });
        }
        Err(e) => return Err(e),
    };
    let (subprotocol, refusal) = check(&head, options);
    if let Some((status, detail, extra)) = refusal {
        respond(&mut io, status, &detail, &extra).await;
        return Err(Refusal::Http { status, detail });
    }
    let key = head.header("Sec-WebSocket-Key").unwrap_or_default();
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        derive_accept_key(key.as_bytes())
    );
    if let Some(p) = &subprotocol {
        response.push_str(&format!("Sec-WebSocket-Protocol: {p}\r\n"));
    }
    response.push_str("\r\n");
    io.write_all(response.as_bytes()).await?;
    io.flush().await?;

    let (path, query) = WsInfo::split_target(&head.target);
    let info = WsInfo {
        side: Side::Server,
        path,
        query,
        subprotocol,
        headers: head
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect(),
    };
    let config = config(options.max_message_size, options.max_frame_size);
    // Whole binary frames are taken past tungstenite from where the early ones end.
    let lane = Lane::after(
        &head.tail,
        options.max_frame_size.min(options.max_message_size),
    );
    let (io, control) = Transport::wrap(io, pool, true, lane, None);
    // Early frames, read with the head, are held as any others.
    control.add(head.tail.len());
    let ws = WebSocketStream::from_partially_read(io, head.tail, Role::Server, Some(config)).await;
    Ok((ws, control, info))
}

/// The tungstenite configuration for our limits: frames are refused from their header (the
/// frame limit is never above the message limit), and writes are batched up to 128 KiB (one
/// 64 KiB message more while the socket is full), then wait for the socket: bounded memory.
/// Tungstenite's read buffer is small ([`read_ahead::TUNGSTENITE_READ`]), since it keeps it,
/// zero-filled, for the connection's life; the transport under it reads the socket up to one
/// of our largest frames at a time (64 KiB of payload and a 14-byte header) into a buffer it
/// borrows only while bytes are in flight (see `read_ahead.rs`). One read per frame: 64 KiB
/// reads needed two and parked the reader more often, while tungstenite's default, 128 KiB,
/// zero-fills twice as much per read (see "Why this is fast" in `stream.rs`).
///
/// The write buffer also has a hard bound, [`MAX_WRITE_BUFFER`] (tungstenite's default is
/// none): a peer that floods pings and never reads would otherwise make us queue its pongs
/// without limit (gigabytes in seconds); with a bound tungstenite keeps only the newest pong,
/// which is all RFC 6455 asks. Our own writes never come near it (128 KiB plus one message).
pub(crate) fn config(max_message_size: usize, max_frame_size: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max_message_size))
        .max_frame_size(Some(max_frame_size.min(max_message_size)))
        .write_buffer_size(128 << 10)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .read_buffer_size(crate::read_ahead::TUNGSTENITE_READ)
}

/// The most a connection's write buffer may hold: the 128 KiB batch, one largest message
/// more, and room to spare.
pub(crate) const MAX_WRITE_BUFFER: usize = 512 << 10;

async fn read_head(io: &mut Box<dyn IoStream>) -> std::result::Result<Head, Refusal> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Err(Refusal::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the peer closed the connection before sending a whole upgrade request",
            )));
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                return Ok(Head {
                    method: request.method.unwrap_or_default().to_owned(),
                    version: request.version.unwrap_or_default(),
                    target: request.path.unwrap_or_default().to_owned(),
                    headers: request
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_owned(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                    tail: buf[len..].to_vec(),
                })
            }
            Ok(httparse::Status::Partial) if buf.len() <= MAX_REQUEST => {}
            Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                return Err(Refusal::Http {
                    status: "431 Request Header Fields Too Large",
                    detail: format!(
                        "the request head is over {MAX_REQUEST} bytes or {MAX_HEADERS} headers"
                    ),
                })
            }
            Err(e) => {
                return Err(Refusal::Http {
                    status: "400 Bad Request",
                    detail: format!("malformed HTTP request: {e}"),
                })
            }
        }
    }
}

type Check = (
    Option<String>,
    Option<(&'static str, String, Vec<(&'static str, String)>)>,
);

/// Checks a request: the chosen subprotocol, or the status, reason and extra headers to
/// refuse it with.
fn check(head: &Head, options: &WsServerSettings) -> Check {
    let refuse = |status, detail: String| (None, Some((status, detail, Vec::new())));
    if head.method != "GET" {
        return (
            None,
            Some((
                "405 Method Not Allowed",
                format!("a websocket upgrade is a GET, not {}", head.method),
                vec![("Allow", "GET".into())],
            )),
        );
    }
    if head.version < 1 {
        return refuse(
            "400 Bad Request",
            "a websocket upgrade needs HTTP/1.1".into(),
        );
    }
    let path = head.target.split('?').next().unwrap_or_default();
    if options.path != "*" && path != options.path {
        return refuse(
            "404 Not Found",
            format!(
                "no websocket at {path} (this server serves {})",
                options.path
            ),
        );
    }
    if !head.has_token("Upgrade", "websocket") {
        return (
            None,
            Some((
                "426 Upgrade Required",
                "this is a websocket endpoint: the request has no \"Upgrade: websocket\" header"
                    .into(),
                vec![
                    ("Upgrade", "websocket".into()),
                    ("Sec-WebSocket-Version", "13".into()),
                ],
            )),
        );
    }
    if !head.has_token("Connection", "upgrade") {
        return refuse(
            "400 Bad Request",
            "the request has no \"Connection: Upgrade\" header".into(),
        );
    }
    if head.header("Sec-WebSocket-Version").map(str::trim) != Some("13") {
        return (
            None,
            Some((
                "426 Upgrade Required",
                match head.header("Sec-WebSocket-Version") {
                    Some(v) => {
                        format!("unsupported websocket version \"{v}\" (this server speaks 13)")
                    }
                    None => "no websocket version given (this server speaks 13)".into(),
                },
                vec![("Sec-WebSocket-Version", "13".into())],
            )),
        );
    }
    match head.header("Sec-WebSocket-Key").map(str::trim) {
        Some(key) if key.len() == 24 && key.ends_with("==") => {}
        _ => {
            return refuse(
                "400 Bad Request",
                "missing or malformed Sec-WebSocket-Key header".into(),
            )
        }
    }
    if !options.origins.is_empty() {
        match head.header("Origin") {
            Some(origin)
                if options
                    .origins
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(origin.trim())) => {}
            Some(origin) => {
                return refuse(
                    "403 Forbidden",
                    format!("origin \"{origin}\" is not allowed"),
                )
            }
            None => {
                return refuse(
                    "403 Forbidden",
                    "the request has no Origin header and this server only allows listed origins"
                        .into(),
                )
            }
        }
    }
    let offered: Vec<&str> = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Sec-WebSocket-Protocol"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if options.subprotocols.is_empty() {
        return (None, None);
    }
    match offered
        .iter()
        .find(|p| options.subprotocols.iter().any(|s| s == *p))
    {
        Some(p) => (Some((*p).to_owned()), None),
        None => refuse(
            "400 Bad Request",
            format!(
                "no supported subprotocol offered (offered: {}; supported: {})",
                if offered.is_empty() {
                    "none".to_owned()
                } else {
                    offered.join(", ")
                },
                options.subprotocols.join(", ")
            ),
        ),
    }
}

/// Answers a refused upgrade with `status` and a one-line text body; best effort.
async fn respond(
    io: &mut Box<dyn IoStream>,
    status: &str,
    detail: &str,
    extra: &[(&'static str, String)],
) {
    let body = format!("{detail}\n");
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    let result = async {
        io.write_all(response.as_bytes()).await?;
        io.flush().await?;
        io.shutdown().await
    }
    .await;
    if let Err(e) = result {
        debug!(error = %e, "could not send the refusal");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(target: &str, headers: &[(&str, &str)]) -> Head {
        let mut all = vec![
            ("Host", "x"),
            ("Upgrade", "websocket"),
            ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        all.extend_from_slice(headers);
        Head {
            method: "GET".into(),
            version: 1,
            target: target.into(),
            headers: all
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            tail: Vec::new(),
        }
    }

    fn status(c: Check) -> Option<&'static str> {
        c.1.map(|r| r.0)
    }

    #[test]
    fn paths_and_any_path() {
        let o = WsServerSettings::default().path("/chat");
        assert_eq!(status(check(&head("/chat?x=1", &[]), &o)), None);
        assert_eq!(
            status(check(&head("/other", &[]), &o)),
            Some("404 Not Found")
        );
        let any = WsServerSettings::default().path("*");
        assert_eq!(status(check(&head("/anything", &[]), &any)), None);
    }

    #[test]
    fn subprotocol_follows_the_clients_preference() {
        let o = WsServerSettings::default().subprotocols(["a", "b"]);
        let c = check(&head("/", &[("Sec-WebSocket-Protocol", "x, b, a")]), &o);
        assert_eq!(c.0.as_deref(), Some("b"));
        let c = check(&head("/", &[("Sec-WebSocket-Protocol", "x")]), &o);
        assert_eq!(status(c), Some("400 Bad Request"));
        let c = check(&head("/", &[]), &o);
        assert_eq!(status(c), Some("400 Bad Request"));
        let none = WsServerSettings::default();
        assert_eq!(
            check(&head("/", &[("Sec-WebSocket-Protocol", "x")]), &none).0,
            None
        );
    }

    #[test]
    fn origins() {
        let o = WsServerSettings::default().origins(["https://a.example"]);
        assert_eq!(
            status(check(&head("/", &[("Origin", "https://A.example")]), &o)),
            None
        );
        assert_eq!(
            status(check(&head("/", &[("Origin", "https://b.example")]), &o)),
            Some("403 Forbidden")
        );
        assert_eq!(status(check(&head("/", &[]), &o)), Some("403 Forbidden"));
    }

    #[test]
    fn not_an_upgrade() {
        let mut h = head("/", &[]);
        h.headers.retain(|(n, _)| n != "Upgrade");
        assert_eq!(
            status(check(&h, &WsServerSettings::default())),
            Some("426 Upgrade Required")
        );
    }
}
