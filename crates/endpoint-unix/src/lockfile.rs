//! PID lock files in Twisted's format: `<socket>.lock` is a symbolic link whose target is the
//! owner's process id as text (`twisted.python.lockfile.FilesystemLock`), so a Twisted server
//! and ours respect each other's locks.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use tracing::{debug, warn};

/// How many times to retry when another process removes or replaces the lock under us.
const ATTEMPTS: usize = 8;

/// The lock file that guards the socket at `socket`: `<socket>.lock`.
pub(crate) fn lock_path(socket: &Path) -> PathBuf {
    let mut name = OsString::from(socket.as_os_str());
    name.push(".lock");
    PathBuf::from(name)
}

/// Who, if anyone, holds a lock file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Holder {
    /// There is no lock file.
    Missing,
    /// A running process holds it.
    Live(i32),
    /// It names a process that is gone.
    Stale(i32),
}

/// Reads who holds the lock at `lock`.
///
/// # Errors
/// `InvalidData` when the file is not a symbolic link to a process id; other OS errors as they
/// come.
pub(crate) fn holder(lock: &Path) -> io::Result<Holder> {
    let target = match std::fs::read_link(lock) {
        Ok(target) => target,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Holder::Missing),
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} exists but is not a lock (a symbolic link to a process id)",
                    lock.display()
                ),
            ))
        }
        Err(e) => return Err(e),
    };
    let pid = target
        .to_str()
        .and_then(|t| t.parse::<i32>().ok())
        .filter(|pid| *pid > 0)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "lock file {} points to {:?}, which is not a process id",
                    lock.display(),
                    target
                ),
            )
        })?;
    Ok(if is_alive(pid) {
        Holder::Live(pid)
    } else {
        Holder::Stale(pid)
    })
}

/// True if process `pid` exists (signal 0 reaches it, or it exists but belongs to another
/// user).
fn is_alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    // `pid` is positive (checked by the caller), so it never names a process group.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    // Anything but "no such process" (EPERM above all) means something is there.
    io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

fn own_pid() -> String {
    std::process::id().to_string()
}

/// A lock this process holds; dropping it removes the lock file (if it is still ours).
#[derive(Debug)]
pub(crate) struct LockFile {
    path: PathBuf,
}

/// The outcome of taking a lock.
#[derive(Debug)]
pub(crate) struct Acquired {
    /// The lock, held until dropped.
    pub(crate) lock: LockFile,
    /// The process that held a stale lock we took over, if any: its socket file was never
    /// cleaned up.
    pub(crate) stale: Option<i32>,
}

/// The error when a live process holds the lock.
#[derive(Debug)]
struct Locked {
    lock: PathBuf,
    pid: i32,
}

impl fmt::Display for Locked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ours = u32::try_from(self.pid).ok() == Some(std::process::id());
        let whose = if ours { " (this process)" } else { "" };
        write!(
            f,
            "address is locked by live process {}{whose}: lock file {}",
            self.pid,
            self.lock.display()
        )
    }
}

impl std::error::Error for Locked {}

impl LockFile {
    /// Takes the lock at `path` for this process, taking over a stale one.
    ///
    /// # Errors
    /// `AddrInUse` when a live process (this one included) holds it; `InvalidData` when the
    /// file there is not a lock; other OS errors (no such directory, permission denied).
    pub(crate) fn acquire(path: PathBuf) -> io::Result<Acquired> {
        let mut stale = None;
        for _ in 0..ATTEMPTS {
            match symlink(own_pid(), &path) {
                Ok(()) => {
                    debug!(lock = %path.display(), "took lock");
                    return Ok(Acquired {
                        lock: LockFile { path },
                        stale,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            match holder(&path)? {
                // Removed between our symlink and our read: try again.
                Holder::Missing => continue,
                Holder::Live(pid) => {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        Locked { lock: path, pid },
                    ))
                }
                Holder::Stale(pid) => {
                    warn!(lock = %path.display(), pid, "taking over a stale lock");
                    match std::fs::remove_file(&path) {
                        Ok(()) => stale = Some(pid),
                        // Another process cleaned it up first; race it for the lock.
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "lock file {} keeps changing; another process is fighting for it",
                path.display()
            ),
        ))
    }

    /// The lock file's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // Only remove the lock if it still names us.
        match std::fs::read_link(&self.path) {
            Ok(target) if target.as_os_str() == own_pid().as_str() => {
                match std::fs::remove_file(&self.path) {
                    Ok(()) => debug!(lock = %self.path.display(), "released lock"),
                    Err(e) => {
                        warn!(lock = %self.path.display(), error = %e, "could not remove lock file")
                    }
                }
            }
            Ok(_) => warn!(lock = %self.path.display(), "lock file was taken over; left alone"),
            Err(e) => debug!(lock = %self.path.display(), error = %e, "lock file already gone"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_path_appends_dot_lock() {
        assert_eq!(
            lock_path(Path::new("/run/a.sock")),
            Path::new("/run/a.sock.lock")
        );
        assert_eq!(lock_path(Path::new("rel")), Path::new("rel.lock"));
    }

    #[test]
    fn acquire_refuse_release() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("x.lock");
        let first = LockFile::acquire(path.clone())?;
        assert_eq!(first.stale, None);
        assert_eq!(
            std::fs::read_link(&path)?.to_str(),
            Some(own_pid().as_str())
        );
        assert_eq!(holder(&path)?, Holder::Live(std::process::id() as i32));

        let err = LockFile::acquire(path.clone()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains("this process"), "{err}");

        assert_eq!(first.lock.path(), path);
        drop(first);
        assert_eq!(holder(&path)?, Holder::Missing);
        Ok(())
    }

    #[test]
    fn garbage_is_not_a_lock() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let not_number = dir.path().join("a.lock");
        symlink("hello", &not_number)?;
        assert_eq!(
            holder(&not_number).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        let zero = dir.path().join("b.lock");
        symlink("0", &zero)?;
        assert_eq!(
            holder(&zero).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        let regular = dir.path().join("c.lock");
        std::fs::write(&regular, "123")?;
        assert_eq!(
            holder(&regular).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        assert!(LockFile::acquire(regular.clone()).is_err());
        assert!(regular.exists());
        Ok(())
    }

    #[test]
    fn a_taken_over_lock_is_left_alone() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("x.lock");
        let acquired = LockFile::acquire(path.clone())?;
        std::fs::remove_file(&path)?;
        symlink("1", &path)?;
        drop(acquired);
        assert_eq!(std::fs::read_link(&path)?.to_str(), Some("1"));
        Ok(())
    }
}
