//! Entry points for the fuzz targets in `fuzz/` (the `fuzzing` feature); not a stable API.

use std::pin::Pin;
use std::task::{Context, Poll};

use endpoint_core::Address;
use tokio::io::{AsyncRead, ReadBuf};

use crate::header;
use crate::options::Versions;

/// What the layer made of a header: its version, the addresses it carried (`None` for
/// `LOCAL`/`UNKNOWN`), and the bytes the application reads after it.
pub type Outcome = (u8, Option<(Address, Address)>, Vec<u8>);

/// Reads one PROXY header off `input` exactly as the layer does on a connection, the bytes
/// arriving in pieces of `pieces` bytes each (a zero counts as one; after the last size the
/// rest arrives at once), then end of stream.
///
/// # Errors
/// The layer's message for a missing, refused, malformed or truncated header.
pub fn read_header(input: &[u8], versions: Versions, pieces: &[usize]) -> Result<Outcome, String> {
    let mut io = Pieces {
        data: input,
        pieces,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    let (header, mut replayed) = runtime.block_on(header::read(&mut io, versions))?;
    replayed.extend_from_slice(io.data);
    Ok((header.version, header.addresses, replayed))
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
