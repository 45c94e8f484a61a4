//! One bidirectional QUIC stream as one byte stream.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

/// A bidirectional QUIC stream: its receiving and sending halves joined into one
/// `AsyncRead + AsyncWrite`, the type inside every `quic` [`Connection`](endpoint_core::Connection).
///
/// `shutdown` finishes the sending half (the peer reads end-of-file; reading goes on), as
/// `shutdown(Write)` does on TCP, and returns once the peer has acknowledged every byte (or
/// after 2 s without an answer): the QUIC stack lives in this process, not in the kernel, so
/// a program that exits right after `shutdown` has still delivered its data (it fails with `BrokenPipe` if the peer stopped
/// reading first). Dropping the stream finishes the sending half if it is not finished yet
/// (without waiting), and tells the peer to stop sending (`STOP_SENDING`). A read fails when the
/// peer resets the stream or the QUIC connection is lost (with `TimedOut` after the idle
/// timeout).
pub struct QuicStream {
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    /// After `shutdown` finished the stream: waits for the peer's acknowledgement.
    finishing: Option<Pin<Box<Acknowledged>>>,
    /// Counts the client's open streams, so an unused connection can be closed.
    _open: Option<OpenStream>,
}

/// Held by each open stream of a client connection; dropping it counts the stream closed.
#[derive(Debug)]
pub(crate) struct OpenStream(Arc<watch::Sender<usize>>);

impl OpenStream {
    pub(crate) fn new(open: &Arc<watch::Sender<usize>>) -> Self {
        open.send_modify(|n| *n += 1);
        OpenStream(open.clone())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl QuicStream {
    pub(crate) fn new(
        send: quinn::SendStream,
        recv: quinn::RecvStream,
        open: Option<OpenStream>,
    ) -> Self {
        QuicStream {
            send,
            recv,
            finishing: None,
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
        Pin::new(&mut self.recv)
            .poll_read(cx, buf)
            .map_err(timed_out)
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
        let this = &mut *self;
        if this.finishing.is_none() {
            std::task::ready!(AsyncWrite::poll_shutdown(Pin::new(&mut this.send), cx))
                .map_err(timed_out)?;
            // Bounded: a peer that exits right after reading everything may never send its
            // last acknowledgement, and waiting for it would hold this side until the idle
            // timeout. After ACK_LINGER the data is taken as delivered, as TCP's shutdown
            // takes it once the kernel has it.
            let acknowledged = this.send.stopped();
            this.finishing = Some(Box::pin(async move {
                tokio::time::timeout(ACK_LINGER, acknowledged)
                    .await
                    .unwrap_or(Ok(None))
            }));
        }
        let Some(finishing) = this.finishing.as_mut() else {
            unreachable!("set just above");
        };
        Poll::Ready(match std::task::ready!(finishing.as_mut().poll(cx)) {
            Ok(None) => Ok(()),
            Ok(Some(code)) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                format!("the peer stopped reading the stream (code {code})"),
            )),
            Err(e) => Err(timed_out(e.into())),
        })
    }
}

/// How long `shutdown` waits for the peer to acknowledge every byte.
const ACK_LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// The future of `SendStream::stopped`, bounded by [`ACK_LINGER`].
type Acknowledged =
    dyn Future<Output = Result<Option<quinn::VarInt>, quinn::StoppedError>> + Send + Sync;

impl fmt::Debug for QuicStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuicStream")
            .field("send", &self.send)
            .field("recv", &self.recv)
            .field("finishing", &self.finishing.is_some())
            .finish_non_exhaustive()
    }
}

/// quinn reports every lost connection as `NotConnected`; one lost to the idle timeout (a
/// peer that stopped answering) becomes `TimedOut`, as a TCP keep-alive failure is. The
/// quinn error stays inside.
fn timed_out(error: io::Error) -> io::Error {
    use quinn::{ConnectionError, ReadError, StoppedError, WriteError};
    let lost = error.get_ref().and_then(|inner| {
        if let Some(ReadError::ConnectionLost(e)) = inner.downcast_ref::<ReadError>() {
            Some(e)
        } else if let Some(WriteError::ConnectionLost(e)) = inner.downcast_ref::<WriteError>() {
            Some(e)
        } else if let Some(StoppedError::ConnectionLost(e)) = inner.downcast_ref::<StoppedError>() {
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
