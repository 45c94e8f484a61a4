//! `owner=` and `group=` of a unix socket file: a name or a numeric id, looked up when the
//! socket is bound.

use std::ffi::{CStr, CString};
use std::fmt;
use std::io;

/// A user or group as a description names it: a numeric id, or a name looked up at bind.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A numeric id (`owner=1000`), used as is.
    Id(u32),
    /// A name (`owner=www-data`), looked up in the user or group database at bind.
    Name(String),
}

impl Principal {
    /// Parses a name or a numeric id.
    ///
    /// # Errors
    /// A message saying what was expected, for
    /// [`Args::convert`](endpoint_core::description::Args::convert).
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.contains(['\0', ':', '/']) {
            return Err(format!(
                "is not a user or group: \"{text}\" (a name like www-data, or a numeric id)"
            ));
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse()
                .map(Principal::Id)
                .map_err(|_| format!("is too large for an id: \"{text}\""));
        }
        Ok(Principal::Name(text.to_owned()))
    }

    /// The user id: the number, or the name looked up in the user database.
    pub(crate) fn uid(&self) -> io::Result<u32> {
        match self {
            Principal::Id(id) => Ok(*id),
            Principal::Name(name) => lookup(name, "user", |name, buf| {
                // SAFETY: all-zero bytes are a valid `passwd` (null pointers, zero ids).
                let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
                let mut found = std::ptr::null_mut();
                // SAFETY: every pointer is valid for the call; `buf` outlives `entry`'s use.
                let rc = unsafe {
                    libc::getpwnam_r(
                        name.as_ptr(),
                        &mut entry,
                        buf.as_mut_ptr(),
                        buf.len(),
                        &mut found,
                    )
                };
                (rc, (!found.is_null()).then_some(entry.pw_uid))
            }),
        }
    }

    /// The group id: the number, or the name looked up in the group database.
    pub(crate) fn gid(&self) -> io::Result<u32> {
        match self {
            Principal::Id(id) => Ok(*id),
            Principal::Name(name) => lookup(name, "group", |name, buf| {
                // SAFETY: all-zero bytes are a valid `group` (null pointers, zero id).
                let mut entry: libc::group = unsafe { std::mem::zeroed() };
                let mut found = std::ptr::null_mut();
                // SAFETY: every pointer is valid for the call; `buf` outlives `entry`'s use.
                let rc = unsafe {
                    libc::getgrnam_r(
                        name.as_ptr(),
                        &mut entry,
                        buf.as_mut_ptr(),
                        buf.len(),
                        &mut found,
                    )
                };
                (rc, (!found.is_null()).then_some(entry.gr_gid))
            }),
        }
    }
}

/// Runs a `get*nam_r` call, growing its buffer while it says `ERANGE`.
fn lookup(
    name: &str,
    what: &str,
    call: impl Fn(&CStr, &mut [libc::c_char]) -> (libc::c_int, Option<u32>),
) -> io::Result<u32> {
    let c_name = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a name holds a NUL byte"))?;
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        match call(&c_name, &mut buf) {
            (libc::ERANGE, _) if buf.len() < 1 << 20 => buf.resize(buf.len() * 2, 0),
            (0, Some(id)) => return Ok(id),
            (0, None) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("there is no {what} named \"{name}\" on this system"),
                ))
            }
            (rc, _) => {
                return Err(io::Error::new(
                    io::Error::from_raw_os_error(rc).kind(),
                    format!(
                        "could not look up {what} \"{name}\": {}",
                        io::Error::from_raw_os_error(rc)
                    ),
                ))
            }
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Id(id) => write!(f, "{id}"),
            Principal::Name(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        assert_eq!(Principal::parse("1000"), Ok(Principal::Id(1000)));
        assert_eq!(
            Principal::parse("www-data"),
            Ok(Principal::Name("www-data".into()))
        );
        for bad in ["", "a:b", "a/b", "99999999999"] {
            assert!(Principal::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn root_is_uid_and_gid_0_and_unknown_names_are_not_found() -> io::Result<()> {
        assert_eq!(Principal::Name("root".into()).uid()?, 0);
        let missing = Principal::Name("no-such-user-here".into()).uid();
        let error = missing.err().ok_or_else(|| io::Error::other("found"))?;
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(error.to_string().contains("no-such-user-here"), "{error}");
        Ok(())
    }
}
