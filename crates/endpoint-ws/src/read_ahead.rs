//! Read-ahead buffers for the connection under a WebSocket, lent only while bytes are in
//! flight, so an idle connection holds none (as the relay's copy buffers are lent).
//!
//! Tungstenite reads into its own buffer at most `read_buffer_size` bytes at a time, and keeps
//! that buffer, zero-filled to that size, for the connection's life: at tungstenite's default
//! (128 KiB), or at one of our frames (64 KiB), that is what an idle WebSocket costs. So our
//! tungstenite reads are small ([`TUNGSTENITE_READ`]), and the [`Transport`] under it reads
//! the socket a frame at a time into a buffer borrowed from here, handing it on in pieces: as
//! few system calls as one large read, and the memory only while a read has something to
//! give.
//!
//! [`Transport`]: crate::transport::Transport

use std::sync::Mutex;

/// What tungstenite's read buffer holds while idle, and the most it asks for per read.
pub(crate) const TUNGSTENITE_READ: usize = 4 << 10;

/// The size of a read-ahead buffer: one of our largest frames, 64 KiB of payload and a
/// 14-byte header (see `server::config`).
pub(crate) const SIZE: usize =
    crate::settings::MAX_WRITE_MESSAGE + crate::settings::MAX_FRAME_HEADER;

/// At most this many idle buffers are kept for the next connection that reads.
const KEEP: usize = 16;

static IDLE: Mutex<Vec<Box<[u8]>>> = Mutex::new(Vec::new());

/// A buffer from the pool, or a new one.
pub(crate) fn take() -> Box<[u8]> {
    IDLE.lock()
        .ok()
        .and_then(|mut idle| idle.pop())
        .unwrap_or_else(|| vec![0; SIZE].into_boxed_slice())
}

/// Gives `buffer` back for the next taker, or to the system when the pool is full.
pub(crate) fn give(buffer: Box<[u8]>) {
    if let Ok(mut idle) = IDLE.lock() {
        if idle.len() < KEEP {
            idle.push(buffer);
        }
    }
}

/// Borrowed bytes not yet handed on: `buffer[start..end]`.
pub(crate) struct Ahead {
    pub(crate) buffer: Box<[u8]>,
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// How many bytes from `start` on were already counted against the message budget
    /// (while a frame was gathered).
    pub(crate) counted: usize,
}

/// A buffer lent out inside a `Bytes` (a payload taken past tungstenite): back to the pool
/// when the last reference goes.
pub(crate) struct Lent(pub(crate) Box<[u8]>);

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.0));
    }
}
