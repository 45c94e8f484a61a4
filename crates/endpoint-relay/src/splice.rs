//! Zero-copy relaying between two plain sockets: socket → pipe → socket with `splice(2)`.
//!
//! A pipe is borrowed from a pool when the source has bytes and given back once the
//! destination has taken them all, so an idle pair holds its two sockets and nothing else.
//! When no pipe can be had (out of descriptors), that chunk goes through a pooled user-space
//! buffer instead: a descriptor shortage slows a pair down but never breaks it.

use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::Interest;

use crate::pool::{self, Pool, BUFFERS};
use crate::traffic::Traffic;
use endpoint_core::{ConnectionInfo, IoClass};
use endpoint_core::{PlainSocket, SocketStream};

/// Idle pipes kept for reuse (two descriptors each).
static PIPES: Pool<Pipe> = Pool::new(16);

/// The stack buffer a burst's first read goes into; a read that fills it switches to splice.
const SMALL_READ: usize = 4096;

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

/// Two plain sockets relayed both ways: a hand-written future, so an idle pair holds only
/// its sockets and a few words per direction (an `async fn` would keep room for every state
/// it passes through).
pub(super) struct SplicePair {
    a: SocketStream,
    b: SocketStream,
    there: Flow,
    back: Flow,
    traffic: Option<Arc<Traffic>>,
    /// Kept until the pair ends when they carry extensions (a `maxConnections` admission is
    /// one); dropped at once otherwise.
    _infos: Option<Box<(ConnectionInfo, ConnectionInfo)>>,
}

/// One direction's progress.
#[derive(Default)]
struct Flow {
    /// Bytes a layer read ahead, sent before any spliced ones; `unread_sent` of them are out.
    unread: Vec<u8>,
    unread_sent: usize,
    /// The pipe, only while bytes are in it (or about to be).
    lease: Option<Lease>,
    /// A user-space chunk the destination did not take at once (a small read, or any read
    /// when no pipe could be had).
    spill: Option<(Box<[u8]>, usize, usize)>,
    /// The last small read filled its buffer: more is waiting, so splice until drained.
    bulk: bool,
    done: bool,
    moved: u64,
}

impl SplicePair {
    pub(super) fn new(
        (a, a_info): (PlainSocket, ConnectionInfo),
        (b, b_info): (PlainSocket, ConnectionInfo),
        traffic: Option<Arc<Traffic>>,
    ) -> Self {
        let keep = a_info.has_extensions() || b_info.has_extensions();
        SplicePair {
            a: a.stream,
            b: b.stream,
            there: Flow {
                unread: a.unread,
                ..Flow::default()
            },
            back: Flow {
                unread: b.unread,
                ..Flow::default()
            },
            traffic,
            _infos: keep.then(|| Box::new((a_info, b_info))),
        }
    }
}

impl Future for SplicePair {
    type Output = io::Result<(u64, u64)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let counters = this.traffic.as_deref().map(|t| (&t.a_to_b, &t.b_to_a));
        let (a_to_b, b_to_a) = counters.unzip();
        let there = this.there.poll_move(cx, &this.a, &this.b, a_to_b);
        let back = this.back.poll_move(cx, &this.b, &this.a, b_to_a);
        match (there, back) {
            (Poll::Ready(Err(e)), _) | (_, Poll::Ready(Err(e))) => {
                // A failure either way ends the pair; TCP ends learn it as a reset.
                this.a.reset_on_close();
                this.b.reset_on_close();
                Poll::Ready(Err(e))
            }
            (Poll::Ready(Ok(there)), Poll::Ready(Ok(back))) => Poll::Ready(Ok((there, back))),
            _ => Poll::Pending,
        }
    }
}

impl Flow {
    /// Moves bytes from `from` to `to` until `from` ends, then shuts `to`'s write side down
    /// (half-close). Returns how many bytes were moved.
    fn poll_move(
        &mut self,
        cx: &mut Context<'_>,
        from: &SocketStream,
        to: &SocketStream,
        counter: Option<&AtomicU64>,
    ) -> Poll<io::Result<u64>> {
        loop {
            if self.done {
                return Poll::Ready(Ok(self.moved));
            }
            // Bytes already in hand go out first: read ahead by a layer, in a pipe, or
            // spilled into a buffer.
            let sent = if self.unread_sent < self.unread.len() {
                ready!(to.poll_write_ready(cx))?;
                let rest = &self.unread[self.unread_sent..];
                match to.try_io(Interest::WRITABLE, || send(to.as_raw_fd(), rest)) {
                    Ok(n) => {
                        self.unread_sent += n;
                        if self.unread_sent == self.unread.len() {
                            self.unread = Vec::new();
                            self.unread_sent = 0;
                        }
                        Some(n)
                    }
                    Err(e) => Err(e).or_else(would_block)?,
                }
            } else if let Some(lease) = self.lease.as_mut().filter(|l| l.held > 0) {
                ready!(to.poll_write_ready(cx))?;
                let read_end = lease.pipe().read.as_raw_fd();
                match to.try_io(Interest::WRITABLE, || {
                    splice(read_end, to.as_raw_fd(), lease.held)
                }) {
                    Ok(n) => {
                        lease.held -= n;
                        Some(n)
                    }
                    Err(e) => Err(e).or_else(would_block)?,
                }
            } else if let Some((buffer, start, end)) = self.spill.as_mut() {
                ready!(to.poll_write_ready(cx))?;
                match to.try_io(Interest::WRITABLE, || {
                    send(to.as_raw_fd(), &buffer[*start..*end])
                }) {
                    Ok(n) => {
                        *start += n;
                        if start == end {
                            if let Some((buffer, _, _)) = self.spill.take() {
                                BUFFERS.give(buffer);
                            }
                        }
                        Some(n)
                    }
                    Err(e) => Err(e).or_else(would_block)?,
                }
            } else {
                None
            };
            match sent {
                Some(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Some(n) => {
                    self.moved += n as u64;
                    if let Some(counter) = counter {
                        counter.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    continue;
                }
                None if self.nothing_pending() => {}
                // Not ready to write yet: poll again (the readiness was cleared).
                None => continue,
            }
            // Nothing in hand: read more.
            ready!(from.poll_read_ready(cx))?;
            if !self.bulk {
                // A burst starts with a small read into the stack: a message that fits is
                // sent straight on (read + send cost less than two splices and need no pipe);
                // one that fills the buffer means more is waiting, and the rest is spliced.
                let mut small = [0u8; SMALL_READ];
                // A read shorter than the buffer drained the socket: its readiness is cleared
                // in the same step (as tokio's own `poll_read` does), which saves the read
                // that would only find it empty, a third of a message's system calls. Safe
                // against bytes arriving meanwhile: tokio clears only the readiness it saw
                // before the read, and a later arrival's event keeps it set.
                let mut got = 0;
                let read = from.try_io(Interest::READABLE, || {
                    got = read(from.as_raw_fd(), &mut small)?;
                    if got > 0 && got < SMALL_READ {
                        Err(io::ErrorKind::WouldBlock.into())
                    } else {
                        Ok(got)
                    }
                });
                let read = match read {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => Ok(got),
                    other => other,
                };
                match read {
                    Ok(0) => {
                        to.shutdown_write()?;
                        self.done = true;
                    }
                    Ok(n) => {
                        self.bulk = n == SMALL_READ;
                        let sent = match to
                            .try_io(Interest::WRITABLE, || send(to.as_raw_fd(), &small[..n]))
                        {
                            Ok(sent) => sent,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                            Err(e) => return Poll::Ready(Err(e)),
                        };
                        self.moved += sent as u64;
                        if let Some(counter) = counter {
                            counter.fetch_add(sent as u64, Ordering::Relaxed);
                        }
                        if sent < n {
                            let mut buffer = pool::buffer();
                            buffer[..n - sent].copy_from_slice(&small[sent..n]);
                            self.spill = Some((buffer, 0, n - sent));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Poll::Ready(Err(e)),
                }
                continue;
            }
            if self.lease.is_none() {
                match PIPES.take().map_or_else(Pipe::new, Ok) {
                    Ok(pipe) => {
                        self.lease = Some(Lease {
                            pipe: Some(pipe),
                            held: 0,
                        })
                    }
                    // Out of descriptors or memory for a pipe: this chunk takes the user-space
                    // path below instead of failing the pair (IoClass documents the errnos).
                    Err(e) if IoClass::of(&e) == IoClass::OutOfResources => {}
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            let filled = match self.lease.as_mut() {
                Some(lease) => {
                    let write_end = lease.pipe().write.as_raw_fd();
                    from.try_io(Interest::READABLE, || {
                        splice(from.as_raw_fd(), write_end, PIPE_SIZE)
                    })
                    .inspect(|&n| lease.held = n)
                }
                None => {
                    // No pipe to be had: this chunk goes through user space.
                    let mut buffer = pool::buffer();
                    let read =
                        from.try_io(Interest::READABLE, || read(from.as_raw_fd(), &mut buffer));
                    match read {
                        Ok(n) if n > 0 => self.spill = Some((buffer, 0, n)),
                        _ => BUFFERS.give(buffer),
                    }
                    read
                }
            };
            match filled {
                Ok(0) => {
                    self.lease = None;
                    to.shutdown_write()?;
                    self.done = true;
                }
                Ok(_) => {}
                // Drained: the pipe goes back to the pool before waiting, and the next burst
                // starts small again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.lease = None;
                    self.bulk = false;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn nothing_pending(&self) -> bool {
        self.unread_sent >= self.unread.len()
            && self.lease.as_ref().is_none_or(|l| l.held == 0)
            && self.spill.is_none()
    }
}

/// Turns `WouldBlock` into "nothing sent this time" (tokio cleared the readiness, so the next
/// `poll_*_ready` waits); passes every other error on.
fn would_block(e: io::Error) -> io::Result<Option<usize>> {
    if e.kind() == io::ErrorKind::WouldBlock {
        Ok(None)
    } else {
        Err(e)
    }
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

fn send(fd: RawFd, bytes: &[u8]) -> io::Result<usize> {
    // SAFETY: `bytes` is valid for reads of its length. MSG_NOSIGNAL: a closed peer is an
    // EPIPE error, not a SIGPIPE.
    let n = unsafe { libc::send(fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}
