//! User-space relaying for streams that cannot be spliced (TLS, WebSocket, child processes,
//! plugins), with buffers held only while bytes are in flight.
//!
//! Both directions are polled by one future over the two streams (no `split`, so no lock and
//! no second task). A direction takes a buffer from the pool to poll a read and gives it back
//! when the read is pending or the bytes are written: an idle pair holds no buffer.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::pool::{self, BUFFERS};

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

/// Copies both ways between `a` and `b` until both directions have ended (each end-of-file
/// shuts the other side's write half down) or one fails. Returns the bytes moved `a`→`b` and
/// `b`→`a`.
pub(super) async fn both_ways<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b: Option<&AtomicU64>,
    b_to_a: Option<&AtomicU64>,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut forward = Direction::default();
    let mut backward = Direction::default();
    poll_fn(|cx| {
        let there = forward.poll_move(cx, Pin::new(&mut *a), Pin::new(&mut *b), a_to_b)?;
        let back = backward.poll_move(cx, Pin::new(&mut *b), Pin::new(&mut *a), b_to_a)?;
        match (there, back) {
            (Poll::Ready(there), Poll::Ready(back)) => Poll::Ready(Ok((there, back))),
            _ => Poll::Pending,
        }
    })
    .await
}
