//! A token bucket: `rate` bytes per second, at most `burst` saved up.

use std::task::{Context, Poll};
use std::time::Duration;

use std::future::Future;
use std::pin::Pin;
use tokio::time::{Instant, Sleep};

/// Tokens for one direction of a stream.
#[derive(Debug)]
pub(crate) struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Bucket {
    pub(crate) fn new(rate: u64, burst: u64) -> Self {
        Bucket {
            rate: rate as f64,
            burst: burst as f64,
            tokens: burst as f64,
            last: Instant::now(),
            sleep: None,
        }
    }

    /// How many bytes may pass now (at least 1), or `Pending` until one may.
    pub(crate) fn poll_allowance(&mut self, cx: &mut Context<'_>) -> Poll<usize> {
        loop {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            let now = Instant::now();
            let earned = now.duration_since(self.last).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + earned).min(self.burst);
            self.last = now;
            if self.tokens >= 1.0 {
                return Poll::Ready(self.tokens as usize);
            }
            let wait = Duration::from_secs_f64((1.0 - self.tokens) / self.rate);
            self.sleep = Some(Box::pin(tokio::time::sleep(wait)));
        }
    }

    /// Spends tokens for bytes that passed.
    pub(crate) fn spend(&mut self, bytes: usize) {
        self.tokens -= bytes as f64;
    }
}
