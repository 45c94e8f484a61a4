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

use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

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
    fn poll_move(
        &mut self,
        cx: &mut Context<'_>,
        from: &mut Connection,
        to: &mut Connection,
        counter: Option<&AtomicU64>,
    ) -> Poll<io::Result<u64>> {
        loop {
            if self.done {
                return Poll::Ready(Ok(self.moved));
            }
            if let Some(buffer) = &self.buffer {
                let n = ready!(Pin::new(&mut *to).poll_write(cx, &buffer[self.start..self.end]))?;
                self.wrote(n, counter)?;
                self.start += n;
                if self.start == self.end {
                    if let Some(buffer) = self.buffer.take() {
                        BUFFERS.give(buffer);
                    }
                }
                continue;
            }
            if !self.read_done {
                match from.buffered_reader() {
                    Some(reader) => ready!(self.poll_lent(cx, reader, to, counter))?,
                    None => ready!(self.poll_read(cx, from, to))?,
                }
                continue;
            }
            ready!(Pin::new(&mut *to).poll_shutdown(cx))?;
            self.done = true;
        }
    }

    /// Reads into a buffer from the pool, kept only when the read brought bytes.
    fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        from: &mut Connection,
        to: &mut Connection,
    ) -> Poll<io::Result<()>> {
        let mut buffer = pool::buffer();
        let mut read = ReadBuf::new(&mut buffer);
        let polled = Pin::new(from).poll_read(cx, &mut read);
        let n = read.filled().len();
        match polled {
            Poll::Ready(Ok(())) if n > 0 => {
                self.start = 0;
                self.end = n;
                self.buffer = Some(buffer);
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                BUFFERS.give(buffer);
                self.poll_flush_while_waiting(cx, to)
            }
            ended => {
                self.read_done = true;
                BUFFERS.give(buffer);
                ended
            }
        }
    }

    /// Writes what `from` holds in its own buffer straight from there (one copy fewer), and
    /// consumes what was written: the bytes wait in `from` while `to` is not ready.
    fn poll_lent(
        &mut self,
        cx: &mut Context<'_>,
        mut from: Pin<&mut dyn AsyncBufRead>,
        to: &mut Connection,
        counter: Option<&AtomicU64>,
    ) -> Poll<io::Result<()>> {
        let lent = match from.as_mut().poll_fill_buf(cx) {
            Poll::Pending => return self.poll_flush_while_waiting(cx, to),
            Poll::Ready(lent) => lent?,
        };
        if lent.is_empty() {
            self.read_done = true;
            return Poll::Ready(Ok(()));
        }
        let n = ready!(Pin::new(to).poll_write(cx, lent))?;
        self.wrote(n, counter)?;
        from.consume(n);
        Poll::Ready(Ok(()))
    }

    /// Nothing to read yet: writers that buffer (TLS, WebSocket) send what they hold, then
    /// the direction waits.
    fn poll_flush_while_waiting(
        &mut self,
        cx: &mut Context<'_>,
        to: &mut Connection,
    ) -> Poll<io::Result<()>> {
        if self.unflushed {
            ready!(Pin::new(to).poll_flush(cx))?;
            self.unflushed = false;
        }
        Poll::Pending
    }

    /// Counts `n` bytes written; none is an error (the writer can take no more, ever).
    fn wrote(&mut self, n: usize, counter: Option<&AtomicU64>) -> io::Result<()> {
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        self.moved += n as u64;
        self.unflushed = true;
        if let Some(counter) = counter {
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(())
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
        let there = this.there.poll_move(cx, &mut this.a, &mut this.b, a_to_b)?;
        let back = this.back.poll_move(cx, &mut this.b, &mut this.a, b_to_a)?;
        match (there, back) {
            (Poll::Ready(there), Poll::Ready(back)) => Poll::Ready(Ok((there, back))),
            _ => Poll::Pending,
        }
    }
}
