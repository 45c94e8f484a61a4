//! Secret option values: shown as `***` unless asked for on purpose.

use std::cell::Cell;

/// What a secret value prints as.
pub const MASK: &str = "***";

thread_local! {
    static REVEALED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with secret option values shown: canonical text produced inside (an endpoint's
/// `Display`, [`Registry::describe`](crate::Registry::describe)) carries them in clear, so it
/// parses back to the same endpoint. Everywhere else — `Display`, `Debug`, logs — they print
/// as [`MASK`].
///
/// # Examples
/// ```
/// use endpoint_core::description::{secrets_revealed, with_secrets};
/// assert!(!secrets_revealed());
/// assert!(with_secrets(secrets_revealed));
/// assert!(!secrets_revealed());
/// ```
pub fn with_secrets<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REVEALED.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REVEALED.with(|r| r.replace(true)));
    f()
}

/// True inside [`with_secrets`]: a kind writing a secret value writes it in clear.
pub fn secrets_revealed() -> bool {
    REVEALED.with(Cell::get)
}

/// `value`, or [`MASK`] outside [`with_secrets`].
pub fn shown(value: &str) -> &str {
    if secrets_revealed() {
        value
    } else {
        MASK
    }
}
