//! User-space relaying for streams that cannot be spliced (TLS, WebSocket, child processes,
//! plugins), with buffers held only while bytes are in flight.
//!
//! Both directions are polled by one future over the two streams (no `split`, so no lock and
//! no second task). A direction takes a buffer from the pool to poll a read and gives it back
//! when the read is pending or the bytes are written: an idle pair holds no buffer.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::pool::{self, BUFFERS};
use crate::traffic::Traffic;
use endpoint_core::Connection;

/// One direction's progress.
#[derive(Default)]
struct Direction {
    /// The buffer, only while it holds bytes not yet written.
    buffer: Option<Box<[u8]>>,
    start: usize,
    end: usize,
    read_done: bool,
    /// Bytes were written since the last flush (TLS and WebSocket writers buffer).
    unflushed: bool,
    done: bool,
    moved: u64,
}

impl Direction {
    /// Moves bytes from `from` to `to` until `from` ends and `to` is shut down.
    fn poll_move<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut from: Pin<&mut R>,
        mut to: Pin<&mut W>,
        counter: Option<&AtomicU64>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.done {
                return Poll::Ready(Ok(self.moved));
            }
            if let Some(buffer) = &self.buffer {
                let n = ready!(to.as_mut().poll_write(cx, &buffer[self.start..self.end]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                self.start += n;
                self.moved += n as u64;
                self.unflushed = true;
                if let Some(counter) = counter {
                    counter.fetch_add(n as u64, Ordering::Relaxed);
                }
                if self.start == self.end {
                    if let Some(buffer) = self.buffer.take() {
                        BUFFERS.give(buffer);
                    }
                }
                continue;
            }
            if !self.read_done {
                let mut buffer = pool::buffer();
                let mut read = ReadBuf::new(&mut buffer);
                match from.as_mut().poll_read(cx, &mut read) {
                    Poll::Pending => {
                        BUFFERS.give(buffer);
                        if self.unflushed {
                            ready!(to.as_mut().poll_flush(cx))?;
                            self.unflushed = false;
                        }
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(e)) => {
                        BUFFERS.give(buffer);
                        return Poll::Ready(Err(e));
                    }
                    Poll::Ready(Ok(())) => {
                        let n = read.filled().len();
                        if n == 0 {
                            self.read_done = true;
                            BUFFERS.give(buffer);
                        } else {
                            self.start = 0;
                            self.end = n;
                            self.buffer = Some(buffer);
                        }
                    }
                }
                continue;
            }
            ready!(to.as_mut().poll_shutdown(cx))?;
            self.done = true;
        }
    }
}

/// Two streams copied both ways: a hand-written future, so an idle pair holds its two
/// connections and a few words per direction.
pub(super) struct CopyPair {
    a: Connection,
    b: Connection,
    there: Direction,
    back: Direction,
    traffic: Option<Arc<Traffic>>,
}

impl CopyPair {
    pub(super) fn new(a: Connection, b: Connection, traffic: Option<Arc<Traffic>>) -> Self {
        CopyPair {
            a,
            b,
            there: Direction::default(),
            back: Direction::default(),
            traffic,
        }
    }
}

impl Future for CopyPair {
    type Output = io::Result<(u64, u64)>;

    /// Both directions until both have ended (each end-of-file shuts the other side's write
    /// half down), or the first error.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let counters = this.traffic.as_deref().map(|t| (&t.a_to_b, &t.b_to_a));
        let (a_to_b, b_to_a) = counters.unzip();
        let there =
            this.there
                .poll_move(cx, Pin::new(&mut this.a), Pin::new(&mut this.b), a_to_b)?;
        let back = this
            .back
            .poll_move(cx, Pin::new(&mut this.b), Pin::new(&mut this.a), b_to_a)?;
        match (there, back) {
            (Poll::Ready(there), Poll::Ready(back)) => Poll::Ready(Ok((there, back))),
            _ => Poll::Pending,
        }
    }
}
