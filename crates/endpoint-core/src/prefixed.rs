//! A stream that first replays bytes a layer read past its handshake.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::io_stream::{IoStream, Unwrap};
use crate::socket::PlainSocket;

/// `inner`, with `prefix` read first. Made by
/// [`Connection::with_unread`](crate::Connection::with_unread), which keeps the inner
/// stream's way back to its plain socket (`inner_plain`).
pub(crate) struct Prefixed {
    prefix: Vec<u8>,
    offset: usize,
    inner: Box<dyn IoStream>,
    inner_plain: Option<Unwrap>,
}

impl Prefixed {
    pub(crate) fn new(
        prefix: Vec<u8>,
        inner: Box<dyn IoStream>,
        inner_plain: Option<Unwrap>,
    ) -> Self {
        Prefixed {
            prefix,
            offset: 0,
            inner,
            inner_plain,
        }
    }

    /// The [`Unwrap`] of a boxed `Prefixed`: the inner socket, with the prefix not yet read
    /// put before the socket's own unread bytes.
    pub(crate) fn unwrap(io: Box<dyn IoStream>) -> Result<PlainSocket, Box<dyn IoStream>> {
        if !(*io).as_any().is::<Prefixed>() {
            return Err(io);
        }
        let Ok(this) = io.into_any().downcast::<Prefixed>() else {
            unreachable!("type checked above")
        };
        let Prefixed {
            mut prefix,
            offset,
            inner,
            inner_plain,
        } = *this;
        let Some(unwrap_inner) = inner_plain else {
            return Err(Box::new(Prefixed::new(prefix, inner, None).skip(offset)));
        };
        match unwrap_inner(inner) {
            Ok(mut socket) => {
                prefix.drain(..offset);
                prefix.append(&mut socket.unread);
                socket.unread = prefix;
                Ok(socket)
            }
            Err(inner) => Err(Box::new(Prefixed::new(prefix, inner, None).skip(offset))),
        }
    }

    fn skip(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.offset < this.prefix.len() {
            let n = buf.remaining().min(this.prefix.len() - this.offset);
            buf.put_slice(&this.prefix[this.offset..this.offset + n]);
            this.offset += n;
            if this.offset == this.prefix.len() {
                this.prefix = Vec::new();
                this.offset = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut *this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_shutdown(cx)
    }
}
