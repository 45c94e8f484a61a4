//! Tests that need a program the machine may not have: skipped with a notice on a
//! developer's machine, failed under CI (the `CI` environment variable set), where `.ci/run`
//! installs everything.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Whether a test may go on: `available` as it is, with a printed notice naming `what` when
/// it is false.
///
/// ```
/// // A test that needs something it found:
/// assert!(endpoint_testkit::require("a thing that is here", true));
/// ```
///
/// # Panics
/// When `available` is false and `CI` is set: CI installs what the tests need, so there a
/// missing program is a failure, never a skip.
pub fn require(what: &str, available: bool) -> bool {
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is required under CI (.ci/run installs it), and it is missing"
        );
        println!("skipped: {what} is not available");
    }
    available
}

/// Where the program `name` is on `PATH`, if anywhere.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The path of the program `name` on `PATH`; `None`, with a printed notice, when it is not
/// there (the test then returns early and passes).
///
/// ```
/// if let Some(sh) = endpoint_testkit::require_tool("sh") {
///     assert!(sh.ends_with("sh"));
/// }
/// ```
///
/// # Panics
/// When the program is missing and `CI` is set (see [`require`]).
pub fn require_tool(name: &str) -> Option<PathBuf> {
    let found = find_on_path(name);
    require(&format!("{name} (apt-get install {name})"), found.is_some());
    found
}

/// Whether `python3` can import `module` (`websockets`, `aioquic`); false, with a printed
/// notice, when it cannot.
///
/// ```no_run
/// if !endpoint_testkit::require_python_module("websockets") {
///     return; // skipped
/// }
/// ```
///
/// # Panics
/// When it cannot and `CI` is set (see [`require`]).
pub fn require_python_module(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    require(&format!("python3 with the {module} package"), ok)
}
