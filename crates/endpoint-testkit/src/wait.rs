//! Bounded polling: wait for a condition to hold, checking it every few milliseconds, up to
//! a limit. A test waits for what it needs, never for a fixed time.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often a condition is checked.
const POLL: Duration = Duration::from_millis(10);

/// A condition that did not hold within its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotYet {
    /// How long it was waited for.
    pub waited: Duration,
}

impl std::fmt::Display for NotYet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the condition still did not hold after {:.1} s",
            self.waited.as_secs_f64()
        )
    }
}

impl std::error::Error for NotYet {}

/// Checks `condition` every 10 ms until it holds, for at most `limit`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use endpoint_testkit::{eventually, SAFETY};
///
/// let done = Arc::new(AtomicBool::new(false));
/// let flag = done.clone();
/// tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
/// eventually(SAFETY, || done.load(Ordering::SeqCst)).await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`NotYet`] when `limit` passed and the condition still did not hold.
pub async fn eventually(
    limit: Duration,
    mut condition: impl FnMut() -> bool,
) -> Result<(), NotYet> {
    eventually_async(limit, || std::future::ready(condition())).await
}

/// As [`eventually`], for a condition that has to wait itself (a connect attempt, a query).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// let server = endpoint_testkit::tcp_echo_server().await?;
/// let address = server.address();
/// endpoint_testkit::eventually_async(endpoint_testkit::SAFETY, || async move {
///     tokio::net::TcpStream::connect(address).await.is_ok()
/// })
/// .await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`NotYet`] when `limit` passed and the condition still did not hold.
pub async fn eventually_async<F, Fut>(limit: Duration, mut condition: F) -> Result<(), NotYet>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if condition().await {
            return Ok(());
        }
        if started.elapsed() >= limit {
            return Err(NotYet {
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// As [`eventually`], blocking the thread (for tests without a runtime).
///
/// ```
/// use std::time::Duration;
/// let file = std::env::temp_dir();
/// endpoint_testkit::eventually_blocking(Duration::from_secs(1), || file.exists()).unwrap();
/// ```
///
/// # Errors
/// [`NotYet`] when `limit` passed and the condition still did not hold.
pub fn eventually_blocking(
    limit: Duration,
    mut condition: impl FnMut() -> bool,
) -> Result<(), NotYet> {
    let started = Instant::now();
    loop {
        if condition() {
            return Ok(());
        }
        if started.elapsed() >= limit {
            return Err(NotYet {
                waited: started.elapsed(),
            });
        }
        std::thread::sleep(POLL);
    }
}
