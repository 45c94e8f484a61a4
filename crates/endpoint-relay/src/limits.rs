//! Idle and lifetime limits for a relayed pair, for operators who close what lingers.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// Which limit ended a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitReached {
    /// Nothing moved either way for the idle time.
    Idle,
    /// The pair reached its maximum lifetime.
    Lifetime,
}

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitReached::Idle => "idle too long",
            LimitReached::Lifetime => "lived its maximum lifetime",
        })
    }
}

impl std::error::Error for LimitReached {}

/// The limits of one pair; both off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Close the pair when no byte moved either way for this long.
    pub idle: Option<Duration>,
    /// Close the pair this long after it began, whatever it is doing.
    pub lifetime: Option<Duration>,
}

impl Limits {
    /// Limits of `idle` silence and `lifetime` in all (either may be off).
    pub fn new(idle: Option<Duration>, lifetime: Option<Duration>) -> Self {
        Limits { idle, lifetime }
    }

    /// True when neither limit is set.
    pub fn is_off(&self) -> bool {
        self.idle.is_none() && self.lifetime.is_none()
    }

    /// Wraps a relay (or any future): it resolves to the relay's output, or to the limit
    /// that ended it first, dropping the relay (and so closing both connections).
    ///
    /// Activity is seen without counting bytes: the relay is polled only when one of its
    /// sockets is ready, so each poll that is not the timer's own is activity. The timer
    /// fires at most once per idle period (it is moved forward when it fires, not at every
    /// byte), so a busy pair pays one clock read per poll and an idle one a timer entry.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use endpoint_relay::{LimitReached, Limits};
    /// let limits = Limits::new(Some(Duration::from_secs(60)), None);
    /// let silent = std::future::pending::<()>();
    /// assert_eq!(limits.apply(silent).await, Err(LimitReached::Idle));
    /// # }
    /// ```
    pub fn apply<F: Future>(self, inner: F) -> Limited<F> {
        let now = Instant::now();
        let lifetime_end = self.lifetime.map(|l| now + l);
        let first = match (self.idle.map(|i| now + i), lifetime_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Limited {
            inner,
            idle: self.idle,
            lifetime_end,
            last_activity: now,
            timer: first.map(|at| Box::pin(tokio::time::sleep_until(at))),
        }
    }
}

/// The future [`Limits::apply`] returns.
#[must_use = "a limited relay does nothing until awaited"]
pub struct Limited<F> {
    inner: F,
    idle: Option<Duration>,
    lifetime_end: Option<Instant>,
    last_activity: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<F: Future + Unpin> Future for Limited<F> {
    type Output = Result<F::Output, LimitReached>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let fired = match this.timer.as_mut() {
            Some(timer) => timer.as_mut().poll(cx).is_ready(),
            None => false,
        };
        if !fired {
            // Woken by a socket: activity.
            if this.idle.is_some() {
                this.last_activity = Instant::now();
            }
            return Pin::new(&mut this.inner).poll(cx).map(Ok);
        }
        let now = Instant::now();
        if this.lifetime_end.is_some_and(|end| now >= end) {
            return Poll::Ready(Err(LimitReached::Lifetime));
        }
        // The inner future may have work that woke at the same time.
        if let Poll::Ready(output) = Pin::new(&mut this.inner).poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let idle_end = this.idle.map(|idle| this.last_activity + idle);
        if idle_end.is_some_and(|end| now >= end) {
            return Poll::Ready(Err(LimitReached::Idle));
        }
        let next = match (idle_end, this.lifetime_end) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(now),
        };
        if let Some(timer) = this.timer.as_mut() {
            timer.as_mut().reset(next);
            // Registers the waker for the new deadline.
            if timer.as_mut().poll(cx).is_ready() {
                cx.waker().wake_by_ref();
            }
        }
        Poll::Pending
    }
}

impl<F> fmt::Debug for Limited<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limited")
            .field("idle", &self.idle)
            .field("lifetime_end", &self.lifetime_end)
            .finish_non_exhaustive()
    }
}
