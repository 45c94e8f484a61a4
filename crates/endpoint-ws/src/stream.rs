//! A byte stream carried in WebSocket messages.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};
use std::time::Duration;

use futures_util::{Sink, Stream};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;
use tracing::{debug, trace};

use endpoint_core::IoStream;

use crate::error::WsProblem;

use crate::settings::{Messages, COPY_PIECE, MAX_WRITE_MESSAGE};
use crate::specs::WS_SERVER_LAYER_OPTIONS;
use crate::transport::Control;

/// A byte stream over a WebSocket: what the `ws` layer's connections carry.
///
/// - **Writes** become binary messages of at most `min(64 KiB, maxFrameSize,
///   maxMessageSize)` bytes each: `poll_write` takes at most that many bytes as one message.
///   Messages are batched up to 128 KiB before they go to the transport, and a write waits
///   while the transport cannot take more, so memory stays bounded. As with `BufWriter`,
///   **call `flush`** when the peer should see what was written (a request before its
///   answer); `poll_flush` writes out everything queued.
/// - **Reads** yield the payloads of binary *and* text messages in order; the unread rest of
///   a message is kept for the next read. Empty messages are skipped.
/// - **Pings** are answered while the stream is read; with
///   [`ping_interval`](WsStream::ping_interval) the stream also sends pings and fails the read
///   with [`io::ErrorKind::TimedOut`] when nothing at all arrived for two intervals.
/// - **A message over the limit** fails the read with [`io::ErrorKind::InvalidData`] carrying
///   a [`WsProblem::MessageTooLarge`] (the sizes and limits); the frame is refused from its
///   header, before its payload is allocated, and a Close frame with code 1009 (message too
///   big) is sent. So does a connection picked when the process's message budget is spent
///   ([`WsProblem::MessageBudgetSpent`]; see `messageBudget` in the [crate] docs).
/// - **The peer's Close frame** is end of file; the stream answers it.
/// - **In text mode** ([`Messages::Text`], `messages=text`) the stream carries lines: each
///   line written (up to `\n`, not sent) is one text message, checked to be UTF-8 and made
///   when its newline is written (it goes out with the next flush; a flush never sends a
///   partial line, and a last line without a newline goes at shutdown), and each message
///   received is read as its payload followed by `\n`.
///
/// # Half-close
/// WebSocket has no half-close. `poll_shutdown` sends a Close frame, waits for the peer's
/// Close, and shuts the transport down, all within the close timeout (by default the
/// handshake timeout). Data the peer sent before it saw our Close is kept and can still be
/// read after the shutdown; after that the peer can no longer send. A peer that shuts down
/// makes our reads end (EOF), and it stops reading once our Close answers its own.
///
/// When the close timeout expires (the peer never answers, or never reads our Close), the
/// connection underneath is closed outright, not just shut down for writing, and reads end
/// after what was already received: a relay over the stream ends, and the peer sees its
/// connection closed. (A stream built with `WsStream::new` from a tungstenite stream cannot
/// close what it does not own: it shuts the transport down and ends its reads.)
pub struct WsStream<S = Box<dyn IoStream>> {
    ws: WebSocketStream<S>,
    pending: VecDeque<Bytes>,
    buffered: usize,
    eof: bool,
    error: Option<io::Error>,
    reader: Option<Waker>,
    writer: Option<Waker>,
    ping_unflushed: bool,
    write_chunk: usize,
    max_message_size: usize,
    max_frame_size: usize,
    keepalive: Option<Keepalive>,
    close_timeout: Duration,
    shutdown: Shutdown,
    /// The close timeout, running from the start of `poll_shutdown`.
    close_timer: Option<Pin<Box<Sleep>>>,
    /// What the stream shares with the transport under tungstenite (our endpoints' streams).
    control: Option<Arc<Control>>,
    messages: Messages,
    /// Text mode: the line being written, until its newline.
    line: Vec<u8>,
    /// Text mode: the frames of the last line, waiting for room to be sent.
    outbox: VecDeque<Message>,
}

struct Keepalive {
    interval: Duration,
    last_seen: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

enum Shutdown {
    Open,
    /// Sending our Close frame.
    Sending,
    /// Reading until the peer's Close.
    Draining,
    /// Shutting the transport down.
    Closing,
    /// The close timeout expired.
    Expired,
    Done,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsStream<S> {
    /// Wraps an upgraded WebSocket. Limits come from its configuration; no keepalive; the
    /// close timeout is the `handshakeTimeout` default.
    ///
    /// Public with the `tungstenite` feature, which makes tokio-tungstenite's types part of
    /// this crate's API.
    #[cfg(feature = "tungstenite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tungstenite")))]
    pub fn new(ws: WebSocketStream<S>) -> Self {
        Self::wrap(ws)
    }

    /// [`new`](WsStream::new), for this crate's own endpoints.
    pub(crate) fn wrap(ws: WebSocketStream<S>) -> Self {
        let config = ws.get_config();
        let max_message_size = config.max_message_size.unwrap_or(usize::MAX);
        let max_frame_size = config.max_frame_size.unwrap_or(usize::MAX);
        WsStream {
            ws,
            pending: VecDeque::new(),
            buffered: 0,
            eof: false,
            error: None,
            reader: None,
            writer: None,
            ping_unflushed: false,
            write_chunk: MAX_WRITE_MESSAGE.min(max_message_size).min(max_frame_size),
            max_message_size,
            max_frame_size,
            keepalive: None,
            close_timeout: endpoint_core::description::declared_default(
                WS_SERVER_LAYER_OPTIONS,
                "handshakeTimeout",
            ),
            shutdown: Shutdown::Open,
            close_timer: None,
            control: None,
            messages: Messages::Binary,
            line: Vec::new(),
            outbox: VecDeque::new(),
        }
    }

    /// Sets how bytes map to messages: a byte stream in binary messages (the default), or
    /// lines in text messages (see [`Messages::Text`]).
    pub fn messages(mut self, messages: Messages) -> Self {
        self.messages = messages;
        self
    }

    /// Joins the stream to its transport (see `transport.rs`): its deliveries are counted
    /// against the message budget, and the close timeout closes the connection.
    pub(crate) fn control(mut self, control: Arc<Control>) -> Self {
        self.control = Some(control);
        self
    }

    /// Sets the keepalive interval (zero: off): send a ping when the interval passes, and
    /// fail reads when no frame arrived for two intervals. Pings go out while the stream is
    /// being read, as any relay or protocol loop does.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.keepalive = (!interval.is_zero()).then(|| Keepalive {
            interval,
            last_seen: Instant::now(),
            timer: None,
        });
        self
    }

    /// Sets how long `poll_shutdown` may take: sending our Close, waiting for the peer's, and
    /// shutting the transport down. When it expires the connection is closed.
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The WebSocket underneath (with the `tungstenite` feature).
    #[cfg(feature = "tungstenite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tungstenite")))]
    pub fn get_ref(&self) -> &WebSocketStream<S> {
        &self.ws
    }

    /// Gives back the WebSocket; bytes received but not yet read are lost (with the
    /// `tungstenite` feature).
    #[cfg(feature = "tungstenite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tungstenite")))]
    pub fn into_inner(self) -> WebSocketStream<S> {
        self.ws
    }

    /// Polls the WebSocket for one message and files what it carried.
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A payload the transport took past tungstenite comes after every frame tungstenite
        // was given (it says it has nothing before the transport takes one).
        if self.file_taken() {
            return Poll::Ready(Ok(()));
        }
        let polled = Pin::new(&mut self.ws).poll_next(cx);
        if polled.is_pending() && self.file_taken() {
            return Poll::Ready(Ok(()));
        }
        let message = match ready!(polled) {
            None => {
                self.eof = true;
                return Poll::Ready(Ok(()));
            }
            Some(Err(e)) => {
                self.eof = true;
                return Poll::Ready(Err(self.read_error(e, cx)));
            }
            Some(Ok(message)) => message,
        };
        if let Some(k) = self.keepalive.as_mut() {
            k.last_seen = Instant::now();
        }
        if let Some(control) = &self.control {
            match &message {
                Message::Ping(payload) | Message::Pong(payload) => {
                    control.control_delivered(payload.len());
                }
                _ => control.message_delivered(),
            }
        }
        match message {
            Message::Binary(data) => self.deliver(data),
            Message::Text(text) => self.deliver(text.into()),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {
                trace!("control frame");
            }
            Message::Close(frame) => {
                debug!(code = ?frame.as_ref().map(|f| f.code), reason = %endpoint_core::printable(frame.as_ref().map_or("", |f| f.reason.as_str())), "peer closed the websocket");
                self.eof = true;
                // Send tungstenite's answer to the Close now, then end the transport: the
                // handshake is complete and nothing more can be sent (the server closes
                // first, as RFC 6455 asks; a client does the same). Best effort: a shutdown
                // or drop finishes what cannot be done without waiting.
                if let Poll::Ready(Ok(())) = self.flush_from_reader(cx) {
                    if let Poll::Ready(Err(e)) = Pin::new(self.ws.get_mut()).poll_shutdown(cx) {
                        debug!(error = %e, "shutting the transport down after close");
                    }
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Files the payload of a whole binary frame the transport took past tungstenite (see
    /// `fast_lane.rs`), as tungstenite would have delivered it: true when there was one.
    fn file_taken(&mut self) -> bool {
        let Some(payload) = self.control.as_ref().and_then(|c| c.take_payload()) else {
            return false;
        };
        if self.eof {
            // Nothing is read after the end (the lane takes nothing after a Close).
            return false;
        }
        if let Some(k) = self.keepalive.as_mut() {
            k.last_seen = Instant::now();
        }
        if let Some(control) = &self.control {
            control.message_delivered();
        }
        self.deliver(payload);
        true
    }

    /// Files a message's payload for reading; in text mode, as a line.
    fn deliver(&mut self, data: Bytes) {
        self.push(data);
        if self.messages == Messages::Text {
            self.push(Bytes::from_static(b"\n"));
        }
    }

    fn push(&mut self, data: Bytes) {
        if !data.is_empty() {
            self.buffered += data.len();
            self.pending.push_back(data);
        }
    }

    fn read_error(&mut self, e: WsError, cx: &mut Context<'_>) -> io::Error {
        match e {
            WsError::Io(e) => {
                let over_budget = e
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<WsProblem>())
                    .is_some_and(|p| matches!(p, WsProblem::MessageBudgetSpent { .. }));
                if over_budget {
                    self.close_too_big(cx);
                }
                e
            }
            WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
                self.close_too_big(cx);
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    WsProblem::MessageTooLarge {
                        size,
                        limit: max_size,
                        max_message_size: self.max_message_size,
                        max_frame_size: self.max_frame_size,
                    },
                )
            }
            WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection without a websocket close handshake",
            ),
            other => io::Error::new(
                io::ErrorKind::InvalidData,
                format!("websocket protocol error: {other}"),
            ),
        }
    }

    /// Text mode: takes bytes up to the end of a line, and queues the line once it is whole.
    fn poll_write_line(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_outbox(cx))?;
        let (part, whole) = match buf.iter().position(|&b| b == b'\n') {
            Some(end) => (&buf[..end], true),
            None => (buf, false),
        };
        if self.line.len() + part.len() > self.max_message_size {
            self.line = Vec::new();
            let problem = WsProblem::LineTooLong {
                limit: self.max_message_size,
            };
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, problem)));
        }
        self.line.extend_from_slice(part);
        if !whole {
            return Poll::Ready(Ok(part.len()));
        }
        self.queue_line()?;
        // Under way at once; what cannot go now goes at the next write or flush.
        if let Poll::Ready(Err(e)) = self.poll_outbox(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(part.len() + 1))
    }

    /// Text mode: the line written so far as one text message, in frames the peer's limits
    /// take (as binary messages are), queued in the outbox.
    fn queue_line(&mut self) -> io::Result<()> {
        let line = std::mem::take(&mut self.line);
        let length = line.len();
        let text = String::from_utf8(line).map_err(|e| {
            let valid_up_to = e.utf8_error().valid_up_to();
            io::Error::new(
                io::ErrorKind::InvalidData,
                WsProblem::NotUtf8 {
                    valid_up_to,
                    length,
                },
            )
        })?;
        if text.len() <= self.write_chunk {
            self.outbox.push_back(Message::text(text));
            return Ok(());
        }
        // Fragments of a text message need not end on a character boundary: the message is
        // checked whole.
        let bytes = Bytes::from(text.into_bytes());
        let count = bytes.len().div_ceil(self.write_chunk);
        for i in 0..count {
            let end = ((i + 1) * self.write_chunk).min(bytes.len());
            let piece = bytes.slice(i * self.write_chunk..end);
            let opcode = if i == 0 { Data::Text } else { Data::Continue };
            let frame = Frame::message(piece, OpCode::Data(opcode), i + 1 == count);
            self.outbox.push_back(Message::Frame(frame));
        }
        Ok(())
    }

    /// Sends what the outbox holds, as far as the WebSocket takes it.
    fn poll_outbox(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.outbox.is_empty() {
            match Pin::new(&mut self.ws).poll_ready(cx) {
                Poll::Pending => {
                    self.writer = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Poll::Ready(ready) => ready.map_err(write_error)?,
            }
            if let Some(message) = self.outbox.pop_front() {
                Pin::new(&mut self.ws)
                    .start_send(message)
                    .map_err(write_error)?;
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Sends Close 1009 (message too big) and shuts the transport down, as far as that can
    /// go without waiting: the connection ends either way.
    fn close_too_big(&mut self, cx: &mut Context<'_>) {
        let close = CloseFrame {
            code: CloseCode::Size,
            reason: "message too big".into(),
        };
        if Pin::new(&mut self.ws)
            .start_send(Message::Close(Some(close)))
            .is_ok()
        {
            if let Poll::Ready(Ok(())) = Pin::new(&mut self.ws).poll_flush(cx) {
                let _ = Pin::new(self.ws.get_mut()).poll_shutdown(cx);
            }
        }
    }

    /// Sends pings when due; an error when the peer has been silent for two intervals.
    fn poll_keepalive(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let Some(k) = self.keepalive.as_mut() else {
            return Ok(());
        };
        loop {
            let timer = k
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(k.interval)));
            if timer.as_mut().poll(cx).is_pending() {
                return Ok(());
            }
            let now = Instant::now();
            let dead_at = k.last_seen + 2 * k.interval;
            if now >= dead_at {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no websocket frame from the peer for {:.1} seconds (twice \
                         pingInterval); the peer seems dead",
                        (now - k.last_seen).as_secs_f64()
                    ),
                ));
            }
            trace!("sending a keepalive ping");
            // Queued; the read path flushes it (see `flush_from_reader`).
            let _ = Pin::new(&mut self.ws).start_send(Message::Ping(Bytes::new()));
            self.ping_unflushed = true;
            timer.as_mut().reset((now + k.interval).min(dead_at));
        }
    }

    /// Flushes from the read side (a ping, the answer to a Close). This registers the
    /// reader's waker for writability in place of a writer's, so the writer is woken once the
    /// flush is done, to poll again.
    fn flush_from_reader(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        let result = ready!(Pin::new(&mut self.ws).poll_flush(cx));
        self.ping_unflushed = false;
        if let Some(waker) = self.writer.take() {
            waker.wake();
        }
        Poll::Ready(result)
    }

    fn wake_reader(&mut self) {
        if let Some(waker) = self.reader.take() {
            waker.wake();
        }
    }
}

// Why this is fast
//
// Bulk through a `WsStream` runs at raw tokio-tungstenite's speed: `cargo bench -p
// endpoint-ws --bench ws` printed bulk ratios of 0.28-0.79 (median 0.61, 25 runs) before and
// 0.74-1.55 (median 1.05, 9 runs) after, on a 2-core AMD EPYC loaded to 6, where CPU time
// (`perf stat -e task-clock`, `WS_BENCH_ONLY`) tells more: per 10 x 64 MiB 960-1170 ms
// before, 560-680 ms after, raw 580-770 ms. The causes, found with `perf record --call-graph dwarf` and
// `strace -f -c` on `WS_BENCH_ONLY=endpoint-bulk` (and `raw-bulk`):
//
// - **The extra copy, made slow.** A write is copied into the message payload and a read out
//   of it: the one copy each way raw tokio-tungstenite does not make. As one 64 KiB `memcpy`,
//   glibc uses `rep movsb`, which on AMD Zen (FSRM) runs at about 1 GB/s instead of 25 GB/s
//   when the destination lies 1 to about 31 bytes past the source modulo 4 KiB. Where malloc put
//   the benchmark's 64 KiB buffer and each fresh payload, that was every message: the write
//   side's copy took 2.5 times the samples of tungstenite's own framing copy of the same
//   bytes, and the writer used twice the raw writer's CPU. With
//   `GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=4294967295` the old code ran at the
//   raw speed, which confirms it. Copying in `COPY_PIECE` pieces, under glibc's `rep movsb`
//   threshold, takes the vector loop: full speed whatever the addresses, on any libc.
// - **The reader parking more often.** With a 64 KiB read buffer a 64 KiB message (plus its
//   14-byte header) never arrived in one read: 10 x 64 MiB took 14315 `recvfrom` and 5039
//   `epoll_wait` against the raw reader's 11327 and 2381. Reads now take up to one such frame
//   (see `server::config`): 10283 and 2200 (raw in that run: 10283 and 3091). Not
//   tungstenite's default of 128 KiB, which the raw side has: tungstenite zero-fills the read
//   size at every read, ready or not, and 128 KiB doubled that memset in the round-trip
//   benchmark (6% to 14% of its samples).
// - **Tungstenite's framing copy, made slow the same way.** It copies each payload into its
//   write buffer in one `memcpy`, behind a 2-to-14-byte frame header, mostly at the buffer's
//   start. That copy was about 29% of the writer's samples in the raw benchmark as in ours;
//   the likely reason: a buffer of 128 KiB or more usually comes from mmap, 16 bytes into a
//   page, and a 64 KiB payload from malloc can sit at the same page offset, which puts the
//   destination just past the source. We cannot split that copy, but we place the payload:
//   one of a page or more starts mid-page (see `payload`). Measured, not just reasoned: the
//   endpoint side's CPU time went from 650-790 ms to 410-660 ms per 10 x 64 MiB (raw:
//   715-765 ms, `perf stat -e task-clock`).

/// A write's bytes as a message payload, copied in `COPY_PIECE` pieces. A payload of a page
/// or more starts in the middle of a page, away from where tungstenite's framing copy puts it
/// (see "Why this is fast").
fn payload(bytes: &[u8]) -> Bytes {
    let room = if bytes.len() >= PAGE { PAGE } else { 0 };
    let mut payload = Vec::with_capacity(room + bytes.len());
    let pad = if room == 0 {
        0
    } else {
        (PAGE + PAGE / 2 - payload.as_ptr() as usize % PAGE) % PAGE
    };
    payload.resize(pad, 0);
    for piece in bytes.chunks(COPY_PIECE) {
        payload.extend_from_slice(piece);
    }
    let payload = Bytes::from(payload);
    if pad == 0 {
        payload
    } else {
        payload.slice(pad..)
    }
}

/// The page size the placement in [`payload`] reckons with.
const PAGE: usize = 4096;

fn write_error(e: WsError) -> io::Error {
    match e {
        WsError::Io(e) => e,
        WsError::ConnectionClosed | WsError::AlreadyClosed => io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the websocket is closed; nothing more can be sent",
        ),
        WsError::Protocol(ProtocolError::SendAfterClosing) => io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the websocket is closing; nothing more can be sent",
        ),
        other => io::Error::other(format!("websocket error: {other}")),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsStream<S> {
    /// Waits until a payload is pending (true), or the stream ended (false), answering pings
    /// and keeping the connection alive meanwhile.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        loop {
            if !self.pending.is_empty() {
                return Poll::Ready(Ok(true));
            }
            if let Some(e) = self.error.take() {
                return Poll::Ready(Err(e));
            }
            if self.eof {
                return Poll::Ready(Ok(false));
            }
            // Take in what has arrived before judging the peer dead: after a stall of this
            // process, a pong may be waiting in the socket.
            match self.poll_message(cx) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
            self.poll_keepalive(cx)?;
            if self.ping_unflushed {
                if let Poll::Ready(Err(e)) = self.flush_from_reader(cx) {
                    debug!(error = %e, "could not send a keepalive ping");
                }
            }
            self.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
    }

    /// Marks `n` bytes of the front payload read.
    fn advance(&mut self, n: usize) {
        let Some(front) = self.pending.front_mut() else {
            return;
        };
        let n = n.min(front.len());
        if n == front.len() {
            self.pending.pop_front();
        } else {
            *front = front.slice(n..);
        }
        self.buffered -= n;
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 && this.pending.is_empty() {
            return Poll::Ready(Ok(()));
        }
        if !ready!(this.poll_pending(cx))? {
            return Poll::Ready(Ok(()));
        }
        if let Some(front) = this.pending.front() {
            let n = front.len().min(buf.remaining());
            for piece in front[..n].chunks(COPY_PIECE) {
                buf.put_slice(piece);
            }
            this.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

/// The payloads where they lie: a relay writes them on from here, with no copy into a buffer
/// of its own (the `ws` endpoints build their connections with
/// [`Connection::buffered`](endpoint_core::Connection::buffered)).
impl<S: AsyncRead + AsyncWrite + Unpin> AsyncBufRead for WsStream<S> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if !ready!(this.poll_pending(cx))? {
            return Poll::Ready(Ok(&[]));
        }
        Poll::Ready(Ok(this.pending.front().map_or(&[][..], |front| &front[..])))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().advance(amt);
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !matches!(this.shutdown, Shutdown::Open) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the websocket was shut down; nothing more can be sent",
            )));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if this.messages == Messages::Text {
            return this.poll_write_line(cx, buf);
        }
        if let Poll::Ready(ready) = Pin::new(&mut this.ws).poll_ready(cx) {
            ready.map_err(write_error)?;
        } else {
            this.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(this.write_chunk);
        let message = Message::Binary(payload(&buf[..n]));
        Pin::new(&mut this.ws)
            .start_send(message)
            .map_err(write_error)?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_outbox(cx))?;
        let Poll::Ready(result) = Pin::new(&mut this.ws).poll_flush(cx) else {
            this.writer = Some(cx.waker().clone());
            return Poll::Pending;
        };
        match result {
            Ok(()) | Err(WsError::AlreadyClosed | WsError::ConnectionClosed) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(write_error(e))),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            // The close timeout covers the whole close: our Close frame going out (a peer
            // that never reads keeps it from going), the peer's answer, the transport's own
            // shutdown (TLS sends close_notify).
            if matches!(
                this.shutdown,
                Shutdown::Sending | Shutdown::Draining | Shutdown::Closing
            ) {
                if let Some(timer) = this.close_timer.as_mut() {
                    if timer.as_mut().poll(cx).is_ready() {
                        this.close_timer = None;
                        this.shutdown = Shutdown::Expired;
                    }
                }
            }
            match &mut this.shutdown {
                Shutdown::Open => {
                    // Text mode: a last line without its newline is still a line.
                    if !this.line.is_empty() {
                        this.queue_line()?;
                    }
                    this.close_timer = Some(Box::pin(tokio::time::sleep(this.close_timeout)));
                    this.shutdown = Shutdown::Sending;
                }
                Shutdown::Sending => {
                    if let Err(e) = ready!(this.poll_outbox(cx)) {
                        this.shutdown = Shutdown::Done;
                        return Poll::Ready(Err(e));
                    }
                    match ready!(Pin::new(&mut this.ws).poll_close(cx)) {
                        Ok(()) | Err(WsError::AlreadyClosed | WsError::ConnectionClosed) => {}
                        Err(e) => {
                            this.shutdown = Shutdown::Done;
                            return Poll::Ready(Err(write_error(e)));
                        }
                    }
                    this.shutdown = Shutdown::Draining;
                }
                Shutdown::Draining => {
                    // Bounded: stop waiting once a message's worth is buffered unread.
                    if this.eof || this.buffered > this.max_message_size {
                        this.shutdown = Shutdown::Closing;
                        this.wake_reader();
                        continue;
                    }
                    match this.poll_message(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(e)) => this.error = Some(e),
                    }
                    this.wake_reader();
                }
                Shutdown::Closing => {
                    let result = ready!(Pin::new(this.ws.get_mut()).poll_shutdown(cx));
                    this.shutdown = Shutdown::Done;
                    if let Err(e) = result {
                        debug!(error = %e, "shutting the transport down after close");
                    }
                }
                Shutdown::Expired => {
                    debug!(timeout = ?this.close_timeout, "the close did not complete in time");
                    // Nothing more is coming: reads end after what was received.
                    this.eof = true;
                    this.wake_reader();
                    let Some(control) = &this.control else {
                        // Not ours to close: shut it down, however long that takes.
                        this.shutdown = Shutdown::Closing;
                        continue;
                    };
                    // Closed outright: the transport drops the connection when polled, and
                    // is then done at once.
                    control.abort();
                    let _ = Pin::new(this.ws.get_mut()).poll_shutdown(cx);
                    this.shutdown = Shutdown::Done;
                }
                Shutdown::Done => return Poll::Ready(Ok(())),
            }
        }
    }
}

impl<S> fmt::Debug for WsStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsStream")
            .field("buffered", &self.buffered)
            .field("eof", &self.eof)
            .field("write_chunk", &self.write_chunk)
            .finish_non_exhaustive()
    }
}
