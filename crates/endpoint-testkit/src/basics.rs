//! The result a test returns and how long it waits: what the other modules share.

use std::time::Duration;

/// What a test (or a helper it calls) returns: any error, boxed, so `?` works on everything.
///
/// ```
/// use endpoint_testkit::TestResult;
///
/// fn parse_port(text: &str) -> TestResult<u16> {
///     Ok(text.parse()?)
/// }
/// assert_eq!(parse_port("8080").unwrap(), 8080);
/// assert!(parse_port("eighty").is_err());
/// ```
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// How long a test waits for anything before it gives up: only a safety net against a hung
/// test, generous so that a busy machine does not fail it.
///
/// ```
/// assert!(endpoint_testkit::SAFETY.as_secs() >= 10);
/// ```
pub const SAFETY: Duration = Duration::from_secs(20);
