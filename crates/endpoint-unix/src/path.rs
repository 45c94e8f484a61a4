//! Unix socket addresses: from description text to [`UnixAddress`] and back, and on to the
//! forms the OS calls take.
//!
//! `@name` or a leading NUL names a socket in Linux's abstract namespace (DESIGN divergence 3);
//! anything else is a file-system path. A file whose name starts with `@` is written `./@name`.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use endpoint_core::UnixAddress;
use socket2::SockAddr;

/// Reads a unix address the way descriptions write it: `@name` or `\0name` is an abstract
/// name, anything else a path.
pub(crate) fn parse(text: &OsStr) -> UnixAddress {
    match text.as_bytes() {
        [b'@' | 0, name @ ..] => UnixAddress::Abstract(name.to_vec()),
        _ => UnixAddress::Path(PathBuf::from(text)),
    }
}

/// Writes `address` so that [`parse`] reads it back: abstract names as `@name`, paths that
/// would read as abstract names with a `./` in front.
pub(crate) fn display(address: &UnixAddress) -> String {
    match address {
        UnixAddress::Path(path) => {
            let text = path.to_string_lossy();
            if text.starts_with('@') || text.starts_with('\0') {
                format!("./{text}")
            } else {
                text.into_owned()
            }
        }
        UnixAddress::Abstract(name) => format!("@{}", String::from_utf8_lossy(name)),
        // Endpoints are only ever built from paths and names; this arm keeps the
        // function total.
        UnixAddress::Unnamed => String::new(),
    }
}

/// The path form tokio's `UnixStream::connect` and socket2's `SockAddr::unix` take: an
/// abstract name is written with a leading NUL.
pub(crate) fn os_path(address: &UnixAddress) -> PathBuf {
    match address {
        UnixAddress::Path(path) => path.clone(),
        UnixAddress::Abstract(name) => {
            let mut bytes = Vec::with_capacity(name.len() + 1);
            bytes.push(0);
            bytes.extend_from_slice(name);
            PathBuf::from(OsString::from_vec(bytes))
        }
        UnixAddress::Unnamed => PathBuf::new(),
    }
}

/// The socket address to bind to.
pub(crate) fn sock_addr(address: &UnixAddress) -> io::Result<SockAddr> {
    SockAddr::unix(os_path(address))
}

/// The file-system path, if `address` is one.
pub(crate) fn file(address: &UnixAddress) -> Option<&Path> {
    match address {
        UnixAddress::Path(path) => Some(path),
        _ => None,
    }
}

/// Converts the address the OS reports for a socket.
pub(crate) fn from_tokio(address: &tokio::net::unix::SocketAddr) -> UnixAddress {
    if let Some(path) = address.as_pathname() {
        return UnixAddress::Path(path.to_owned());
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(name) = address.as_abstract_name() {
        return UnixAddress::Abstract(name.to_vec());
    }
    UnixAddress::Unnamed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> UnixAddress {
        parse(OsStr::new(text))
    }

    #[test]
    fn at_and_nul_are_abstract() {
        assert_eq!(parse_str("@app"), UnixAddress::Abstract(b"app".to_vec()));
        assert_eq!(parse_str("\0app"), UnixAddress::Abstract(b"app".to_vec()));
        assert_eq!(parse_str("@"), UnixAddress::Abstract(Vec::new()));
    }

    #[test]
    fn everything_else_is_a_path() {
        for text in ["/run/app.sock", "./@app", "rel/a@b", "", "a\0b"] {
            assert_eq!(
                parse_str(text),
                UnixAddress::Path(PathBuf::from(text)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn display_reads_back() {
        for text in ["/run/app.sock", "./@app", "@app", "", "rel/x.sock"] {
            let address = parse_str(text);
            assert_eq!(display(&address), text);
            assert_eq!(parse_str(&display(&address)), address);
        }
        assert_eq!(parse_str("\0app"), parse_str("@app"));
        // A path that would read as a name keeps meaning the file.
        assert_eq!(display(&UnixAddress::Path("@x".into())), "./@x");
    }

    #[test]
    fn abstract_names_get_a_leading_nul() {
        let path = os_path(&UnixAddress::Abstract(b"app".to_vec()));
        assert_eq!(path.as_os_str().as_bytes(), b"\0app");
    }
}
