//! The connection under a WebSocket, as tungstenite sees it: it counts the bytes read into
//! messages still arriving for the [budget](crate::budget), and it can be closed outright
//! from the [`WsStream`](crate::WsStream) above when the close handshake timed out.
//!
//! Both need a word from the stream, which reaches its transport only as tungstenite's
//! `Box<dyn IoStream>`: that word is the [`Control`] the two share.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::Bytes;

use endpoint_core::IoStream;

use crate::budget::{Pool, Share};
use crate::error::WsProblem;
use crate::fast_lane::{unmask, Header, Lane, Next, ResponseEnd};
use crate::read_ahead::{self, Ahead, Lent};
use crate::settings::COPY_PIECE;

/// What a [`WsStream`](crate::WsStream) and its [`Transport`] share.
#[derive(Debug)]
pub(crate) struct Control {
    /// Set when the close timeout expired: the transport drops its connection.
    aborted: AtomicBool,
    /// The connection's share of its message budget (none when the budget is off).
    share: Option<Share>,
    /// The frame header of an incoming control frame: 2 bytes, and 4 of mask when the peer
    /// is a client.
    control_header: usize,
    /// The payload of a whole binary frame the transport took past tungstenite
    /// ([`fast_lane`](crate::fast_lane)), until the stream files it.
    taken: Mutex<Option<Bytes>>,
}

impl Control {
    /// Counts `n` bytes read outside the transport (taken in before the upgrade).
    pub(crate) fn add(&self, n: usize) {
        if let (Some(share), true) = (&self.share, n > 0) {
            share.add(n);
        }
    }

    /// A data message (or Close) was delivered: nothing is held any more.
    pub(crate) fn message_delivered(&self) {
        if let Some(share) = &self.share {
            share.release_all();
        }
    }

    /// A Ping or Pong with `payload` bytes was delivered: its frame is no longer held.
    pub(crate) fn control_delivered(&self, payload: usize) {
        if let Some(share) = &self.share {
            share.release(payload + self.control_header);
        }
    }

    /// The payload the transport took past tungstenite, if any: the stream files it as the
    /// next message (every earlier frame has been read out of tungstenite by then).
    pub(crate) fn take_payload(&self) -> Option<Bytes> {
        lock(&self.taken).take()
    }

    fn has_payload(&self) -> bool {
        lock(&self.taken).is_some()
    }

    /// Closes the connection at its next use (the stream then polls it to make that now).
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::Release);
    }
}

/// The connection a WebSocket runs over: reads counted, closable through its [`Control`].
///
/// Tungstenite asks for small reads (see [`read_ahead`]); the transport reads the socket up
/// to a frame at a time into a borrowed buffer and hands that on, giving the buffer back as
/// soon as it is empty, or the socket has nothing (an idle connection holds none).
pub(crate) struct Transport {
    inner: Option<Box<dyn IoStream>>,
    control: Arc<Control>,
    /// Bytes read from the socket, not yet handed to tungstenite.
    ahead: Option<Ahead>,
    /// The frame boundaries, to take whole binary frames past tungstenite (`None`:
    /// everything goes through tungstenite).
    lane: Option<Lane>,
    /// Client side, until the upgrade response has gone by to tungstenite: where its end
    /// stands, after which the lane starts.
    response: Option<ResponseEnd>,
}

/// Payloads at least this large are lent in the buffer they were read into; smaller ones
/// are copied out, so a small message never holds a frame-sized buffer.
const LEND_FROM: usize = 16 << 10;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for Transport {
    fn drop(&mut self) {
        if let Some(ahead) = self.ahead.take() {
            read_ahead::give(ahead.buffer);
        }
    }
}

impl Transport {
    /// Wraps `inner` as a boxed stream for tungstenite, counting its reads in `pool` (when
    /// there is one), and gives the control the stream keeps. `server`: this side reads a
    /// client's (masked) frames. `lane`: where the frames stand after what tungstenite is
    /// given first, to take whole binary frames past it (server side); `response`: where it
    /// starts instead (client side: after the upgrade response).
    pub(crate) fn wrap(
        inner: Box<dyn IoStream>,
        pool: Option<&Arc<Pool>>,
        server: bool,
        lane: Option<Lane>,
        response: Option<ResponseEnd>,
    ) -> (Box<dyn IoStream>, Arc<Control>) {
        let control = Arc::new(Control {
            aborted: AtomicBool::new(false),
            share: pool.map(Pool::join),
            control_header: if server { 6 } else { 2 },
            taken: Mutex::new(None),
        });
        let transport = Transport {
            inner: Some(inner),
            control: control.clone(),
            ahead: None,
            lane,
            response,
        };
        (Box::new(transport), control)
    }

    /// The connection, unless it was aborted (then it is dropped here: closed).
    fn inner(&mut self) -> Option<Pin<&mut Box<dyn IoStream>>> {
        if self.control.aborted.load(Ordering::Acquire) {
            self.inner = None;
        }
        self.inner.as_mut().map(Pin::new)
    }
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the websocket's connection was closed after its close timeout",
    )
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(share) = &this.control.share {
            if let Some((held, budget)) = share.doomed() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    WsProblem::MessageBudgetSpent { held, budget },
                )));
            }
            // Before reading: a pick that comes after the check wakes this read.
            share.register(cx.waker());
        }
        if this.control.aborted.load(Ordering::Acquire) {
            this.inner = None;
        }
        if this.inner.is_none() || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if this.lane.is_some() {
            return this.poll_read_lane(cx, buf);
        }
        if this.ahead.is_none() && buf.remaining() >= read_ahead::SIZE {
            // As large as a read-ahead: straight in.
            let Some(inner) = this.inner.as_mut() else {
                return Poll::Ready(Ok(()));
            };
            let before = buf.filled().len();
            ready!(Pin::new(inner).poll_read(cx, buf))?;
            this.control.add(buf.filled().len() - before);
            return Poll::Ready(Ok(()));
        }
        if this.ahead.is_none() && !ready!(this.poll_fill(cx, read_ahead::SIZE))? {
            return Poll::Ready(Ok(()));
        }
        this.hand(buf, usize::MAX);
        Poll::Ready(Ok(()))
    }
}

impl Transport {
    /// Reads up to `limit` bytes from the socket into a borrowed buffer: true when some came
    /// (they are `ahead`), false at end of file. The buffer goes back at once when nothing
    /// came.
    fn poll_fill(&mut self, cx: &mut Context<'_>, limit: usize) -> Poll<io::Result<bool>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(Ok(false));
        };
        let mut buffer = read_ahead::take();
        let limit = limit.clamp(1, buffer.len());
        let mut into = ReadBuf::new(&mut buffer[..limit]);
        let read = Pin::new(inner).poll_read(cx, &mut into);
        let end = into.filled().len();
        match read {
            Poll::Ready(Ok(())) if end > 0 => {
                self.ahead = Some(Ahead {
                    buffer,
                    start: 0,
                    end,
                    counted: 0,
                });
                Poll::Ready(Ok(true))
            }
            other => {
                // Nothing to hand on (end of file, an error, or not yet): the buffer goes
                // back at once.
                read_ahead::give(buffer);
                other.map_ok(|()| false)
            }
        }
    }

    /// Hands tungstenite at most `most` of the bytes ahead, counting them against the budget
    /// (those not counted yet); gives the buffer back once it is empty. Returns how many.
    fn hand(&mut self, buf: &mut ReadBuf<'_>, most: usize) -> usize {
        let Some(ahead) = self.ahead.as_mut() else {
            return 0;
        };
        let n = (ahead.end - ahead.start).min(buf.remaining()).min(most);
        let handed = &ahead.buffer[ahead.start..ahead.start + n];
        for piece in handed.chunks(COPY_PIECE) {
            buf.put_slice(piece);
        }
        if let Some(end) = self.response.as_mut() {
            if let Some(lane) = end.follow(handed) {
                self.lane = lane.ok();
                self.response = None;
            }
        }
        ahead.start += n;
        self.control.add(n.saturating_sub(ahead.counted));
        ahead.counted = ahead.counted.saturating_sub(n);
        if ahead.start == ahead.end {
            if let Some(ahead) = self.ahead.take() {
                read_ahead::give(ahead.buffer);
            }
        }
        n
    }

    /// The read with a [`Lane`]: whole binary frames are taken past tungstenite, the rest is
    /// handed to it frame by frame.
    fn poll_read_lane(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if self.control.has_payload() {
                // The stream files the taken payload as soon as tungstenite says it has
                // nothing (this), then reads on: no wake-up is needed.
                return Poll::Pending;
            }
            let Some(left) = self.lane.as_ref().map(Lane::left) else {
                return Poll::Ready(Ok(()));
            };
            if self.ahead.is_none() {
                // Within a frame, read no further than its end: the next read starts at a
                // frame, where a whole one can be taken.
                let limit = match left {
                    0 => read_ahead::SIZE,
                    left => usize::try_from(left).unwrap_or(usize::MAX),
                };
                if !ready!(self.poll_fill(cx, limit))? {
                    return Poll::Ready(Ok(()));
                }
            }
            let (Some(ahead), Some(lane)) = (self.ahead.as_ref(), self.lane.as_ref()) else {
                continue;
            };
            let bytes = &ahead.buffer[ahead.start..ahead.end];
            let starts = if left == 0 { Header::read(bytes) } else { None };
            match lane.next(bytes) {
                Next::Pass(n) => {
                    if let (Some(header), Some(lane)) = (starts, self.lane.as_mut()) {
                        lane.enter(&header);
                    }
                    let most = usize::try_from(n).unwrap_or(usize::MAX);
                    let handed = self.hand(buf, most);
                    if let Some(lane) = self.lane.as_mut() {
                        lane.passed(handed);
                    }
                    return Poll::Ready(Ok(()));
                }
                Next::Gather(_) => {
                    if !ready!(self.poll_gather(cx))? {
                        // The peer ended inside a frame: tungstenite sees what came, then the
                        // end, and says what is wrong.
                        self.lane = None;
                        self.hand(buf, usize::MAX);
                        return Poll::Ready(Ok(()));
                    }
                }
                Next::Take(header) => self.take(header),
            }
        }
    }

    /// Reads more of the frame at the front of the bytes ahead into the same buffer (moved
    /// to its start first), counting what is held against the budget: false at end of file.
    fn poll_gather(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let (Some(ahead), Some(inner)) = (self.ahead.as_mut(), self.inner.as_mut()) else {
            return Poll::Ready(Ok(false));
        };
        if ahead.start > 0 {
            ahead.buffer.copy_within(ahead.start..ahead.end, 0);
            ahead.end -= ahead.start;
            ahead.start = 0;
        }
        // Held while the rest comes: count it (once).
        self.control.add(ahead.end - ahead.counted);
        ahead.counted = ahead.end;
        let mut into = ReadBuf::new(&mut ahead.buffer[ahead.end..]);
        ready!(Pin::new(inner).poll_read(cx, &mut into))?;
        let n = into.filled().len();
        ahead.end += n;
        self.control.add(n);
        ahead.counted += n;
        Poll::Ready(Ok(n > 0))
    }

    /// Takes the whole frame at the front of the bytes ahead, unmasked in place. A large
    /// payload goes to the stream in the buffer it was read into (bytes after it move to a
    /// buffer of their own); a small one is copied out, and the buffer stays ahead.
    fn take(&mut self, header: Header) {
        let Some(mut ahead) = self.ahead.take() else {
            return;
        };
        let frame = header.frame_len() as usize;
        let (start, end) = (ahead.start, ahead.end);
        let payload = start + header.len..start + frame;
        if let Some(mask) = header.mask {
            unmask(&mut ahead.buffer[payload.clone()], mask);
        }
        if payload.len() < LEND_FROM {
            let bytes = Bytes::copy_from_slice(&ahead.buffer[payload]);
            *lock(&self.control.taken) = Some(bytes);
            ahead.start += frame;
            ahead.counted = ahead.counted.saturating_sub(frame);
            if ahead.start < ahead.end {
                self.ahead = Some(ahead);
            } else {
                read_ahead::give(ahead.buffer);
            }
            return;
        }
        if start + frame < end {
            let mut next = read_ahead::take();
            let rest = end - start - frame;
            next[..rest].copy_from_slice(&ahead.buffer[start + frame..end]);
            self.ahead = Some(Ahead {
                buffer: next,
                start: 0,
                end: rest,
                counted: ahead.counted.saturating_sub(frame),
            });
        }
        let bytes = Bytes::from_owner(Lent(ahead.buffer)).slice(payload);
        *lock(&self.control.taken) = Some(bytes);
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().inner() {
            Some(inner) => inner.poll_write(cx, buf),
            None => Poll::Ready(Err(closed())),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().inner() {
            Some(inner) => inner.poll_write_vectored(cx, bufs),
            None => Poll::Ready(Err(closed())),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().inner() {
            Some(inner) => inner.poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Shuts the connection down, or, once aborted, closes it (and is done at once).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().inner() {
            Some(inner) => inner.poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}
