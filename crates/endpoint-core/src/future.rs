//! The boxed future the object-safe traits return.

use std::future::Future;
use std::pin::Pin;

/// A boxed, `Send` future: what the object-safe endpoint traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
