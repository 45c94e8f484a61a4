//! Deadlines on connection attempts, with Twisted's meaning of zero.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::error::{Error, Result};

/// Runs `attempt` for at most `limit`; when it runs out, the error is [`Error::Timeout`]
/// naming `action` and `endpoint`. A zero limit fails at once without polling `attempt`, as
/// Twisted's `timeout=0` does (zero does not mean "no limit").
///
/// # Errors
/// [`Error::Timeout`], or whatever `attempt` returns.
///
/// # Cancel safety
/// Dropping the future drops `attempt`.
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// let never = std::future::pending::<endpoint_core::Result<()>>();
/// let error = endpoint_core::with_timeout(Duration::ZERO, "connect to", &"tcp:h:80", never)
///     .await
///     .unwrap_err();
/// assert!(error.is_timeout());
/// # }
/// ```
pub async fn with_timeout<T>(
    limit: Duration,
    action: &'static str,
    endpoint: &(dyn fmt::Display + Sync),
    attempt: impl Future<Output = Result<T>>,
) -> Result<T> {
    let timed_out = || Error::Timeout {
        action,
        endpoint: endpoint.to_string(),
        after: limit,
    };
    if limit.is_zero() {
        return Err(timed_out());
    }
    tokio::time::timeout(limit, attempt)
        .await
        .map_err(|_| timed_out())?
}
