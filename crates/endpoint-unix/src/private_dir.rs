//! Placing a socket file whose mode or owner the description sets, without a path operation
//! that could follow somebody else's symbolic link.
//!
//! `chmod` and `chown` by path after `bind` follow a link that a local user who can write the
//! socket's directory swaps in between the two calls: a root-owned mode-600 file would become
//! 666, or change owner. So the socket is bound inside a fresh directory beside the target
//! that only this process's user can enter (`mkdtemp`, mode 0700, opened without following
//! links and checked to be ours), its mode and owner are set there through that directory's
//! descriptor, and it is then renamed into place without replacing anything (`renameat2`
//! with `RENAME_NOREPLACE`, or `linkat` where that is missing): a rename never follows a
//! link, and if anything is at the target the bind fails with "address in use", as `bind(2)`
//! itself would. Being in the same directory keeps the rename on one file system.

use std::ffi::{CStr, CString, OsString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use socket2::SockAddr;
use tracing::{debug, warn};

/// The socket's name inside the private directory (short: a socket path has ~107 bytes).
const ENTRY: &CStr = c"s";

/// A fresh directory only our user can enter, beside a socket file's final path, with the
/// socket bound in it until [`place`](PrivateDir::place) moves it out. Dropping it removes
/// whatever is left (the socket, then the directory).
#[derive(Debug)]
pub(crate) struct PrivateDir {
    path: PathBuf,
    dir: OwnedFd,
    /// The directory's identity, to remove it by path only while it is still ours.
    dev: u64,
    ino: u64,
}

/// A `CString` from a path (paths never hold NUL bytes once they reach the OS).
fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(io::Error::from)
}

/// Turns a `-1` return into the OS error.
fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl PrivateDir {
    /// Makes the directory beside `target` (in `target`'s parent, named `.endpoint-XXXXXX`).
    ///
    /// # Errors
    /// The OS error of `mkdtemp` (no such directory, permission denied), or `PermissionDenied`
    /// when what we opened is not the directory we made (someone replaced it).
    pub(crate) fn beside(target: &Path) -> io::Result<Self> {
        let parent = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let template = c_path(&parent.join(".endpoint-XXXXXX"))?.into_raw();
        // SAFETY: `template` is a NUL-terminated buffer we own; mkdtemp only rewrites its
        // XXXXXX in place.
        let made = unsafe { libc::mkdtemp(template) };
        let made_error = io::Error::last_os_error();
        // SAFETY: `template` came from `CString::into_raw` above and its length is unchanged.
        let template = unsafe { CString::from_raw(template) };
        if made.is_null() {
            return Err(made_error);
        }
        let path = PathBuf::from(OsString::from_vec(template.into_bytes()));
        Self::open(&path).inspect_err(|_| {
            // What is at the path may not be ours; an empty directory is all rmdir removes.
            let _ = std::fs::remove_dir(&path);
        })
    }

    /// Opens the directory just made at `path` without following a link, and checks that it
    /// is a directory of our user that nobody else can write.
    fn open(path: &Path) -> io::Result<Self> {
        let c = c_path(path)?;
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `c` is a valid C string; open returns a new descriptor or -1.
        let fd = unsafe { libc::open(c.as_ptr(), flags) };
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a descriptor open() just returned and nothing else owns.
        let dir = unsafe { OwnedFd::from_raw_fd(fd) };
        let meta = std::fs::File::from(dir.try_clone()?).metadata()?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let ours = meta.is_dir() && meta.uid() == unsafe { libc::geteuid() };
        if !ours {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "the private directory {} was replaced by someone else's",
                    path.display()
                ),
            ));
        }
        // mkdtemp asks for 0700, but the umask may have taken bits away.
        // SAFETY: `dir` is an open descriptor.
        check(unsafe { libc::fchmod(dir.as_raw_fd(), 0o700) })?;
        Ok(PrivateDir {
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
            dir,
        })
    }

    /// The address to bind the socket to: its path inside the directory, or on Linux, when
    /// that path is too long for a socket address, the same directory reached through our
    /// descriptor (`/proc/self/fd/N/s`).
    pub(crate) fn bind_address(&self) -> io::Result<SockAddr> {
        let entry = self
            .path
            .join(OsString::from_vec(ENTRY.to_bytes().to_vec()));
        match SockAddr::unix(&entry) {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                let short = format!("/proc/self/fd/{}/s", self.dir.as_raw_fd());
                SockAddr::unix(short).map_err(|_| e)
            }
            other => other,
        }
    }

    /// The bound socket's device and inode, checking that it is in our directory (a socket,
    /// not anything else): the directory was not moved away between `open` and `bind`.
    pub(crate) fn socket_identity(&self) -> io::Result<(u64, u64)> {
        // SAFETY: all-zero bytes are a valid `stat`.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: the descriptor is open, ENTRY is a C string, `stat` is writable.
        let rc = unsafe {
            libc::fstatat(
                self.dir.as_raw_fd(),
                ENTRY.as_ptr(),
                &mut stat,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        let missing = || {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the socket did not appear in its private directory {} (was it moved?)",
                    self.path.display()
                ),
            )
        };
        check(rc).map_err(|_| missing())?;
        if stat.st_mode & libc::S_IFMT != libc::S_IFSOCK {
            return Err(missing());
        }
        // The casts widen the platform's dev_t and ino_t to what std's MetadataExt reports.
        #[allow(clippy::unnecessary_cast)]
        Ok((stat.st_dev as u64, stat.st_ino as u64))
    }

    /// Changes the socket's owner and group (`None` leaves one as it is), through the
    /// directory's descriptor, never following a link.
    pub(crate) fn chown(&self, uid: Option<u32>, gid: Option<u32>) -> io::Result<()> {
        // SAFETY: the descriptor is open and ENTRY is a C string; -1 means "unchanged".
        check(unsafe {
            libc::fchownat(
                self.dir.as_raw_fd(),
                ENTRY.as_ptr(),
                uid.unwrap_or(u32::MAX) as libc::uid_t,
                gid.unwrap_or(u32::MAX) as libc::gid_t,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        })
    }

    /// Sets the socket's permissions exactly, through the directory's descriptor. (Nobody
    /// else can put a link in the directory, so there is none to follow.)
    pub(crate) fn chmod(&self, mode: u32) -> io::Result<()> {
        // SAFETY: the descriptor is open and ENTRY is a C string.
        check(unsafe {
            libc::fchmodat(
                self.dir.as_raw_fd(),
                ENTRY.as_ptr(),
                mode as libc::mode_t,
                0,
            )
        })
    }

    /// Moves the socket to `target`, never replacing what is there: `AddrInUse` if anything
    /// is (as `bind` at `target` would say).
    pub(crate) fn place(&self, target: &Path) -> io::Result<()> {
        let to = c_path(target)?;
        let in_use = |e: io::Error| {
            if e.raw_os_error() == Some(libc::EEXIST) {
                io::Error::from_raw_os_error(libc::EADDRINUSE)
            } else {
                e
            }
        };
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            // SAFETY: valid descriptor and C strings; renameat2 takes them as the syscall
            // does.
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_renameat2,
                    self.dir.as_raw_fd(),
                    ENTRY.as_ptr(),
                    libc::AT_FDCWD,
                    to.as_ptr(),
                    libc::RENAME_NOREPLACE,
                )
            };
            if rc == 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            // Old kernels and some file systems do not know the flag: link instead.
            if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
                return Err(in_use(e));
            }
        }
        // SAFETY: valid descriptor and C strings; flags 0 does not follow a link at the
        // source, and linkat never follows one at the target (it fails with EEXIST).
        check(unsafe {
            libc::linkat(
                self.dir.as_raw_fd(),
                ENTRY.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                0,
            )
        })
        .map_err(in_use)?;
        // SAFETY: valid descriptor and C string.
        let _ = unsafe { libc::unlinkat(self.dir.as_raw_fd(), ENTRY.as_ptr(), 0) };
        Ok(())
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        // The socket, if it was never placed (a failed bind).
        // SAFETY: valid descriptor and C string; a missing entry is fine.
        let _ = unsafe { libc::unlinkat(self.dir.as_raw_fd(), ENTRY.as_ptr(), 0) };
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => {
                if let Err(e) = std::fs::remove_dir(&self.path) {
                    warn!(path = %self.path.display(), error = %e,
                        "could not remove a private socket directory");
                }
            }
            _ => debug!(path = %self.path.display(), "private socket directory was moved"),
        }
    }
}
