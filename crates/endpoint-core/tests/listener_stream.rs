//! A listener used as a `Stream` ends after the error that ends it, so consumers that skip
//! errors and poll again (tonic's `serve_with_incoming`) stop instead of spinning.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use endpoint_core::{Accept, Address, Connection, ConnectionInfo, Listener};
use futures_util::StreamExt;
use tokio::net::TcpListener;

/// A real TCP listener whose socket is then taken away: the next accept fails with EBADF,
/// an error no retry fixes.
struct Closing {
    listener: Option<TcpListener>,
    local: SocketAddr,
}

impl Accept for Closing {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        match &self.listener {
            Some(listener) => listener.poll_accept(cx).map_ok(|(stream, peer)| {
                let info =
                    ConnectionInfo::new("tcp", Address::Inet(self.local), Address::Inet(peer));
                Connection::new(stream, info)
            }),
            None => Poll::Ready(Err(io::Error::from_raw_os_error(libc::EBADF))),
        }
    }

    fn local_address(&self) -> Address {
        Address::Inet(self.local)
    }
}

#[tokio::test]
async fn the_stream_ends_after_a_fatal_error() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let local = listener.local_addr()?;
    let closing = Closing {
        listener: None,
        local,
    };
    drop(listener);
    let mut stream = Listener::new(closing, "tcp:0");
    let first = stream.next().await.expect("the error is yielded once");
    let error = first.expect_err("a dead socket");
    assert_eq!(error.raw_os_error(), Some(libc::EBADF));
    assert!(stream.next().await.is_none(), "then the stream ends");
    assert!(stream.next().await.is_none(), "and stays ended");
    Ok(())
}
