//! The error of a connect that every member failed.

use std::io;

use endpoint_core::Error;

/// What a pool's connect returns when each of `tried` failed, `last` being the last failure.
///
/// One member tried: its own error, untouched. Several: an [`Error::Io`] ("could not connect
/// to any of ...") naming each member tried, masked, whose source is the last failure's OS
/// error when it had one (so `io_kind()` and `raw_os_error()` still say refused or
/// unreachable), else an [`Error::Other`] with the last failure as its source.
pub(crate) fn exhausted(pool: &str, tried: Vec<String>, last: Option<Error>) -> Error {
    let Some(last) = last else {
        return Error::io(
            "connect to",
            format!("an empty pool ({pool})"),
            io::Error::new(io::ErrorKind::NotConnected, "the pool has no members"),
        );
    };
    if tried.len() <= 1 {
        return last;
    }
    let list = tried.join(", ");
    match last {
        Error::Io { source, .. } => Error::Io {
            action: "connect to any of",
            endpoint: list,
            source,
        },
        other => Error::Other {
            message: format!(
                "could not connect to any of \"{list}\"; the last failed: {}",
                endpoint_core::printable(&other.to_string())
            ),
            source: Some(Box::new(other)),
        },
    }
}
