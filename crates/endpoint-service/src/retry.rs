//! A client that tries again: for long-lived uses (a relay's upstream, a service's backend)
//! where the far end may be restarting, a refused or timed-out connect is retried with
//! back-off, within a bounded time.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use endpoint_core::description::Description;
use endpoint_core::Authority;
use endpoint_core::BoxFuture;
use endpoint_core::ClientEndpoint;
use endpoint_core::Connection;
use endpoint_core::{Error, IoClass, Result};

/// How long and how often a [`Retrying`] client tries again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// No attempt starts after this long since the first, and a running one is cut there.
    pub give_up_after: Duration,
    /// The wait after the first failure; it doubles after each one.
    pub first_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// Retries for up to `limit`, waiting 50 ms, then 100 ms, ... up to 2 s between attempts
    /// (each wait shortened by up to a quarter at random, so many clients do not retry in
    /// step).
    pub fn for_up_to(limit: Duration) -> Self {
        RetryPolicy {
            give_up_after: limit,
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// A client endpoint that retries its inner endpoint's transient failures (refused, reset,
/// unreachable, timed out, out of descriptors) under a [`RetryPolicy`]. Failures that trying
/// again cannot fix (a certificate that does not verify, a refused WebSocket upgrade) are
/// returned at once.
///
/// Its description is the inner one's: retrying is how the endpoint is used, not where it
/// goes.
///
/// ```no_run
/// # async fn run(backend: std::sync::Arc<dyn endpoint_core::ClientEndpoint>) -> endpoint_core::Result<()> {
/// use std::time::Duration;
/// use endpoint_core::ClientEndpoint;
/// use endpoint_service::{RetryPolicy, Retrying};
///
/// // The backend may still be starting: keep trying for up to 30 s.
/// let backend = Retrying::new(backend, RetryPolicy::for_up_to(Duration::from_secs(30)));
/// let connection = backend.connect().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Retrying {
    inner: Arc<dyn ClientEndpoint>,
    policy: RetryPolicy,
    /// At most this many connects at once, when set (see [`Retrying::max_pending`]).
    pending: Option<(usize, Arc<Semaphore>)>,
}

/// Why a [`Retrying`] client refused to start a connect: [`max_pending`](Retrying::max_pending)
/// connects were already running. In the connect error's source chain
/// (`error.find::<TooManyPending>()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TooManyPending {
    /// The limit that was reached.
    pub limit: usize,
}

impl fmt::Display for TooManyPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connects are already pending, the most allowed",
            self.limit
        )
    }
}

impl std::error::Error for TooManyPending {}

impl Retrying {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ClientEndpoint>, policy: RetryPolicy) -> Self {
        Retrying {
            inner,
            policy,
            pending: None,
        }
    }

    /// Runs at most `limit` connects at once: a connect asked for beyond that fails at once
    /// with [`TooManyPending`] in its source chain, and starts nothing. While the far end is
    /// down every connect waits up to the policy's time, so without a limit each caller
    /// waiting (a relay's accepted connection, its descriptor) piles up for that long.
    ///
    /// ```
    /// # fn wrap(backend: std::sync::Arc<dyn endpoint_core::ClientEndpoint>) {
    /// use std::time::Duration;
    /// use endpoint_service::{RetryPolicy, Retrying};
    /// let backend = Retrying::new(backend, RetryPolicy::for_up_to(Duration::from_secs(30)))
    ///     .max_pending(512);
    /// # }
    /// ```
    pub fn max_pending(mut self, limit: usize) -> Self {
        self.pending = Some((limit, Arc::new(Semaphore::new(limit))));
        self
    }

    /// The endpoint tried.
    pub fn inner(&self) -> &Arc<dyn ClientEndpoint> {
        &self.inner
    }
}

impl fmt::Display for Retrying {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl ClientEndpoint for Retrying {
    /// Attempts until one succeeds, one fails for good, or the policy's time is up (then the
    /// last failure is returned, or [`Error::Timeout`] if an attempt was still running).
    ///
    /// # Cancel safety
    /// Dropping the future cancels the running attempt, which closes its sockets.
    /// The inner endpoint's: retrying is a policy of the program, not part of where it
    /// connects.
    fn description(&self) -> Description {
        self.inner.description()
    }

    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            // Held until this connect ends, however it ends (dropped included).
            let _permit = match &self.pending {
                None => None,
                Some((limit, semaphore)) => match Arc::clone(semaphore).try_acquire_owned() {
                    Ok(permit) => Some(permit),
                    Err(_) => {
                        return Err(Error::Other {
                            message: format!(
                                "did not try to connect to \"{}\": too many connects pending",
                                self.inner
                            ),
                            source: Some(Box::new(TooManyPending { limit: *limit })),
                        })
                    }
                },
            };
            let deadline = Instant::now() + self.policy.give_up_after;
            let mut delay = self.policy.first_delay;
            let mut attempt = 1u32;
            loop {
                let outcome = tokio::time::timeout_at(deadline, self.inner.connect()).await;
                let error = match outcome {
                    Ok(Ok(connection)) => return Ok(connection),
                    Ok(Err(error)) => error,
                    Err(_) => {
                        return Err(Error::Timeout {
                            action: "connect (retrying) to",
                            endpoint: self.inner.to_string(),
                            after: self.policy.give_up_after,
                        })
                    }
                };
                let wait = jittered(delay);
                if !is_transient(&error) || Instant::now() + wait >= deadline {
                    return Err(error);
                }
                // The far end's text may be in it (a proxy's reason phrase).
                let shown = endpoint_core::printable(&error.to_string()).into_owned();
                tracing::debug!(endpoint = %self.inner, attempt, error = %shown, ?wait, "connect failed; retrying");
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(self.policy.max_delay);
                attempt += 1;
            }
        })
    }

    fn authority(&self) -> Option<Authority> {
        self.inner.authority()
    }
}

/// True when trying again may succeed: the error is a timeout, or it (or one it was caused
/// by) is an OS error whose [`IoClass`] is not `Fatal`: a refused, reset, aborted,
/// unreachable or timed-out connection, or the process out of descriptors, buffers or memory.
pub fn is_transient(error: &Error) -> bool {
    if error.is_timeout() {
        return true;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<io::Error>() {
            if transient_io(io) {
                return true;
            }
        }
        if let Some(Error::Timeout { .. }) = current.downcast_ref::<Error>() {
            return true;
        }
        cause = current.source();
    }
    false
}

/// Any class but [`IoClass::Fatal`]: a connection that failed on its own, the far end not
/// there yet, or the process short of descriptors or memory for now.
fn transient_io(error: &io::Error) -> bool {
    IoClass::of(error) != IoClass::Fatal
}

/// `delay` shortened by up to a quarter at random.
fn jittered(delay: Duration) -> Duration {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(delay.subsec_nanos());
    let quarter = delay / 4;
    let cut = quarter.mul_f64((hasher.finish() % 1000) as f64 / 1000.0);
    delay - cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_and_out_of_descriptors_are_transient_a_bad_option_is_not() {
        let refused = Error::io(
            "connect to",
            "tcp:x:1",
            io::ErrorKind::ConnectionRefused.into(),
        );
        assert!(is_transient(&refused));
        let emfile = Error::io(
            "connect to",
            "tcp:x:1",
            io::Error::from_raw_os_error(libc::EMFILE),
        );
        assert!(is_transient(&emfile));
        let denied = Error::io(
            "connect to",
            "unix:/x",
            io::ErrorKind::PermissionDenied.into(),
        );
        assert!(!is_transient(&denied));
        let wrapped = Error::Other {
            message: "tunnel failed".into(),
            source: Some(Box::new(refused)),
        };
        assert!(is_transient(&wrapped));
    }

    #[test]
    fn jitter_shortens_by_at_most_a_quarter() {
        for _ in 0..100 {
            let d = jittered(Duration::from_millis(400));
            assert!(
                d > Duration::from_millis(299) && d <= Duration::from_millis(400),
                "{d:?}"
            );
        }
    }
}
