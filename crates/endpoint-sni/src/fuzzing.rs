//! Entry points for the fuzz targets in `fuzz/` (the `fuzzing` feature); not a stable API.

use std::pin::Pin;
use std::task::{Context, Poll};

use endpoint_core::TlsHello;
use tokio::io::{AsyncRead, ReadBuf};

use crate::hello;

/// Reads one ClientHello off `input` exactly as the `sni+` layer does on a connection (at
/// most `max` bytes of hello), the bytes arriving in pieces of `pieces` bytes each (a zero
/// counts as one; after the last size the rest arrives at once), then end of stream. Returns
/// what the hello asked for and every byte read.
///
/// # Errors
/// The layer's message for input that is not a usable ClientHello.
pub fn read_hello(
    input: &[u8],
    max: usize,
    pieces: &[usize],
) -> Result<(TlsHello, Vec<u8>), String> {
    let mut io = Pieces {
        data: input,
        pieces,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    runtime.block_on(hello::read(&mut io, max))
}

/// A reader that hands out `data` in pieces of the given sizes.
struct Pieces<'a> {
    data: &'a [u8],
    pieces: &'a [usize],
}

impl AsyncRead for Pieces<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let size = match self.pieces.split_first() {
            Some((&size, rest)) => {
                self.pieces = rest;
                size.max(1)
            }
            None => usize::MAX,
        };
        let n = size.min(buf.remaining()).min(self.data.len());
        let (now, later) = self.data.split_at(n);
        buf.put_slice(now);
        self.data = later;
        Poll::Ready(Ok(()))
    }
}
