//! Entry points for the fuzz targets in `fuzz/` (the `fuzzing` feature); not a stable API.

use endpoint_core::TlsHello;
use tokio::io::AsyncRead;

use crate::hello;

/// Reads one ClientHello off `io` exactly as the `sni+` layer does on a connection (at most
/// `max` bytes of hello). Returns what the hello asked for and every byte read.
///
/// # Errors
/// The layer's message for input that is not a usable ClientHello.
pub fn read_hello<S: AsyncRead + Unpin>(
    io: &mut S,
    max: usize,
) -> Result<(TlsHello, Vec<u8>), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    runtime.block_on(hello::read(io, max))
}
