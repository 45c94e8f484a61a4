//! Entry points for the fuzz targets in `fuzz/` (the `fuzzing` feature); not a stable API.

use endpoint_core::Address;
use tokio::io::AsyncRead;

use crate::header;
use crate::options::Versions;

/// What the layer made of a header: its version, the addresses it carried (`None` for
/// `LOCAL`/`UNKNOWN`), and the bytes the application reads after it.
pub type Outcome = (u8, Option<(Address, Address)>, Vec<u8>);

/// Reads one PROXY header off `io` exactly as the layer does on a connection. The bytes the
/// layer read past the header come back in the outcome; what `io` still holds is the
/// caller's to add.
///
/// # Errors
/// The layer's message for a missing, refused, malformed or truncated header.
pub fn read_header<S: AsyncRead + Unpin>(
    io: &mut S,
    versions: Versions,
) -> Result<Outcome, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    let (header, replayed) = runtime.block_on(header::read(io, versions))?;
    Ok((header.version, header.addresses, replayed))
}
