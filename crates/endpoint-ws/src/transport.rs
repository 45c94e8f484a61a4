//! The connection under a WebSocket, as tungstenite sees it: it counts the bytes read into
//! messages still arriving for the [budget](crate::budget), and it can be closed outright
//! from the [`WsStream`](crate::WsStream) above when the close handshake timed out.
//!
//! Both need a word from the stream, which reaches its transport only as tungstenite's
//! `Box<dyn IoStream>`: that word is the [`Control`] the two share.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use endpoint_core::IoStream;

use crate::budget::{Pool, Share};
use crate::error::WsProblem;
use crate::read_ahead::{self, Ahead};
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
    /// client's (masked) frames.
    pub(crate) fn wrap(
        inner: Box<dyn IoStream>,
        pool: Option<&Arc<Pool>>,
        server: bool,
    ) -> (Box<dyn IoStream>, Arc<Control>) {
        let control = Arc::new(Control {
            aborted: AtomicBool::new(false),
            share: pool.map(Pool::join),
            control_header: if server { 6 } else { 2 },
        });
        let transport = Transport {
            inner: Some(inner),
            control: control.clone(),
            ahead: None,
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
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if this.ahead.is_none() {
            if buf.remaining() >= read_ahead::SIZE {
                // As large as a read-ahead: straight in.
                let before = buf.filled().len();
                ready!(Pin::new(inner).poll_read(cx, buf))?;
                this.control.add(buf.filled().len() - before);
                return Poll::Ready(Ok(()));
            }
            let mut buffer = read_ahead::take();
            let mut into = ReadBuf::new(&mut buffer);
            let read = Pin::new(inner).poll_read(cx, &mut into);
            let end = into.filled().len();
            match read {
                Poll::Ready(Ok(())) if end > 0 => {
                    this.ahead = Some(Ahead {
                        buffer,
                        start: 0,
                        end,
                    });
                }
                other => {
                    // Nothing to hand on (end of file, an error, or not yet): the buffer goes
                    // back at once.
                    read_ahead::give(buffer);
                    return other;
                }
            }
        }
        let Some(ahead) = this.ahead.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let n = (ahead.end - ahead.start).min(buf.remaining());
        for piece in ahead.buffer[ahead.start..ahead.start + n].chunks(COPY_PIECE) {
            buf.put_slice(piece);
        }
        ahead.start += n;
        if ahead.start == ahead.end {
            if let Some(ahead) = this.ahead.take() {
                read_ahead::give(ahead.buffer);
            }
        }
        this.control.add(n);
        Poll::Ready(Ok(()))
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
