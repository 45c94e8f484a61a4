//! One bidirectional QUIC stream as one byte stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A bidirectional QUIC stream: its receiving and sending halves joined into one
/// `AsyncRead + AsyncWrite`, the type inside every `quic` [`Connection`](endpoint_core::Connection).
///
/// `shutdown` finishes the sending half (the peer reads end-of-file; reading goes on), as
/// `shutdown(Write)` does on TCP. Dropping the stream finishes the sending half if it is not
/// finished yet, and tells the peer to stop sending (`STOP_SENDING`). A read fails when the
/// peer resets the stream or the QUIC connection is lost (with `TimedOut` after the idle
/// timeout).
#[derive(Debug)]
pub struct QuicStream {
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    /// Counts the client's open streams, so an unused connection can be closed.
    _open: Option<crate::client::OpenStream>,
}

impl QuicStream {
    pub(crate) fn new(
        send: quinn::SendStream,
        recv: quinn::RecvStream,
        open: Option<crate::client::OpenStream>,
    ) -> Self {
        QuicStream {
            send,
            recv,
            _open: open,
        }
    }

    /// The two halves, for quinn's own API (resetting a stream, priorities).
    pub fn halves(&mut self) -> (&mut quinn::SendStream, &mut quinn::RecvStream) {
        (&mut self.send, &mut self.recv)
    }
}

impl AsyncRead for QuicStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.recv).poll_read(cx, buf).map_err(timed_out)
    }
}

impl AsyncWrite for QuicStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(Pin::new(&mut self.send), cx, buf).map_err(timed_out)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(Pin::new(&mut self.send), cx).map_err(timed_out)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(Pin::new(&mut self.send), cx).map_err(timed_out)
    }
}

/// quinn reports every lost connection as `NotConnected`; one lost to the idle timeout (a
/// peer that stopped answering) becomes `TimedOut`, as a TCP keep-alive failure is. The
/// quinn error stays inside.
fn timed_out(error: io::Error) -> io::Error {
    use quinn::{ConnectionError, ReadError, WriteError};
    let lost = error.get_ref().and_then(|inner| {
        if let Some(ReadError::ConnectionLost(e)) = inner.downcast_ref::<ReadError>() {
            Some(e)
        } else if let Some(WriteError::ConnectionLost(e)) = inner.downcast_ref::<WriteError>() {
            Some(e)
        } else {
            None
        }
    });
    if matches!(lost, Some(ConnectionError::TimedOut)) {
        let inner = error.into_inner().unwrap_or_else(|| "timed out".into());
        return io::Error::new(io::ErrorKind::TimedOut, inner);
    }
    error
}
