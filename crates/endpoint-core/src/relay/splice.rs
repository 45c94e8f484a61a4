//! Zero-copy relaying between two plain sockets: socket → pipe → socket with `splice(2)`.
//!
//! A pipe is borrowed from a pool when the source has bytes and given back once the
//! destination has taken them all, so an idle pair holds its two sockets and nothing else.
//! When no pipe can be had (out of descriptors), that chunk goes through a pooled user-space
//! buffer instead: a descriptor shortage slows a pair down but never breaks it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::Interest;

use super::pool::{self, Pool, BUFFERS};
use crate::socket::SocketStream;

/// Idle pipes kept for reuse (two descriptors each).
static PIPES: Pool<Pipe> = Pool::new(16);

/// Most bytes one splice moves: the pipe's capacity.
const PIPE_SIZE: usize = 256 * 1024;

/// A non-blocking pipe, the kernel-side buffer between the two sockets.
struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl Pipe {
    fn new() -> io::Result<Pipe> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
        let pipe = unsafe {
            Pipe {
                read: OwnedFd::from_raw_fd(fds[0]),
                write: OwnedFd::from_raw_fd(fds[1]),
            }
        };
        // A bigger pipe moves more per system call; the kernel may refuse (pipe-max-size),
        // which only costs speed.
        // SAFETY: F_SETPIPE_SZ on a pipe we own.
        unsafe {
            libc::fcntl(
                pipe.write.as_raw_fd(),
                libc::F_SETPIPE_SZ,
                PIPE_SIZE as libc::c_int,
            )
        };
        Ok(pipe)
    }
}

/// A pipe lent to one direction, with the bytes in it: it returns to the pool only when empty
/// (a pipe dropped with bytes in it, when the pair fails, is closed).
struct Lease {
    pipe: Option<Pipe>,
    held: usize,
}

impl Lease {
    fn pipe(&self) -> &Pipe {
        self.pipe
            .as_ref()
            .expect("a lease holds its pipe until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let (Some(pipe), 0) = (self.pipe.take(), self.held) {
            PIPES.give(pipe);
        }
    }
}

/// `splice(2)` `len` bytes from `from` to `to`, non-blocking.
fn splice(from: RawFd, to: RawFd, len: usize) -> io::Result<usize> {
    // SAFETY: both descriptors are open for the duration of the call; null offsets mean
    // "the current position", as sockets and pipes require.
    let n = unsafe {
        libc::splice(
            from,
            std::ptr::null_mut(),
            to,
            std::ptr::null_mut(),
            len,
            libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Moves bytes from `from` to `to` until `from` ends, then shuts `to`'s write side down
/// (half-close). `unread` (bytes a layer read ahead from `from`) goes first. Counts into
/// `counter` as bytes arrive. Returns how many bytes were moved.
pub(super) async fn one_way(
    from: &SocketStream,
    to: &SocketStream,
    unread: Vec<u8>,
    counter: Option<&AtomicU64>,
) -> io::Result<u64> {
    let mut moved = 0u64;
    let count = |n: usize| {
        if let Some(counter) = counter {
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
    };
    if !unread.is_empty() {
        write_all(to, &unread).await?;
        moved += unread.len() as u64;
        count(unread.len());
    }
    drop(unread);
    let mut lease: Option<Lease> = None;
    loop {
        if lease.is_none() {
            lease = match PIPES.take().map_or_else(Pipe::new, Ok) {
                Ok(pipe) => Some(Lease {
                    pipe: Some(pipe),
                    held: 0,
                }),
                Err(e) if is_out_of_descriptors(&e) => None,
                Err(e) => return Err(e),
            };
        }
        let Some(current) = lease.as_mut() else {
            // No pipe to be had: this chunk goes through user space.
            match copy_chunk(from, to).await? {
                0 => break,
                n => {
                    moved += n as u64;
                    count(n);
                    continue;
                }
            }
        };
        let write_end = current.pipe().write.as_raw_fd();
        match from.try_io(Interest::READABLE, || {
            splice(from.as_raw_fd(), write_end, PIPE_SIZE)
        }) {
            Ok(0) => break,
            Ok(n) => {
                current.held = n;
                drain(current, to).await?;
                moved += n as u64;
                count(n);
                // Lets other tasks run while a fast pair keeps both sockets ready.
                tokio::task::coop::consume_budget().await;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Idle: the pipe goes back before waiting.
                lease = None;
                from.readable().await?;
            }
            Err(e) => return Err(e),
        }
    }
    drop(lease);
    to.shutdown_write()?;
    Ok(moved)
}

/// Empties the lease's pipe into `to`, waiting for room as needed.
async fn drain(lease: &mut Lease, to: &SocketStream) -> io::Result<()> {
    let read_end = lease.pipe().read.as_raw_fd();
    while lease.held > 0 {
        match to.try_io(Interest::WRITABLE, || {
            splice(read_end, to.as_raw_fd(), lease.held)
        }) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => lease.held -= n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => to.writable().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one chunk from `from` into a pooled buffer and writes it all to `to`; 0 at the end.
async fn copy_chunk(from: &SocketStream, to: &SocketStream) -> io::Result<usize> {
    let mut buffer = pool::buffer();
    let n = loop {
        match from.try_io(Interest::READABLE, || read(from.as_raw_fd(), &mut buffer)) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => from.readable().await?,
            Err(e) => return Err(e),
        }
    };
    let written = write_all(to, &buffer[..n]).await;
    BUFFERS.give(buffer);
    written.map(|()| n)
}

/// Writes all of `bytes` to the socket, waiting for room as needed.
async fn write_all(to: &SocketStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match to.try_io(Interest::WRITABLE, || write(to.as_raw_fd(), bytes)) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => to.writable().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn read(fd: RawFd, buffer: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buffer` is valid for writes of its length.
    let n = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

fn write(fd: RawFd, bytes: &[u8]) -> io::Result<usize> {
    // SAFETY: `bytes` is valid for reads of its length. MSG_NOSIGNAL: a closed peer is an
    // EPIPE error, not a SIGPIPE.
    let n = unsafe { libc::send(fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

fn is_out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}
