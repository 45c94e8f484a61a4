//! Health settings: when a member counts as down, for how long, and whether it is probed.

use std::time::Duration;

/// How a [`Pool`](crate::Pool) decides a member is down, and when it tries it again.
///
/// **Passive** health watches real connects: `failures` consecutive failed connects mark a
/// member down for `backoff`; each time it fails again after that (its first connect once the
/// back-off has passed is a probe), the back-off doubles, up to `max_backoff`. One successful
/// connect marks it up and resets the back-off.
///
/// **Active** health ([`check`](Health::check)) connects to every member on an interval
/// through its whole stack (a `tls+` member completes its handshake), closes the connection,
/// and marks the member down at the first failed or timed-out probe and up at the first good
/// one, so a dead member stops getting traffic within one interval and a revived one gets it
/// back within one interval, even with no traffic to notice.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use endpoint_pool::Health;
/// let health = Health::default().check(Duration::from_secs(5), Duration::from_secs(2));
/// assert_eq!(health.failures, 3);
/// assert_eq!(health.interval, Some(Duration::from_secs(5)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Health {
    /// Consecutive failed connects that mark a member down (passive). Default 3: one refusal
    /// can be a restart's blink, three in a row is a member to skip. 0 is taken as 1.
    pub failures: u32,
    /// How long a member marked down is skipped before it is tried again. Default 1 s.
    pub backoff: Duration,
    /// The longest back-off, however often a member fails again. Default 30 s.
    pub max_backoff: Duration,
    /// How often each member is probed (active), if at all. Default: not probed.
    pub interval: Option<Duration>,
    /// How long a probe may take before it counts as failed. Default 2 s.
    pub timeout: Duration,
    /// How long one connect attempt to one member may take before the pool counts it as
    /// failed and goes on to the next member. Default: none, each member's own `timeout=`
    /// (30 s for `tcp:`), so a member that drops packets instead of refusing can hold a
    /// client that long; set it to bound what a silent member costs.
    pub connect_timeout: Option<Duration>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            failures: 3,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            interval: None,
            timeout: Duration::from_secs(2),
            connect_timeout: None,
        }
    }
}

impl Health {
    /// Probes every member each `interval`, failing a probe after `timeout` (active health).
    pub fn check(mut self, interval: Duration, timeout: Duration) -> Self {
        self.interval = Some(interval);
        self.timeout = timeout;
        self
    }

    /// Marks a member down after `failures` consecutive failed connects (passive health).
    pub fn failures(mut self, failures: u32) -> Self {
        self.failures = failures.max(1);
        self
    }

    /// Skips a member marked down for `backoff`, doubling on each further failure up to
    /// `max_backoff`.
    pub fn backoff(mut self, backoff: Duration, max_backoff: Duration) -> Self {
        self.backoff = backoff;
        self.max_backoff = max_backoff.max(backoff);
        self
    }

    /// Gives up on one member's connect attempt after `limit` and goes on to the next.
    pub fn connect_timeout(mut self, limit: Duration) -> Self {
        self.connect_timeout = Some(limit);
        self
    }

    pub(crate) fn next_backoff(&self, current: Option<Duration>) -> Duration {
        match current {
            None => self.backoff,
            Some(b) => (b * 2).min(self.max_backoff),
        }
    }
}
