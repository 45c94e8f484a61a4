//! The process's open-descriptor limit: a relay holds two descriptors per pair, so it takes
//! all the room the system allows.

use std::io;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit. Returns the old and new soft limits when
/// it changed, `None` when it was already at the hard limit.
///
/// # Errors
/// The OS error from `getrlimit`/`setrlimit`.
pub fn raise_descriptor_limit() -> io::Result<Option<(libc::rlim_t, libc::rlim_t)>> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for getrlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur >= limit.rlim_max {
        return Ok(None);
    }
    let old = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: a valid rlimit whose soft limit does not exceed its hard limit.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Some((old, limit.rlim_max)))
}
